# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The configured cipher suite order translated into the names one Windows version knows.

Curve suffixes (Source: MicrosoftDocs/win32@27a9dfa3:desktop-src/SecAuthN/cipher-suites-in-schannel.md, "Prior
to Windows 10, cipher suite strings were appended with the elliptic curve to determine the curve priority.
Windows 10 supports an elliptic curve priority order setting so the elliptic curve suffix is not required"):

| OS | entry as given | written as |
| --- | --- | --- |
| 2016 and later | ``X_P384`` | ``X`` (suffix dropped: that OS has no suffixed names) |
| 2016 and later | ``X`` | ``X`` |
| 2008 R2, 2012 R2 | ``X_P384`` | ``X_P384`` if that OS has it, else left out with a warning |
| 2008 R2, 2012 R2 | ``X`` (an ECDHE suite) | every variant of ``X`` that OS enables by default, in its default order |

The last row: an unsuffixed ECDHE name means "this suite, as Windows would use it"; on an OS that can only say it
with a curve, the closest equivalent is the set of curve variants it ships enabled, in the order it ships them
(for TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 on 2012 R2: ``_P256``, ``_P384``; ``_P521`` is "supported, not
enabled by default" there — tls-cipher-suites-in-windows-8-1.md). Where no variant is enabled by default every
supported variant is taken. Whoever wants ``_P521`` on those OSes names it.

A name that ends up twice (``X_P521`` and ``X_P384`` on 2016+, or ``X`` next to ``X_P256`` on 2012 R2) is written
once, at its first place, with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import ERROR, WARNING, Finding
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import Settings, SuiteRef


def os_label(os_key: str) -> str:
    """``"Windows Server 2019"`` for ``"2019"``."""
    return catalog.OS_INFO[os_key].label


@dataclass(frozen=True)
class SuiteOrder:
    """The order to write on one OS: OsSuite entries (as that OS spells them), each once."""

    suites: tuple[catalog.OsSuite, ...]
    findings: tuple[Finding, ...]

    @property
    def functions(self) -> str:
        """The policy ``Functions`` string: comma-separated, no spaces (manage-tls.md "strict comma delimited")."""
        return ",".join(s.windows_name for s in self.suites)


def _variants(ref: SuiteRef, os_key: str) -> list[catalog.OsSuite]:
    variants = [s for s in catalog.os_suites(os_key) if s.suite.name == ref.name]
    if not any(v.curve for v in variants):
        return variants
    if ref.curve:
        return [v for v in variants if v.curve == ref.curve]
    return [v for v in variants if v.enabled_by_default] or variants


def translate_suites(settings: Settings, os_key: str) -> SuiteOrder:
    """``settings.cipher_suites`` in ``os_key``'s spelling; findings for what is left out or merged.

    Codes: ``suite-unavailable`` (warning), ``suite-duplicate`` (warning), ``suites-none-available`` (error).
    """
    findings: list[Finding] = []
    placed: list[catalog.OsSuite] = []
    first: dict[str, str] = {}
    label = os_label(os_key)
    for ref in settings.cipher_suites or ():
        path = settings.field_of("cipher_suites", ref.spelled)
        variants = _variants(ref, os_key)
        if not variants:
            findings.append(
                Finding(
                    WARNING,
                    "suite-unavailable",
                    path,
                    "%s is not available on %s: it is left out of the suite order there" % (ref.given, label),
                )
            )
            continue
        for variant in variants:
            name = variant.windows_name
            if name.casefold() in first:
                findings.append(
                    Finding(
                        WARNING,
                        "suite-duplicate",
                        path,
                        "%s is written as %s on %s, which %s already puts in the order: it is listed once, at the "
                        "first place" % (ref.given, name, label, first[name.casefold()]),
                    )
                )
                continue
            first[name.casefold()] = path
            placed.append(variant)
    if settings.cipher_suites and not placed:
        findings.append(
            Finding(
                ERROR,
                "suites-none-available",
                "cipher_suites",
                "none of the configured cipher suites exist on %s: the suite order is not written; list suites "
                "that OS has" % label,
            )
        )
    return SuiteOrder(tuple(placed), tuple(findings))
