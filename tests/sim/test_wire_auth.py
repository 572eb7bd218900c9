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

from tests.sim.wsman_client import SCHANNEL, reg
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


def test_basic_over_http_is_refused_until_unencrypted_traffic_is_allowed(fleet, control):
    ip = fleet.host("ms002").ip
    offered = _challenge(ip)
    assert offered.status_code == 401
    assert offered.headers["WWW-Authenticate"] == "Negotiate"  # Basic is not offered over HTTP
    assert offered.headers["Server"] == "Microsoft-HTTPAPI/2.0"
    with pytest.raises(InvalidCredentialsError):
        fleet.protocol("ms002", transport="basic").open_shell()
    try:
        assert control.set_allow_unencrypted("ms002", True)["allow_unencrypted"] is True
        assert "Basic" in _challenge(ip).headers["WWW-Authenticate"]
        proto = fleet.protocol("ms002", transport="basic")
        proto.close_shell(proto.open_shell())
        with pytest.raises(InvalidCredentialsError):
            fleet.protocol("ms002", transport="basic", password="wrong").open_shell()
    finally:
        control.set_allow_unencrypted("ms002", False)
    # The switch is the WinRM policy value in the host's registry, readable over WMI like any other.
    policy = reg(fleet.protocol("ms002"), "GetDWORDValue", r"SOFTWARE\Policies\Microsoft\Windows\WinRM\Service",
                 "AllowUnencryptedTraffic")
    assert policy == {"uValue": ["0"], "ReturnValue": ["0"]}


@pytest.mark.parametrize("transport", ["ntlm", "ssl"])
def test_https_validates_against_the_fleet_ca(fleet, control, transport):
    proto = fleet.protocol("ms001", scheme="https", transport=transport)
    assert proto.transport.server_cert_validation == "validate"
    assert reg(proto, "GetDWORDValue", SCHANNEL, "EventLogging")["ReturnValue"] == ["0"]


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
