"""A host lost mid-write is a failed change, not an unreachable host: end to end with ansible-playbook, one host per
batch (``schannel_serial=1``), for ``harden`` and ``restore`` (docs/reboots.md, docs/backups-and-restore.md).

The host is slowed, then set ``down`` once it has taken some writes (the simulator's control channel, as a host
that drops off the network): the record and the summary say the write stopped part-way, how far it came and what
to do, name the transport error, the rollout stops after its batch (the next host gets no request) and the run
exits 2. A restore stopped by a fault reports only what it did, and the planned total as planned. ``--check`` of
harden and restore exits 2 when a host would change, as drift does.

Address block: 127.20.176.x (tests/scenarios/restore_helpers.py lists the others).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.fleet.conftest import Controller, output, writes
from tests.winsim.fleet import Fleet

RUN = {"schannel_serial": 1, "schannel_reboot": "never"}
SLOW = "slow:150"  # milliseconds per request: the write of ~60 values takes seconds, time to pull the plug
AFTER_WRITES = 6


def start(root: Path, first_ip: str) -> Fleet:
    return Fleet(root / "fleet", hosts=2, os_mix=("2019",), first_ip=first_ip, reboot_seconds=0.2)


def down_after_writes(fleet: Fleet, host: str, count: int) -> threading.Thread:
    """Set ``host`` down once it has taken ``count`` registry writes since the counters were reset."""
    def watch() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if writes(fleet.control.counters(host)) >= count:
                fleet.control.set_fault(host, "down")
                return
            time.sleep(0.05)
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def lost_mid_write(fleet: Fleet, run: Callable[[], object], host: str = "ms001"):
    fleet.control.reset_counters()
    fleet.control.set_fault(host, SLOW)
    watcher = down_after_writes(fleet, host, AFTER_WRITES)
    proc = run()
    watcher.join(timeout=5)
    counters = fleet.control.counters()
    fleet.control.clear_fault(host)
    return proc, counters


def assert_stopped_after_the_batch(proc, counters, record: dict, text: str) -> None:
    assert proc.returncode == 2, text[-4000:]
    assert record["status"] == "failed", record["errors"]
    message = record["errors"][0]["message"]
    assert "unreachable during the write" in message, message
    assert record["changes"], "the values written before the host was lost"
    assert writes(counters["hosts"]["ms002"]) == 0
    assert counters["hosts"]["ms002"]["wsman_calls"] == 0
    assert "not started, the rollout stopped before their batch: ms002" in text
    assert "the rollout stopped, a host's change failed or broke it" in text
    assert "ms001: failed (" in text
    assert "host(s) could not be reached" not in text  # the lost host counts as failed, not as never touched


def test_a_host_lost_mid_harden_stops_the_rollout_after_its_batch(tmp_path):
    controller = Controller(tmp_path)
    with start(tmp_path, "127.20.176.1") as fleet:
        proc, counters = lost_mid_write(
            fleet, lambda: controller.run("fleetsec.schannel.harden", fleet.inventory, **RUN))
    results = controller.latest_results()
    text = output(proc)
    assert sorted(results) == ["ms001"]
    record = results["ms001"]
    assert_stopped_after_the_batch(proc, counters, record, text)
    partial = record["partial"]
    assert 0 < partial["written"] < partial["planned"], partial
    assert partial["written"] == len(record["changes"])
    assert partial["written"] >= AFTER_WRITES - 1  # a key created counts as a write too
    assert Path(partial["record_file"]).name.endswith(".partial.json")
    assert "write stopped after %d of %d values" % (partial["written"], partial["planned"]) in text
    assert "stopped part-way: %d of %d values written; re-run harden to complete it" % (
        partial["written"], partial["planned"]) in text
    assert "undoes both as one change" in text
    assert "the settings are written" not in text
    assert "%d value(s) changed" % partial["written"] in text


def test_a_host_lost_mid_restore_stops_the_rollout_after_its_batch(tmp_path):
    controller = Controller(tmp_path)
    with start(tmp_path, "127.20.176.11") as fleet:
        hardened = controller.run("fleetsec.schannel.harden", fleet.inventory, **RUN)
        assert hardened.returncode == 0, output(hardened)[-3000:]
        proc, counters = lost_mid_write(
            fleet, lambda: controller.run("fleetsec.schannel.restore", fleet.inventory, **RUN))
    results = controller.latest_results()
    text = output(proc)
    assert sorted(results) == ["ms001"]
    record = results["ms001"]
    assert_stopped_after_the_batch(proc, counters, record, text)
    assert "restore stopped part-way after" in record["errors"][0]["message"]


def test_a_restore_stopped_by_a_fault_reports_only_what_it_did(tmp_path):
    controller = Controller(tmp_path)
    with start(tmp_path, "127.20.176.21") as fleet:
        hardened = controller.run("fleetsec.schannel.harden", fleet.inventory, "--limit", "ms001", **RUN)
        assert hardened.returncode == 0, output(hardened)[-3000:]
        fleet.control.reset_counters()
        check = controller.run("fleetsec.schannel.restore", fleet.inventory, "--limit", "ms001", "--check", **RUN)
        planned = controller.latest_results()["ms001"]["drift"]
        reads = fleet.control.counters("ms001")["wsman_calls"]
        fleet.control.set_fault("ms001", "fault-after:%d" % (reads + 5))
        proc = controller.run("fleetsec.schannel.restore", fleet.inventory, "--limit", "ms001", **RUN)
        fleet.control.clear_fault("ms001")
    assert check.returncode == 2, output(check)[-3000:]  # check mode: a host that would change fails the run
    text = output(proc)
    assert proc.returncode == 2, text[-3000:]
    record = controller.latest_results()["ms001"]
    assert record["status"] == "failed"
    message = record["errors"][0]["message"]
    done, total = (int(n) for n in re.search(r"restore stopped part-way after (\d+) of (\d+) operations \(planned: "
                                             r"\d+ key deletion\(s\), \d+ value\(s\)\)", message).groups())
    assert 0 < done < total, message
    # only what was done (the values of the keys deleted so far, the values written), not the plan
    assert 0 < len(record["changes"]) < len(planned), (len(record["changes"]), len(planned))
    line = "ms001: failed (Microsoft Windows Server 2019 Standard; %d value(s) changed)" % len(record["changes"])
    assert line in text, text[-3000:]


def test_check_mode_of_harden_and_restore_exits_2_when_a_host_would_change(tmp_path):
    controller = Controller(tmp_path)
    with start(tmp_path, "127.20.176.31") as fleet:
        preview = controller.run("fleetsec.schannel.harden", fleet.inventory, "--check", **RUN)
        relaxed = controller.run("fleetsec.schannel.harden", fleet.inventory, "--check",
                                 schannel_fail_on_drift=False, **RUN)
        hardened = controller.run("fleetsec.schannel.harden", fleet.inventory, **RUN)
        again = controller.run("fleetsec.schannel.harden", fleet.inventory, "--check", **RUN)
        restore_preview = controller.run("fleetsec.schannel.restore", fleet.inventory, "--check", **RUN)
        counters = fleet.control.counters()
    assert preview.returncode == 2, output(preview)[-3000:]
    assert "2 host(s) would change: ms001, ms002 (run the same command without --check to apply" in output(preview)
    assert relaxed.returncode == 0, output(relaxed)[-3000:]
    assert hardened.returncode == 0, output(hardened)[-3000:]
    assert again.returncode == 0, output(again)[-3000:]  # nothing left to change
    assert restore_preview.returncode == 2, output(restore_preview)[-3000:]
    assert "would change: ms001, ms002 (run the same command without --check to restore them" in \
        output(restore_preview)
    assert counters["hosts"]["ms001"]["boots"] == counters["hosts"]["ms002"]["boots"]
