"""SSL 3.0, RC4 and 3DES through the simulator's real listeners: served by tlslite-ng exactly as the view says.

The host runs in-process (``HostRuntime`` on its own event loop thread) so that the listeners' ClientHello routing
(legacy_tls.py) is what the scanner meets.
"""

import asyncio
import socket
import ssl
import threading

import pytest
from tlslite import HandshakeSettings, TLSConnection
from tlslite.constants import CipherSuite
from tlslite.errors import TLSAbruptCloseError, TLSRemoteAlert
from tlslite.messages import ClientHello as TlsliteClientHello

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.handshake import ssl2_handshake, suite_name
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.compliance import ssl2_universe
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.expectation import expect_from_options
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.scan import scan_host
from tests.sim.sslyze_scan import VERSION_COMMANDS, accepted_suites
from tests.winsim import windows_facts as windows
from tests.winsim.auth import UserStore
from tests.winsim.host import SimulatedWindows
from tests.winsim.pki import FleetPki
from tests.winsim.runtime import HTTPS_PORT, FleetSettings, HostRuntime

SCHANNEL = windows.SCHANNEL_KEY
ORDER = "TLS_RSA_WITH_RC4_128_SHA,TLS_RSA_WITH_3DES_EDE_CBC_SHA,TLS_RSA_WITH_AES_128_CBC_SHA"
RC4, TDES, AES = "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"
PORT = 8460
TIMEOUT = 30


def set_dword(host: SimulatedWindows, key: str, name: str, value: int) -> None:
    host.call_stdregprov("CreateKey", [("sSubKeyName", key)])
    host.call_stdregprov("SetDWORDValue", [("sSubKeyName", key), ("sValueName", name), ("uValue", str(value))])


def configure(host: SimulatedWindows, *, legacy: bool) -> None:
    """SSL 3.0, RC4 128/128 and Triple DES 168 enabled (or disabled), the three-suite order, then a reboot."""
    ssl3 = SCHANNEL + r"\Protocols\SSL 3.0\Server"
    set_dword(host, ssl3, "Enabled", 1 if legacy else 0)
    set_dword(host, ssl3, "DisabledByDefault", 0 if legacy else 1)
    for cipher in ("RC4 128/128", "Triple DES 168"):
        set_dword(host, f"{SCHANNEL}\\Ciphers\\{cipher}", "Enabled", 0xFFFFFFFF if legacy else 0)
    host.call_stdregprov("CreateKey", [("sSubKeyName", windows.SUITE_POLICY_KEY)])
    host.call_stdregprov("SetStringValue", [("sSubKeyName", windows.SUITE_POLICY_KEY), ("sValueName", "Functions"),
                                            ("sValue", ORDER)])
    host.boot()


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return FleetPki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def running(tmp_path, pki):
    """Start a configured host's listeners in-process: ``running(host, ip)``; stopped at teardown."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    users = tmp_path / "users.txt"
    users.write_text("")
    runtimes = []

    def start(host: SimulatedWindows, ip: str) -> HostRuntime:
        runtime = HostRuntime(FleetSettings(0, 0.1, UserStore(users)), host.name, ip, host,
                              pki.host_certificates(host.name, ip))
        asyncio.run_coroutine_threadsafe(runtime.start(), loop).result(TIMEOUT)
        runtimes.append(runtime)
        return runtime

    yield start
    for runtime in runtimes:
        asyncio.run_coroutine_threadsafe(runtime.stop(), loop).result(TIMEOUT)
        runtime.model.close()
    loop.call_soon_threadsafe(loop.stop)
    thread.join(TIMEOUT)
    loop.close()


def tlslite_client(ip: str, port: int, version: tuple[int, int], ciphers: list[str]) -> TLSConnection:
    """A real tlslite-ng client offering RSA key exchange suites with ``ciphers`` (SHA-1 MAC) at ``version``."""
    settings = HandshakeSettings()
    settings.minVersion = settings.maxVersion = version
    settings.versions = [version]
    settings.cipherNames = ciphers
    settings.macNames = ["sha"]
    settings.keyExchangeNames = ["rsa"]
    sock = socket.create_connection((ip, port), timeout=5)
    conn = TLSConnection(sock)
    try:
        conn.handshakeClientCert(settings=settings)
    except BaseException:
        sock.close()
        raise
    return conn


def http_get(conn: TLSConnection, target: str) -> bytes:
    conn.write(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    reply = b""
    while b"\r\n\r\n" not in reply:
        data = conn.read()
        if not data:
            break
        reply += data
    conn.sock.close()
    return reply


def test_legacy_protocol_and_suites_served_exactly_as_the_view_says(tmp_path, running):
    host = SimulatedWindows("legacy-on", "2019", tmp_path)
    configure(host, legacy=True)
    served = host.tls_summary["served"]
    assert served["tlslite"] == {"SSL 3.0": [RC4], "TLS 1.0": [RC4, TDES], "TLS 1.1": [RC4, TDES],
                                 "TLS 1.2": [RC4, TDES]}
    assert host.tls_summary["unservable"] == []
    running(host, "127.20.250.2")
    seen = accepted_suites("127.20.250.2", PORT)
    # the catalog offers 3DES and AES on TLS only (Microsoft suite tables), RC4 also on SSL 3.0
    assert seen == {"SSL 3.0": {RC4}, "TLS 1.0": {RC4, TDES, AES}, "TLS 1.1": {RC4, TDES, AES},
                    "TLS 1.2": {RC4, TDES, AES}, "TLS 1.3": set()}
    assert seen == {name: set(served["suites_by_protocol"].get(name, [])) for name in VERSION_COMMANDS}
    # WinRM's HTTPS listener is routed the same way
    assert accepted_suites("127.20.250.2", HTTPS_PORT) == seen


def test_windows_order_picks_across_stacks_and_the_reply_is_the_same(tmp_path, running):
    host = SimulatedWindows("legacy-order", "2019", tmp_path)
    configure(host, legacy=True)
    ip = "127.20.250.3"
    running(host, ip)
    # the client prefers AES, Windows' order puts RC4 first: RC4 (tlslite-ng path)
    conn = tlslite_client(ip, PORT, (3, 3), ["aes128", "rc4"])
    assert conn.session.cipherSuite == CipherSuite.TLS_RSA_WITH_RC4_128_SHA
    reply = http_get(conn, "/")
    assert reply.startswith(b"HTTP/1.1 404 Not Found\r\n")
    assert b"Server: MailStore Server\r\n" in reply
    conn = tlslite_client(ip, PORT, (3, 0), ["aes128", "3des", "rc4"])  # SSL 3.0 offers only RC4 here
    assert (conn.version, conn.session.cipherSuite) == ((3, 0), CipherSuite.TLS_RSA_WITH_RC4_128_SHA)
    conn.sock.close()
    conn = tlslite_client(ip, PORT, (3, 1), ["aes128", "3des"])
    assert conn.session.cipherSuite == CipherSuite.TLS_RSA_WITH_3DES_EDE_CBC_SHA
    conn.sock.close()
    # WinRM over the tlslite path reaches the same HTTP handler (GET /wsman is not allowed)
    conn = tlslite_client(ip, HTTPS_PORT, (3, 3), ["3des"])
    assert http_get(conn, "/wsman").startswith(b"HTTP/1.1 405 ")
    # a client with AES only: OpenSSL path, same reply
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers("AES128-SHA:@SECLEVEL=0")
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_connection((ip, PORT), timeout=5) as raw, ctx.wrap_socket(raw) as tls:
        assert tls.cipher()[0] == "AES128-SHA"
        tls.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert tls.recv(4096).startswith(b"HTTP/1.1 404 Not Found\r\n")


def test_a_view_without_legacy_items_never_accepts_them(tmp_path, running):
    host = SimulatedWindows("legacy-off", "2019", tmp_path)
    configure(host, legacy=False)
    assert host.tls_summary["served"]["tlslite"] == {}
    assert {d["suite"] for d in host.tls_summary["dropped"]} == {RC4, TDES}
    ip = "127.20.250.4"
    running(host, ip)
    expected = {"SSL 3.0": set(), "TLS 1.0": {AES}, "TLS 1.1": {AES}, "TLS 1.2": {AES}, "TLS 1.3": set()}
    assert accepted_suites(ip, PORT) == expected
    for version, ciphers in (((3, 3), ["rc4", "3des"]), ((3, 0), ["rc4", "aes128"])):
        # refused: an alert or a close (suites), a reset (SSL 3.0 off: no common version, as Schannel resets)
        with pytest.raises((TLSRemoteAlert, TLSAbruptCloseError, ConnectionResetError)):
            tlslite_client(ip, PORT, version, ciphers)


def test_legacy_path_stays_within_the_view_when_only_part_is_enabled(tmp_path, running):
    """SSL 3.0 on, RC4 off: SSL 3.0 has no suite left, 3DES is served on TLS only; tlslite never adds the rest."""
    host = SimulatedWindows("legacy-part", "2019", tmp_path)
    configure(host, legacy=True)
    set_dword(host, SCHANNEL + r"\Ciphers\RC4 128/128", "Enabled", 0)
    host.boot()
    ip = "127.20.250.5"
    running(host, ip)
    expected = {"SSL 3.0": set(), "TLS 1.0": {TDES, AES}, "TLS 1.1": {TDES, AES}, "TLS 1.2": {TDES, AES},
                "TLS 1.3": set()}
    assert accepted_suites(ip, PORT) == expected
    assert {u["name"] for u in host.tls_summary["unservable"]} == {"SSL 3.0"}  # enabled, no suite to serve


def raw_hello_answer(ip: str, port: int, version: tuple[int, int], suites: list[int]) -> bytes:
    """The first bytes a server answers to a bare hello (no extensions) offering exactly ``suites``."""
    hello = TlsliteClientHello().create(version, bytearray(32), bytearray(0), suites)
    body = bytes(hello.write())
    with socket.create_connection((ip, port), timeout=5) as sock:
        sock.sendall(bytes([22, 3, 0 if version == (3, 0) else 1]) + len(body).to_bytes(2, "big") + body)
        return sock.recv(5 + 4)


def test_strict_renegotiation_refuses_hellos_without_rfc5746_and_the_scan_still_sees_ssl3(tmp_path, running):
    """AllowInsecureRenegoClients = 0: a hello with neither the renegotiation_info extension nor the SCSV is
    refused (rbsec/sslscan PR 280 on Server 2019); the scan's hellos carry the SCSV, SSL 3.0 included, so the
    enabled SSL 3.0 is reported enabled, never "off"."""
    host = SimulatedWindows("strict-reneg", "2019", tmp_path)
    set_dword(host, SCHANNEL, "AllowInsecureRenegoClients", 0)
    configure(host, legacy=True)
    assert host.view.strict_renegotiation
    assert host.mailstore_view.strict_renegotiation
    ip = "127.20.250.6"
    running(host, ip)
    for version in ((3, 0), (3, 3)):
        assert raw_hello_answer(ip, PORT, version, [0x0005, 0x002F])[:7][5:] == bytes([2, 40])  # fatal alert
        answer = raw_hello_answer(ip, PORT, version, [0x0005, 0x002F, 0x00FF])
        assert answer[0] == 22
        assert answer[5] == 2
    result = scan_host(ip, {PORT: expect_from_options({}, "2019")}, depth="compliance", timeout=5,
                       port_timeout=120)
    port = result.ports[PORT]
    assert port.reachable
    assert port.complete
    assert [suite_name(c) for c in port.accepted("SSL 3.0")] == [RC4]
    assert ("FORBIDDEN_PROTOCOL", "SSL 3.0") in {(f.id, f.protocol) for f in result.findings}
    assert result.verdict == "fail"


def test_ssl2_silence_is_ssl2_not_offered_never_an_unreachable_port(tmp_path, running):
    """Host option ssl2-hello:silent (Schannel left SSL 2.0 hellos unanswered: wqweto/VbAsyncSocket issue 39): the
    SSL 2.0 probe times out, the port has answered its TLS 1.2 hello, so it is reachable, complete and passes."""
    host = SimulatedWindows("ssl2-silent", "2019", tmp_path, ssl2_hello="silent")
    host.boot()
    ip = "127.20.250.7"
    running(host, ip)
    assert ssl2_handshake(ip, PORT, ssl2_universe(), timeout=1).kind == "timeout"
    for depth in ("compliance", "full"):
        result = scan_host(ip, {PORT: expect_from_options({}, "2019")}, depth=depth, timeout=1, port_timeout=120)
        port = result.ports[PORT]
        assert port.reachable, (depth, port.detail)
        assert port.complete, (depth, port.detail)
        assert "SSL 2.0" not in port.protocols
        assert result.verdict == "pass", (depth, [f.message for f in result.findings])
