"""WinRM service policies as Windows applies them, seen by unmodified pywinrm: the WinRS policy
``AllowRemoteShellAccess`` (shells refused, WMI still served)."""

from __future__ import annotations

import pytest
from winrm.exceptions import WSManFaultError

from tests.sim.wsman_client import SCHANNEL, reg
from tests.winsim.fleet import Fleet

WINRS_POLICY = r"SOFTWARE\Policies\Microsoft\Windows\WinRM\Service\WinRS"


def _assert_shell_refused(proto) -> None:
    with pytest.raises(WSManFaultError) as exc:
        proto.open_shell()
    assert exc.value.code == 500
    assert (exc.value.fault_code, exc.value.fault_subcode) == ("s:Receiver", "w:InternalError")
    assert exc.value.wsman_fault_code == 2150859180  # ERROR_WSMAN_REMOTESHELLS_NOT_ALLOWED
    assert exc.value.reason == ("The WS-Management service cannot process the request. The service is configured "
                                "to not accept any remote shell requests.")


@pytest.fixture
def shells_forbidden(fleet, control):
    """ms003 with the WinRS policy switched off through the control channel; switched back on afterwards."""
    info = control.set_setting("ms003", "remote-shell", False)
    assert info["settings"]["remote-shell"] is False
    yield fleet.protocol("ms003")
    control.set_setting("ms003", "remote-shell", True)


def test_remote_shell_access_off_refuses_shells_but_serves_stdregprov(shells_forbidden):
    proto = shells_forbidden
    _assert_shell_refused(proto)
    # Same host, same connection: WMI over WS-Man is not a shell and still works.
    assert reg(proto, "GetDWORDValue", SCHANNEL, "EventLogging") == {"uValue": ["1"], "ReturnValue": ["0"]}
    assert reg(proto, "GetDWORDValue", WINRS_POLICY, "AllowRemoteShellAccess") == {
        "uValue": ["0"], "ReturnValue": ["0"]}


def test_the_registry_value_itself_switches_the_policy_live(fleet, control):
    proto = fleet.protocol("ms001")
    assert reg(proto, "CreateKey", WINRS_POLICY) == {"ReturnValue": ["0"]}
    try:
        assert reg(proto, "SetDWORDValue", WINRS_POLICY, "AllowRemoteShellAccess", uValue="0") == {
            "ReturnValue": ["0"]}
        _assert_shell_refused(proto)
        assert control.host("ms001")["settings"]["remote-shell"] is False
    finally:
        assert reg(proto, "DeleteValue", WINRS_POLICY, "AllowRemoteShellAccess") == {"ReturnValue": ["0"]}
    proto.close_shell(proto.open_shell())  # absent value = Windows' default: shells allowed


def test_policy_set_at_start(tmp_path):
    with Fleet(tmp_path / "fleet", hosts=2, os_mix=("2019",), first_ip="127.20.6.1",
               settings=("ms002=remote-shell:off",)) as running:
        _assert_shell_refused(running.protocol("ms002"))
        proto = running.protocol("ms001")
        proto.close_shell(proto.open_shell())
        assert [h["settings"]["remote-shell"] for h in running.control.hosts()] == [True, False]
