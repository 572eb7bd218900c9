"""Every simulator fault in one ``harden`` run: the healthy hosts converge, each faulty host fails alone with its
cause and WS-Man/WMI code, no write is left unrecorded, and a re-run after the faults clear converges.

One fleet of ten Windows Server 2019 hosts; rolling is switched off (``schannel_serial=100%``,
``schannel_max_fail_percentage=100``) so that every host is tried in the same batch. The sequence (harden with
faults, clear, drift, harden, drift) runs once for the module; the tests read what it left.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.fleet.conftest import Controller, change_ids, output, writes
from tests.winsim.fleet import Fleet

HEALTHY = ("ms001", "ms010")
FAULTS = {
    "ms002": "down",
    "ms003": "slow:100",
    "ms004": "wrong-password",
    "ms005": "access-denied",
    "ms006": "fault-after:60",  # the read of a fresh 2019 host costs 53 calls: the fault hits the write part-way
    "ms007": "reset",  # every request gets a TCP reset until cleared
    "ms008": "reboot-hang",
}
SHELLS_FORBIDDEN = "ms009"  # WinRS AllowRemoteShellAccess = 0: the collection needs no shell, so it converges
HARDEN_VARS = {"schannel_serial": "100%", "schannel_max_fail_percentage": 100, "schannel_reboot_timeout": 8}


@dataclass
class Matrix:
    first: dict[str, dict]
    first_output: str
    first_rc: int
    first_counters: dict
    after_fault: dict[str, dict]  # drift (check mode) once the faults are cleared: the hosts' true state
    second: dict[str, dict]
    second_rc: int
    final_rc: int
    final: dict[str, dict]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory) -> Matrix:
    root = tmp_path_factory.mktemp("fault-matrix")
    controller = Controller(root)
    faults = tuple(f"{host}={fault}" for host, fault in FAULTS.items())
    with Fleet(root / "fleet", hosts=10, os_mix=("2019",), first_ip="127.20.12.1", faults=faults,
               settings=(f"{SHELLS_FORBIDDEN}=remote-shell:off",)) as fleet:
        first = controller.run("fleetsec.schannel.harden", fleet.inventory, **HARDEN_VARS)
        first_results = controller.latest_results()
        counters = fleet.control.counters()
        for host in FAULTS:
            fleet.control.clear_fault(host)
        fleet.control.wait_for_state("ms008", "up")
        controller.run("fleetsec.schannel.drift", fleet.inventory)
        after_fault = controller.latest_results()
        second = controller.run("fleetsec.schannel.harden", fleet.inventory, **HARDEN_VARS)
        second_results = controller.latest_results()
        final = controller.run("fleetsec.schannel.drift", fleet.inventory)
        return Matrix(first_results, output(first), first.returncode, counters, after_fault, second_results,
                      second.returncode, final.returncode, controller.latest_results())


def test_healthy_hosts_converge_beside_faulty_ones(matrix):
    assert matrix.first_rc != 0, "the run must fail when hosts failed"
    for host in (*HEALTHY, "ms003", SHELLS_FORBIDDEN):
        record = matrix.first[host]
        assert (record["status"], record["errors"]) == ("changed", []), (host, record["errors"])
        assert record["reboot"]["performed"] is True
        assert record["verification"]["readback"]["ok"] is True
        assert len(record["changes"]) == len(record["drift"]) > 0


def test_no_remote_shell_is_ever_opened(matrix):
    methods = matrix.first_counters["totals"]["methods"]
    assert not [m for m in methods if m.startswith("Shell.")], methods


@pytest.mark.parametrize(("host", "expected"), [
    ("ms002", ("unreachable", "WsmanTransportError", None, "Connection refused")),
    ("ms004", ("unreachable", "WsmanTransportError", 401, "credentials were rejected")),
    ("ms005", ("failed", "RegistryAccessDenied", 5, "returned 5 ERROR_ACCESS_DENIED")),
    ("ms006", ("failed", "WsmanFault", None, "WMI error 2150859174 (0x803381A6) w:InternalError")),
    ("ms007", ("unreachable", "WsmanTransportError", None, "Connection reset by peer")),
    ("ms008", ("failed", "HostUnreachable", None, "did not come back with a new boot time")),
])
def test_each_faulty_host_fails_alone_naming_cause_and_code(matrix, host, expected):
    status, type_, code, words = expected
    record = matrix.first[host]
    assert record["status"] == status
    assert len(record["errors"]) == 1, record["errors"]
    error = record["errors"][0]
    assert error["type"] == type_
    assert words in error["message"]
    if code is not None:
        assert error["code"] == code
    assert f"{host}: {status}" in matrix.first_output


def test_nothing_written_where_writes_are_denied_or_the_host_is_unreachable(matrix):
    for host in ("ms002", "ms004", "ms005", "ms007"):
        assert matrix.first[host]["changes"] == [], host
        assert writes(matrix.first_counters["hosts"][host]) == (1 if host == "ms005" else 0)
        # the true state once the fault is gone: every value still to change, as on a host never touched
        assert change_ids(matrix.after_fault[host]["drift"]) == change_ids(matrix.first["ms001"]["drift"]), host


def test_a_write_stopped_part_way_is_recorded_exactly(matrix):
    record = matrix.first["ms006"]
    written, planned = record["changes"], record["drift"]
    assert 0 < len(written) < len(planned)
    assert "write stopped after %d of %d values" % (len(written), len(planned)) in record["errors"][0]["message"]
    backup = record["backup_file"]
    assert str(backup).endswith(".json")
    # what the host holds is what the record says: the values left are exactly the drift found afterwards
    assert change_ids(matrix.after_fault["ms006"]["drift"]) == change_ids(planned) - change_ids(written)


def test_a_host_whose_reboot_never_returns_is_left_reboot_pending(matrix):
    record = matrix.first["ms008"]
    assert record["reboot"]["pending"] is True
    assert record["reboot"]["performed"] is False
    assert len(record["changes"]) == len(record["drift"]) > 0
    # clearing the fault lets the hung reboot finish (the simulator boots the host): the settings are in force
    after = matrix.after_fault["ms008"]
    assert (after["status"], after["drift"], after["reboot"]["pending"]) == ("compliant", [], False)


def test_rerun_after_the_faults_clear_converges_without_a_manual_step(matrix):
    assert matrix.second_rc == 0, {h: r["errors"] for h, r in matrix.second.items() if r["errors"]}
    for host, record in matrix.second.items():
        assert record["status"] in ("changed", "compliant"), (host, record["status"])
        assert record["reboot"]["pending"] is False, host
    assert matrix.final_rc == 0
    assert {r["status"] for r in matrix.final.values()} == {"compliant"}
