# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The configured cipher suite order translated into the names one Windows version knows.

How an OS spells each entry (curve suffixes on 2008 R2 / 2012 R2, none from 2016 on) is the catalog's decision,
``catalog.os_suite_variants``; in short:

| OS | entry as given | written as |
| --- | --- | --- |
| 2016 and later | ``X_P384`` or ``X`` | ``X`` (that OS has no suffixed names) |
| 2008 R2, 2012 R2 | ``X_P384`` | ``X_P384`` if that OS has it, else left out with a warning |
| 2008 R2, 2012 R2 | ``X`` (an ECDHE suite) | every variant of ``X`` that OS enables by default, in its default order |

A name that ends up twice (``X_P521`` and ``X_P384`` on 2016+, or ``X`` next to ``X_P256`` on 2012 R2) is written
once, at its first place, with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import ERROR, WARNING, Finding
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import Settings


@dataclass(frozen=True)
class SuiteOrder:
    """The order to write on one OS: OsSuite entries (as that OS spells them), each once."""

    suites: tuple[catalog.OsSuite, ...]
    findings: tuple[Finding, ...]

    @property
    def functions(self) -> str:
        """The policy ``Functions`` string: comma-separated, no spaces (manage-tls.md "strict comma delimited")."""
        return ",".join(s.windows_name for s in self.suites)


def translate_suites(settings: Settings, os_key: str) -> SuiteOrder:
    """``settings.cipher_suites`` in ``os_key``'s spelling; findings for what is left out or merged.

    Codes: ``suite-unavailable`` (warning), ``suite-duplicate`` (warning), ``suites-none-available`` (error).
    """
    findings: list[Finding] = []
    placed: list[catalog.OsSuite] = []
    first: dict[str, str] = {}
    label = catalog.os_label(os_key)
    for ref in settings.cipher_suites or ():
        path = settings.field_of("cipher_suites", ref.spelled)
        variants = catalog.os_suite_variants(os_key, ref.name, ref.curve)
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
