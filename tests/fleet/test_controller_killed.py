"""The controller killed (SIGKILL) in the middle of ``harden``'s writes: every value a host received is in that
host's backup (written before the first write), the restore playbook puts the hosts back exactly, and a plain
re-run converges.

The hosts answer 40 ms late (``slow:40``) so that a write of about sixty values lasts a few seconds; the kill is
sent once the simulator's counters show that writes have started (a condition, not a delay).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from tests.fleet.conftest import Controller, change_ids, writes
from tests.winsim.fleet import REPO_ROOT, Fleet

HOSTS = ("ms001", "ms002", "ms003", "ms004")
UNTOUCHED = "ms004"  # limited out of the killed run: what a host never written looks like to drift


def wait_until_writes_started(fleet: Fleet, process: subprocess.Popen, timeout: float = 120) -> int:
    """Poll the simulator's counters until some host got a StdRegProv write; returns that count."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "harden ended before it wrote anything"
        counted = sum(writes(c) for c in fleet.control.counters()["hosts"].values())
        if counted >= 3:
            return counted
        time.sleep(0.01)
    raise TimeoutError("harden wrote nothing in %s s" % timeout)


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc parent links)."""
    parents = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:  # ended while we looked
                continue
    found, frontier = [], [pid]
    while frontier:
        pid = frontier.pop()
        children = [p for p, parent in parents.items() if parent == pid]
        found += children
        frontier += children
    return found


def process_state(pid: int) -> str:
    """The state letter of /proc/<pid>/stat (``T`` stopped, ``Z`` dead and not yet reaped); "" once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


def kill_controller(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGKILL ansible-playbook and its forks at once, as a crash of the controller's machine would. Its workers run
    in sessions of their own (ansible-core detaches them), so a signal to the process group alone does not reach
    them (they then stop by themselves before their next write: tests/scenarios/test_controller_kill.py); here the
    main process is stopped first so that it forks no more, then every process dies.

    A signal is delivered asynchronously: the main process may still fork a worker after ``kill`` returns, so its
    descendants are listed only once /proc shows it stopped, and listed again until none is left alive."""
    os.kill(process.pid, signal.SIGSTOP)
    deadline = time.monotonic() + timeout
    while process_state(process.pid) != "T":
        assert time.monotonic() < deadline, "ansible-playbook did not stop"
        time.sleep(0.001)
    while alive := [pid for pid in descendants(process.pid) if process_state(pid) not in ("", "Z", "X")]:
        assert time.monotonic() < deadline, "the controller's workers did not die: %s" % alive
        for pid in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout) == -signal.SIGKILL


def test_controller_killed_mid_write_leaves_every_write_recoverable(tmp_path):
    controller = Controller(tmp_path)
    with Fleet(tmp_path / "fleet", hosts=len(HOSTS), os_mix=("2019",), first_ip="127.20.13.1",
               faults=tuple(f"{h}=slow:40" for h in HOSTS[:-1])) as fleet:
        controller.run("fleetsec.schannel.drift", fleet.inventory)
        fresh = controller.latest_results()
        process = subprocess.Popen(
            controller.command("fleetsec.schannel.harden", fleet.inventory, "--limit", ",".join(HOSTS[:-1]),
                               schannel_serial="100%"),
            cwd=REPO_ROOT, env=controller.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        wait_until_writes_started(fleet, process)
        kill_controller(process)
        counters = fleet.control.counters()["hosts"]
        fleet.control.clear_fault("*")

        written = [h for h in HOSTS[:-1] if writes(counters[h])]
        assert written, "the kill came before any write"
        partly = [h for h in written if controller.backups(h)]
        assert partly == written, "a host got writes without a backup on the controller"
        # and a record that its write did not finish (written before the first value), for the next run to read
        assert all(list((controller.backup_dir / h).glob("*.partial.json")) for h in written)
        assert writes(counters[UNTOUCHED]) == 0

        # drift shows the half-written hosts as they are: fewer values left than on the untouched host
        controller.run("fleetsec.schannel.drift", fleet.inventory)
        interrupted = controller.latest_results()
        assert any(len(interrupted[h]["drift"]) < len(fresh[h]["drift"]) for h in written)

        # the backups taken before the kill put every touched host back exactly as Windows shipped it
        restore = controller.run("fleetsec.schannel.restore", fleet.inventory, "--limit", ",".join(written))
        assert restore.returncode == 0, restore.stdout[-3000:]
        controller.run("fleetsec.schannel.drift", fleet.inventory)
        restored = controller.latest_results()
        for host in HOSTS:
            assert change_ids(restored[host]["drift"]) == change_ids(fresh[UNTOUCHED]["drift"]), host

        # and a plain re-run converges, with no manual step
        again = controller.run("fleetsec.schannel.harden", fleet.inventory)
        assert again.returncode == 0, again.stdout[-3000:]
        final = controller.run("fleetsec.schannel.drift", fleet.inventory)
        assert final.returncode == 0, final.stdout[-3000:]
        assert {r["status"] for r in controller.latest_results().values()} == {"compliant"}
