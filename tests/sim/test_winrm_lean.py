"""The lean send path (plugin_utils/_wsman/lean.py) against the shared wire fleet: after pywinrm's first message,
requests' Session machinery is skipped, the answers are the same, and faults surface as pywinrm's own would."""

from __future__ import annotations

import pytest

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.client import WsmanFault, WsmanTransportError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.lean import MARK, go_lean
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.stdregprov import StdRegProv
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.winrm_protocol import client_for_protocol
from tests.sim.wsman_client import reg as plain_reg

SCHANNEL = r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL"


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_after_the_first_message_requests_session_is_skipped_and_answers_match(fleet, control, session_sends,
                                                                               scheme):
    expected = plain_reg(fleet.protocol("ms001", scheme), "EnumKey", SCHANNEL)["sNames"]  # pywinrm alone

    protocol = fleet.protocol("ms001", scheme)
    reg = StdRegProv(client_for_protocol(protocol))
    first = reg.enum_key(SCHANNEL)
    assert getattr(protocol.transport, MARK) is True
    before = session_sends["n"]
    again = [reg.enum_key(SCHANNEL) for _attempt in range(5)]
    missing = reg.get_dword(SCHANNEL + r"\Protocols\TLS 1.2\Server", "Enabled")
    assert session_sends["n"] == before, "a message after the first went through requests.Session.send"
    assert first == expected
    assert all(keys == first for keys in again)
    assert missing is None  # 2019 ships no TLS 1.2 key values: the OS default applies


def test_a_fault_from_the_host_is_pywinrm_s_fault_on_the_lean_path(fleet, control):
    protocol = fleet.protocol("ms001")
    reg = StdRegProv(client_for_protocol(protocol))
    reg.enum_key(SCHANNEL)
    assert getattr(protocol.transport, MARK) is True
    control.set_fault("ms001", "fault-after:0")
    with pytest.raises(WsmanFault) as fault:
        reg.enum_key(SCHANNEL)
    assert fault.value.wmi_code == 2150859174  # 0x803381A6 w:InternalError, as pywinrm's own path reports it


def test_a_reset_connection_is_lost_and_the_client_reconnects(fleet, control):
    protocol = fleet.protocol("ms001")
    client = client_for_protocol(protocol, reconnect=lambda: fleet.protocol("ms001"), max_reconnects=2)
    reg = StdRegProv(client)
    reg.enum_key(SCHANNEL)
    control.set_fault("ms001", "reset:1")
    assert "Protocols" in reg.enum_key(SCHANNEL)  # a read is retried on a new connection
    control.set_fault("ms001", "reset")
    with pytest.raises(WsmanTransportError) as lost:
        reg.enum_key(SCHANNEL)
    assert lost.value.connection_lost is True


def test_a_proxy_or_another_transport_keeps_pywinrm_s_path(fleet):
    protocol = fleet.protocol("ms001")
    plain_reg(protocol, "EnumKey", SCHANNEL)  # pywinrm authenticates and sets up encryption
    protocol.transport.session.proxies = {"http": "http://proxy.invalid:3128"}
    assert go_lean(protocol.transport) is False
    assert getattr(protocol.transport, MARK) is False
    credssp_like = fleet.protocol("ms002")
    plain_reg(credssp_like, "EnumKey", SCHANNEL)
    credssp_like.transport.auth_method = "credssp"  # its 16 KiB sealing keeps pywinrm's path (lean.py)
    assert go_lean(credssp_like.transport) is False
