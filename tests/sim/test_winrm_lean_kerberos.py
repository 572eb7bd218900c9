"""The lean channel (plugin_utils/_wsman/lean.py) over Kerberos, against simulated members of a real MIT realm.

pywinrm's ``kerberos`` transport authenticates on its first message (over HTTP the empty message that sets up
encryption; over HTTPS the first real one) and checks the host's AP-REP there (mutual authentication); every message
after that goes lean, sealed with ``application/HTTP-SPNEGO-session-encrypted`` over HTTP (the protocol string
pywinrm's Encryption gives Kerberos) and in TLS alone over HTTPS, and reads the same answers, faults included, as
pywinrm's own path. A connection the host resets is lost, and the client's new Protocol authenticates again and goes
lean again.
"""

from __future__ import annotations

import pytest

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.client import WsmanFault, WsmanTransportError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.lean import MARK, LeanChannel, go_lean
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.stdregprov import StdRegProv
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.winrm_protocol import client_for_protocol
from tests.sim.wsman_client import SCHANNEL, kerberos_protocol
from tests.sim.wsman_client import reg as plain_reg
from tests.winsim.fleet import Fleet

TLS12 = SCHANNEL + r"\Protocols\TLS 1.2\Server"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, kerberos_realm):
    with Fleet(tmp_path_factory.mktemp("kerberos-lean"), hosts=2, os_mix=("2019", "2022"), first_ip="127.20.23.1",
               kerberos=kerberos_realm.directory, transport="kerberos") as running:
        yield running


def reads(reg: StdRegProv) -> list:
    """A check's kind of reads: keys, values with their types, a DWORD set and one absent."""
    return [reg.enum_key(SCHANNEL), reg.enum_key(SCHANNEL + r"\Protocols"), reg.enum_values(SCHANNEL),
            reg.get_dword(SCHANNEL, "EventLogging"), reg.get_dword(TLS12, "Enabled")]


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_after_mutual_authentication_kerberos_goes_lean_and_answers_match(fleet, ticket, control, session_sends,
                                                                          scheme):
    pywinrm_alone = kerberos_protocol(fleet, "ms001", scheme)
    setattr(pywinrm_alone.transport, MARK, False)  # go_lean leaves a transport it has already judged as it is
    expected = reads(StdRegProv(client_for_protocol(pywinrm_alone)))
    assert getattr(pywinrm_alone.transport, MARK) is False

    protocol = kerberos_protocol(fleet, "ms001", scheme)
    reg = StdRegProv(client_for_protocol(protocol))
    first = reg.enum_key(SCHANNEL)
    transport = protocol.transport
    assert transport.session.auth.auth_done is True  # the host's AP-REP was checked on the first answer
    assert getattr(transport, MARK) is True
    channel = transport.send_message.__self__
    assert isinstance(channel, LeanChannel)
    if scheme == "http":  # sealed with the Kerberos context, as pywinrm seals (MS-WSMV 2.2.9.1)
        assert channel.encryption is transport.encryption
        assert transport.encryption.protocol == "kerberos"
        assert channel.content_type.endswith(b'protocol="application/HTTP-SPNEGO-session-encrypted";'
                                             b'boundary="Encrypted Boundary"')
    else:
        assert channel.encryption is None
        assert transport.encryption is None
    connections = control.counters("ms001")["connections"]
    before = session_sends["n"]
    lean = [reads(reg) for _attempt in range(3)]
    assert session_sends["n"] == before, "a message after the first went through requests.Session.send"
    assert control.counters("ms001")["connections"] == connections  # the authenticated connection, no other
    assert first == expected[0]
    assert all(answers == expected for answers in lean)
    control.set_fault("ms001", "fault-after:0")  # a fault's body is unsealed and read as pywinrm's path reads it
    with pytest.raises(WsmanFault) as fault:
        reg.enum_key(SCHANNEL)
    assert fault.value.wmi_code == 2150859174  # 0x803381A6 w:InternalError


def test_a_reset_connection_authenticates_again_and_goes_lean_again(fleet, ticket, control):
    protocols = [kerberos_protocol(fleet, "ms001")]

    def reconnect():
        protocols.append(kerberos_protocol(fleet, "ms001"))
        return protocols[-1]

    reg = StdRegProv(client_for_protocol(protocols[0], reconnect=reconnect, max_reconnects=2))
    expected = reg.enum_key(SCHANNEL)
    connections = control.counters("ms001")["connections"]
    control.set_fault("ms001", "reset:1")
    assert reg.enum_key(SCHANNEL) == expected  # a read is retried on a new connection
    assert len(protocols) == 2
    renewed = protocols[1].transport
    assert renewed.session.auth.auth_done is True  # a new Kerberos exchange, mutual authentication included
    assert getattr(renewed, MARK) is True
    assert control.counters("ms001")["connections"] == connections + 1
    assert reg.enum_key(SCHANNEL) == expected  # and the new connection stays lean
    control.set_fault("ms001", "reset")
    with pytest.raises(WsmanTransportError) as lost:
        reg.enum_key(SCHANNEL)
    assert lost.value.connection_lost is True


def test_without_mutual_authentication_done_kerberos_keeps_pywinrm_s_path(fleet, ticket):
    protocol = kerberos_protocol(fleet, "ms002")
    plain_reg(protocol, "EnumKey", SCHANNEL)
    protocol.transport.session.auth.auth_done = False  # as before the host's AP-REP was checked
    assert go_lean(protocol.transport) is False
    assert getattr(protocol.transport, MARK) is False
