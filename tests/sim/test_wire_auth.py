"""Authentication and transport security as Windows applies them: NTLM + message encryption over HTTP, Basic
only where allowed, HTTPS with the fleet CA, 401 for bad credentials."""

from __future__ import annotations

import socket
import ssl

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from winrm.exceptions import InvalidCredentialsError

from tests.sim.wsman_client import NS, SCHANNEL, reg, send
from tests.winsim.pki import FleetPki


def test_wrong_password_is_rejected_with_401(fleet, control):
    before = control.counters("ms001")["auth_failures"]
    with pytest.raises(InvalidCredentialsError):
        fleet.protocol("ms001", password="not-the-password").open_shell()
    assert control.counters("ms001")["auth_failures"] == before + 1


def test_ntlm_over_http_encrypts_every_message(fleet, proto):
    assert reg(proto, "GetDWORDValue", SCHANNEL, "EventLogging") == {"uValue": ["1"], "ReturnValue": ["0"]}
    assert proto.transport.encryption is not None  # pywinrm chose encryption for http (message_encryption=auto)


def test_unencrypted_ntlm_over_http_is_refused(fleet, control):
    with pytest.raises(InvalidCredentialsError):
        fleet.protocol("ms001", message_encryption="never").open_shell()


def _challenge(ip: str, port: int = 5985) -> requests.Response:
    return requests.post(f"http://{ip}:{port}/wsman", data=b"", timeout=10)


def test_basic_is_off_on_the_service_by_default(fleet, control):
    ip = fleet.host("ms002").ip
    for port in (5985, 5986):
        offered = requests.post(f"{'https' if port == 5986 else 'http'}://{ip}:{port}/wsman", data=b"", timeout=10,
                                verify=str(fleet.ca_cert))
        assert offered.status_code == 401
        assert offered.headers["WWW-Authenticate"] == "Negotiate"  # Basic is not offered
        assert offered.headers["Server"] == "Microsoft-HTTPAPI/2.0"
    with pytest.raises(InvalidCredentialsError):
        fleet.protocol("ms002", scheme="https", transport="basic").open_shell()
    config = _config(fleet.protocol("ms002"))
    assert config.find("cfg:Service/cfg:Auth/cfg:Basic", CFG).text == "false"


def test_basic_needs_the_policy_and_over_http_also_unencrypted_traffic(fleet, control):
    ip = fleet.host("ms002").ip
    try:
        assert control.set_setting("ms002", "allow-basic", True)["settings"]["allow-basic"] is True
        proto = fleet.protocol("ms002", scheme="https", transport="basic")
        proto.close_shell(proto.open_shell())
        assert _challenge(ip).headers["WWW-Authenticate"] == "Negotiate"  # HTTP: not without AllowUnencrypted
        with pytest.raises(InvalidCredentialsError):
            fleet.protocol("ms002", transport="basic").open_shell()
        assert control.set_allow_unencrypted("ms002", True)["allow_unencrypted"] is True
        assert "Basic" in _challenge(ip).headers["WWW-Authenticate"]
        proto = fleet.protocol("ms002", transport="basic")
        proto.close_shell(proto.open_shell())
        with pytest.raises(InvalidCredentialsError):
            fleet.protocol("ms002", transport="basic", password="wrong").open_shell()
        config = _config(fleet.protocol("ms002"))
        basic = config.find("cfg:Service/cfg:Auth/cfg:Basic", CFG)
        assert (basic.text, basic.get("Source")) == ("true", "GPO")
    finally:
        control.set_allow_unencrypted("ms002", False)
        control.set_setting("ms002", "allow-basic", False)
    # The switches are the WinRM policy values in the host's registry, readable over WMI like any other.
    policy = reg(fleet.protocol("ms002"), "GetDWORDValue", r"SOFTWARE\Policies\Microsoft\Windows\WinRM\Service",
                 "AllowUnencryptedTraffic")
    assert policy == {"uValue": ["0"], "ReturnValue": ["0"]}


CFG = {"cfg": "http://schemas.microsoft.com/wbem/wsman/1/config"}


def _config(proto):
    """``cfg:Config`` of a Get of wsman/1/config (what `winrm get winrm/config` reads), sent with pywinrm."""
    root = send(proto, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get", CFG["cfg"], {})
    return root.find("s:Body/cfg:Config", {**NS, **CFG})


@pytest.mark.parametrize("transport", ["ntlm", "ssl"])
def test_https_validates_against_the_fleet_ca(fleet, control, transport):
    if transport == "ssl":  # pywinrm's "ssl" transport is Basic over HTTPS: the host must allow Basic
        control.set_setting("ms001", "allow-basic", True)
    proto = fleet.protocol("ms001", scheme="https", transport=transport)
    assert proto.transport.server_cert_validation == "validate"
    try:
        assert reg(proto, "GetDWORDValue", SCHANNEL, "EventLogging")["ReturnValue"] == ["0"]
    finally:
        control.set_setting("ms001", "allow-basic", False)


def test_https_with_another_ca_fails_certificate_verification(fleet, control, tmp_path):
    other_ca = FleetPki(tmp_path).ca_cert_path
    proto = fleet.protocol("ms001", scheme="https", ca_trust_path=str(other_ca))
    with pytest.raises(requests.exceptions.SSLError, match="CERTIFICATE_VERIFY_FAILED"):
        proto.open_shell()


def test_host_certificate_profile(fleet):
    host = fleet.host("ms001")
    ctx = ssl.create_default_context(cafile=str(fleet.ca_cert))
    with socket.create_connection((host.ip, 5986), timeout=10) as raw, ctx.wrap_socket(
            raw, server_hostname=host.ip) as tls:
        der = tls.getpeercert(binary_form=True)
    cert = x509.load_der_x509_certificate(der)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert not san.critical
    assert [str(ip) for ip in san.value.get_values_for_type(x509.IPAddress)] == [host.ip]
    assert san.value.get_values_for_type(x509.DNSName) == [host.name]
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert isinstance(cert.public_key(), rsa.RSAPublicKey) or cert.public_key().curve.name == "secp256r1"
