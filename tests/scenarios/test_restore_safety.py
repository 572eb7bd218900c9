"""Restore where it once was unsafe, end to end with ansible-playbook on the simulated fleet:
keys the change created that someone else has written to since, a backup of another Windows build, a run id
followed by later runs, damaged backups (a value's data, ``created_parents``), the reboot marker, and how a restore
that stops part-way reports.

Every host returns byte for byte, the reboot marker included, once it has rebooted and the next restore has read
the marker (README "Backups and rollback", "Reboots").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fleet.conftest import Controller, output, writes
from tests.scenarios.restore_helpers import differences, restore_settled
from tests.sim.module_runner import host_registry
from tests.winsim.fleet import Fleet

HOSTS = ("ms001", "ms002")
RUN = {"schannel_serial": "100%", "schannel_max_fail_percentage": 100, "schannel_reboot": "never"}
AES128 = r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Ciphers\AES 128/128"
SUITE_POLICY = r"SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002"
REG_SZ, REG_DWORD = 1, 4


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    with Fleet(tmp_path_factory.mktemp("restore-safety"), hosts=len(HOSTS), os_mix=("2019", "2012r2"),
               first_ip="127.20.174.1", reboot_seconds=0.2) as running:
        yield running


def harden(controller: Controller, fleet: Fleet, host: str, **extra) -> None:
    proc = controller.run("fleetsec.schannel.harden", fleet.inventory, "--limit", host, **{**RUN, **extra})
    assert proc.returncode == 0, output(proc)[-3000:]


def restore(controller: Controller, fleet: Fleet, host: str, *args: str, **extra):
    return controller.run("fleetsec.schannel.restore", fleet.inventory, "--limit", host, *args, **{**RUN, **extra})


def back_to(controller: Controller, fleet: Fleet, host: str, before: dict, **extra) -> None:
    """Restore (rebooting, then reading the stale marker: ``restore_settled``): the host equals ``before`` byte for
    byte, marker included, and the same restore again changes nothing."""
    done = restore_settled(controller, fleet, "--limit", host, **{**RUN, **extra})
    assert done.returncode == 0, output(done)[-3000:]
    assert differences(before, host_registry(fleet, host)) == []
    again = restore(controller, fleet, host, **extra)
    assert again.returncode == 0, output(again)[-3000:]
    assert "changed=0" in output(again), output(again)[-3000:]


def tampered(controller: Controller, host: str, tmp_path: Path, edit) -> Path:
    document = json.loads(controller.backups(host)[-1].read_text())
    edit(document)
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(document))
    return path


def test_a_created_key_someone_wrote_to_since_is_kept_with_what_they_wrote(fleet, tmp_path):
    controller = Controller(tmp_path)
    host = HOSTS[0]
    before = host_registry(fleet, host)
    assert AES128.casefold() not in before
    assert SUITE_POLICY.casefold() not in before
    harden(controller, fleet, host)
    foreign = [
        {"op": "set_value", "key": AES128, "name": "Comment", "type": REG_SZ, "data": "kept by the CISO"},
        {"op": "set_value", "key": AES128 + "\\Sub", "name": "X", "type": REG_DWORD, "data": 7},
        {"op": "set_value", "key": SUITE_POLICY, "name": "GpoMarker", "type": REG_SZ, "data": "gpo"},
    ]
    fleet.control.edit_registry(host, foreign)
    with_foreign = host_registry(fleet, host)

    fleet.control.reset_counters()
    check = restore(controller, fleet, host, "--check", "--diff")
    assert check.returncode == 2, output(check)[-3000:]
    text = output(check)
    assert "kept HKLM\\%s, which the change being undone created" % AES128 in text, text[-3000:]
    assert "value 'Comment', subkey Sub" in text
    assert "kept HKLM\\%s" % SUITE_POLICY in text
    assert "value 'GpoMarker'" in text
    assert '-"Enabled"=dword' in text  # --diff shows the value taken out of the kept key
    assert writes(fleet.control.counters(host)) == 0
    assert host_registry(fleet, host) == with_foreign

    # the foreign values, the subkey and the keys holding them stay; all the change wrote goes
    expected = {k: dict(v) for k, v in before.items()}
    expected[AES128.casefold()] = {"comment": (REG_SZ, "kept by the CISO")}
    expected[(AES128 + "\\Sub").casefold()] = {"x": (REG_DWORD, 7)}
    expected[SUITE_POLICY.casefold()] = {"gpomarker": (REG_SZ, "gpo")}
    back_to(controller, fleet, host, expected)
    fleet.control.edit_registry(host, [{"op": "delete_key", "key": AES128 + "\\Sub"},
                                       {"op": "delete_key", "key": AES128}, {"op": "delete_key", "key": SUITE_POLICY}])


def test_a_run_id_restores_the_state_before_that_run_undoing_later_runs_too(fleet, tmp_path):
    controller = Controller(tmp_path)
    host = HOSTS[0]
    before = host_registry(fleet, host)
    harden(controller, fleet, host, schannel_run_id="first")
    harden(controller, fleet, host, schannel_run_id="second", schannel_profile="modern")
    assert len(controller.backups(host)) == 2

    check = restore(controller, fleet, host, "--check", schannel_restore_run_id="first")
    assert check.returncode == 2, output(check)[-3000:]
    assert "the state before that run, so the 1 later backup(s) of the host" in output(check), output(check)[-3000:]
    back_to(controller, fleet, host, before, schannel_restore_run_id="first")


def test_a_backup_of_another_windows_build_is_refused_before_any_write(fleet, tmp_path):
    controller = Controller(tmp_path)
    host = HOSTS[1]
    before = host_registry(fleet, host)
    harden(controller, fleet, host)
    hardened = host_registry(fleet, host)
    path = tampered(controller, host, tmp_path, lambda d: d["os"].update(key="2008r2", build=7601))
    fleet.control.reset_counters()
    proc = restore(controller, fleet, host, schannel_restore_backup_file=str(path))
    assert proc.returncode != 0
    text = output(proc)
    assert "(OS key 2008r2, build 7601) but %s runs" % host in text, text[-3000:]
    assert "(OS key 2012r2, build 9600) now" in text
    assert "reinstalled or upgraded" in text
    assert "by hand from its .reg file" in text
    assert writes(fleet.control.counters(host)) == 0
    assert host_registry(fleet, host) == hardened
    back_to(controller, fleet, host, before)


@pytest.mark.parametrize(("edit", "words"), [
    (lambda d: d["restore"].append({"op": "set_value", "key": d["restore"][0]["key"], "name": "Enabled",
                                    "type": "REG_DWORD", "data": "notanumber"}),
     ["restore[%d]: REG_DWORD data must be a 32-bit integer, got 'notanumber'"]),
    (lambda d: d["created_parents"].append("HKLM\\SOFTWARE\\Microsoft"),
     ["created_parents[%d]: HKLM\\\\SOFTWARE\\\\Microsoft is not a key above the Schannel"]),
], ids=["invalid-data", "foreign-created-parent"])
def test_a_damaged_backup_in_a_series_is_refused_before_any_request(fleet, tmp_path, edit, words):
    """The damaged file is the newest of a run id's series: the older one is checked and the host untouched."""
    controller = Controller(tmp_path)
    host = HOSTS[1]
    before = host_registry(fleet, host)
    harden(controller, fleet, host, schannel_run_id="first")
    harden(controller, fleet, host, schannel_run_id="second", schannel_profile="modern")
    hardened = host_registry(fleet, host)
    newest = controller.backups(host)[-1]
    document = json.loads(newest.read_text())
    edit(document)
    index = len(document["restore"]) - 1 if "restore[" in words[0] else len(document["created_parents"]) - 1
    newest.write_text(json.dumps(document))
    fleet.control.reset_counters()
    proc = restore(controller, fleet, host, schannel_restore_run_id="first")
    assert proc.returncode != 0
    text = output(proc)
    assert "backup_file %s" % newest in text, text[-3000:]
    for word in words:
        assert word % index in text, text[-3000:]
    assert fleet.control.counters(host)["requests"] == 0
    assert host_registry(fleet, host) == hardened
    newest.unlink()
    back_to(controller, fleet, host, before, schannel_restore_run_id="first")


def test_a_restore_stopped_part_way_says_so_briefly_and_a_rerun_finishes(fleet, tmp_path):
    controller = Controller(tmp_path)
    host = HOSTS[0]
    before = host_registry(fleet, host)
    harden(controller, fleet, host, schannel_run_id="made")
    fleet.control.reset_counters()
    check = restore(controller, fleet, host, "--check")
    assert check.returncode == 2, output(check)[-3000:]
    reads = sum(fleet.control.counters(host)["methods"].values())
    fleet.control.set_fault(host, "fault-after:%d" % (reads + 8))
    stopped = restore(controller, fleet, host, schannel_run_id="stopped")
    fleet.control.clear_fault("*")
    assert stopped.returncode != 0
    record = json.loads((controller.report_dir / "stopped" / ("%s.json" % host)).read_text())
    message = record["errors"][0]["message"]
    assert "restore stopped part-way after" in message, message
    assert "re-run it to finish" in message, message
    assert len(message) < 800, message  # cause, counts, where the details are: not the changes themselves
    assert '"key"' not in message
    back_to(controller, fleet, host, before)
