"""TLS as Schannel answers scanners and clients nobody here wrote: testssl.sh's multi-suite hellos, OpenSSL's
s_client, Python's ssl and a tlslite-ng client, against a fleet of the real simulator process."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess

import pytest
from tlslite.errors import TLSAbruptCloseError, TLSRemoteAlert

from tests.sim.test_model_tls_legacy import tlslite_client
from tests.winsim.fleet import Fleet

MAILSTORE = 8462
WINRM_HTTPS = 5986


@pytest.fixture(scope="module")
def tls_fleet(tmp_path_factory):
    """ms001 2008 R2, ms002 2012 R2 with SchUseStrongCrypto=1, ms003 2019 with an ECDSA certificate, ms004 2019."""
    with Fleet(tmp_path_factory.mktemp("tls-fleet"), hosts=4, os_mix=("2008r2", "2012r2", "2019", "2019"),
               first_ip="127.20.7.1", settings=("ms002=dotnet-strong-crypto:on",),
               host_options=("ms003=certificate:ecdsa",)) as running:
        yield running


def _ip(fleet: Fleet, name: str) -> str:
    return fleet.host(name).ip


def test_testssl_sees_ssl3_and_rc4_on_a_2008r2_host(tls_fleet, tmp_path):
    """testssl.sh sends hellos with dozens of suites (DHE_DSS ones next to RC4): Schannel skips what its RSA
    certificate cannot serve and answers, so SSL 3.0 and RC4 show up as on a real 2008 R2 host."""
    report = tmp_path / "testssl.json"
    proc = subprocess.run(
        ["testssl", "--quiet", "--color", "0", "--warnings", "off", "--jsonfile", str(report), "-p", "--rc4",
         f"{_ip(tls_fleet, 'ms001')}:{MAILSTORE}"],
        capture_output=True, text=True, timeout=240, check=False)
    findings = {f["id"]: f["finding"] for f in json.loads(report.read_text())}
    assert findings["SSLv3"] == "offered", proc.stdout[-3000:]
    assert findings["TLS1"].startswith("offered"), proc.stdout[-3000:]
    assert findings["TLS1_2"].startswith("not offered")
    assert "RC4-SHA" in findings["RC4"], findings["RC4"]
    assert "RC4-MD5" in findings["RC4"], findings["RC4"]


def _s_client(ip: str, port: int, *args: str) -> str:
    proc = subprocess.run(["openssl", "s_client", "-connect", f"{ip}:{port}", *args],
                          input="", capture_output=True, text=True, timeout=30, check=False)
    return proc.stdout + proc.stderr


def test_no_common_suite_is_refused_with_handshake_failure(tls_fleet):
    out = _s_client(_ip(tls_fleet, "ms004"), MAILSTORE, "-tls1_2", "-cipher", "CAMELLIA256-SHA:@SECLEVEL=0")
    assert "alert handshake failure" in out, out
    assert "alert number 40" in out, out


def test_a_tls13_only_hello_is_read_by_its_client_version_where_windows_has_no_tls13(tls_fleet):
    # A TLS 1.3-only hello (supported_versions = {TLS 1.3}, client_version TLS 1.2, TLS 1.3 suites only). 2008 R2
    # has no TLS 1.3 and ignores supported_versions (Server 2019 answers such hellos with TLS 1.2: rbsec/sslscan
    # PR 280), so it picks TLS 1.0, its highest, and finds none of the offered suites: handshake_failure.
    out = _s_client(_ip(tls_fleet, "ms001"), MAILSTORE, "-tls1_3")
    assert "alert handshake failure" in out, out
    assert "alert number 40" in out, out


def _negotiate(ip: str, port: int) -> tuple[str, str, bytes]:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((ip, port), timeout=10) as raw, ctx.wrap_socket(raw) as tls:
        return tls.version(), tls.cipher()[0], tls.getpeercert(binary_form=True)


def test_one_rsa_certificate_by_default_ecdsa_as_an_option(tls_fleet):
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    version, cipher, der = _negotiate(_ip(tls_fleet, "ms004"), MAILSTORE)
    assert (version, cipher) == ("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384")  # not ECDHE-ECDSA: no such certificate
    assert isinstance(x509.load_der_x509_certificate(der).public_key(), rsa.RSAPublicKey)
    version, cipher, der = _negotiate(_ip(tls_fleet, "ms003"), MAILSTORE)
    assert (version, cipher) == ("TLSv1.2", "ECDHE-ECDSA-AES256-GCM-SHA384")
    assert isinstance(x509.load_der_x509_certificate(der).public_key(), ec.EllipticCurvePublicKey)
    info = tls_fleet.control.host("ms003")["tls"]
    assert info["certificate"] == "ecdsa"
    assert "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" in {u["name"] for u in info["uncertified"]}


def test_sch_use_strong_crypto_applies_to_mailstore_ports_not_to_winrm(tls_fleet):
    """2012 R2 ships RC4 enabled; with SchUseStrongCrypto=1 the .NET listener drops it (RC4 is not "Allowed by
    SCH_USE_STRONG_CRYPTO" on the Windows 8.1 page), HTTP.sys on 5986 follows the Schannel registry alone."""
    ip = _ip(tls_fleet, "ms002")
    with pytest.raises((TLSRemoteAlert, TLSAbruptCloseError)) as refused:
        tlslite_client(ip, MAILSTORE, (3, 1), ["rc4"])
    if isinstance(refused.value, TLSRemoteAlert):
        assert refused.value.description == 40  # handshake_failure
    conn = tlslite_client(ip, WINRM_HTTPS, (3, 1), ["rc4"])
    assert conn.getCipherName() == "rc4"
    conn.sock.close()
    mailstore = tls_fleet.control.host("ms002")
    assert mailstore["tls"]["dotnet_strong_crypto"] is True
    assert "SSL 3.0" not in mailstore["tls"]["protocols"]  # .NET strong crypto blocks SSL 3.0 too
    assert "SSL 3.0" in mailstore["winrm_tls"]["protocols"]
    # Without the value (ms001, 2008 R2) the MailStore port serves RC4 as Schannel's registry says.
    conn = tlslite_client(_ip(tls_fleet, "ms001"), MAILSTORE, (3, 1), ["rc4"])
    assert conn.getCipherName() == "rc4"
    conn.sock.close()
