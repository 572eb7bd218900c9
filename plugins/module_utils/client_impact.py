# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who can still connect to MailStore's ports under given settings on one Windows version: a prediction.

The host side is what the policy engine says the settings leave on that OS (``consistency.side_enabled`` for the
server side of each protocol, ``consistency.suites_in_effect`` for the suite list and what disables each suite,
``catalog`` for curves), seen through MailStore Server's listener, a .NET process:

- ``dotnet_strong_crypto: true`` (SchUseStrongCrypto=1) makes .NET pass SCH_USE_STRONG_CRYPTO, which refuses what
  the policy engine's ``catalog.strong_crypto_refuses`` lists for that OS (SSL 3.0; RC4 everywhere, DES and NULL
  from 2016, 3DES from 2022: the "Allowed by SCH_USE_STRONG_CRYPTO" columns of Microsoft's suite pages, by
  cipher) and every suite that column of the OS's own page marks "No" (``OsSuite.strong_crypto``; e.g.
  TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 on Server 2025). Assumption, as in the policy engine: MailStore's *server*
  side passes the flag too (dotnet/docs tls.md describes it for clients; reference winrm-ansible.md 9.4 leaves the
  server side open). Left out = the value is absent = off.
- Only suites the host's certificate can serve are chosen (``certificates``; a MailStore server has one RSA
  certificate unless its administrator installed another).

Negotiation, as a Schannel server does it:
1. Protocol: the highest version both sides enable (RFC 5246 Appendix E.1; RFC 8446 4.2.1). A server does not fall
   back to a lower version when the chosen one has no common suite: the handshake fails.
2. Suite: the first suite of the *host's* priority list that the client offers and that serves the protocol
   ("listed in the default order in which they are chosen", every "TLS Cipher Suites in Windows" page; a configured
   list replaces that order, manage-tls.md), skipping suites the certificate cannot serve.
3. Curve, for ECDHE and TLS 1.3 suites: the first of the host's curves the client offers. On 2008 R2 / 2012 R2 the
   curve is bound to the suite name (``_P256``/``_P384``/``_P521``, cipher-suites-in-schannel.md), so a suffixed
   suite is usable only with its own curve; from 2016 on the EccCurves order applies to every ECDHE suite.
DH and RSA key sizes and signature algorithms decide nothing for the clients in ``clients.CLIENTS`` (all accept
2048-bit groups and RSA certificates signed with SHA-256), so they are not modelled.

Reasons a client is cut off (``Prediction.reason``): "no common protocol"; "needs RC4", "needs 3DES" or "needs RC4
or 3DES" (every suite the client could use on the negotiated protocol is one of those); "no common group" (a common
ECDHE/TLS 1.3 suite but no common curve); "no common suite" (anything else: ``detail`` says what the host lacks).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.clients import CLIENTS, Client
from ansible_collections.fleetsec.schannel.plugins.module_utils.consistency import (
    side_enabled,
    suites_in_effect,
    tls_protocols,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import Settings
from ansible_collections.fleetsec.schannel.plugins.module_utils.tls_codes import group_name

CERTIFICATE_TYPES = ("RSA", "ECDSA", "DSS")
_WEAK = {"RC4": ("RC4 128/128", "RC4 64/128", "RC4 56/128", "RC4 40/128"), "3DES": ("Triple DES 168",)}
_DEAD_CIPHERS = ("DES 56/56", "RC2 40/128", "RC2 56/128", "RC2 128/128", "NULL")


@dataclass(frozen=True)
class HostSuite:
    """A suite the host's MailStore listener can negotiate: IANA name, Windows spelling, on which protocols, and
    with which curves (host order; empty when the suite needs none)."""

    name: str
    windows_name: str
    protocols: tuple[str, ...]
    curves: tuple[str, ...]


@dataclass(frozen=True)
class HostOffer:
    """What MailStore's listener on ``os_key`` offers under a set of settings, and why the rest is refused."""

    os_key: str
    protocols: tuple[str, ...]  # ascending
    suites: tuple[HostSuite, ...]  # host priority order
    curves: tuple[str, ...]  # IANA group names, host order
    refused: dict[str, str] = field(default_factory=dict)  # IANA suite name -> why the host will not use it
    strong_crypto: bool = False

    def to_json(self) -> dict:
        return {
            "os": self.os_key, "protocols": list(self.protocols), "curves": list(self.curves),
            "strong_crypto": self.strong_crypto,
            "suites": [{"name": s.name, "windows_name": s.windows_name, "protocols": list(s.protocols)}
                       for s in self.suites],
        }


@dataclass(frozen=True)
class Prediction:
    """One client's outcome. ``protocol`` is the version the two would negotiate (also when the handshake then
    fails); ``suite``/``group`` are set only when the client connects; ``reason`` only when it does not."""

    id: str
    name: str
    connects: bool
    protocol: str | None
    suite: str | None
    group: str | None
    reason: str | None
    detail: str
    unsettled: str = ""

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "connects": self.connects, "protocol": self.protocol,
                "suite": self.suite, "group": self.group, "reason": self.reason, "detail": self.detail,
                "unsettled": self.unsettled}


def _group_name(curve: str) -> str:
    code = catalog.ECC_CURVES[curve].iana_group
    return group_name(code) if code is not None else curve


def _host_curves(settings: Settings, os_key: str) -> tuple[str, ...]:
    """Curve order from 2016 on: the settings' ecc_curves where managed, else the OS default (manage-tls.md)."""
    if settings.ecc_curves:
        names = [c for c in settings.ecc_curves if os_key in catalog.ECC_CURVES[c].supported]
    else:
        names = list(catalog.default_curve_order(os_key))
    return tuple(_group_name(c) for c in names)


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if not items:
        return "none"
    return items[0] if len(items) == 1 else "%s and %s" % (", ".join(items[:-1]), items[-1])


def host_offer(settings: Settings, os_key: str, certificates: Iterable[str] = ("RSA",)) -> HostOffer:
    """What MailStore's listener on ``os_key`` offers under ``settings`` (rules: module docstring)."""
    certificates = tuple(certificates)
    strong = settings.dotnet_strong_crypto is True
    refused_protocols, refused_ciphers = catalog.strong_crypto_refuses(os_key) if strong else ((), ())
    protocols = tuple(p for p in tls_protocols(os_key)
                      if side_enabled(settings, p, "server", os_key) and p not in refused_protocols)
    curve_order = catalog.curve_order_supported(os_key)
    host_curves = _host_curves(settings, os_key) if curve_order else ()
    refused: dict[str, str] = {}
    kept: dict[str, HostSuite] = {}
    for os_suite, blockers in suites_in_effect(settings, os_key):
        suite = os_suite.suite
        why = None
        if suite.authentication == "PSK":
            why = "PSK suites need SCH_USE_PRESHAREDKEY_ONLY"
        elif blockers:
            why = "needs %s" % _join(blockers)
        elif suite.cipher in refused_ciphers or (strong and not os_suite.strong_crypto):
            why = "not allowed by SCH_USE_STRONG_CRYPTO on %s (dotnet_strong_crypto; MailStore's listener is .NET)" % (
                catalog.os_label(os_key))
        elif suite.authentication not in ("ANY", *certificates):
            why = "needs a %s certificate; the host has %s" % (suite.authentication, _join(certificates))
        elif not set(suite.protocols) & set(protocols):
            why = "its protocols (%s) are not enabled on the server side" % _join(
                [p for p in catalog.PROTOCOLS if p in suite.protocols])
        if why is not None:
            refused.setdefault(suite.name, why)
            continue
        needs_curve = suite.key_exchange == "ECDH" or "TLS 1.3" in suite.protocols
        if not needs_curve:
            curves: tuple[str, ...] = ()
        elif curve_order:
            curves = host_curves
        else:
            curves = (_group_name(catalog.curve_for_suffix(os_suite.curve)),) if os_suite.curve else ()
        previous = kept.get(suite.name)
        if previous is None:
            kept[suite.name] = HostSuite(suite.name, os_suite.windows_name,
                                         tuple(p for p in protocols if p in suite.protocols), curves)
        elif not curve_order:  # another curve variant of the same wire suite (2008 R2 / 2012 R2)
            merged = previous.curves + tuple(c for c in curves if c not in previous.curves)
            kept[suite.name] = HostSuite(previous.name, previous.windows_name, previous.protocols, merged)
    configured = bool(settings.cipher_suites)
    for os_suite in catalog.os_suites(os_key):
        if os_suite.suite.name not in kept:
            refused.setdefault(os_suite.suite.name, "not in the configured suite order" if configured
                               else "not enabled by default on %s" % catalog.os_label(os_key))
    if not curve_order:
        seen: list[str] = []
        for host_suite in kept.values():
            seen += [c for c in host_suite.curves if c not in seen]
        host_curves = tuple(seen)
    return HostOffer(os_key, protocols, tuple(kept.values()), host_curves, refused, strong)


def _ciphers(names: Iterable[str]) -> set[str]:
    return {catalog.SUITES[n].cipher or "" for n in names}


def predict(client: Client, offer: HostOffer) -> Prediction:
    """Whether ``client`` connects to a listener offering ``offer``, with what, or why not."""
    def cut(reason: str, protocol: str | None, detail: str) -> Prediction:
        if client.note:  # what the row's source says about the client, e.g. how Windows 7 gets TLS 1.2
            detail = "%s. %s" % (detail, client.note)
        return Prediction(client.id, client.name, False, protocol, None, None, reason, detail, client.unsettled)

    common = [p for p in reversed(offer.protocols) if p in client.protocols]
    if not common:
        return cut("no common protocol", None, "%s offers %s; the host accepts %s" % (
            client.name, _join(client.protocols), _join(offer.protocols)))
    protocol = common[0]
    client_groups = set(client.groups)
    offered = set(client.suites)
    without_group: list[str] = []
    for suite in offer.suites:
        if protocol not in suite.protocols or suite.name not in offered:
            continue
        group = None
        if suite.curves:
            group = next((c for c in suite.curves if c in client_groups), None)
            if group is None:
                without_group.append(suite.name)
                continue
        return Prediction(client.id, client.name, True, protocol, suite.name, group, None, "", client.unsettled)
    usable = [n for n in client.suites if n in catalog.SUITES and protocol in catalog.SUITES[n].protocols]
    host_names = [s.name for s in offer.suites if protocol in s.protocols]
    if without_group:
        return cut("no common group", protocol, "%s offers %s on %s, but none of the curves the host allows for it "
                   "(%s); the client has %s" % (client.name, _join(without_group), protocol, _join(offer.curves),
                                                _join(client.groups)))
    refused = ["%s (%s)" % (n, offer.refused[n]) for n in usable if n in offer.refused]
    detail = "on %s, the highest version both enable, the host %s" % (
        protocol, "has no usable suite" if not host_names else "offers only %s, which the client does not offer"
        % _join(host_names))
    if refused:
        detail += "; the client's own suites for %s are refused there: %s" % (
            protocol, "; ".join(refused[:4]) + (" and %d more" % (len(refused) - 4) if len(refused) > 4 else ""))
    elif not usable:
        detail += "; the client offers no suite Windows implements for %s" % protocol
    ciphers = _ciphers(usable) - set(_DEAD_CIPHERS)
    weak = [label for label, names in _WEAK.items() if ciphers & set(names)]
    if usable and weak and ciphers <= {c for names in _WEAK.values() for c in names}:
        return cut("needs " + " or ".join(weak), protocol, detail)
    return cut("no common suite", protocol, detail)


def unknown_clients(ids: Iterable[str]) -> list[str]:
    """One message per unknown client id, with "did you mean" where a known id is close."""
    messages = []
    for given in ids:
        if given in CLIENTS:
            continue
        close = difflib.get_close_matches(str(given), list(CLIENTS), n=3)
        hint = " (did you mean %s?)" % " or ".join(close) if close else ""
        messages.append("unknown client %r%s; known clients: %s" % (given, hint, ", ".join(CLIENTS)))
    return messages


def predict_clients(settings: Settings, os_key: str, client_ids: Iterable[str] | None = None,
                    certificates: Iterable[str] = ("RSA",)) -> tuple[HostOffer, list[Prediction]]:
    """The host's offer and one prediction per client (all known clients when ``client_ids`` is None).

    Raises KeyError for an unknown client id (check with ``unknown_clients`` first) or OS key.
    """
    if os_key not in catalog.OS_INFO:
        raise KeyError("unknown OS key %r: use one of %s" % (os_key, ", ".join(catalog.OS_KEYS)))
    offer = host_offer(settings, os_key, certificates)
    ids = list(CLIENTS) if client_ids is None else list(client_ids)
    return offer, [predict(CLIENTS[i], offer) for i in ids]


def cut_off_message(predictions: Iterable[Prediction], os_key: str, subject: str = "these settings") -> str:
    """"applying these settings on Windows Server 2019 cuts off: Windows XP SP3 (Schannel) (needs RC4 or 3DES), ..."
    or that nobody is cut off."""
    cut = [p for p in predictions if not p.connects]
    label = catalog.os_label(os_key)
    if not cut:
        return "applying %s on %s cuts off none of the clients checked" % (subject, label)
    return "applying %s on %s cuts off: %s" % (subject, label, "; ".join("%s (%s)" % (p.name, p.reason) for p in cut))
