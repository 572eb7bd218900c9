"""The second real TLS stack: tlslite-ng serves what the local OpenSSL 3 cannot (SSL 3.0, RC4 and 3DES suites).

The local OpenSSL build has no SSL 3.0 and no RC4/3DES TLS suites, not even at ``@SECLEVEL=0`` (Debian's
OpenSSL 3.0 is built without SSLv3 and, per ``openssl ciphers -v '3DES:RC4:@SECLEVEL=0'``, with no such suites);
tlslite-ng 0.8.2 implements them (tlslite/handshakesettings.py CIPHER_NAMES/ALL_CIPHER_NAMES). A listener therefore
looks at each ClientHello before any TLS stack sees it (``MSG_PEEK``: nothing is consumed) and decides which stack
answers it:

1. ``windows_choice``: what Schannel would negotiate. Schannel picks the highest enabled protocol the client
   supports, then the first suite of ITS OWN priority list (the view's order) that the client offers, that is
   offered on that protocol and that the host's certificate can serve (server preference; the order is the
   "priority list", manage-tls.md). A suite the certificate cannot serve is skipped and the next one taken: with
   only an RSA certificate ECDSA suites are never negotiated (ssllabs-scan issue 886 on Server 2016/2019, sslyze
   issue 463 on 2019), and a DSS suite needs a DSA certificate no MailStore host has.
2. Renegotiation strict mode (``view.strict_renegotiation``, ``AllowInsecureRenegoClients`` = 0): a ClientHello
   that signals RFC 5746 support neither by the renegotiation_info extension nor by
   TLS_EMPTY_RENEGOTIATION_INFO_SCSV is refused with a fatal ``handshake_failure`` (40). Source: Windows Server
   2019 + IIS 10 "rejects all TLSv1.2 connections if the TLS_EMPTY_RENEGOTIATION_INFO_SCSV cipher is not present"
   (rbsec/sslscan PR 280, whose hellos carried no renegotiation_info either); that either signal satisfies such a
   server is RFC 5746 3.6 (tlsfuzzer issue 557); the alert is a choice (no capture shows which one Schannel
   sends), as are SSL 3.0 hellos being refused alike (RFC 5746 3.6 applies to SSL 3.0 servers too).
   An SSL 2.0 CLIENT-HELLO gets no answer at all when the host option ``ssl2-hello`` is ``silent``: an Schannel
   server "gets a SSL 2.0 Client Hello but does not respond (only TCP ACK is sent back)" (wqweto/VbAsyncSocket
   issue 39, Windows XP), and sslyze saw every SSLv2 probe time out against IIS 7 (sslyze issue 48). Weak and old
   evidence, so it is an option; by default such a hello goes to OpenSSL, which has no SSL 2.0 and refuses it.
3. Which versions the client offers: those of its supported_versions extension (RFC 8446 4.2.1), except on a
   Windows version that has no TLS 1.3 (2008 R2 to 2019, windows_facts.PROTOCOL_DEFAULTS): there the extension is
   unknown and ignored (RFC 5246 7.4.1.4: a server "MUST ignore" extensions it does not understand), so the
   legacy client_version decides. "Windows Server 2019 + IIS 10 will respond to TLSv1.3 handshakes with a TLSv1.2
   response" (rbsec/sslscan PR 280; its TLS 1.3 hello listed only 0x0304 in supported_versions); 2008 R2 to 2016
   follow from the same rule, no capture shows them. OpenSSL gets such a hello through a fixed-version context of
   the chosen protocol (``tls.build_context(fixed=...)``), which reads only client_version (OpenSSL
   ssl_choose_server_version). On 2022/2025 with TLS 1.3 disabled, RFC 8446 applies (unsourced for Windows).
4. No common protocol version: the listener resets the connection (TCP RST), no alert. WestpointLtd/tls_prober's
   fingerprints of real Schannel servers answer its ZeroHelloVersion probe (client_version 0.0, below every
   version) with ``error:ECONNRESET``: IIS 7.5 on Schannel 6.1.7601.17514 (2008 R2 SP1) and IIS 8.5 on Schannel
   6.3.9600.16384 (2012 R2) (fingerprints/microsoft-iis-75-schannel-61760117514.fp,
   microsoft-iis-85-2012r2-schannel-63960016384.fp); an IIS 10 host reset a TLS 1.3-only hello
   (adoptium-support issue 1475). RFC 8446 4.2.1 would have a protocol_version alert. A common version but no
   suite Schannel can use on it: fatal ``handshake_failure`` (40), as Schannel logs it ("none of the cipher suites
   supported by the client application are supported by the server ... The following fatal alert was generated:
   40. The internal error state is 1205", Server 2008 R2 events quoted in win-acme issue 479; SSL Labs'
   ssllabs-scan issue 705).
5. If the chosen (protocol, suite) pair is one OpenSSL serves, the socket goes to OpenSSL unchanged: OpenSSL has
   the Windows order with server preference and only the host's certificate (tls.py), so it picks the same suite.
   Anything that does not parse as one ClientHello record also goes to OpenSSL.
6. If the pair is one tlslite serves (``tls.plan().legacy``), tlslite-ng runs the handshake pinned to exactly that
   protocol and that suite: ``versions``/``minVersion``/``maxVersion`` = the protocol (setting only min/max is not
   enough: clients sending supported_versions are matched against ``settings.versions``)
   and one cipher x one MAC x RSA key exchange, which tlslite's cross product turns into
   exactly one suite (checked in ``tlslite_pin``). The routing never widens what the view allows: tlslite only ever
   sees pairs the view offers.

Deviations from Windows (simulator mechanism, documented in the README):
- the routing looks only at the first TLS record; a ClientHello spanning several records, an SSLv2-format
  ClientHello, or one not complete within ``HELLO_PEEK_SECONDS`` goes to OpenSSL (which then serves only what it
  can);
- tlslite serves only RSA key exchange (every RC4/3DES/SSL 3.0 suite Windows ships with an RSA certificate uses
  it); the DSS suites stay unservable (no DSA certificate), single DES and EXPORT suites are in neither stack;
- a tlslite connection is pinned to one version, so TLS_FALLBACK_SCSV never triggers there (Schannel does not
  implement it either: ssllabs/ssllabs-scan#245, rbsec/sslscan#343), whereas OpenSSL answers
  inappropriate_fallback on its path;
- no session resumption on the tlslite path (no session cache, no tickets);
- a TLS 1.3 hello to a host without TLS 1.3 whose Windows answer is a tlslite pair (RC4/3DES on TLS 1.2) gets
  tlslite's answer, which reads supported_versions (a protocol_version alert where Windows answers TLS 1.2);
- a suite neither stack can serve (single DES, EXPORT, EXPORT1024) is skipped like one the certificate cannot
  serve, where Windows would negotiate it.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tlslite import HandshakeSettings, TLSConnection, X509CertChain, parsePEMKey
from tlslite.constants import CipherSuite
from tlslite.errors import BaseTLSException

from .windows_facts import PROTOCOL_DEFAULTS

if TYPE_CHECKING:
    import ssl

    from .schannel_view import OfferedSuite, SchannelView

# protocol key name -> wire version (RFC 6101, 2246, 4346, 5246, 8446)
WIRE_VERSIONS = {"SSL 3.0": (3, 0), "TLS 1.0": (3, 1), "TLS 1.1": (3, 2), "TLS 1.2": (3, 3), "TLS 1.3": (3, 4)}
HELLO_PEEK_SECONDS = 5.0  # a client that has not sent its first record by then goes to OpenSSL (its own timeouts)
MAX_RECORD = 5 + 2**14 + 2048  # header + TLSPlaintext.length limit (RFC 5246 6.2.1) + slack
HANDSHAKE_SECONDS = 10.0
# What a failed tlslite handshake or relay raises: socket errors, TLS alerts/aborts, and tlslite's parser errors
# (tlslite.utils.codec.DecodeError is a SyntaxError; malformed lengths raise ValueError).
TLSLITE_ERRORS = (OSError, BaseTLSException, SyntaxError, ValueError)
CONTENT_HANDSHAKE = 22
HANDSHAKE_CLIENT_HELLO = 1
CONTENT_ALERT = 21
ALERT_FATAL = 2
ALERT_HANDSHAKE_FAILURE = 40  # RFC 5246 7.2.2
ALERT_PROTOCOL_VERSION = 70
EXT_SUPPORTED_VERSIONS = 43
EXT_RENEGOTIATION_INFO = 0xFF01  # RFC 5746 3.2
RENEGOTIATION_SCSV = 0x00FF  # TLS_EMPTY_RENEGOTIATION_INFO_SCSV, RFC 5746 3.3
SSL2_CLIENT_HELLO = 1  # draft-hickman-netscape-ssl-00: MSG-CLIENT-HELLO after a 2-byte header with the high bit set
# tlslite cipher / MAC names by suite membership (tlslite/constants.py CipherSuite lists).
_TLSLITE_CIPHERS = (("rc4", CipherSuite.rc4Suites), ("3des", CipherSuite.tripleDESSuites),
                    ("aes128", CipherSuite.aes128Suites), ("aes256", CipherSuite.aes256Suites))
_TLSLITE_MACS = (("sha", CipherSuite.shaSuites), ("md5", CipherSuite.md5Suites),
                 ("sha256", CipherSuite.sha256Suites))


@dataclass(frozen=True)
class ClientHello:
    versions: frozenset[tuple[int, int]]  # versions the client accepts
    suites: frozenset[int]  # offered cipher suite code points
    secure_renegotiation: bool = False  # RFC 5746 signalled: renegotiation_info extension or the SCSV
    legacy_versions: frozenset[tuple[int, int]] = frozenset()  # every version up to client_version (RFC 5246 E.1)


@dataclass(frozen=True)
class Pin:
    """One tlslite handshake: exactly this protocol and this suite."""

    protocol: str
    suite: str  # Windows name
    code: int
    cipher: str  # tlslite cipher name
    mac: str  # tlslite MAC name


@dataclass(frozen=True)
class Silence:
    """A hello Schannel leaves unanswered: read nothing, send nothing, until the client gives up."""


@dataclass(frozen=True)
class Refusal:
    """A ClientHello Schannel refuses: the fatal alert to send, in a record of ``version``."""

    alert: int
    version: tuple[int, int]
    reset: bool = False  # no alert: the connection is reset (routing step 4); ``alert`` is what the RFC would send

    def record(self) -> bytes:
        """The alert record (RFC 5246 6.2.1 / 7.2; a TLS 1.3 server writes record version 0x0303)."""
        version = min(self.version, (3, 3))
        return bytes([CONTENT_ALERT, *version, 0, 2, ALERT_FATAL, self.alert])


def record_size(data: bytes) -> int:
    """Bytes of the first record (header included) once its header is known, 5 before; 0 if not a handshake."""
    if len(data) < 5:
        return 5
    if data[0] != CONTENT_HANDSHAKE or data[1] != 3:
        return 0
    size = 5 + int.from_bytes(data[3:5], "big")
    return size if size <= MAX_RECORD else 0


def parse_client_hello(data: bytes) -> ClientHello | None:
    """The versions and suites of a ClientHello that fits in the first record (RFC 5246 7.4.1.2, RFC 8446 4.1.2)."""
    size = record_size(data)
    if not size or len(data) < size:
        return None
    body = data[5:size]
    try:
        if body[0] != HANDSHAKE_CLIENT_HELLO or 4 + int.from_bytes(body[1:4], "big") > len(body):
            return None
        legacy_version = (body[4], body[5])
        pos = 4 + 2 + 32
        pos += 1 + body[pos]  # session_id
        suites_len = int.from_bytes(body[pos: pos + 2], "big")
        raw = body[pos + 2: pos + 2 + suites_len]
        if len(raw) != suites_len or suites_len % 2:
            return None
        suites = frozenset(int.from_bytes(raw[i: i + 2], "big") for i in range(0, suites_len, 2))
        pos += 2 + suites_len
        pos += 1 + body[pos]  # compression methods
        versions = None
        renegotiation_info = False
        if pos + 2 <= len(body):
            end = pos + 2 + int.from_bytes(body[pos: pos + 2], "big")
            pos += 2
            while pos + 4 <= end:
                ext_type = int.from_bytes(body[pos: pos + 2], "big")
                ext_len = int.from_bytes(body[pos + 2: pos + 4], "big")
                ext = body[pos + 4: pos + 4 + ext_len]
                if ext_type == EXT_SUPPORTED_VERSIONS and ext:
                    versions = frozenset((ext[i], ext[i + 1]) for i in range(1, ext[0], 2))
                renegotiation_info |= ext_type == EXT_RENEGOTIATION_INFO
                pos += 4 + ext_len
    except IndexError:
        return None
    legacy = frozenset(v for v in WIRE_VERSIONS.values() if v <= legacy_version)
    return ClientHello(legacy if versions is None else versions, suites,
                       renegotiation_info or RENEGOTIATION_SCSV in suites, legacy)


def is_ssl2_client_hello(data: bytes) -> bool:
    """Whether ``data`` starts an SSL 2.0 CLIENT-HELLO (two-byte record header with the high bit set)."""
    return len(data) >= 3 and data[0] & 0x80 != 0 and data[2] == SSL2_CLIENT_HELLO


def windows_choice(view: SchannelView, hello: ClientHello, servable: frozenset[tuple[str, int]]
                   ) -> tuple[str, OfferedSuite | None] | None:
    """(protocol, suite) Schannel negotiates for ``hello``; suite None = no usable common suite; None = no common
    version. ``servable``: the (protocol, code) pairs the host's certificate and the two stacks can serve."""
    common = [p for p in view.protocols if WIRE_VERSIONS.get(p) in hello.versions]
    if not common:
        return None
    protocol = common[-1]  # view.protocols is ascending
    for suite in view.suites:
        if suite.code in hello.suites and (protocol, suite.code) in servable:
            return protocol, suite
    return protocol, None


def tlslite_pin(code: int, protocol: str) -> tuple[str, str] | None:
    """(cipher, mac) tlslite names that make tlslite offer exactly suite ``code`` with RSA key exchange."""
    version = WIRE_VERSIONS.get(protocol)
    if version is None or version >= (3, 4) or code not in CipherSuite.certSuites:
        return None
    cipher = next((name for name, codes in _TLSLITE_CIPHERS if code in codes), None)
    mac = next((name for name, codes in _TLSLITE_MACS if code in codes), None)
    if cipher is None or mac is None:
        return None
    settings = pinned_settings(version, cipher, mac)
    return (cipher, mac) if CipherSuite.getCertSuites(settings, version) == [code] else None


def pinned_settings(version: tuple[int, int], cipher: str, mac: str) -> HandshakeSettings:
    """tlslite settings that allow exactly ``version`` and RSA x ``cipher`` x ``mac`` (one suite, see tlslite_pin)."""
    settings = HandshakeSettings()
    settings.minVersion = settings.maxVersion = version
    settings.versions = [version]
    settings.cipherNames = [cipher]
    settings.macNames = [mac]
    settings.keyExchangeNames = ["rsa"]
    # Decision, not a modelled Windows fact: the legacy path negotiates the base handshake only, without the
    # optional encrypt_then_mac (RFC 7366), heartbeat (RFC 6520) and record_size_limit (RFC 8449) extensions.
    # No finding the collection reports depends on them, and none of them is documented for Schannel.
    settings.useEncryptThenMAC = False
    settings.use_heartbeat_extension = False
    settings.record_size_limit = None
    return settings


class HelloRouter:
    """Decides per ClientHello who answers it (module docstring); runs the tlslite handshakes of ``pins``."""

    def __init__(self, view: SchannelView, servable: frozenset[tuple[str, int]],
                 pins: dict[tuple[str, int], Pin], rsa_cert: Path, rsa_key: Path, *, ssl2_silent: bool = False,
                 fixed_contexts: dict[str, ssl.SSLContext] | None = None) -> None:
        self.view = view
        self.ssl2_silent = ssl2_silent
        # Hosts without TLS 1.3 ignore supported_versions (routing step 3): one fixed-version context per protocol.
        self.ignores_supported_versions = "TLS 1.3" not in PROTOCOL_DEFAULTS[view.os_key]
        self.fixed_contexts = fixed_contexts or {}
        self.servable = servable
        self.pins = pins
        self.chain = X509CertChain()
        self.key = None
        if pins:
            self.chain.parsePemList(rsa_cert.read_text(encoding="ascii"))
            self.key = parsePEMKey(rsa_key.read_text(encoding="ascii"), private=True)

    def route(self, first_record: bytes) -> Pin | Refusal | Silence | ssl.SSLContext | None:
        """A tlslite pin, the refusal Schannel would send, its silence, or OpenSSL: the fixed-version context to
        answer with (routing step 3), or None for the listener's own context."""
        if self.ssl2_silent and is_ssl2_client_hello(first_record):
            return Silence()
        hello = parse_client_hello(first_record)
        if hello is None:
            return None
        if self.view.strict_renegotiation and not hello.secure_renegotiation:
            return Refusal(ALERT_HANDSHAKE_FAILURE, max(hello.versions, default=(3, 1)))
        if self.ignores_supported_versions:
            hello = ClientHello(hello.legacy_versions, hello.suites, hello.secure_renegotiation, hello.legacy_versions)
        choice = windows_choice(self.view, hello, self.servable)
        if choice is None:
            return Refusal(ALERT_PROTOCOL_VERSION, min(hello.versions, default=(3, 1)), reset=True)
        protocol, suite = choice
        if suite is None:
            return Refusal(ALERT_HANDSHAKE_FAILURE, WIRE_VERSIONS[protocol])
        pin = self.pins.get((protocol, suite.code))
        if pin is None and self.ignores_supported_versions:
            return self.fixed_contexts.get(protocol)
        return pin

    def handshake(self, sock: socket.socket, pin: Pin) -> TLSConnection:
        """Blocking server handshake on ``sock`` pinned to ``pin``; raises on failure."""
        sock.settimeout(HANDSHAKE_SECONDS)
        conn = TLSConnection(sock)
        conn.handshakeServer(certChain=self.chain, privateKey=self.key,
                             settings=pinned_settings(WIRE_VERSIONS[pin.protocol], pin.cipher, pin.mac))
        return conn


def refuse(sock: socket.socket, refusal: Refusal) -> None:
    """Read the ClientHello, send the fatal alert and close (FIN, not RST: nothing unread is left behind); or, for a
    ``reset`` refusal, close at once with a TCP RST (SO_LINGER with a zero timeout).

    The socket may be non-blocking: the hello has arrived (it was peeked) and a 7-byte alert fits any send buffer.
    """
    if refusal.reset:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
        return
    with contextlib.suppress(OSError):
        size = record_size(sock.recv(5, socket.MSG_PEEK))
        if size:
            sock.recv(size)
        sock.send(refusal.record())
        sock.shutdown(socket.SHUT_WR)
    sock.close()


async def stay_silent(sock: socket.socket, idle_seconds: float) -> None:
    """Answer nothing: drain what the client sends until it closes or ``idle_seconds`` pass, then close."""
    loop = asyncio.get_running_loop()
    with contextlib.suppress(TimeoutError, OSError):
        async with asyncio.timeout(idle_seconds):
            while await loop.sock_recv(sock, 4096):
                pass
    sock.close()


async def peek_first_record(sock: socket.socket) -> bytes:
    """The first record as far as it arrived within HELLO_PEEK_SECONDS, without consuming it (non-blocking sock).

    SO_RCVLOWAT makes epoll report the socket readable only once the bytes asked for are there (or at EOF), so the
    wait needs no polling; a readable socket whose peek did not grow is at EOF or in error.
    """
    loop = asyncio.get_running_loop()
    data = b""
    try:
        async with asyncio.timeout(HELLO_PEEK_SECONDS):
            while (need := record_size(data)) > len(data):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, need)
                ready = loop.create_future()
                loop.add_reader(sock.fileno(), lambda fut=ready: fut.done() or fut.set_result(None))
                try:
                    await ready
                finally:
                    loop.remove_reader(sock.fileno())
                with contextlib.suppress(BlockingIOError, InterruptedError):
                    more = sock.recv(need, socket.MSG_PEEK)
                    if len(more) <= len(data):
                        break
                    data = more
    except (TimeoutError, OSError):
        pass
    finally:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, 1)
    return data


def peek_first_record_blocking(sock: socket.socket) -> bytes:
    """``peek_first_record`` for a blocking socket (thread-per-connection servers such as the handshake tests)."""
    sock.settimeout(HELLO_PEEK_SECONDS)
    data = b""
    with contextlib.suppress(OSError):
        while (need := record_size(data)) > len(data):
            more = sock.recv(need, socket.MSG_PEEK | socket.MSG_WAITALL)
            if len(more) <= len(data):
                break
            data = more
    return data


def relay(conn: TLSConnection, raw: socket.socket, inner: socket.socket, idle_seconds: float) -> None:
    """Blocking: move plaintext between a tlslite connection and ``inner`` until either side ends, then close both.

    ``inner`` is one end of a socketpair whose other end the asyncio handler reads and writes, so the tlslite path
    runs the very same connection handler as the OpenSSL path.
    """
    raw.settimeout(idle_seconds)
    client_done = False
    try:
        while True:
            watched = [inner] if client_done else [raw, inner]
            readable, _w, _x = select.select(watched, [], [], idle_seconds)
            if not readable:
                return
            if inner in readable:
                data = inner.recv(65536)
                if not data:
                    return
                conn.write(data)
            if raw in readable and not client_done:
                data = conn.read()  # every buffered application byte; b"" after close_notify/EOF
                if data:
                    inner.sendall(data)
                else:
                    client_done = True
                    inner.shutdown(socket.SHUT_WR)  # the handler sees EOF and may still answer
    except TLSLITE_ERRORS:
        return
    finally:
        with contextlib.suppress(*TLSLITE_ERRORS):
            conn.close()  # close_notify, as the OpenSSL path's writer.close() sends
        raw.close()
        inner.close()
