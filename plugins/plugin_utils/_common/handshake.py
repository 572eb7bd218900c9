# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One TLS handshake probe: send a ClientHello, read what the server answers, close.

The ClientHello is built and the server's messages are parsed by tlslite-ng (``tlslite.messages``,
``tlslite.extensions``, ``tlslite.messagesocket``), not by hand. The probe never completes the handshake: it reads
the ServerHello and, for TLS <= 1.2, the Certificate and ServerKeyExchange that follow in clear (RFC 5246 7.3), then
closes the connection. A HelloRetryRequest (RFC 8446 4.1.4) names the suite and the group the server chose, so it
counts as accepted.

API::

    hello = ClientHello(versions=("TLS 1.2",), suites=(0xC030, 0x009F), groups=(29, 23))
    outcome = handshake("127.20.0.1", 8460, hello, timeout=5.0)
    outcome.kind      # "accepted" | "alert" | "closed" | "timeout" | "refused"
    outcome.version, outcome.suite, outcome.suite_name, outcome.group, outcome.dh_bits, outcome.certificate
    outcome.alert, outcome.alert_name, outcome.seconds, outcome.detail

``ssl2_handshake(host, port, cipher_kinds, timeout)`` sends an SSL 2.0 CLIENT-HELLO instead; its Outcome lists
the server's cipher kinds in ``server_ciphers``.

``versions`` are the versions the client supports. With TLS 1.3 among them the hello carries them in the
supported_versions extension (RFC 8446 4.2.1) and a key share for the first group; without it, the legacy
``client_version`` is the highest one (RFC 5246 E.1), as real clients send it. One TCP connection per call; the
whole call is bounded by ``timeout`` (connect, send and every read).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils.tls_codes import (
    VERSION_NAMES,
    VERSIONS,
    group_name,
    known_suite_name,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError

try:
    from tlslite import constants as tls_constants
    from tlslite import extensions as tls_ext
    from tlslite import messages as tls_msg
    from tlslite.defragmenter import Defragmenter
    from tlslite.errors import TLSError
    from tlslite.keyexchange import ECDHKeyExchange
    from tlslite.messagesocket import MessageSocket
    from tlslite.recordlayer import RecordSocket
    from tlslite.utils.codec import DecodeError, Parser
except ImportError:  # reported by require_tlslite(), so the collection still loads without it
    tls_constants = None  # type: ignore[assignment]

RENEGOTIATION_SCSV = 0x00FF  # TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 3.3): a signal, not a suite

# What the probe offers by default: the groups Windows enables by default plus P-521 (tls_codes.GROUP_NAMES).
DEFAULT_GROUPS: tuple[int, ...] = (0x001D, 0x0017, 0x0018, 0x0019)
# The groups a TLS 1.3 hello may offer (RFC 8446 4.2.7: the other curves are "obsolete_RESERVED ... MUST NOT be
# offered or negotiated by TLS 1.3 implementations"; tlslite-ng's server answers illegal_parameter to them; RFC 8734
# brainpool*tls13; RFC 7919 FFDHE).
TLS13_GROUPS = frozenset({0x0017, 0x0018, 0x0019, 0x001D, 0x001E, 0x001F, 0x0020, 0x0021,
                          0x0100, 0x0101, 0x0102, 0x0103, 0x0104})
# signature_algorithms (RFC 8446 4.2.3 codes as (hash, signature) pairs, RFC 5246 7.4.1.4.1): the usual set of a
# current client, SHA-1 last so that servers with SHA-1-only certificates still answer.
DEFAULT_SIGNATURE_ALGORITHMS: tuple[tuple[int, int], ...] = (
    (4, 3), (5, 3), (6, 3),  # ecdsa_secp256r1_sha256 .. ecdsa_secp521r1_sha512
    (8, 4), (8, 5), (8, 6),  # rsa_pss_rsae_sha256 .. sha512
    (4, 1), (5, 1), (6, 1),  # rsa_pkcs1_sha256 .. sha512
    (2, 3), (2, 1),  # ecdsa_sha1, rsa_pkcs1_sha1
)

MISSING_TLSLITE = (
    "the TLS scan needs the Python package tlslite-ng on the Ansible controller (pip install tlslite-ng==0.8.2, "
    "pinned in the collection's requirements/verify.txt); install it, or skip the TLS verification"
)


def require_tlslite() -> None:
    """Raise InputError with the install hint when tlslite-ng is not importable."""
    if tls_constants is None:
        raise InputError(MISSING_TLSLITE, code="tlslite-missing")


def suite_name(code: int) -> str:
    """IANA name of a suite code point (the Schannel catalog, the IANA registry, then tlslite-ng's table), or its hex
    form: a suite nobody here knows is still named, by its code."""
    known = known_suite_name(code)
    if known is not None:
        return known
    if tls_constants is not None and code in tls_constants.CipherSuite.ietfNames:
        return tls_constants.CipherSuite.ietfNames[code]
    return "0x%04X" % code


@dataclass(frozen=True)
class ClientHello:
    """What one ClientHello offers. ``suites`` are IANA code points in the client's order."""

    versions: tuple[str, ...]
    suites: tuple[int, ...]
    groups: tuple[int, ...] = DEFAULT_GROUPS
    signature_algorithms: tuple[tuple[int, int], ...] = DEFAULT_SIGNATURE_ALGORITHMS
    server_name: str | None = None

    def __post_init__(self) -> None:
        unknown = [v for v in self.versions if v not in VERSIONS]
        if unknown or not self.versions:
            raise InputError("ClientHello versions must be among %s, not %r" % (", ".join(VERSIONS), self.versions))
        if not self.suites:
            raise InputError("a ClientHello must offer at least one cipher suite")

    @property
    def highest(self) -> str:
        return max(self.versions, key=lambda v: VERSIONS[v])


@dataclass(frozen=True)
class Outcome:
    """What the server answered. ``version``/``suite``/``group`` are set when ``kind`` is "accepted"."""

    kind: str
    seconds: float
    version: str | None = None
    suite: int | None = None
    group: int | None = None
    dh_bits: int | None = None
    certificate: dict[str, Any] | None = None
    alert: int | None = None
    hello_retry: bool = False
    server_ciphers: tuple[int, ...] = ()  # SSL 2.0 only: every offered cipher kind the SERVER-HELLO lists
    detail: str = ""

    @property
    def accepted(self) -> bool:
        return self.kind == "accepted"

    @property
    def suite_name(self) -> str | None:
        return None if self.suite is None else suite_name(self.suite)

    @property
    def group_name(self) -> str | None:
        return None if self.group is None else group_name(self.group)

    @property
    def alert_name(self) -> str | None:
        if self.alert is None:
            return None
        return tls_constants.AlertDescription.toStr(self.alert) if tls_constants else str(self.alert)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(suite_name=self.suite_name, group_name=self.group_name, alert_name=self.alert_name)
        return data


def _extensions(hello: ClientHello) -> list | None:
    wire = [VERSIONS[v] for v in sorted(hello.versions, key=lambda v: VERSIONS[v], reverse=True)]
    if hello.highest == "SSL 3.0":
        return None  # SSL 3.0 (RFC 6101) has no extensions; a bare hello is what SSL 3.0 clients send
    exts: list = []
    groups = [g for g in hello.groups if "TLS 1.3" not in hello.versions or g in TLS13_GROUPS]
    if hello.server_name:
        exts.append(tls_ext.SNIExtension().create(bytearray(hello.server_name, "ascii")))
    if groups:  # an empty list does not decode (RFC 8422 5.1.1: named_curve_list<2..2^16-1>)
        exts.append(tls_ext.SupportedGroupsExtension().create(groups))
    exts.append(tls_ext.ECPointFormatsExtension().create([tls_constants.ECPointFormat.uncompressed]))
    exts.append(tls_ext.SignatureAlgorithmsExtension().create(list(hello.signature_algorithms)))
    exts.append(tls_ext.RenegotiationInfoExtension().create(bytearray(0)))  # RFC 5746
    if "TLS 1.3" in hello.versions:
        exts.append(tls_ext.SupportedVersionsExtension().create(wire))
        shares = []
        if groups:
            group = groups[0]
            kex = ECDHKeyExchange(group, (3, 4))
            shares.append(tls_ext.KeyShareEntry().create(group, kex.calc_public_value(kex.get_random_private_key())))
        exts.append(tls_ext.ClientKeyShareExtension().create(shares))
        exts.append(tls_ext.PskKeyExchangeModesExtension().create([tls_constants.PskKeyExchangeMode.psk_dhe_ke]))
    return exts


def build_client_hello(hello: ClientHello) -> Any:
    """The tlslite-ng ``ClientHello`` message for ``hello``.

    Every hello signals secure renegotiation (RFC 5746) with TLS_EMPTY_RENEGOTIATION_INFO_SCSV, SSL 3.0 hellos
    included (they carry no extensions), besides the renegotiation_info extension of TLS hellos: a Schannel server
    in renegotiation strict mode (``AllowInsecureRenegoClients`` = 0, Exchange 2019's default) refuses a hello that
    signals neither, so an enabled protocol would look disabled. sslscan met it on Windows Server 2019 + IIS 10 and
    appends the SCSV to every hello since (rbsec/sslscan PR 280); nmap did the same (nmap/nmap issue 199).
    """
    require_tlslite()
    tls13 = "TLS 1.3" in hello.versions
    legacy = (3, 3) if tls13 else VERSIONS[hello.highest]
    session_id = bytearray(os.urandom(32)) if tls13 else bytearray(0)  # RFC 8446 D.4 middlebox compatibility
    suites = [*hello.suites, *([] if RENEGOTIATION_SCSV in hello.suites else [RENEGOTIATION_SCSV])]
    return tls_msg.ClientHello().create(legacy, bytearray(os.urandom(32)), session_id, suites,
                                        extensions=_extensions(hello))


def certificate_summary(der: bytes) -> dict[str, Any]:
    """Subject, issuer, validity, key and signature of a DER certificate (``cryptography``, an ansible-core need)."""
    import hashlib

    summary: dict[str, Any] = {"sha256": hashlib.sha256(der).hexdigest()}
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives.asymmetric import ec, rsa
    except ImportError:
        return summary
    cert = x509.load_der_x509_certificate(der)
    key = cert.public_key()
    key_type = "RSA" if isinstance(key, rsa.RSAPublicKey) else "ECDSA" if isinstance(key, ec.EllipticCurvePublicKey) \
        else type(key).__name__
    summary.update(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc.isoformat(),
        not_after=cert.not_valid_after_utc.isoformat(),
        key_type=key_type,
        key_bits=getattr(key, "key_size", None),
        signature_algorithm=cert.signature_algorithm_oid._name,
    )
    return summary


class _DeadlineSocket:
    """The socket as tlslite-ng's record layer uses it (send, recv), every call within one deadline, so a server
    that trickles bytes cannot stretch a handshake past its time bound."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline

    def _arm(self) -> None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("handshake time limit reached")
        self.sock.settimeout(remaining)

    def send(self, data: bytes) -> int:
        self._arm()
        return self.sock.send(data)

    def recv(self, size: int) -> bytes:
        self._arm()
        return self.sock.recv(size)


class _Reader:
    """Handshake messages from the server, every socket call within the handshake's deadline."""

    def __init__(self, sock: socket.socket, record_version: tuple[int, int], deadline: float) -> None:
        defragmenter = Defragmenter()
        defragmenter.add_static_size(tls_constants.ContentType.alert, 2)
        defragmenter.add_static_size(tls_constants.ContentType.change_cipher_spec, 1)
        defragmenter.add_dynamic_size(tls_constants.ContentType.handshake, 1, 3)
        self.msgs = MessageSocket(_DeadlineSocket(sock, deadline), defragmenter)
        self.msgs.version = record_version

    def send(self, message: Any) -> None:
        self.msgs.sendMessageBlocking(message)

    def next(self) -> tuple[int, Any]:
        header, parser = self.msgs.recvMessageBlocking()
        return header.type, parser


def _accepted_hello(server_hello: Any) -> tuple[str, int | None, bool]:
    """(negotiated version name, TLS 1.3 group or None, is HelloRetryRequest) of a ServerHello."""
    version = server_hello.server_version
    selected = server_hello.getExtension(tls_constants.ExtensionType.supported_versions)
    if selected is not None and selected.version is not None:
        version = selected.version
    retry = server_hello.random == tls_constants.TLS_1_3_HRR
    group = None
    share = server_hello.getExtension(tls_constants.ExtensionType.key_share)
    if share is not None:
        group = share.selected_group if retry else share.server_share.group
    return VERSION_NAMES.get(tuple(version), "0x%02X%02X" % tuple(version)), group, retry


def _key_exchange_facts(parser: Any, suite: int, version: tuple[int, int]) -> dict[str, int]:
    """DH size or named group of a ServerKeyExchange: tlslite-ng's parser for the suites it knows; for the others
    (CAMELLIA, ARIA, ... with DHE or ECDHE) the parameters that open the message, by the suite's IANA name:
    ServerDHParams (dh_p first, RFC 5246 7.4.3) or ServerECDHParams (curve_type 3 = named_curve, RFC 8422 5.4)."""
    name = suite_name(suite)
    start = parser.index
    try:
        ske = tls_msg.ServerKeyExchange(suite, version).parse(parser)
    except (AssertionError, DecodeError):  # a suite tlslite-ng has no key exchange class for
        ske = None
    if ske is not None and getattr(ske, "dh_p", 0):
        return {"dh_bits": ske.dh_p.bit_length()}
    if ske is not None and getattr(ske, "named_curve", None):
        return {"group": ske.named_curve}
    parser.index = start + 3  # past the handshake length
    try:
        if name.startswith(("TLS_DHE_", "TLS_DH_anon_")):
            return {"dh_bits": int.from_bytes(bytes(parser.getVarBytes(2)), "big").bit_length()}
        if name.startswith(("TLS_ECDHE_", "TLS_ECDH_anon_")) and parser.get(1) == 3:
            return {"group": parser.get(2)}
    except DecodeError:
        pass
    return {}


def _read_until_done(reader: _Reader, suite: int, version: tuple[int, int]) -> dict[str, Any]:
    """Certificate and ServerKeyExchange facts of a TLS <= 1.2 handshake (read until ServerHelloDone)."""
    facts: dict[str, Any] = {}
    handshake_type = tls_constants.HandshakeType
    while True:
        content, parser = reader.next()
        if content != tls_constants.ContentType.handshake:
            return facts
        kind = parser.get(1)
        if kind == handshake_type.certificate:
            chain = tls_msg.Certificate(tls_constants.CertificateType.x509, version).parse(parser).cert_chain
            if chain is not None and chain.x509List:
                facts["certificate"] = certificate_summary(bytes(chain.x509List[0].bytes))
        elif kind == handshake_type.server_key_exchange:
            facts.update(_key_exchange_facts(parser, suite, version))
        elif kind == handshake_type.server_hello_done:
            return facts


def handshake(host: str, port: int, hello: ClientHello, timeout: float = 5.0, *,
              read_key_exchange: bool = True) -> Outcome:
    """Send ``hello`` to ``host:port`` and return what the server answered (module docstring)."""
    require_tlslite()
    started = time.monotonic()
    deadline = started + timeout

    def done(kind: str, **facts: Any) -> Outcome:
        return Outcome(kind, round(time.monotonic() - started, 4), **facts)

    message = build_client_hello(hello)
    sock = _connect(host, port, timeout, done)
    if isinstance(sock, Outcome):
        return sock
    try:
        with sock:
            # Record version: SSL 3.0 for an SSL 3.0 hello, else TLS 1.0, what clients use for compatibility
            # (RFC 8446 5.1: "legacy_record_version ... MAY be 0x0301").
            reader = _Reader(sock, (3, 0) if hello.highest == "SSL 3.0" else (3, 1), deadline)
            reader.send(message)
            content, parser = reader.next()
            if content == tls_constants.ContentType.alert:
                alert = tls_msg.Alert().parse(parser)
                return done("alert", alert=alert.description, detail="server sent alert %s" % alert)
            if content != tls_constants.ContentType.handshake or parser.get(1) != \
                    tls_constants.HandshakeType.server_hello:
                return done("closed", detail="server answered with something other than a ServerHello")
            server_hello = tls_msg.ServerHello().parse(parser)
            version, group, retry = _accepted_hello(server_hello)
            facts: dict[str, Any] = {}
            if read_key_exchange and version in VERSIONS and version != "TLS 1.3":
                try:
                    facts = _read_until_done(reader, server_hello.cipher_suite, VERSIONS[version])
                except (TimeoutError, OSError, TLSError, DecodeError):
                    facts = {}  # the ServerHello already answers the question asked
            return done("accepted", version=version, suite=server_hello.cipher_suite,
                        group=facts.get("group", group), dh_bits=facts.get("dh_bits"),
                        certificate=facts.get("certificate"), hello_retry=retry)
    except TimeoutError:
        return done("timeout", detail="no answer within %s s" % timeout)
    except (ConnectionResetError, BrokenPipeError) as exc:
        return done("closed", detail="connection reset: %s" % exc)
    except (OSError, TLSError, DecodeError) as exc:
        return done("closed", detail="%s: %s" % (type(exc).__name__, exc))


def _connect(host: str, port: int, timeout: float, done: Any) -> socket.socket | Outcome:
    try:
        return socket.create_connection((host, port), timeout=timeout)
    except ConnectionRefusedError as exc:
        return done("refused", detail=str(exc))
    except TimeoutError:
        return done("timeout", detail="TCP connect timed out after %s s" % timeout)
    except OSError as exc:
        return done("refused", detail=str(exc))


def ssl2_handshake(host: str, port: int, cipher_kinds: Sequence[int], timeout: float = 5.0) -> Outcome:
    """An SSL 2.0 CLIENT-HELLO offering ``cipher_kinds`` (3-byte SSL 2.0 codes); accepted when the server answers
    with a SERVER-HELLO, whose cipher list names every offered kind the server supports (draft-hickman-netscape-ssl-00
    "SERVER-HELLO": CIPHER-SPECS-DATA), so one handshake enumerates them all."""
    require_tlslite()
    started = time.monotonic()

    def done(kind: str, **facts: Any) -> Outcome:
        return Outcome(kind, round(time.monotonic() - started, 4), **facts)

    hello = tls_msg.ClientHello(ssl2=True).create((0, 2), bytearray(os.urandom(16)), bytearray(0), list(cipher_kinds))
    sock = _connect(host, port, timeout, done)
    if isinstance(sock, Outcome):
        return sock
    try:
        with sock:
            records = RecordSocket(_DeadlineSocket(sock, started + timeout))
            records.version = (0, 2)  # SSL 2.0 record header (tlslite-ng RecordHeader2)
            for _ignored in records.send(hello):
                pass
            answer = next(r for r in records.recv() if r not in (0, 1))
            header, data = answer
            parser = Parser(data)
            if header.ssl2 and parser.get(1) == tls_constants.SSL2HandshakeType.server_hello:
                server_hello = tls_msg.ServerHello2().parse(parser)
                ciphers = tuple(c for c in server_hello.ciphers if c in cipher_kinds)
                if ciphers:
                    return done("accepted", version="SSL 2.0", suite=ciphers[0], server_ciphers=ciphers)
                return done("closed", detail="SSL 2.0 SERVER-HELLO without a common cipher")
            if not header.ssl2 and header.type == tls_constants.ContentType.alert:
                alert = tls_msg.Alert().parse(parser)
                return done("alert", alert=alert.description, detail="server sent alert %s" % alert)
            return done("closed", detail="server answered with something other than an SSL 2.0 SERVER-HELLO")
    except TimeoutError:
        return done("timeout", detail="no answer within %s s" % timeout)
    except (OSError, TLSError, DecodeError) as exc:
        return done("closed", detail="%s: %s" % (type(exc).__name__, exc))


def offer(host: str, port: int, versions: Sequence[str], suites: Sequence[int], *, timeout: float = 5.0,
          groups: Sequence[int] = DEFAULT_GROUPS, server_name: str | None = None) -> Outcome:
    """Shorthand: one handshake offering ``suites`` on ``versions`` with ``groups``."""
    return handshake(host, port, ClientHello(tuple(versions), tuple(suites), tuple(groups), server_name=server_name),
                     timeout)
