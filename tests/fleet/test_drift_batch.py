"""``drift`` reads every host from one task (win_schannel ``hosts``) and hands each host its answer in a light task of
its own (``from_batch``): each host is reached with its own inventory settings, a fault fails that host alone with
its cause and code, and every host still shows in Ansible's recap and in its result file.

One fleet of six Windows Server 2019 hosts. The inventory is the simulator's, with two changes that only a batch
reading each host's own variables gets right: the user name comes from a template in the group's variables (resolved
in each host's context), and one host has a wrong password of its own. Two more hosts have simulator faults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import yaml

from tests.fleet.conftest import Controller, output, writes
from tests.winsim.fleet import Fleet

OWN_WRONG_PASSWORD = "ms002"  # a host variable of its own: the batch must use it for this host alone
FAULTS = {"ms003": "down", "ms004": "fault-after:5"}  # refused; a WMI fault part-way through the read
HEALTHY = ("ms001", "ms005", "ms006")


@dataclass
class DriftRun:
    rc: int
    output: str
    results: dict[str, dict]
    counters: dict


@pytest.fixture(scope="module")
def drift(tmp_path_factory) -> DriftRun:
    root = tmp_path_factory.mktemp("drift-batch")
    controller = Controller(root)
    faults = tuple(f"{host}={fault}" for host, fault in FAULTS.items())
    with Fleet(root / "fleet", hosts=6, os_mix=("2019",), first_ip="127.20.16.1", faults=faults) as fleet:
        inventory = yaml.safe_load(fleet.inventory.read_text())
        group = inventory["all"]["children"]["mailstore"]
        group["vars"]["sim_login"] = group["vars"]["ansible_user"]
        group["vars"]["ansible_user"] = "{{ sim_login }}"
        group["hosts"][OWN_WRONG_PASSWORD]["ansible_password"] = "not-" + group["vars"]["ansible_password"]
        path = root / "inventory.yml"
        path.write_text(yaml.safe_dump(inventory))
        fleet.control.reset_counters()
        proc = controller.run("fleetsec.schannel.drift", path, "-v")
        return DriftRun(proc.returncode, output(proc), controller.latest_results(), fleet.control.counters())


def test_healthy_hosts_are_reported_drifted_with_their_values(drift):
    for host in HEALTHY:
        record = drift.results[host]
        assert (record["status"], record["errors"]) == ("drifted", []), (host, record["errors"])
        assert len(record["drift"]) > 20  # a fresh 2019 host against recommended


def test_each_faulty_host_fails_alone_with_its_cause_and_code(drift):
    wrong = drift.results[OWN_WRONG_PASSWORD]
    assert wrong["status"] == "unreachable"
    assert wrong["errors"][0]["code"] == 401, wrong["errors"]
    down = drift.results["ms003"]
    assert down["status"] == "unreachable"
    assert "Connection refused" in down["errors"][0]["message"]
    faulted = drift.results["ms004"]
    assert faulted["status"] == "failed"
    assert "2150859174" in faulted["errors"][0]["message"]  # 0x803381A6 w:InternalError, the fault's WMI code
    assert drift.rc == 4, "an unreachable host makes ansible-playbook exit 4"


def test_every_host_shows_in_the_recap_from_its_own_task(drift):
    # Each host ends with its own result: a drifted host `failed` (schannel_fail_on_drift), an unreachable one
    # `unreachable`; the run-once steps (ms001 runs them first) count on no host.
    for host in HEALTHY:  # drifted: fresh hosts against recommended
        assert re.search(r"^%s\s+: ok=\d+\s+changed=1\s+unreachable=0\s+failed=1" % host, drift.output, re.M), host
    # An unreachable host stays in its batch to be recorded (ignore_unreachable): its own read says UNREACHABLE
    # (ignored), and its result ends it unreachable.
    for host in (OWN_WRONG_PASSWORD, "ms003"):
        assert re.search(r"^%s\s+: ok=1\s+changed=0\s+unreachable=1\s+failed=0\s+skipped=0\s+rescued=0\s+ignored=1"
                         % host, drift.output, re.M), host
        assert re.search(r"^fatal: \[%s\]: UNREACHABLE!" % host, drift.output, re.M), host
    assert re.search(r"^ms004\s+: ok=\d+\s+changed=0\s+unreachable=0\s+failed=2", drift.output, re.M)
    assert "-> localhost]: UNREACHABLE" not in drift.output
    assert re.search(r"win_schannel: 6 of 6 hosts checked", drift.output)  # progress at -v


def test_each_host_is_read_once_and_nothing_is_written(drift):
    assert writes(drift.counters["totals"]) == 0
    for host in HEALTHY:
        counted = drift.counters["hosts"][host]["wsman_calls"]
        assert counted == drift.results[host]["calls"], host  # the batch's read, and no second one per host
        assert drift.counters["hosts"][host]["auth_failures"] == 0
    assert drift.counters["hosts"][OWN_WRONG_PASSWORD]["wsman_calls"] == 0


def test_a_failed_tls_verification_fails_the_compliance_run(tmp_path):
    """The TLS scan judges a whole serial batch from one task; a host whose verdict is not pass still makes the run
    exit 2, as the playbook documents (hosts as Windows ships them fail the recommended profile's scan)."""
    controller = Controller(tmp_path)
    with Fleet(tmp_path / "fleet", hosts=2, os_mix=("2019",), first_ip="127.20.16.21") as fleet:
        proc = controller.run("fleetsec.schannel.compliance", fleet.inventory, schannel_fail_on_drift=False)
    results = controller.latest_results()
    assert {record["status"] for record in results.values()} == {"failed"}
    assert all(record["verification"]["tls"]["verdict"] == "fail" for record in results.values())
    assert proc.returncode == 2, output(proc)[-3000:]
    assert "2 host(s) failed: ms001, ms002" in output(proc)
