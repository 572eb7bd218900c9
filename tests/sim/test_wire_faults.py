"""Each fault kind a test can switch on, seen from the unmodified client."""

from __future__ import annotations

import errno
import socket
import time

import pytest
import requests
from winrm.exceptions import InvalidCredentialsError, WSManFaultError

from tests.sim.wsman_client import OS_URI, SCHANNEL, enumerate_wql, invoke, reg
from tests.winsim.control import ControlClientError

ALL_PORTS = (5985, 5986, 8460, 8462, 8463)


def connect_errno(ip: str, port: int) -> int:
    with socket.socket() as sock:
        sock.settimeout(5)
        return sock.connect_ex((ip, port))


def test_down_refuses_every_port_until_cleared(fleet, control):
    ip = fleet.host("ms003").ip
    assert control.set_fault("ms003", "down")[0]["state"] == "down"
    assert {port: connect_errno(ip, port) for port in ALL_PORTS} == dict.fromkeys(ALL_PORTS, errno.ECONNREFUSED)
    with pytest.raises(requests.exceptions.ConnectionError):
        fleet.protocol("ms003").open_shell()
    assert control.clear_fault("ms003", "down")[0]["state"] == "up"
    assert {port: connect_errno(ip, port) for port in ALL_PORTS} == dict.fromkeys(ALL_PORTS, 0)
    assert reg(fleet.protocol("ms003"), "EnumKey", SCHANNEL)["ReturnValue"] == ["0"]


def test_slow_adds_latency_to_each_request(fleet, control, proto):
    reg(proto, "EnumKey", SCHANNEL)  # authenticate first: only the measured call below is timed
    control.set_fault("ms001", "slow:300")
    started = time.monotonic()
    reg(proto, "EnumKey", SCHANNEL)
    assert time.monotonic() - started >= 0.3
    assert control.host("ms001")["faults"] == ["slow:300"]


def test_wrong_password_fault_rejects_the_right_password(fleet, control):
    control.set_fault("ms001", "wrong-password")
    with pytest.raises(InvalidCredentialsError):
        fleet.protocol("ms001").open_shell()
    control.clear_fault("ms001", "wrong-password")
    proto = fleet.protocol("ms001")
    proto.close_shell(proto.open_shell())


def test_fault_after_n_calls(fleet, control, proto):
    control.set_fault("ms001", "fault-after:2")
    assert reg(proto, "EnumKey", SCHANNEL)["ReturnValue"] == ["0"]
    assert reg(proto, "EnumKey", SCHANNEL)["ReturnValue"] == ["0"]
    for _ignored in range(2):
        with pytest.raises(WSManFaultError) as exc:
            reg(proto, "EnumKey", SCHANNEL)
        assert (exc.value.code, exc.value.fault_code, exc.value.fault_subcode) == (500, "s:Receiver",
                                                                                   "w:InternalError")
        assert exc.value.wmierror_code == 2150859174
        assert "maximum number of 1500 concurrent operations" in exc.value.reason
    assert control.counters("ms001")["faults_sent"] >= 2


def test_reset_n_resets_the_next_n_requests(fleet, control):
    proto = fleet.protocol("ms001")
    reg(proto, "EnumKey", SCHANNEL)
    control.set_fault("ms001", "reset:1")
    before = control.counters("ms001")["resets"]
    with pytest.raises(requests.exceptions.ConnectionError, match=r"reset by peer|Connection aborted"):
        reg(proto, "EnumKey", SCHANNEL)
    assert control.counters("ms001")["resets"] == before + 1
    assert control.host("ms001")["faults"] == []  # reset:1 is used up
    assert reg(fleet.protocol("ms001"), "EnumKey", SCHANNEL)["ReturnValue"] == ["0"]


def test_reboot_hang_never_comes_back_until_cleared(fleet, control):
    proto = fleet.protocol("ms002")
    key = _os_key(proto)
    boots = control.counters("ms002")["boots"]
    control.set_fault("ms002", "reboot-hang")
    out = invoke(proto, OS_URI, "Reboot", [], selectors={"Name": key})
    assert [(c.tag.rpartition("}")[2], c.text) for c in out] == [("ReturnValue", "0")]
    control.wait_for_state("ms002", "hung", timeout=10)
    assert connect_errno(fleet.host("ms002").ip, 5985) == errno.ECONNREFUSED
    control.clear_fault("ms002", "reboot-hang")
    control.wait_for_state("ms002", "up", timeout=10)
    assert control.counters("ms002")["boots"] == boots + 1


def test_unknown_fault_is_refused_by_the_control_channel(control):
    with pytest.raises(ControlClientError, match="unknown fault 'melt'"):
        control.set_fault("ms001", "melt")
    with pytest.raises(ControlClientError, match="no host 'ms999'"):
        control.set_fault("ms999", "down")


def _os_key(proto) -> str:
    resp = enumerate_wql(proto, "select Name from Win32_OperatingSystem", optimize=True)
    return resp.find(f".//{{{OS_URI}}}Name").text
