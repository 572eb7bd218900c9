"""Restores whose reboot is pending, restores by the id of a killed run, and a restore's input, end to end with
ansible-playbook against the simulated fleet (docs/reboots.md, docs/backups-and-restore.md).

- a restore run with ``schannel_reboot=never`` leaves its reboot pending: its own summary and a later drift offer
  the restore command for that reboot (the harden command would apply the profile the restore undid), and that
  command, copied, reboots the host into the restored state and writes nothing;
- a harden killed mid-write wrote backups but no result file: its run id is listed among the valid ones, and a
  restore by that id returns the host to its state before the killed run, check mode naming the later run undone
  with it;
- both ``schannel_restore_run_id`` and ``schannel_restore_backup_file``, a run id that is a path, a backup folder
  that is a file: refused before any host is contacted, naming the variable.

Address block 127.20.177.x.
"""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

from tests.fleet.conftest import Controller, output, writes
from tests.fleet.test_controller_killed import descendants, wait_until_writes_started
from tests.scenarios.restore_helpers import differences, registry, restore_settled, wsman_calls
from tests.scenarios.test_controller_kill import wait_gone
from tests.winsim.fleet import REPO_ROOT, Fleet

HOSTS = ("ms001", "ms002")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    with Fleet(tmp_path_factory.mktemp("restore-reboot"), hosts=len(HOSTS), os_mix=("2019", "2022"),
               first_ip="127.20.177.1", reboot_seconds=0.2) as running:
        yield running


def without_marker(found: list[str]) -> list[str]:
    """The differences apart from the collection's reboot marker (a stale one goes at the next restore)."""
    return [line for line in found if "fleetsec" not in line.casefold()]


def test_a_restore_whose_reboot_is_pending_is_rebooted_by_the_restore_not_by_harden(fleet, tmp_path):
    controller = Controller(tmp_path)
    host = "ms001"
    before = registry(fleet, host)
    hardened = controller.run("fleetsec.schannel.harden", fleet.inventory, "--limit", host, schannel_reboot="never",
                              schannel_profile="modern")
    assert hardened.returncode == 0, output(hardened)[-3000:]

    restored = controller.run("fleetsec.schannel.restore", fleet.inventory, "--limit", host,
                              schannel_reboot="never", schannel_run_id="restore-never")
    text = output(restored)
    assert restored.returncode == 0, text[-3000:]
    assert without_marker(differences(before, registry(fleet, host))) == []
    record = controller.report_dir / "restore-never" / ("%s.json" % host)
    assert '"status": "reboot_pending"' in record.read_text()
    assert "the values a restore (run restore-never) put back are written" in text, text[-3000:]
    assert "fleetsec.schannel.restore -e schannel_reboot=auto -l %s" % host in text, text[-3000:]

    # drift (the host differs from the profile: the restore undid it) names the restore for the pending reboot, not
    # a harden that would apply the profile again
    drift = controller.run("fleetsec.schannel.drift", fleet.inventory, "--limit", host)
    text = output(drift)
    assert drift.returncode == 2, text[-3000:]
    pending = [line for line in text.splitlines() if "applied, reboot pending:" in line]
    assert pending, text[-3000:]
    assert "the values a restore (run restore-never) put back are written" in pending[0], pending
    assert "fleetsec.schannel.restore -e schannel_reboot=auto -l %s" % host in pending[0], pending
    assert "fleetsec.schannel.harden" not in pending[0], pending

    # the command as offered: nothing more to put back, so it reboots and writes nothing
    fleet.control.reset_counters()
    again = controller.run("fleetsec.schannel.restore", fleet.inventory, "--limit", host, schannel_reboot="auto",
                           schannel_run_id="restore-reboot")
    text = output(again)
    assert again.returncode == 0, text[-3000:]
    counters = fleet.control.counters(host)
    assert counters["boots"] == 1, text[-3000:]
    assert writes(counters) == 0
    assert without_marker(differences(before, registry(fleet, host))) == []
    # the next restore finds the marker stale and removes it: the host is byte for byte as before harden
    settle = controller.run("fleetsec.schannel.restore", fleet.inventory, "--limit", host)
    assert settle.returncode == 0, output(settle)[-3000:]
    assert differences(before, registry(fleet, host)) == []


def test_a_killed_runs_id_restores_the_state_before_it(fleet, tmp_path):
    controller = Controller(tmp_path)
    host = "ms002"
    before = registry(fleet, host)
    fleet.control.set_fault(host, "slow:40")
    fleet.control.reset_counters()
    try:
        process = subprocess.Popen(
            controller.command("fleetsec.schannel.harden", fleet.inventory, "--limit", host,
                               schannel_reboot="never", schannel_run_id="killed"),
            cwd=REPO_ROOT, env=controller.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        wait_until_writes_started(fleet, process)
        workers = descendants(process.pid)
        os.killpg(process.pid, signal.SIGKILL)
        assert process.wait(30) == -signal.SIGKILL
        assert wait_gone(workers) == [], "workers outlived their controller"
    finally:
        fleet.control.clear_fault(host, "slow:40")
    assert not (controller.report_dir / "killed" / ("%s.json" % host)).exists()
    completed = controller.run("fleetsec.schannel.harden", fleet.inventory, "--limit", host, schannel_reboot="never",
                               schannel_run_id="completing")
    assert completed.returncode == 0, output(completed)[-3000:]

    unknown = controller.run("fleetsec.schannel.restore", fleet.inventory, "--limit", host, "--check",
                             schannel_restore_run_id="nosuch")
    assert unknown.returncode == 2, output(unknown)[-3000:]
    assert "runs with a backup of %s: killed, completing" % host in output(unknown), output(unknown)[-3000:]

    check = controller.run("fleetsec.schannel.restore", fleet.inventory, "--limit", host, "--check",
                           schannel_restore_run_id="killed")
    text = output(check)
    assert check.returncode == 2, text[-3000:]  # --check exits 2 when a host would change, as drift does
    assert "the backup run killed wrote for %s: the state before that run, so the 1 later backup(s) of the host " \
           "(runs completing) are undone with it" % host in text, text[-3000:]

    back = restore_settled(controller, fleet, "--limit", host, schannel_restore_run_id="killed")
    assert back.returncode == 0, output(back)[-3000:]
    assert differences(before, registry(fleet, host)) == []


@pytest.mark.parametrize(("variables", "message"), [
    ({"schannel_restore_run_id": "killed", "schannel_restore_backup_file": "/tmp/ms001.json"},
     "schannel_restore_run_id (killed) and schannel_restore_backup_file (/tmp/ms001.json) are both given"),
    ({"schannel_restore_run_id": "../../etc"},
     "schannel_restore_run_id '../../etc' must be one path segment of letters, digits"),
    ({"schannel_backup_dir": "/etc/passwd"},
     "schannel_backup_dir /etc/passwd is not a directory: set it to the folder harden wrote its backups to"),
])
def test_a_restore_input_that_cannot_mean_one_thing_is_refused_before_any_host(fleet, tmp_path, variables, message):
    controller = Controller(tmp_path)
    fleet.control.reset_counters()
    proc = controller.run("fleetsec.schannel.restore", fleet.inventory, **variables)
    text = output(proc)
    assert proc.returncode == 2, text[-3000:]
    assert message in text, text[-3000:]
    assert set(wsman_calls(fleet).values()) == {0}
