"""Kerberos on the wire: unmodified clients against simulated domain members of a real MIT realm.

pywinrm 0.5.0's ``kerberos`` transport (vendored requests_kerberos over pykerberos) authenticates pre-emptively with a
raw Kerberos AP-REQ under the ``Negotiate`` scheme, requires the server's AP-REP on the answer (mutual
authentication) and, over HTTP, seals every message (``multipart/encrypted``, protocol
``application/HTTP-SPNEGO-session-encrypted``); pypsrp 0.9.1 with ``auth="kerberos"`` answers the host's
``WWW-Authenticate: Kerberos`` and seals with ``application/HTTP-Kerberos-session-encrypted``. Each works against the
simulator's GSSAPI acceptor, over HTTP and HTTPS, and a StdRegProv call comes back.

The failures an administrator meets are each produced for real (the KDC, libkrb5 and the acceptor decide, nothing is
faked) and each test pins the words the client stack says, which the collection's messages must later carry:
wrong password, unknown principal, no ticket, expired ticket, clock skew, SPN not found, a ticket for another host,
NTLM refused by a hardened domain.
"""

from __future__ import annotations

import pytest
from winrm.exceptions import InvalidCredentialsError

from tests.sim.wsman_client import SCHANNEL, kerberos_protocol, reg
from tests.winsim.auth import DEFAULT_USER, read_accounts
from tests.winsim.fleet import Fleet
from tests.winsim.kerberos_realm import expire_ccache, host_fqdn, skew_ccache

NTLM_REFUSED = "ms003"  # "Restrict NTLM: Incoming NTLM traffic" = Deny all


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, kerberos_realm):
    with Fleet(tmp_path_factory.mktemp("kerberos-wire"), hosts=3, os_mix=("2019", "2012r2", "2022"),
               first_ip="127.20.21.1", kerberos=kerberos_realm.directory, transport="kerberos",
               host_options=(f"{NTLM_REFUSED}=ntlm:refuse",)) as running:
        yield running


def ntlm_protocol(fleet: Fleet, host: str):
    """pywinrm with NTLM and the host's local Administrator (the inventory's user is the realm's)."""
    account = next(a for a in read_accounts(fleet.state_dir / "users.txt") if a.user == DEFAULT_USER)
    return fleet.protocol(host, username=account.user, password=account.password)


def read_protocols_key(proto) -> list[str]:
    out = reg(proto, "EnumKey", SCHANNEL + r"\Protocols")
    assert out["ReturnValue"] == ["0"]
    return out["sNames"]


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_pywinrm_kerberos_reads_the_registry(fleet, ticket, scheme):
    proto = kerberos_protocol(fleet, "ms001", scheme)
    assert read_protocols_key(proto)
    encryption = proto.transport.encryption
    if scheme == "http":  # message_encryption auto: sealed over HTTP, TLS alone over HTTPS
        assert encryption is not None
        assert encryption.protocol == "kerberos"
    else:
        assert encryption is None
    shell = proto.open_shell()
    proto.close_shell(shell)


def test_the_host_names_the_domain_account_as_owner(fleet, ticket):
    import xmltodict

    proto = kerberos_protocol(fleet, "ms001")
    create = proto.build_wsman_header(action="http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
                                      resource_uri="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd")
    create["env:Body"] = {"rsp:Shell": {"@xmlns:rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
                                        "rsp:InputStreams": "stdin", "rsp:OutputStreams": "stdout stderr"}}
    raw = proto.send_message(xmltodict.unparse({"env:Envelope": create})).decode()
    assert "<rsp:Owner>FLEETSEC\\winadmin</rsp:Owner>" in raw


@pytest.mark.parametrize(("scheme", "auth", "protocol"), [
    # pypsrp answers the first scheme of Negotiate, Kerberos, NTLM the 401 lists (negotiate.py
    # _check_auth_supported): Negotiate, so SPNEGO-session-encrypted even with auth="kerberos".
    ("http", "kerberos", "application/HTTP-SPNEGO-session-encrypted"),
    ("http", "negotiate", "application/HTTP-SPNEGO-session-encrypted"),
    ("https", "kerberos", None),
])
def test_pypsrp_kerberos_and_negotiate(fleet, ticket, scheme, auth, protocol):
    from pypsrp.wsman import WSMan

    host = fleet.host("ms002")
    wsman = WSMan(host.ip, auth=auth, ssl=scheme == "https", port=5985 if scheme == "http" else 5986,
                  cert_validation=str(fleet.ca_cert), negotiate_hostname_override=host_fqdn("ms002"),
                  negotiate_service="HTTP", encryption="auto")
    with wsman:
        config = wsman.get("http://schemas.microsoft.com/wbem/wsman/1/config")
        assert config.find(".//{*}MaxEnvelopeSizekb").text == "500"
        encryption = wsman.transport.encryption
        assert (encryption.protocol if encryption else None) == protocol
        context = wsman.transport.session.auth.contexts[host.ip]
        assert context.negotiated_protocol == "kerberos"


def test_the_kerberos_scheme_seals_with_the_kerberos_protocol(fleet, ticket):
    """The ``Kerberos`` scheme (pypsrp answers it when a host offers only Kerberos) and its MIME protocol
    ``application/HTTP-Kerberos-session-encrypted`` (MS-WSMV 2.2.9.1.2), driven with pyspnego's Kerberos initiator
    and pypsrp's WinRMEncryption as pypsrp's wsman.py uses them, over one keep-alive connection."""
    import base64
    import http.client

    import spnego
    from pypsrp.encryption import WinRMEncryption

    from tests.sim.wsman_client import HKLM, REGPROV, message

    host = fleet.host("ms001")
    context = spnego.client(hostname=host_fqdn("ms001"), service="HTTP", protocol="kerberos",
                            options=spnego.NegotiateOptions.wrapping_winrm)
    connection = http.client.HTTPConnection(host.ip, 5985, timeout=30)
    connection.request("POST", "/wsman", body=b"",
                       headers={"Authorization": "Kerberos " + base64.b64encode(context.step()).decode()})
    answer = connection.getresponse()
    answer.read()
    assert answer.status == 200
    scheme, _sep, token = answer.getheader("WWW-Authenticate", "").partition(" ")
    assert scheme == "Kerberos"
    context.step(base64.b64decode(token))  # the AP-REP: mutual authentication
    assert context.complete

    soap = message(kerberos_protocol(fleet, "ms001"), f"{REGPROV}/EnumKey", REGPROV, {"p:EnumKey_INPUT": {
        "@xmlns:p": REGPROV, "p:hDefKey": HKLM, "p:sSubKeyName": SCHANNEL}})
    encryption = WinRMEncryption(context, WinRMEncryption.KERBEROS)
    content_type, body = encryption.wrap_message(soap.encode())
    connection.request("POST", "/wsman", body=body, headers={
        "Content-Type": f'{content_type};protocol="{WinRMEncryption.KERBEROS}";boundary="Encrypted Boundary"'})
    answer = connection.getresponse()
    sealed = answer.read()
    assert answer.status == 200
    assert f'protocol="{WinRMEncryption.KERBEROS}"' in answer.getheader("Content-Type")
    assert b"<p:sNames>Protocols</p:sNames>" in encryption.unwrap_message(sealed, "Encrypted Boundary")
    connection.close()


def test_ntlm_still_works_beside_kerberos(fleet):
    assert read_protocols_key(ntlm_protocol(fleet, "ms001"))


def test_a_host_that_refuses_ntlm_takes_kerberos_and_refuses_ntlm(fleet, ticket):
    assert read_protocols_key(kerberos_protocol(fleet, NTLM_REFUSED))
    with pytest.raises(InvalidCredentialsError) as exc:
        read_protocols_key(ntlm_protocol(fleet, NTLM_REFUSED))
    assert str(exc.value) == "the specified credentials were rejected by the server"


# --- failures: what the client stack says ----------------------------------------------------------------------


def test_wrong_password_and_unknown_principal_fail_at_kinit(kerberos_realm, tmp_path):
    wrong = kerberos_realm.kinit(tmp_path / "cc1", password="not-the-password")
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == "kinit: Password incorrect while getting initial credentials"
    unknown = kerberos_realm.kinit(tmp_path / "cc2", principal="nobody@FLEETSEC.TEST")
    assert unknown.stderr.strip() == (
        "kinit: Client 'nobody@FLEETSEC.TEST' not found in Kerberos database while getting initial credentials")


def kerberos_failure(fleet: Fleet, host: str = "ms001", override: str | None = None) -> str:
    """The error pywinrm raises: requests_kerberos swallows the GSS error (its log has it) and hands back the 401,
    or the GSS error itself comes up from the pre-emptive first step (``KerberosExchangeError``)."""
    with pytest.raises(Exception) as exc:  # noqa: PT011 - the type is part of what is recorded
        read_protocols_key(kerberos_protocol(fleet, host, override=override))
    return f"{type(exc.value).__name__}: {exc.value}"


def test_no_ticket(fleet, kerberos_realm, tmp_path, monkeypatch):
    for name, value in kerberos_realm.env(tmp_path / "no-such-ccache").items():
        monkeypatch.setenv(name, value)
    message = kerberos_failure(fleet)
    assert message.startswith("KerberosExchangeError: authGSSClientStep() failed:"), message
    assert "No Kerberos credentials available" in message, message


def test_expired_ticket(fleet, ticket):
    expire_ccache(ticket, 3600)  # the cache of yesterday's kinit
    message = kerberos_failure(fleet)
    assert message.startswith("KerberosExchangeError: authGSSClientStep() failed:"), message
    assert "The referenced credential has expired" in message or "Ticket expired" in message, message


def test_clock_skew(fleet, kerberos_realm, ticket):
    skew_ccache(ticket, 600)  # the controller's clock 10 minutes ahead of the domain's (limit: 5)
    message = kerberos_failure(fleet)
    assert message.startswith("KerberosExchangeError: authGSSClientStep() failed:"), message
    assert "Clock skew too great" in message, message


def test_spn_not_found(fleet, ticket):
    message = kerberos_failure(fleet, override="ms999.fleetsec.test")
    assert message.startswith("KerberosExchangeError: authGSSClientStep() failed:"), message
    assert "Server HTTP/ms999.fleetsec.test@FLEETSEC.TEST not found in Kerberos database" in message, message


def test_ticket_for_another_host_is_refused(fleet, ticket):
    """A ticket for ms002's SPN sent to ms001: ms001 cannot accept it (as a member decrypts only tickets for its own
    account) and answers 401; pywinrm says only that the credentials were rejected."""
    message = kerberos_failure(fleet, "ms001", override=host_fqdn("ms002"))
    assert message == "InvalidCredentialsError: the specified credentials were rejected by the server", message
