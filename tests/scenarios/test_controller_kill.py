"""ansible-playbook killed (SIGKILL of its whole process group) in the middle of ``harden``'s writes, as an operator's
kill -9 or an OOM kill does: the forked workers, in sessions of their own and so not in that group, stop before
their next write and exit; each host they wrote has its partial record; a re-run completes the change and a restore
with defaults puts every host back to its registry before the change, value for value.

The hosts answer 40 ms late (``slow:40``) so that a write of about sixty values lasts a few seconds; the kill is
sent once the simulator's counters show that writes have started (a condition, not a delay).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

from tests.fleet.conftest import Controller, output, writes
from tests.fleet.test_controller_killed import descendants, process_state, wait_until_writes_started
from tests.scenarios.restore_helpers import differences, registry, restore_settled
from tests.winsim.fleet import REPO_ROOT, Fleet

VERSIONS = ("2012r2", "2019", "2025")
HOSTS = tuple("ms%03d" % (i + 1) for i in range(len(VERSIONS)))
RUN = {"schannel_serial": "100%", "schannel_max_fail_percentage": 100, "schannel_reboot": "never"}


def wait_gone(pids: list[int], timeout: float = 30) -> list[int]:
    """The pids still alive (not gone, not a zombie) after ``timeout`` seconds, or [] as soon as none is."""
    deadline = time.monotonic() + timeout
    while alive := [p for p in pids if process_state(p) not in ("", "Z", "X")]:
        if time.monotonic() > deadline:
            return alive
        time.sleep(0.05)
    return []


def test_workers_stop_writing_once_their_controller_is_killed(tmp_path):
    controller = Controller(tmp_path)
    with Fleet(tmp_path / "fleet", hosts=len(HOSTS), os_mix=VERSIONS, first_ip="127.20.173.1",
               faults=tuple(f"{h}=slow:40" for h in HOSTS), reboot_seconds=0.2) as fleet:
        before = {h: registry(fleet, h) for h in HOSTS}
        process = subprocess.Popen(
            controller.command("fleetsec.schannel.harden", fleet.inventory, **RUN),
            cwd=REPO_ROOT, env=controller.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        wait_until_writes_started(fleet, process)
        workers = descendants(process.pid)
        os.killpg(process.pid, signal.SIGKILL)
        assert process.wait(30) == -signal.SIGKILL
        at_kill = {h: writes(c) for h, c in fleet.control.counters()["hosts"].items()}

        # the workers exit by themselves (none hangs on the dead controller's pipe) ...
        assert workers, "no worker was running at the kill"
        assert wait_gone(workers) == [], "workers outlived their controller"
        fleet.control.clear_fault("*")
        final = {h: writes(c) for h, c in fleet.control.counters()["hosts"].items()}
        # ... having written at most the one write in flight at the kill
        assert all(final[h] - at_kill[h] <= 1 for h in HOSTS), (at_kill, final)
        written = [h for h in HOSTS if final[h]]
        assert written, "the kill came before any write"
        for host in written:  # each host written has its record: what was written, what was not, and why
            records = list((controller.backup_dir / host).glob("*.partial.json"))
            assert len(records) == 1, host
            record = json.loads(records[0].read_text())
            assert "the controller" in record["error"], record["error"]
            if final[host] < 50:  # stopped in the middle: the record lists what is left
                assert record["not_written"], host
        folders = [controller.backup_dir, *controller.backup_dir.iterdir()]
        assert all((p.stat().st_mode & 0o777) == 0o700 for p in folders), folders

        # the next run reads the records, completes the change, and a restore undoes it as one change
        again = controller.run("fleetsec.schannel.harden", fleet.inventory, **RUN)
        assert again.returncode == 0, output(again)[-3000:]
        assert "stopped part-way" in output(again)
        folders = [controller.report_dir, *(p for p in controller.report_dir.rglob("*") if p.is_dir())]
        assert all((p.stat().st_mode & 0o777) == 0o700 for p in folders), folders
        restore = restore_settled(controller, fleet, **RUN)
        assert restore.returncode == 0, output(restore)[-3000:]
        for host in HOSTS:
            assert differences(before[host], registry(fleet, host)) == [], host
