"""A write stopped by a fault, the re-run that completes it, then ``restore`` in each of its three forms, on all six
Windows versions, end to end with ansible-playbook: every host goes back to its registry before the change series,
value for value over the whole registry, the reboot marker included once the hosts rebooted
(tests/scenarios/restore_helpers.py ``differences``, ``restore_settled``).

The fault (``fault-after:N``, the simulator answering every call after the Nth with a SOAP fault) is placed from
the host's own read cost, measured by a drift run just before, so that it hits the write part-way on each version.
Then: a backup that reaches outside the managed values is refused before any write, and a restore with nothing to
restore (an empty backup folder, an unknown run id) says what is wrong and what to give, with no request sent.
"""

from __future__ import annotations

import json

import pytest

from tests.fleet.conftest import Controller, output, writes
from tests.scenarios.restore_helpers import ALL_VERSIONS, differences, registry, restore_settled, wsman_calls
from tests.winsim.fleet import Fleet

HOSTS = tuple("ms%03d" % (i + 1) for i in range(len(ALL_VERSIONS)))
RUN = {"schannel_serial": "100%", "schannel_max_fail_percentage": 100, "schannel_reboot": "never"}
# After the read (measured) the write learns which keys exist (a few EnumKey calls); the fault comes this many calls
# after the read, within the sixty-odd writes of a fresh host.
INTO_THE_WRITE = 25


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    with Fleet(tmp_path_factory.mktemp("fault-restore"), hosts=len(HOSTS), os_mix=ALL_VERSIONS,
               first_ip="127.20.171.1", reboot_seconds=0.2) as running:
        yield running


def fault_then_rerun(fleet: Fleet, controller: Controller) -> dict[str, dict]:
    """harden stopped part-way on every host (run ``fault``), then a re-run that completes it (run ``rerun``);
    returns the registries the re-run left."""
    fleet.control.reset_counters()
    controller.run("fleetsec.schannel.drift", fleet.inventory)
    reads = wsman_calls(fleet)
    for host in HOSTS:
        fleet.control.set_fault(host, "fault-after:%d" % (reads[host] + INTO_THE_WRITE))
    first = controller.run("fleetsec.schannel.harden", fleet.inventory, schannel_run_id="fault", **RUN)
    fleet.control.clear_fault("*")
    assert first.returncode != 0
    for host in HOSTS:
        record = json.loads((controller.report_dir / "fault" / ("%s.json" % host)).read_text())
        assert record["status"] == "failed", (host, record.get("error"))
        partial = list((controller.backup_dir / host).glob("*.partial.json"))
        assert len(partial) == 1, host
        stopped = json.loads(partial[0].read_text())
        assert stopped["written"], host  # part-way, as the scenario needs
        assert stopped["not_written"], host
    second = controller.run("fleetsec.schannel.harden", fleet.inventory, schannel_run_id="rerun", **RUN)
    assert second.returncode == 0, output(second)[-3000:]
    assert "stopped part-way" in output(second)
    assert "undoes both as one change" in output(second)
    for host in HOSTS:
        assert len(controller.backups(host)) == 2, host
    return {h: registry(fleet, h) for h in HOSTS}


@pytest.mark.parametrize("form", ["defaults", "run_id", "file"])
def test_restore_after_a_fault_and_its_rerun_returns_every_host(fleet, tmp_path, form):
    controller = Controller(tmp_path)
    before = {h: registry(fleet, h) for h in HOSTS}
    hardened = fault_then_rerun(fleet, controller)
    assert all(differences(before[h], hardened[h]) for h in HOSTS)

    if form == "defaults":
        # check mode names the series, its files and the values, and writes nothing
        fleet.control.reset_counters()
        check = controller.run("fleetsec.schannel.restore", fleet.inventory, "--check", "--diff", **RUN)
        assert check.returncode == 2, output(check)[-3000:]  # the hosts would change
        text = output(check)
        for host in HOSTS:
            assert "the latest change series of %s: 2 backup(s)" % host in text
            first, second = controller.backups(host)
            assert "%s (run fault, its write stopped part-way" % first in text
            assert "%s (run rerun," % second in text
            assert writes(fleet.control.counters(host)) == 0
            assert registry(fleet, host) == hardened[host]
        assert "1 write(s) stopped part-way" in text
        assert '"Enabled"' in text  # the --diff shows the values that will be put back
        restore = restore_settled(controller, fleet, **RUN)
        assert restore.returncode == 0, output(restore)[-3000:]
    elif form == "run_id":
        restore = restore_settled(controller, fleet, schannel_restore_run_id="fault", **RUN)
        assert restore.returncode == 0, output(restore)[-3000:]
    else:
        for host in HOSTS:
            first_backup = controller.backups(host)[0]
            restore = restore_settled(controller, fleet, "--limit", host,
                                      schannel_restore_backup_file=str(first_backup), **RUN)
            assert restore.returncode == 0, output(restore)[-3000:]

    # byte for byte, the reboot marker included, once the hosts rebooted and the next restore read the marker
    for host in HOSTS:
        assert differences(before[host], registry(fleet, host)) == [], (form, host)
    # and a second restore of the same kind changes nothing
    again = controller.run("fleetsec.schannel.restore", fleet.inventory, "--limit", HOSTS[0],
                           **({"schannel_restore_run_id": "fault"} if form == "run_id" else {}), **RUN)
    assert again.returncode == 0, output(again)[-3000:]
    assert "changed=0" in output(again), output(again)[-3000:]


def test_a_backup_reaching_outside_the_managed_values_is_refused_before_any_write(fleet, tmp_path):
    controller = Controller(tmp_path)
    host = HOSTS[3]
    made = controller.run("fleetsec.schannel.harden", fleet.inventory, "--limit", host, **RUN)
    assert made.returncode == 0, output(made)[-3000:]
    after_harden = registry(fleet, host)
    backup = controller.backups(host)[-1]
    document = json.loads(backup.read_text())
    document["restore"].append({"op": "delete_key", "key": "HKLM\\SOFTWARE\\Microsoft"})
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(document))
    fleet.control.reset_counters()
    proc = controller.run("fleetsec.schannel.restore", fleet.inventory, "--limit", host,
                          schannel_restore_backup_file=str(tampered), **RUN)
    assert proc.returncode != 0
    text = output(proc)
    assert "delete_key HKLM\\\\SOFTWARE\\\\Microsoft is outside the Schannel keys and values" in text, text[-3000:]
    assert fleet.control.counters(host)["requests"] == 0  # refused before the host was contacted
    assert registry(fleet, host) == after_harden
    # the untampered backup still restores (and leaves the fleet as it found it for the other tests)
    back = restore_settled(controller, fleet, "--limit", host, **RUN)
    assert back.returncode == 0, output(back)[-3000:]


@pytest.mark.parametrize(("extra", "words"), [
    ({}, ["no backup of ms001 in", "schannel_backup_dir", "schannel_restore_backup_file"]),
    ({"schannel_restore_run_id": "20990101T000000Z"},
     ["schannel_restore_run_id '20990101T000000Z': no result file of ms001", "no run in", "wrote a backup of ms001",
      "leave it out to restore the host's latest change"]),
    ({"schannel_restore_backup_file": "."}, ["backup_file . is a folder: name one backup in it"]),
], ids=["empty-backup-dir", "unknown-run-id", "a-folder-as-file"])
def test_a_restore_with_nothing_to_restore_says_what_to_give(fleet, tmp_path, extra, words):
    controller = Controller(tmp_path)
    fleet.control.reset_counters()
    proc = controller.run("fleetsec.schannel.restore", fleet.inventory, "--limit", "ms001", **extra, **RUN)
    assert proc.returncode != 0
    text = output(proc)
    for word in words:
        assert word in text, text[-3000:]
    assert "Errno" not in text
    assert "lookup" not in text.lower()
    assert fleet.control.counters("ms001")["requests"] == 0
