"""The restore playbook as administrators run it, end to end with ansible-playbook against the simulated fleet: it
closes its run inside its play as harden does (docs/backups-and-restore.md "How a restore run ends").

- ``restore -l HOST`` prints the summary and records the host (the limit leaves out localhost, where a closing play
  used to run and was skipped);
- a host never touched (``wrong-password``: refused at login, before any write) is recorded as unreachable and
  reported, the other hosts are restored batch after batch, and the run exits 4.
"""

from __future__ import annotations

import json

import pytest

from tests.fleet.conftest import Controller, output, writes
from tests.scenarios.restore_helpers import differences, registry
from tests.winsim.fleet import Fleet

HOSTS = ("ms001", "ms002", "ms003", "ms004")
# The default rollout (serial 20%: one host a batch here, max_fail_percentage 0); no reboot, so that each run is quick.
RUN = {"schannel_reboot": "never"}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    with Fleet(tmp_path_factory.mktemp("restore-playbook"), hosts=len(HOSTS), os_mix=("2016", "2019", "2022", "2025"),
               first_ip="127.20.175.1", reboot_seconds=0.2) as running:
        yield running


def hardened(fleet: Fleet, controller: Controller, run_id: str, **extra) -> None:
    proc = controller.run("fleetsec.schannel.harden", fleet.inventory, schannel_run_id=run_id, **RUN, **extra)
    assert proc.returncode == 0, output(proc)[-3000:]


def result(controller: Controller, run_id: str, host: str) -> dict:
    return json.loads((controller.report_dir / run_id / ("%s.json" % host)).read_text())


def test_restore_with_a_limit_closes_its_run(fleet, tmp_path):
    controller = Controller(tmp_path)
    host = "ms002"
    before = registry(fleet, host)
    hardened(fleet, controller, "harden-limit", **{"schannel_serial": "100%"})
    assert differences(before, registry(fleet, host))
    proc = controller.run("fleetsec.schannel.restore", fleet.inventory, "--limit", host,
                          schannel_run_id="restore-limit", **RUN)
    text = output(proc)
    assert proc.returncode == 0, text[-3000:]
    assert "skipping: no hosts matched" not in text
    assert "1 host(s): 1 changed" in text, text[-3000:]
    assert "results: %s" % (controller.report_dir / "restore-limit") in text
    assert result(controller, "restore-limit", host)["status"] == "changed"
    assert differences(before, registry(fleet, host)) == []
    # the rest of the fleet is put back for the next test
    rest = controller.run("fleetsec.schannel.restore", fleet.inventory, "--limit", "!%s" % host, **RUN)
    assert rest.returncode == 0, output(rest)[-3000:]


def test_an_unreachable_host_does_not_stop_a_fleet_restore(fleet, tmp_path):
    controller = Controller(tmp_path)
    before = {host: registry(fleet, host) for host in HOSTS}
    hardened(fleet, controller, "harden-all", **{"schannel_serial": "100%"})
    fleet.control.set_fault("ms001", "wrong-password")
    try:
        fleet.control.reset_counters()
        proc = controller.run("fleetsec.schannel.restore", fleet.inventory, schannel_run_id="restore-all", **RUN)
        counters = fleet.control.counters()
    finally:
        fleet.control.clear_fault("ms001", "wrong-password")
    text = output(proc)
    assert proc.returncode == 4, text[-4000:]
    assert writes(counters["hosts"]["ms001"]) == 0
    status = {host: result(controller, "restore-all", host)["status"] for host in HOSTS}
    assert status == {"ms001": "unreachable", "ms002": "changed", "ms003": "changed", "ms004": "changed"}, status
    assert "4 host(s): 3 changed, 1 unreachable" in text, text[-4000:]
    assert "1 host(s) could not be reached or authenticated: ms001" in text
    for host in HOSTS[1:]:
        assert differences(before[host], registry(fleet, host)) == [], host
    # the host reached again: the same restore puts it back
    again = controller.run("fleetsec.schannel.restore", fleet.inventory, "--limit", "ms001", **RUN)
    assert again.returncode == 0, output(again)[-3000:]
    assert differences(before["ms001"], registry(fleet, "ms001")) == []
