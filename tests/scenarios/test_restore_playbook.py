"""The restore playbook as administrators run it, end to end with ansible-playbook against the simulated fleet: it
closes its run inside its play as harden does (docs/backups-and-restore.md "How a restore run ends").

- ``restore -l HOST`` prints the summary and records the host (the limit leaves out localhost, where a closing play
  used to run and was skipped);
- a host never touched (``wrong-password``: refused at login, before any write) is recorded as unreachable and
  reported, the other hosts are restored batch after batch, and the run exits 4;
- restoring twice is idempotent: after ``restore -e schannel_restore_run_id=runA`` undid runA and the later runB, a
  plain ``restore`` finds the latest backup already undone and writes nothing (before, it wrote runB's backup, the
  hardened state, back), and check mode says so.

Harden runs with ``schannel_reboot: never`` (quick), restores reboot where Schannel needs it (the default), and a
second restore then removes the reboot marker that boot made stale, so the registries compare whole
(restore_helpers.differences).
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.fleet.conftest import Controller, output, writes
from tests.scenarios.restore_helpers import differences, registry, restore_settled
from tests.winsim.fleet import Fleet

HOSTS = ("ms001", "ms002", "ms003", "ms004")
# The default rollout for the restores (serial 20%: one host a batch here, max_fail_percentage 0).
HARDEN = {"schannel_reboot": "never", "schannel_serial": "100%"}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    with Fleet(tmp_path_factory.mktemp("restore-playbook"), hosts=len(HOSTS), os_mix=("2016", "2019", "2022", "2025"),
               first_ip="127.20.175.1", reboot_seconds=0.2) as running:
        yield running


def hardened(fleet: Fleet, controller: Controller, *args: str, **extra) -> None:
    proc = controller.run("fleetsec.schannel.harden", fleet.inventory, *args, **HARDEN, **extra)
    assert proc.returncode == 0, output(proc)[-3000:]


def restore(fleet: Fleet, controller: Controller, *args: str, **extra) -> subprocess.CompletedProcess:
    return controller.run("fleetsec.schannel.restore", fleet.inventory, *args, **extra)


def result(controller: Controller, run_id: str, host: str) -> dict:
    return json.loads((controller.report_dir / run_id / ("%s.json" % host)).read_text())


def test_restore_with_a_limit_closes_its_run(fleet, tmp_path):
    controller = Controller(tmp_path)
    host = "ms002"
    before = {h: registry(fleet, h) for h in HOSTS}
    hardened(fleet, controller)
    assert differences(before[host], registry(fleet, host))
    proc = restore(fleet, controller, "--limit", host, schannel_run_id="restore-limit")
    text = output(proc)
    assert proc.returncode == 0, text[-3000:]
    assert "skipping: no hosts matched" not in text
    assert "1 host(s): 1 changed" in text, text[-3000:]
    assert "results: %s" % (controller.report_dir / "restore-limit") in text
    assert result(controller, "restore-limit", host)["status"] == "changed"
    settle = restore(fleet, controller, "--limit", host)
    assert settle.returncode == 0, output(settle)[-3000:]
    # the rest of the fleet is put back for the next test
    rest = restore_settled(controller, fleet, "--limit", "!%s" % host)
    assert rest.returncode == 0, output(rest)[-3000:]
    for h in HOSTS:
        assert differences(before[h], registry(fleet, h)) == [], h


def test_an_unreachable_host_does_not_stop_a_fleet_restore(fleet, tmp_path):
    controller = Controller(tmp_path)
    before = {h: registry(fleet, h) for h in HOSTS}
    hardened(fleet, controller)
    fleet.control.set_fault("ms001", "wrong-password")
    try:
        fleet.control.reset_counters()
        proc = restore(fleet, controller, schannel_run_id="restore-all")
        counters = fleet.control.counters()
    finally:
        fleet.control.clear_fault("ms001", "wrong-password")
    text = output(proc)
    assert proc.returncode == 4, text[-4000:]
    assert writes(counters["hosts"]["ms001"]) == 0
    status = {h: result(controller, "restore-all", h)["status"] for h in HOSTS}
    assert status == {"ms001": "unreachable", "ms002": "changed", "ms003": "changed", "ms004": "changed"}, status
    assert "4 host(s): 3 changed, 1 unreachable" in text, text[-4000:]
    assert "1 host(s) could not be reached or authenticated: ms001" in text
    # the host reached again: the same restore puts it back, and the others (already put back) stay as they are
    again = restore_settled(controller, fleet)
    assert again.returncode == 0, output(again)[-3000:]
    for h in HOSTS:
        assert differences(before[h], registry(fleet, h)) == [], h


def test_a_second_restore_does_not_write_a_backup_already_undone(fleet, tmp_path):
    controller = Controller(tmp_path)
    host = "ms003"
    before = registry(fleet, host)
    hardened(fleet, controller, "--limit", host, schannel_run_id="runA")
    hardened(fleet, controller, "--limit", host, schannel_run_id="runB", schannel_profile="modern")
    assert len(controller.backups(host)) == 2
    back = restore_settled(controller, fleet, "--limit", host, schannel_restore_run_id="runA")
    assert back.returncode == 0, output(back)[-3000:]
    assert differences(before, registry(fleet, host)) == []
    for backup in controller.backups(host):
        assert backup.with_suffix(".restored").exists(), backup

    # check mode says the latest backup was already undone, by default and by run id
    fleet.control.reset_counters()
    check = restore(fleet, controller, "--limit", host, "--check")
    assert check.returncode == 0, output(check)[-3000:]
    assert "nothing to put back on %s: its latest backup %s was already undone by a restore" % (
        host, controller.backups(host)[-1].stem) in output(check), output(check)[-3000:]
    by_run = restore(fleet, controller, "--limit", host, "--check", schannel_restore_run_id="runB")
    assert by_run.returncode == 2, output(by_run)[-3000:]  # by run id it would write runB's state: --check exits 2
    assert "(run runB, already undone by a restore (" in output(by_run), output(by_run)[-3000:]
    assert writes(fleet.control.counters(host)) == 0

    # a plain restore writes nothing (it used to write runB's backup, the state runA had left, back)
    again = restore(fleet, controller, "--limit", host)
    assert again.returncode == 0, output(again)[-3000:]
    assert "changed=0" in output(again), output(again)[-3000:]
    assert writes(fleet.control.counters(host)) == 0
    assert differences(before, registry(fleet, host)) == []


def test_a_restore_in_check_mode_reboots_nothing_and_says_a_reboot_would_be_needed(fleet, tmp_path):
    """--check restores nothing, so its reboot handler is skipped rather than reported changed; the summary still
    says that the restore, when run, needs a reboot."""
    controller = Controller(tmp_path)
    host = "ms004"
    before = registry(fleet, host)
    hardened(fleet, controller, "--limit", host)
    fleet.control.reset_counters()
    check = restore(fleet, controller, "--limit", host, "--check", schannel_run_id="restore-check")
    text = output(check)
    assert check.returncode == 2, text[-3000:]  # --check exits 2 when a host would change
    handler = text.split("RUNNING HANDLER [fleetsec.schannel.schannel : Reboot the host", 1)[1].split("\nTASK", 1)[0]
    assert "skipping: [%s]" % host in handler, handler
    assert "changed:" not in handler, handler
    counters = fleet.control.counters(host)
    assert counters["boots"] == 0
    assert writes(counters) == 0
    record = result(controller, "restore-check", host)
    assert record["status"] == "drifted"
    assert record["reboot"] == {"required": True, "pending": False, "pending_by": None, "performed": False,
                                "elapsed": None}
    assert "    needs a reboot when applied: Schannel reads these values at boot" in text, text[-3000:]
    assert "fix: apply the settings" not in text  # a restore is not fixed by harden
    back = restore_settled(controller, fleet, "--limit", host)
    assert back.returncode == 0, output(back)[-3000:]
    assert differences(before, registry(fleet, host)) == []
