"""The probe on loopback sockets where the simulator cannot help: an SSL 2.0 server, a server that trickles.

The SSL 2.0 responder is built from tlslite-ng's own SSL 2.0 messages. Neither OpenSSL 3 nor the simulator can
serve SSL 2.0 (tests/winsim/README.md "Limits"), so this responder is a test double: it parses the CLIENT-HELLO
with tlslite-ng and answers a SERVER-HELLO listing the offered cipher kinds it "supports", as an SSL 2.0 server
does (draft-hickman-netscape-ssl-00).
"""

from __future__ import annotations

import socket
import threading

from tlslite.constants import SSL2HandshakeType
from tlslite.messages import ClientHello as TlsliteClientHello
from tlslite.messages import ServerHello, ServerHello2
from tlslite.recordlayer import RecordSocket
from tlslite.utils.codec import Parser

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.handshake import offer, ssl2_handshake
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.compliance import scan_ssl2
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.expectation import expect_from_options
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.judge import judge_port
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.probe import Prober
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.results import PortResult
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.scan import scan_host
from tests.loopback_server import LoopbackServer

RC4_128_MD5, DES_EDE3_MD5, RC2_MD5 = 0x010080, 0x0700C0, 0x030080


class Ssl2Responder(LoopbackServer):
    def __init__(self, supported: set[int]) -> None:
        self.supported = supported
        self.offered: list[list[int]] = []
        super().__init__("127.0.0.1")

    def handle(self, conn: socket.socket) -> None:
        with conn:
            records = RecordSocket(conn)
            _header, data = next(r for r in records.recv() if r not in (0, 1))
            parser = Parser(data)
            assert parser.get(1) == SSL2HandshakeType.client_hello
            hello = TlsliteClientHello(ssl2=True).parse(parser)
            self.offered.append(list(hello.cipher_suites))
            answer = ServerHello2().create(0, 1, (0, 2), bytearray(b"certificate"),
                                           [c for c in hello.cipher_suites if c in self.supported],
                                           bytearray(16))
            records.version = (0, 2)
            for _step in records.send(answer):
                pass


def test_one_ssl2_hello_lists_every_supported_cipher_kind():
    server = Ssl2Responder({RC4_128_MD5, DES_EDE3_MD5})
    try:
        outcome = ssl2_handshake("127.0.0.1", server.port, [DES_EDE3_MD5, RC2_MD5, RC4_128_MD5], timeout=2)
    finally:
        server.close()
    assert outcome.kind == "accepted"
    assert outcome.version == "SSL 2.0"
    assert outcome.server_ciphers == (DES_EDE3_MD5, RC4_128_MD5)
    assert server.offered == [[DES_EDE3_MD5, RC2_MD5, RC4_128_MD5]]


def test_compliance_names_an_ssl2_server_drown_critical():
    server = Ssl2Responder({RC4_128_MD5})
    result = PortResult(server.port)
    try:
        prober = Prober("127.0.0.1", server.port, timeout=2, port_timeout=10)
        scan_ssl2(prober, result)
    finally:
        server.close()
    assert prober.handshakes == 1
    assert result.accepted("SSL 2.0") == [RC4_128_MD5]
    findings = {(f.id, f.severity) for f in judge_port(result, expect_from_options(
        {"protocols": {"SSL 2.0": "disabled"}}, "2008r2"))}
    assert {("SSLV2", "critical"), ("FORBIDDEN_PROTOCOL", "high"), ("RC4", "high")} <= findings


def test_a_server_that_trickles_cannot_stretch_a_handshake_past_its_timeout():
    """One byte every 0.2 s would keep a per-read timeout alive forever; the deadline covers the whole call."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle() -> None:
        conn, _ignored = server.accept()
        with conn:
            conn.recv(4096)
            while not stop.wait(0.2):
                conn.sendall(b"\x16")  # a handshake record that never ends

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        outcome = offer("127.0.0.1", server.getsockname()[1], ["TLS 1.2"], [0xC030], timeout=1.0)
    finally:
        stop.set()
        server.close()
        thread.join(timeout=5)
    assert outcome.kind == "timeout"
    assert outcome.seconds < 1.5


class ShortListServer(LoopbackServer):
    """A TLS 1.2 server behind a load balancer that answers illegal_parameter to a hello with more than 128 suites
    (Cisco ACE, testssl/testssl.sh issues 806 and 1214); it accepts TLS_RSA_WITH_CAMELLIA_256_CBC_SHA (ServerHello,
    then close) and refuses everything else with handshake_failure."""

    def __init__(self) -> None:
        self.offered: list[int] = []
        super().__init__("127.0.0.1")

    def handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(2)
            try:
                header = conn.recv(5, socket.MSG_WAITALL)
                body = conn.recv(int.from_bytes(header[3:5], "big"), socket.MSG_WAITALL)
            except OSError:
                return
            if header[:1] != b"\x16":
                return  # the SSL 2.0 hello: closed unanswered
            hello = TlsliteClientHello().parse(Parser(bytearray(body[1:])))
            self.offered.append(len(hello.cipher_suites))
            if len(hello.cipher_suites) > 128:
                conn.sendall(bytes([21, 3, 3, 0, 2, 2, 47]))  # fatal illegal_parameter
            elif 0x0084 in hello.cipher_suites and hello.client_version == (3, 3):
                message = ServerHello().create((3, 3), bytearray(32), bytearray(0), 0x0084).write()
                conn.sendall(bytes([22, 3, 3]) + len(message).to_bytes(2, "big") + bytes(message))
            else:
                conn.sendall(bytes([21, 3, 3, 0, 2, 2, 40]))  # fatal handshake_failure


def test_a_server_refusing_long_suite_lists_gets_them_in_short_hellos_and_fails_the_verdict():
    server = ShortListServer()
    try:
        result = scan_host("127.0.0.1", {server.port: expect_from_options({}, "2019")}, timeout=2, port_timeout=60)
    finally:
        server.close()
    port = result.ports[server.port]
    assert port.complete, port.detail
    assert port.accepted("TLS 1.2") == [0x0084]
    assert ("FORBIDDEN_SUITE", "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA") in {(f.id, f.suite) for f in result.findings}
    assert result.verdict == "fail"
    assert max(n for n in server.offered[1:]) > 128  # the long hello was tried first, then hellos of 128
    assert sorted({n for n in server.offered if n <= 128})[-1] == 128
