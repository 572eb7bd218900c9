# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a host's MailStore listeners may offer once Schannel runs with given settings on one Windows version.

The answer comes from the policy engine (``plugins/module_utils``): which protocols the server side has enabled
(``consistency.side_enabled``), the suite order as the OS spells it (``suite_order.translate_suites``, else the OS
default order from the catalog), the algorithm keys in effect (``consistency.DISABLED_BY_DEFAULT`` for what is off
unless enabled), the curve order, and the DHE size. Schannel's own rules, as the engine and Microsoft state them:

- a suite not in the priority list is not used ("Cipher suites not in the priority list will not be used", every
  "TLS Cipher Suites in Windows X" page); NULL suites are "only used when application explicitly requests", PSK
  suites need SCH_USE_PRESHAREDKEY_ONLY (same pages), so a server listener never offers either;
- a suite whose cipher, hash or key exchange key is disabled is never negotiated (KB245030);
- ECDHE suites and TLS 1.3 need an enabled curve: the ``EccCurves`` order on 2016+ (manage-tls.md), the suite's
  curve suffix on 2008 R2 / 2012 R2 (cipher-suites-in-schannel.md);
- the server's DHE group is ``ServerMinKeyBitLength`` bits, 2048 by default from 2016, 1024 before (TRS
  "KeyExchangeAlgorithm key sizes"; Security Advisory 3174644);
- a .NET listener (MailStore Server's ports) with ``SchUseStrongCrypto`` = 1 passes SCH_USE_STRONG_CRYPTO, which
  "disables known weak cryptographic algorithms, cipher suites, and SSL/TLS protocol versions" (SCHANNEL_CRED):
  the suites the OS's page does not mark "Allowed by SCH_USE_STRONG_CRYPTO" (catalog ``OsSuite.strong_crypto``) and
  SSL 2.0/3.0 ("blocks protocols that are not secure", dotnet/docs docs/framework/network-programming/tls.md).
  Left unmanaged, the scan allows what Schannel alone allows (the more permissive reading). WinRM's HTTP.sys
  listener (5985/5986) is no .NET process: only Schannel's registry applies there.

A suite can only be chosen when the server's certificate fits its authentication (RFC 5246 7.4.2: the certificate
"MUST be appropriate for the negotiated cipher suite's key exchange algorithm"): ``certificate_fits``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.consistency import (
    DISABLED_BY_DEFAULT,
    side_enabled,
    tls_protocols,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import Settings
from ansible_collections.fleetsec.schannel.plugins.module_utils.suite_order import translate_suites
from ansible_collections.fleetsec.schannel.plugins.module_utils.tls_codes import CATALOG_BY_CODE
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.policy import parse_or_raise

_NEEDS = (("key_exchanges", "key_exchange"), ("ciphers", "cipher"), ("hashes", "hash"))
WINRM_PORTS = frozenset({5985, 5986})
_WEAK_PROTOCOLS = frozenset({"SSL 2.0", "SSL 3.0"})


@dataclass(frozen=True)
class Expectation:
    """What the server side may offer: protocols, suites per protocol (code points, priority order), curves."""

    os_key: str
    protocols: tuple[str, ...]  # enabled on the server side, ascending
    suites: dict[str, tuple[int, ...]]  # protocol -> allowed suite codes in Schannel priority order
    groups: tuple[int, ...]  # IANA group codes in priority order
    dh_bits: int

    def allows(self, protocol: str, suite: int) -> bool:
        return suite in self.suites.get(protocol, ())

    def to_json(self) -> dict[str, Any]:
        return {
            "os": self.os_key,
            "protocols": list(self.protocols),
            "suites": {p: [catalog_name(c) for c in codes] for p, codes in self.suites.items()},
            "groups": list(self.groups),
            "dh_bits": self.dh_bits,
        }


def catalog_name(code: int) -> str:
    """IANA name of a Schannel suite code, or the hex code."""
    suite = CATALOG_BY_CODE.get(code)
    return suite.name if suite else "0x%04X" % code


def catalog_suite(code: int) -> catalog.CipherSuite | None:
    return CATALOG_BY_CODE.get(code)


def _blocked(settings: Settings, suite: catalog.CipherSuite) -> bool:
    for option, attr in _NEEDS:
        name = getattr(suite, attr)
        if name is None:
            continue
        state = (getattr(settings, option) or {}).get(name)
        if state == "disabled" or (state != "enabled" and name in DISABLED_BY_DEFAULT[option]):
            return True
    return False


def _curves(settings: Settings, os_key: str, suites: list[catalog.OsSuite]) -> list[str]:
    if catalog.curve_order_supported(os_key):
        if settings.ecc_curves:
            return [c for c in settings.ecc_curves if os_key in catalog.ECC_CURVES[c].supported]
        return list(catalog.default_curve_order(os_key))
    out: list[str] = []
    for os_suite in suites:
        if os_suite.curve is not None and catalog.curve_for_suffix(os_suite.curve) not in out:
            out.append(catalog.curve_for_suffix(os_suite.curve))
    return out


def certificate_fits(code: int, key_type: str | None) -> bool:
    """Whether a server whose certificate key is ``key_type`` ("RSA", "ECDSA"; None = unknown) can choose ``code``."""
    suite = catalog_suite(code)
    if key_type is None or suite is None or suite.authentication in ("ANY", "PSK"):
        return True
    return suite.authentication == key_type


def certificate_key_types(expectation: Expectation) -> list[str]:
    """The certificate key types ("ECDSA", "RSA") some suite the expectation allows can be chosen with; empty when
    a suite fits any certificate (TLS 1.3's)."""
    types: set[str] = set()
    for codes in expectation.suites.values():
        for code in codes:
            suite = catalog_suite(code)
            if suite is None or suite.authentication in ("ANY", "PSK"):
                return []
            types.add(suite.authentication)
    return sorted(types)


def expect(settings: Settings, os_key: str, dotnet_listener: bool = True) -> Expectation:
    """The Expectation for ``settings`` on ``os_key`` (rules: module docstring)."""
    strong = dotnet_listener and settings.dotnet_strong_crypto is True
    protocols = tuple(p for p in tls_protocols(os_key) if side_enabled(settings, p, "server", os_key)
                      and not (strong and p in _WEAK_PROTOCOLS))
    if settings.cipher_suites:
        order = list(translate_suites(settings, os_key).suites)
    else:
        order = [s for s in catalog.os_suites(os_key) if s.enabled_by_default]
    usable = [s for s in order if not s.explicit_only and s.suite.authentication != "PSK"
              and not _blocked(settings, s.suite) and (s.strong_crypto or not strong)]
    curves = _curves(settings, os_key, usable)
    groups = tuple(dict.fromkeys(catalog.ECC_CURVES[c].iana_group for c in curves
                                 if catalog.ECC_CURVES[c].iana_group is not None))
    suites: dict[str, tuple[int, ...]] = {}
    for protocol in protocols:
        codes = [s.suite.code for s in usable if protocol in s.suite.protocols
                 and (groups or (s.suite.key_exchange != "ECDH" and protocol != "TLS 1.3"))]
        suites[protocol] = tuple(dict.fromkeys(codes))
    dh_default = 2048 if catalog.curve_order_supported(os_key) else 1024
    dh_bits = (settings.dh_min_key_bits or {}).get("server") or dh_default
    return Expectation(os_key, protocols, suites, groups, dh_bits)


def expect_from_options(raw: Mapping[str, Any] | None, os_key: Any, dotnet_listener: bool = True) -> Expectation:
    """Expectation from win_schannel options and an OS key; InputError naming the field when either is wrong."""
    if os_key not in catalog.OS_INFO:
        raise InputError("os must be one of %s (the key win_schannel returns as os.key), not %r"
                         % (", ".join(catalog.OS_KEYS), os_key), code="os")
    settings = parse_or_raise(raw or {}, "settings", code="settings")
    return expect(settings, os_key, dotnet_listener)
