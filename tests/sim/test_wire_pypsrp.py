"""WS-Management as Windows answers it, seen by pypsrp (a second client library, not used by the collection):
WinRS shells, the WinRM configuration, a keyless Get of Win32_OperatingSystem, the WinRS policy fault."""

from __future__ import annotations

import uuid

import pytest
from pypsrp.exceptions import WSManFaultError
from pypsrp.shell import WinRS
from pypsrp.wsman import NAMESPACES, WSMan

from tests.sim.wsman_client import OS_URI


@pytest.fixture
def wsman(fleet, control):
    def connect(name: str = "ms001") -> WSMan:
        return WSMan(fleet.host(name).ip, username=fleet.username, password=fleet.password, ssl=False,
                     auth="ntlm", cert_validation=False)

    return connect


def test_winrs_sees_the_shell_id_of_the_create_response(fleet, wsman):
    with wsman() as client:
        shell = WinRS(client)
        shell.open()
        assert uuid.UUID(shell.id)  # read from rsp:Shell/rsp:ShellId
        assert shell.owner == f"MS001\\{fleet.username}"
        assert shell.client_ip == "127.0.0.1"
        assert shell.idle_time_out == "PT7200.000S"
        shell.close()
    assert fleet.control.counters("ms001")["methods"].get("Shell.Delete", 0) >= 1


def test_winrm_config_answers_as_for_an_administrator(wsman):
    with wsman() as client:
        client.update_max_payload_size()  # reads cfg:Config/cfg:MaxEnvelopeSizekb
        assert client.max_envelope_size == 500 * 1024
        config = client.get_server_config().find("cfg:Config", NAMESPACES)
        assert config.find("cfg:Service/cfg:AllowUnencrypted", NAMESPACES).text == "false"
        assert config.find("cfg:Service/cfg:Auth/cfg:Negotiate", NAMESPACES).text == "true"
        assert config.find("cfg:Winrs/cfg:AllowRemoteShellAccess", NAMESPACES).text == "true"
        assert config.find("cfg:Winrs/cfg:AllowRemoteShellAccess", NAMESPACES).get("Source") is None


def test_keyless_get_of_win32_operatingsystem(wsman):
    with wsman("ms002") as client:
        instance = client.get(OS_URI).find(f"{{{OS_URI}}}Win32_OperatingSystem")
        assert instance.find(f"{{{OS_URI}}}Caption").text == "Microsoft Windows Server 2012 R2 Standard"


def test_remote_shell_policy_fault_reaches_pypsrp(wsman, control):
    control.set_setting("ms003", "remote-shell", False)
    try:
        with wsman("ms003") as client:
            with pytest.raises(WSManFaultError) as exc:
                WinRS(client).open()
            assert exc.value.code == 2150859180
            assert "not accept any remote shell requests" in exc.value.reason
            config = client.get_server_config().find("cfg:Config", NAMESPACES)
            allowed = config.find("cfg:Winrs/cfg:AllowRemoteShellAccess", NAMESPACES)
            assert (allowed.text, allowed.get("Source")) == ("false", "GPO")
    finally:
        control.set_setting("ms003", "remote-shell", True)
