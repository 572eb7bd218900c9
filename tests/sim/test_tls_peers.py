"""The scan against real TLS servers nobody here wrote: OpenSSL's ``s_server`` and tlslite-ng's server.

Each configuration is scanned by tls_scan at both depths and by sslyze (the reference, run here apart from the
scan). Both depths must list exactly what sslyze lists (suites per protocol, groups, DH size) and reach the verdict
the settings give for what sslyze saw: ``fail`` as soon as anything the settings do not allow is on the wire,
never a crash. A port that answers nothing, or is closed, is ``unreachable`` for both. Servers listen on loopback
only (run inside a network namespace, as every test that starts servers).
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sslyze import (
    ScanCommand,
    ScanCommandAttemptStatusEnum,
    Scanner,
    ServerNetworkConfiguration,
    ServerNetworkLocation,
    ServerScanRequest,
    ServerScanStatusEnum,
)
from tlslite import HandshakeSettings, TLSConnection, X509CertChain, parsePEMKey

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.handshake import group_name, offer
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.expectation import (
    Expectation,
    expect_from_options,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.scan import scan_host
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.sweep import suite_code
from tests.loopback_server import LoopbackServer
from tests.sim.sslyze_scan import VERSION_COMMANDS

IP = "127.0.0.1"
NAME = "peer.example"  # the DNS name the strict-SNI server answers to
# What the settings allow: Windows Server 2019 as shipped (TLS 1.0-1.2, its default suites, x25519/P-256/P-384,
# DHE at 2048 bits or more).
EXPECTATION = expect_from_options({}, "2019")
COMMANDS = {"SSL 2.0": ScanCommand.SSL_2_0_CIPHER_SUITES, **VERSION_COMMANDS}


@dataclass(frozen=True)
class Peer:
    """One server configuration: ``s_server`` arguments, tlslite-ng settings, or a port that never answers."""

    name: str
    openssl: tuple[str, ...] = ()
    tlslite: dict = field(default_factory=dict)
    silent: bool = False
    closed: bool = False
    server_name: str | None = None
    verdict: str = "fail"  # what the settings make of it (checked against sslyze's view too)


_SECLEVEL0 = ":@SECLEVEL=0"
_ALLOWED_GROUPS = ("-groups", "X25519:P-256:P-384")  # OpenSSL's default list adds X448, P-521 and FFDHE
PEERS = (
    Peer("openssl-cbc-tls10", ("-tls1", "-cipher", "ECDHE-RSA-AES256-SHA:AES128-SHA" + _SECLEVEL0)),
    Peer("openssl-cbc-tls12", ("-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA256:AES256-SHA256:AES128-SHA",
                               *_ALLOWED_GROUPS),
         verdict="pass"),
    Peer("openssl-gcm", ("-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256",
                         *_ALLOWED_GROUPS),
         verdict="pass"),
    # only ECDHE suites the Windows catalog lacks: the groups are still scanned (and X448 found)
    Peer("openssl-chacha20", ("-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305", "-groups", "X448:X25519")),
    Peer("openssl-camellia-aria", ("-tls1_2", "-cipher",
                                   "ECDHE-RSA-AES256-GCM-SHA384:CAMELLIA256-SHA:ARIA128-GCM-SHA256:"
                                   "DHE-RSA-CAMELLIA128-SHA256")),
    Peer("openssl-tls13", ("-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256")),
    Peer("openssl-groups-p384", ("-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384", "-groups", "P-384"),
         verdict="pass"),
    Peer("openssl-groups-x448", ("-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384", "-groups", "X448:P-256")),
    Peer("openssl-weak-dh", ("-tls1_2", "-cipher", "DHE-RSA-AES256-GCM-SHA384" + _SECLEVEL0, "-dhparam", "{dh1024}")),
    Peer("openssl-strict-sni", ("-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384", "-servername", NAME,
                                "-cert2", "{cert}", "-key2", "{key}", "-servername_fatal", *_ALLOWED_GROUPS),
         server_name=NAME, verdict="pass"),
    Peer("tlslite-legacy", tlslite={"versions": [(3, 0), (3, 1)], "cipherNames": ["rc4", "3des", "aes128"],
                                    "macNames": ["sha"], "keyExchangeNames": ["rsa"]}),
    Peer("tlslite-modern", tlslite={"versions": [(3, 4), (3, 3)], "cipherNames": ["aes128gcm", "chacha20-poly1305"],
                                    "keyExchangeNames": ["ecdhe_rsa"], "eccCurves": ["secp256r1", "x25519"]}),
    Peer("silent", silent=True, verdict="unreachable"),
    Peer("closed", closed=True, verdict="unreachable"),
)


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> dict[str, Path]:
    """An RSA certificate and key, and 1024-bit DH parameters (for the weak-DH server)."""
    root = tmp_path_factory.mktemp("peers")
    files = {"cert": root / "cert.pem", "key": root / "key.pem", "dh1024": root / "dh1024.pem"}
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={NAME}", "-days", "2",
                    "-keyout", files["key"], "-out", files["cert"]], check=True, capture_output=True, timeout=60)
    subprocess.run(["openssl", "dhparam", "-out", files["dh1024"], "1024"], check=True, capture_output=True,
                   timeout=120)
    return files


class TlsliteServer(LoopbackServer):
    """tlslite-ng's server, one handshake per connection, each in its own thread."""

    def __init__(self, settings: HandshakeSettings, keys: dict[str, Path]) -> None:
        self.settings = settings
        self.chain = X509CertChain()
        self.chain.parsePemList(keys["cert"].read_text(encoding="ascii"))
        self.key = parsePEMKey(keys["key"].read_text(encoding="ascii"), private=True)
        super().__init__(IP)

    def handle(self, conn: socket.socket) -> None:
        threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        with contextlib.suppress(Exception), conn:
            TLSConnection(conn).handshakeServer(certChain=self.chain, privateKey=self.key, settings=self.settings)


class SilentServer(LoopbackServer):
    """Accepts and never answers (a port behind a proxy that swallows the hello)."""

    def __init__(self) -> None:
        self.held: list[socket.socket] = []
        super().__init__(IP)

    def handle(self, conn: socket.socket) -> None:
        self.held.append(conn)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((IP, 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(peer: Peer, keys: dict[str, Path]) -> Iterator[int]:
    """Start ``peer``'s server; yields its port."""
    if peer.closed:
        yield free_port()
        return
    if peer.silent:
        server = SilentServer()
        try:
            yield server.port
        finally:
            server.close()
            for conn in server.held:
                conn.close()
        return
    if peer.tlslite:
        settings = HandshakeSettings()
        for name, value in peer.tlslite.items():
            setattr(settings, name, value)
        settings.minVersion, settings.maxVersion = min(settings.versions), max(settings.versions)
        server = TlsliteServer(settings, keys)
        try:
            yield server.port
        finally:
            server.close()
        return
    port = free_port()
    args = [a.format(**{k: str(v) for k, v in keys.items()}) for a in peer.openssl]
    process = subprocess.Popen(["openssl", "s_server", "-accept", f"{IP}:{port}", "-cert", keys["cert"],
                                "-key", keys["key"], "-www", "-quiet", *args],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection((IP, port), timeout=1):
                break
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "s_server did not start"
            time.sleep(0.05)
        yield port
    finally:
        process.kill()
        process.wait(10)


@dataclass
class Seen:
    """What one scanner saw on one port: suites per protocol (codes), groups (IANA names), DH size."""

    reachable: bool
    suites: dict[str, set[int]] = field(default_factory=dict)
    groups: set[str] = field(default_factory=set)
    dh_bits: int | None = None


def sslyze_view(port: int, server_name: str | None) -> Seen:
    """sslyze's own scan of the port (SNI: the DNS name, else sslyze's default for an IP, which is the IP)."""
    request = ServerScanRequest(
        server_location=ServerNetworkLocation(hostname=server_name or IP, port=port, ip_address=IP),
        network_configuration=ServerNetworkConfiguration(tls_server_name_indication=server_name or IP,
                                                         network_timeout=2, network_max_retries=0),
        scan_commands={*COMMANDS.values(), ScanCommand.ELLIPTIC_CURVES},
    )
    scanner = Scanner()
    scanner.queue_scans([request])
    (result,) = list(scanner.get_results())
    if result.scan_status == ServerScanStatusEnum.ERROR_NO_CONNECTIVITY:
        return Seen(False)
    seen = Seen(True)
    for protocol, command in COMMANDS.items():
        attempt = getattr(result.scan_result, command.value)
        assert attempt.status == ScanCommandAttemptStatusEnum.COMPLETED, attempt.error_reason
        accepted = attempt.result.accepted_cipher_suites
        seen.suites[protocol] = {suite_code(a.cipher_suite.name, a.cipher_suite.openssl_name, port) for a in accepted}
        for suite in accepted:
            key = suite.ephemeral_key
            if key is not None and type(key).__name__ == "DhEphemeralKeyInfo":
                seen.dh_bits = key.size
    curves = getattr(result.scan_result, ScanCommand.ELLIPTIC_CURVES.value)
    assert curves.status == ScanCommandAttemptStatusEnum.COMPLETED, curves.error_reason
    seen.groups = {c.name.lower().replace("prime256v1", "secp256r1") for c in curves.result.supported_curves or []}
    return seen


def settings_verdict(seen: Seen, expectation: Expectation) -> str:
    """The verdict the settings give for what sslyze saw."""
    if not seen.reachable:
        return "unreachable"
    forbidden = [(p, c) for p, codes in seen.suites.items() for c in codes if not expectation.allows(p, c)]
    bad_groups = seen.groups - {group_name(g).lower() for g in expectation.groups}
    weak_dh = seen.dh_bits is not None and seen.dh_bits < expectation.dh_bits
    return "fail" if forbidden or bad_groups or weak_dh else "pass"


def tls_scan_view(port: int, depth: str, server_name: str | None) -> tuple[Seen, str, str]:
    result = scan_host(IP, {port: EXPECTATION}, depth=depth, timeout=2, port_timeout=60, server_name=server_name)
    found = result.ports[port]
    seen = Seen(found.reachable, {p: set(r.suites) for p, r in found.protocols.items()},
                {g.lower() for g in found.to_json()["groups"]}, found.dh_bits)
    return seen, result.verdict, found.detail


def comparable(seen: Seen) -> tuple:
    return (seen.reachable, {p: c for p, c in seen.suites.items() if c}, seen.groups, seen.dh_bits)


def scan_peer(peer: Peer, keys: dict[str, Path]) -> dict | BaseException:
    try:
        return _scan_peer(peer, keys)
    except Exception as exc:  # reported by that peer's test, not by every one
        return exc


def _scan_peer(peer: Peer, keys: dict[str, Path]) -> dict:
    with serving(peer, keys) as port:
        reference = sslyze_view(port, peer.server_name)
        out = {"reference": reference, "verdict": settings_verdict(reference, EXPECTATION)}
        for depth in ("compliance", "full"):
            out[depth] = tls_scan_view(port, depth, peer.server_name)
        if peer.server_name:  # the same server addressed by IP: no SNI at all, never the IP literal
            out["ip_literal_sni"] = offer(IP, port, ["TLS 1.2"], [0xC030], server_name=IP, timeout=2).kind
            for depth in ("compliance", "full"):
                out["by_ip", depth] = tls_scan_view(port, depth, None)
    return out


@pytest.fixture(scope="module")
def scans(keys) -> dict[str, dict]:
    """Every peer scanned by sslyze and at both depths, several peers side by side (wall time)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip((p.name for p in PEERS), pool.map(lambda p: scan_peer(p, keys), PEERS), strict=True))


@pytest.mark.parametrize("peer", PEERS, ids=lambda p: p.name)
def test_both_depths_list_what_sslyze_lists_and_judge_it_by_the_settings(peer, scans):
    scan = scans[peer.name]
    if isinstance(scan, BaseException):
        raise scan
    reference = scan["reference"]
    assert scan["verdict"] == peer.verdict  # the configuration is what its name says (sslyze's view)
    for depth in ("compliance", "full"):
        seen, verdict, detail = scan[depth]
        assert comparable(seen) == comparable(reference), (depth, detail)
        assert verdict == peer.verdict, (depth, detail)
    if peer.server_name:
        assert scan["ip_literal_sni"] == "alert"  # the server is strict: an IP literal as SNI is refused
        for depth in ("compliance", "full"):
            seen, verdict, detail = scan["by_ip", depth]
            assert comparable(seen) == comparable(reference), (depth, detail)
            assert verdict == peer.verdict, (depth, detail)
