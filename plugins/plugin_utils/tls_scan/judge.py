# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Findings for what a port accepted, and the host's verdict against the settings.

Two kinds of findings:

- against the settings (the verdict): ``FORBIDDEN_PROTOCOL``, ``FORBIDDEN_SUITE``, ``FORBIDDEN_GROUP``,
  ``FORBIDDEN_DH_SIZE`` (accepted although the settings disable it on this OS: verdict ``fail``);
  ``SCAN_INCOMPLETE`` (the port's time bound cut the scan short: never ``pass``); ``NO_HANDSHAKE`` (the port
  answers TCP but accepts no handshake on any protocol the settings enable: MailStore Server is cut off from every
  client there, as with an ECDSA certificate and only RSA suites enabled: ``fail``); ``PROTOCOL_ENABLED_UNUSABLE``
  (a protocol the settings enable that nothing accepts while another one works, as the seed's TLS 1.0/1.1: a
  warning);
  ``SUITE_NOT_OFFERED`` (an allowed suite the port did not accept although its certificate fits: information);
- as peers name them, whatever the settings say (an ``xp_compatible`` host passes and still shows POODLE and RC4):
  the table ``PEER_FINDINGS`` (id, severity, source). Severities follow testssl.sh 3.x where it has the finding
  (reference tls-verification.md §5.1) and SSL Labs' grade caps otherwise.
"""

from __future__ import annotations

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.tls_codes import group_name
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.handshake import suite_name
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.expectation import (
    Expectation,
    certificate_fits,
    certificate_key_types,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.results import PortResult, TlsFinding

SETTINGS_SOURCE = "the win_schannel settings on this OS (policy engine: plugins/module_utils)"
# id -> (severity, source)
PEER_FINDINGS: dict[str, tuple[str, str]] = {
    "SSLV2": ("critical", "RFC 6176; DROWN CVE-2016-0800; testssl.sh SSLv2 CRITICAL; SSL Labs grade F"),
    "SSLV3": ("high", "RFC 7568; RFC 8996; testssl.sh SSLv3 HIGH; Nessus 20007"),
    "POODLE": ("high", "CVE-2014-3566 (SSL 3.0 with CBC); testssl.sh POODLE_SSL HIGH; SSL Labs grade C"),
    "TLS1_0": ("low", "RFC 8996 (TLS 1.0 deprecated); testssl.sh TLS1 LOW; SSL Labs cap B; Nessus 104743"),
    "TLS1_1": ("low", "RFC 8996 (TLS 1.1 deprecated); testssl.sh TLS1_1 LOW; SSL Labs cap B; Nessus 121010"),
    "RC4": ("high", "RFC 7465 (RC4 prohibited); CVE-2013-2566, CVE-2015-2808; testssl.sh RC4 HIGH"),
    "SWEET32": ("medium", "CVE-2016-2183 (64-bit block ciphers); testssl.sh SWEET32 / cipherlist_3DES_IDEA MEDIUM"),
    "NULL_CIPHER": ("critical", "testssl.sh cipherlist_NULL CRITICAL (no encryption)"),
    "EXPORT_CIPHER": ("critical", "FREAK CVE-2015-0204 / Logjam CVE-2015-4000; testssl.sh cipherlist_EXPORT CRITICAL"),
    "ANON_CIPHER": ("critical", "testssl.sh cipherlist_aNULL CRITICAL (no authentication)"),
    "LOGJAM": ("medium", "CVE-2015-4000, weakdh.org: DH group of 1024 bits or less; testssl.sh LOGJAM"),
    "WEAK_DH": ("low", "DH group under 2048 bits: Mozilla intermediate dh_param_size 2048; SSL Labs cap B"),
    "NO_FORWARD_SECRECY": ("medium", "no ECDHE/DHE suite accepted: SSL Labs cap B; sslyze 'Forward Secrecy'"),
}
FAILING = frozenset({"FORBIDDEN_PROTOCOL", "FORBIDDEN_SUITE", "FORBIDDEN_GROUP", "FORBIDDEN_DH_SIZE",
                     "SCAN_INCOMPLETE", "NO_HANDSHAKE"})


def _is_cbc(name: str) -> bool:
    return "_CBC_" in name


def _suite_flags(name: str) -> list[str]:
    """Peer finding ids a suite carries by its IANA name."""
    flags = []
    if "_RC4_" in name:
        flags.append("RC4")
    if any(part in name for part in ("_3DES_", "_DES_", "_DES40_", "_IDEA_", "_RC2_")):
        flags.append("SWEET32")
    if "_WITH_NULL_" in name or name.startswith("TLS_NULL_"):
        flags.append("NULL_CIPHER")
    if "EXPORT" in name:
        flags.append("EXPORT_CIPHER")
    if "_anon_" in name.casefold():
        flags.append("ANON_CIPHER")
    return flags


def _forward_secret(protocol: str, name: str) -> bool:
    return protocol == "TLS 1.3" or name.startswith(("TLS_ECDHE_", "TLS_DHE_"))


class _Findings:
    def __init__(self, port: int, os_key: str) -> None:
        self.port = port
        self.label = catalog.os_label(os_key)
        self.items: list[TlsFinding] = []

    def settings(self, id_: str, severity: str, message: str, protocol: str | None = None,
                 suite: str | None = None) -> None:
        self.items.append(TlsFinding(id_, severity, self.port, protocol, suite, message, SETTINGS_SOURCE))

    def peer(self, id_: str, message: str, protocol: str | None = None, suite: str | None = None) -> None:
        severity, source = PEER_FINDINGS[id_]
        self.items.append(TlsFinding(id_, severity, self.port, protocol, suite, message, source))


def judge_port(result: PortResult, expectation: Expectation) -> list[TlsFinding]:
    """Findings for one reachable port (module docstring)."""
    out = _Findings(result.port, expectation.os_key)
    port = result.port
    if not result.complete:
        out.settings("SCAN_INCOMPLETE", "high", "port %d: %s; what was not tested is not known to be refused"
                     % (port, result.detail or "scan cut short"))
    for protocol, found in result.protocols.items():
        if not found.accepted:
            continue
        if protocol not in expectation.protocols:
            out.settings("FORBIDDEN_PROTOCOL", "high", "port %d accepts %s, which the settings disable on %s"
                         % (port, protocol, out.label), protocol)
        else:
            for code in found.suites:
                if not expectation.allows(protocol, code):
                    out.settings("FORBIDDEN_SUITE", "high", "port %d accepts %s on %s, which the settings do not "
                                 "allow on %s" % (port, suite_name(code), protocol, out.label), protocol,
                                 suite_name(code))
    for group in result.groups:
        if group not in expectation.groups:
            out.settings("FORBIDDEN_GROUP", "medium", "port %d accepts the group %s, which the settings do not allow "
                         "on %s" % (port, group_name(group), out.label))
    if result.dh_bits is not None and result.dh_bits < expectation.dh_bits:
        out.settings("FORBIDDEN_DH_SIZE", "high", "port %d uses a %d-bit DH group; the settings want at least %d"
                     % (port, result.dh_bits, expectation.dh_bits))
    if result.complete and expectation.protocols and not any(result.accepted(p) for p in expectation.protocols):
        _no_handshake(result, expectation, out)
        _peer_findings(result, out)
        return out.items
    for protocol in expectation.protocols:
        if result.complete and not result.accepted(protocol):
            out.settings("PROTOCOL_ENABLED_UNUSABLE", "low", "%s is enabled by the settings but port %d accepts no "
                         "suite on it: enabled but unusable" % (protocol, port), protocol)
        elif result.complete:
            key_type = (result.certificate or {}).get("key_type")
            for code in expectation.suites.get(protocol, ()):
                if code not in result.accepted(protocol) and certificate_fits(code, key_type):
                    out.settings("SUITE_NOT_OFFERED", "info", "port %d does not accept %s on %s, which the settings "
                                 "allow" % (port, suite_name(code), protocol), protocol, suite_name(code))
    _peer_findings(result, out)
    return out.items


def _no_handshake(result: PortResult, expectation: Expectation, out: _Findings) -> None:
    """The port answers TCP and completes no handshake on any protocol the settings enable: a failing finding,
    never a pass (its clients, MailStore's own included, cannot connect at all)."""
    needs = certificate_key_types(expectation)
    key_type = (result.certificate or {}).get("key_type")
    cause = ("no suite the settings enable fits the key type of the port's certificate%s%s; enable suites for the "
             "certificate's key type (e.g. TLS_ECDHE_ECDSA_* for an ECDSA certificate, through schannel_overrides) "
             "or bind a certificate of the key type the suites need"
             % (" (%s)" % key_type if key_type else "",
                " (the enabled suites need a certificate whose key is %s)" % " or ".join(needs) if needs else ""))
    out.settings("NO_HANDSHAKE", "high", "port %d answers TCP but accepts no TLS handshake on any protocol the "
                 "settings enable on %s (%s): MailStore Server is cut off from every client there. Likely cause: %s"
                 % (result.port, out.label, ", ".join(expectation.protocols), cause))


def _peer_findings(result: PortResult, out: _Findings) -> None:
    port = result.port
    accepted = {p: [suite_name(c) for c in found.suites] for p, found in result.protocols.items() if found.accepted}
    protocol_ids = {"SSL 2.0": "SSLV2", "SSL 3.0": "SSLV3", "TLS 1.0": "TLS1_0", "TLS 1.1": "TLS1_1"}
    for protocol, id_ in protocol_ids.items():
        if protocol in accepted:
            out.peer(id_, "port %d accepts %s (deprecated)" % (port, protocol), protocol)
    cbc = [n for n in accepted.get("SSL 3.0", []) if _is_cbc(n)]
    if cbc:
        out.peer("POODLE", "port %d accepts SSL 3.0 with CBC suites (%s)" % (port, ", ".join(cbc)), "SSL 3.0")
    seen: set[tuple[str, str]] = set()
    for protocol, names in accepted.items():
        for name in names:
            for id_ in _suite_flags(name):
                if (id_, name) not in seen:
                    seen.add((id_, name))
                    out.peer(id_, "port %d accepts %s" % (port, name), protocol, name)
    if result.dh_bits is not None and result.dh_bits <= 1024:
        out.peer("LOGJAM", "port %d uses a %d-bit DH group" % (port, result.dh_bits))
    elif result.dh_bits is not None and result.dh_bits < 2048:
        out.peer("WEAK_DH", "port %d uses a %d-bit DH group" % (port, result.dh_bits))
    if accepted and not any(_forward_secret(p, n) for p, names in accepted.items() for n in names):
        out.peer("NO_FORWARD_SECRECY", "port %d accepts no suite with forward secrecy" % port)


def verdict(results: dict[int, PortResult], findings: list[TlsFinding]) -> str:
    """fail when a port accepts what the settings forbid (or could not be scanned fully); unreachable when a port
    did not answer; else pass."""
    if any(f.id in FAILING for f in findings):
        return "fail"
    if any(not r.reachable for r in results.values()):
        return "unreachable"
    return "pass"
