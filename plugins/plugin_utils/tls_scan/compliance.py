# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Depth ``compliance``: the verdict of a full sweep with handshakes in proportion to versions, not suites.

First one TLS 1.2 hello, which every TLS server answers (with a ServerHello or an alert): whether the port is
there (``first_contact``). Then SSL 2.0: one CLIENT-HELLO with every SSL 2.0 cipher kind, whose SERVER-HELLO lists
all the server supports; a server that does not answer it at all does not offer SSL 2.0 (Schannel may stay silent
on an SSL 2.0 hello: wqweto/VbAsyncSocket issue 39, sslyze issue 48). Then per protocol version (SSL 3.0 to
TLS 1.3):

1. one ClientHello offering every suite the settings forbid on that version (with every group): every code point
   the Schannel catalog, the IANA registry (iana.py) or tlslite-ng knows, and the unassigned rest of the blocks
   suites are assigned from (``universe``); only when the server picks one is it recorded, removed, and the
   question asked again;
2. one ClientHello per allowed suite, to confirm it is accepted.

Then the groups on one accepted ECDHE (or TLS 1.3) suite: one ClientHello with every forbidden group (again, only
a pick costs another), one per allowed group. A server can only pick what it has, so an empty answer to the
forbidden offer proves that none of those suites is accepted, as a suite-by-suite sweep would.
"""

from __future__ import annotations

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.tls_codes import IANA_SUITES, VERSIONS
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.handshake import (
    TLS13_GROUPS,
    Outcome,
    suite_name,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.expectation import Expectation
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.probe import (
    ALL_GROUPS,
    NotUnderstood,
    PortDeadline,
    Prober,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.results import PortResult

try:
    from tlslite.constants import CipherSuite as _TlsliteSuites
except ImportError:  # handshake.require_tlslite() reports it before any plan runs
    _TlsliteSuites = None  # type: ignore[assignment]

# Signalling values, not suites: TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746), TLS_FALLBACK_SCSV (RFC 7507).
_SCSV = frozenset({0x00FF, 0x5600})
# The blocks (first byte) the IANA registry assigns TLS suites from: 0x00 (RFC 5246 and before), 0xC0/0xC1 (ECC,
# ARIA, CAMELLIA, AES-CCM, ...), 0xCC (ChaCha20), 0xD0 (ECDHE_PSK), 0x16 (RFC 9189 GOST) and 0xFE/0xFF (pre-standard
# FIPS and GOST codes); TLS 1.3 suites come from 0x13 (RFC 8446 B.4) and 0xC0B4/0xC0B5 (RFC 9150). Offering each
# whole block costs about 3 KB per hello, well within the 16 KB a Schannel server accepts (MessageLimitServer
# default 0x4000, tls-registry-settings.md), and leaves no code a server could pick untried.
_TLS12_BLOCKS = (0x00, 0x16, 0xC0, 0xC1, 0xCC, 0xD0, 0xFE, 0xFF)
_TLS13_CODES = (*range(0x1300, 0x1400), 0xC0B4, 0xC0B5)
CHUNK = 127  # suites per hello for servers that refuse long lists (_forbidden_sweep)


def _grease(code: int) -> bool:
    """RFC 8701 GREASE values (0x?A?A), reserved so that servers ignore them."""
    return code >> 8 == code & 0xFF and code & 0x0F == 0x0A


def ssl2_universe() -> list[int]:
    """Every SSL 2.0 cipher kind (three-byte codes): the catalog's, then tlslite-ng's."""
    known = _TlsliteSuites.ietfNames if _TlsliteSuites is not None else {}
    codes = [s.code for s in catalog.SUITES.values() if s.code > 0xFFFF]
    return list(dict.fromkeys(codes + [c for c in sorted(known) if c > 0xFFFF]))


def first_contact(prober: Prober, result: PortResult) -> None:
    """One TLS 1.2 hello offering everything up to TLS 1.2: any TLS server answers it, with a ServerHello or an
    alert, so it decides whether the port is there (never the SSL 2.0 probe, which Schannel may leave unanswered);
    and it reads the certificate (sent in clear up to TLS 1.2, encrypted in TLS 1.3)."""
    legacy = [v for v in VERSIONS if v != "TLS 1.3"]
    outcome = prober.offer(legacy, universe("TLS 1.2"))
    if outcome.certificate:
        result.certificate = outcome.certificate


def scan_ssl2(prober: Prober, result: PortResult) -> None:
    """SSL 2.0: one handshake names every cipher kind the server has, allowed and forbidden alike. Silence is
    "SSL 2.0 not offered" (module docstring): the port has already answered a TLS hello."""
    outcome = prober.ssl2(ssl2_universe())
    for code in outcome.server_ciphers if outcome.accepted else ():
        result.add("SSL 2.0", code)


def universe(version: str) -> list[int]:
    """Every suite code a server could pick on ``version``: the Schannel catalog's suites of that version first,
    then every other code the IANA registry or tlslite-ng knows, then the rest of the blocks suites are assigned
    from (what Windows never offers, offered too, so nothing escapes). Signalling values and GREASE excluded."""
    tls13 = version == "TLS 1.3"
    codes = [s.code for s in catalog.SUITES.values() if version in s.protocols and s.code <= 0xFFFF]
    known = set(IANA_SUITES) | set(_TlsliteSuites.ietfNames if _TlsliteSuites is not None else ())
    blocks = _TLS13_CODES if tls13 else [c for block in _TLS12_BLOCKS for c in range(block << 8, (block + 1) << 8)]
    codes += [c for c in sorted(known) if c <= 0xFFFF and (c in _TLS13_CODES) == tls13] + list(blocks)
    return [c for c in dict.fromkeys(codes) if c not in _SCSV and not _grease(c)]


def _forbidden_sweep(prober: Prober, result: PortResult, version: str, forbidden: list[int]) -> None:
    """Offer ``forbidden`` in one hello; a server that does not understand so long a list (Cisco ACE load balancers
    answer illegal_parameter to more than 128 suites: testssl/testssl.sh issues 806 and 1214) gets it in hellos of
    CHUNK suites (plus the renegotiation SCSV: 128) instead; NotUnderstood again makes the result incomplete."""
    try:
        _sweep(prober, result, version, forbidden)
    except NotUnderstood:
        if len(forbidden) <= CHUNK:
            raise
        for start in range(0, len(forbidden), CHUNK):
            _sweep(prober, result, version, forbidden[start:start + CHUNK])


def _sweep(prober: Prober, result: PortResult, version: str, forbidden: list[int]) -> None:
    """Offer ``forbidden`` until the server picks none of it (module docstring, step 1); ``forbidden`` shrinks by
    each pick."""
    while forbidden:
        outcome = prober.accepts(version, forbidden)
        if outcome is None:
            return
        result.add(version, outcome.suite)
        _note(result, outcome)
        if outcome.suite not in forbidden:  # the server picked what was not offered: recorded, nothing to remove
            return
        forbidden.remove(outcome.suite)


def _note(result: PortResult, outcome: Outcome) -> None:
    if outcome.dh_bits and result.dh_bits is None:
        result.dh_bits = outcome.dh_bits
    if outcome.certificate and result.certificate is None:
        result.certificate = outcome.certificate


def _group_probe(result: PortResult) -> tuple[str, int] | None:
    """(version, suite) to test groups with: an accepted ephemeral ECDH suite (by its IANA name, so one the catalog
    lacks counts too) on TLS 1.2, else TLS 1.3, else TLS 1.1 or 1.0."""
    for version in ("TLS 1.2", "TLS 1.3", "TLS 1.1", "TLS 1.0"):
        for code in result.accepted(version):
            if version == "TLS 1.3" or suite_name(code).startswith(("TLS_ECDHE_", "TLS_ECDH_anon_")):
                return version, code
    return None


def scan_groups(prober: Prober, result: PortResult, allowed: tuple[int, ...]) -> None:
    """The groups the port accepts, on one ECDHE (or TLS 1.3) suite it accepted; none to test without one (SSL 3.0
    has no groups: RFC 6101 predates RFC 4492). A handshake that names no group, or a port that accepts the suite
    with none of the groups offered, is a failed curve scan: PortDeadline, the result is incomplete."""
    probe = _group_probe(result)
    if probe is None:
        return
    version, suite = probe
    forbidden = [g for g in ALL_GROUPS if g not in allowed and (version != "TLS 1.3" or g in TLS13_GROUPS)]
    while forbidden:
        outcome = prober.accepts(version, [suite], forbidden)
        if outcome is None:
            break
        if outcome.group is None:
            raise PortDeadline("port %d: curve scan: %s accepted %s without naming its group"
                               % (prober.port, version, outcome.suite_name))
        if outcome.group not in result.groups:
            result.groups.append(outcome.group)
        if outcome.group not in forbidden:  # picked what was not offered: recorded, nothing to remove
            break
        forbidden.remove(outcome.group)
    for group in allowed:
        if prober.accepts(version, [suite], [group]) is not None and group not in result.groups:
            result.groups.append(group)
    if not result.groups:
        raise PortDeadline("port %d: curve scan: %s is accepted on %s, yet with none of the groups offered"
                           % (prober.port, suite_name(suite), version))


def compliance_scan(prober: Prober, expectation: Expectation, result: PortResult) -> None:
    """Fill ``result`` for one port after its first contact (module docstring). Raises PortDeadline when the
    port's time is up."""
    scan_ssl2(prober, result)
    for version in VERSIONS:
        allowed = expectation.suites.get(version, ())
        _forbidden_sweep(prober, result, version, [c for c in universe(version) if c not in allowed])
        for code in allowed:
            outcome = prober.accepts(version, [code])
            if outcome is not None:
                result.add(version, outcome.suite)
                _note(result, outcome)
    scan_groups(prober, result, expectation.groups)
