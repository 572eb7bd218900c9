# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Depth ``compliance``: the verdict of a full sweep with handshakes in proportion to versions, not suites.

SSL 2.0 first: one CLIENT-HELLO with every SSL 2.0 cipher kind, whose SERVER-HELLO lists all the server supports.
Then per protocol version (SSL 3.0 to TLS 1.3):

1. one ClientHello offering every suite the settings forbid on that version (with every group); only when the
   server picks one is it recorded, removed, and the question asked again;
2. one ClientHello per allowed suite, to confirm it is accepted.

Then the groups on one accepted ECDHE (or TLS 1.3) suite: one ClientHello with every forbidden group (again, only
a pick costs another), one per allowed group. A server can only pick what it has, so an empty answer to the
forbidden offer proves that none of those suites is accepted, as a suite-by-suite sweep would.
"""

from __future__ import annotations

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls.expectation import Expectation, catalog_name
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls.handshake import VERSIONS, Outcome
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls.probe import ALL_GROUPS, Prober
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls.results import PortResult

try:
    from tlslite.constants import CipherSuite as _TlsliteSuites
except ImportError:  # handshake.require_tlslite() reports it before any plan runs
    _TlsliteSuites = None  # type: ignore[assignment]

# Signalling values, not suites: TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746), TLS_FALLBACK_SCSV (RFC 7507).
_SCSV = frozenset({0x00FF, 0x5600})


def ssl2_universe() -> list[int]:
    """Every SSL 2.0 cipher kind (three-byte codes): the catalog's, then tlslite-ng's."""
    known = _TlsliteSuites.ietfNames if _TlsliteSuites is not None else {}
    codes = [s.code for s in catalog.SUITES.values() if s.code > 0xFFFF]
    return list(dict.fromkeys(codes + [c for c in sorted(known) if c > 0xFFFF]))


def scan_ssl2(prober: Prober, result: PortResult) -> None:
    """SSL 2.0: one handshake names every cipher kind the server has, allowed and forbidden alike."""
    outcome = prober.ssl2(ssl2_universe())
    for code in outcome.server_ciphers if outcome.accepted else ():
        result.add("SSL 2.0", code)


def universe(version: str) -> list[int]:
    """Every suite code a server could pick on ``version``: the Schannel catalog's suites of that version, then
    every other two-byte suite tlslite-ng knows (what Windows never offers, offered too, so nothing escapes)."""
    tls13 = version == "TLS 1.3"
    codes = [s.code for s in catalog.SUITES.values() if version in s.protocols and s.code <= 0xFFFF]
    known = _TlsliteSuites.ietfNames if _TlsliteSuites is not None else {}
    codes += [c for c in sorted(known) if c <= 0xFFFF and c not in _SCSV and ((c >> 8) == 0x13) == tls13]
    return list(dict.fromkeys(codes))


def _forbidden_sweep(prober: Prober, result: PortResult, version: str, forbidden: list[int]) -> None:
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
    """(version, suite) to test groups with: an accepted ECDHE suite on TLS 1.2, else TLS 1.3, else any."""
    for version in ("TLS 1.2", "TLS 1.3", "TLS 1.1", "TLS 1.0"):
        for code in result.accepted(version):
            suite = catalog.SUITES.get(catalog_name(code))
            if version == "TLS 1.3" or (suite is not None and suite.key_exchange == "ECDH"):
                return version, code
    return None


def scan_groups(prober: Prober, result: PortResult, allowed: tuple[int, ...]) -> None:
    probe = _group_probe(result)
    if probe is None:
        return
    version, suite = probe
    forbidden = [g for g in ALL_GROUPS if g not in allowed]
    while forbidden:
        outcome = prober.accepts(version, [suite], forbidden)
        if outcome is None or outcome.group not in forbidden:
            break
        result.groups.append(outcome.group)
        forbidden.remove(outcome.group)
    for group in allowed:
        if prober.accepts(version, [suite], [group]) is not None and group not in result.groups:
            result.groups.append(group)


def compliance_scan(prober: Prober, expectation: Expectation, result: PortResult) -> None:
    """Fill ``result`` for one port (module docstring). Raises PortDeadline when the port's time is up."""
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
