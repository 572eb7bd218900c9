"""Each fault kind a test can switch on, seen from the unmodified client."""

from __future__ import annotations

import errno
import socket
import time

import pytest
import requests
from winrm.exceptions import InvalidCredentialsError, WinRMTransportError, WSManFaultError

from tests.sim.wsman_client import OS_URI, SCHANNEL, enumerate_wql, invoke, os_instance, os_property, reg
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


def test_reset_n_resets_exactly_the_next_n_requests(fleet, control):
    reg(fleet.protocol("ms001"), "EnumKey", SCHANNEL)
    control.set_fault("ms001", "reset:2")
    before = control.counters("ms001")
    for left in (["reset:2 (1 left)"], []):
        with pytest.raises(requests.exceptions.ConnectionError, match=r"reset by peer|Connection aborted"):
            reg(fleet.protocol("ms001"), "EnumKey", SCHANNEL)
        assert control.host("ms001")["faults"] == left
    after = control.counters("ms001")
    assert after["resets"] == before["resets"] + 2
    assert after["wsman_calls"] == before["wsman_calls"] + 2  # each reset took exactly one WS-Man request
    assert control.host("ms001")["faults"] == []  # reset:2 is used up
    assert reg(fleet.protocol("ms001"), "EnumKey", SCHANNEL)["ReturnValue"] == ["0"]


def test_a_new_connection_must_authenticate_again(fleet, control, proto):
    """NTLM in WinRM authenticates the TCP connection: after a reset, a sealed request on a new connection without
    an Authorization header gets 401 Negotiate, and pywinrm, which keeps its old sealing context, cannot recover on
    its own (requests_ntlm re-authenticates and replays the message sealed with the old context: HTTP 400)."""
    reg(proto, "EnumKey", SCHANNEL)
    sealed = requests.post(f"http://{fleet.host('ms001').ip}:5985/wsman", timeout=10, data=b"--Encrypted Boundary--",
                           headers={"Content-Type": 'multipart/encrypted;protocol="application/'
                                                    'HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"'})
    assert (sealed.status_code, sealed.headers["WWW-Authenticate"]) == (401, "Negotiate")
    control.set_fault("ms001", "reset:1")
    with pytest.raises(requests.exceptions.ConnectionError):
        reg(proto, "EnumKey", SCHANNEL)
    challenges = control.counters("ms001")["auth_challenges"]
    with pytest.raises(WinRMTransportError, match="Code 400"):
        reg(proto, "EnumKey", SCHANNEL)  # same client, new connection: 401, re-authentication, stale seal
    assert control.counters("ms001")["auth_challenges"] > challenges
    assert reg(fleet.protocol("ms001"), "EnumKey", SCHANNEL)["ReturnValue"] == ["0"]  # a fresh client recovers


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
    return os_property(os_instance(enumerate_wql(proto, "select Name from Win32_OperatingSystem", optimize=True)),
                       "Name").text
