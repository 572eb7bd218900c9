# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation findings: what is wrong (or doubtful) with a setting, where, and how to fix it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One validation result. ``field`` names the option path (``ciphers.RC4 128``), ``code`` is stable."""

    severity: str
    code: str
    field: str
    message: str

    def __str__(self) -> str:
        return "%s: %s" % (self.field, self.message) if self.field else self.message


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == ERROR]


def warnings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == WARNING]
