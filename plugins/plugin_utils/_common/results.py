# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shapes shared by the modules' results: a registry change and an engine finding as JSON, the severity scale."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import Finding
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import REG_TYPE_NAMES, Change

# A TLS finding's severity, most serious first (tls_scan's findings, the report's order).
SEVERITIES = ("critical", "high", "medium", "low", "info")


def change_as_dict(change: Change) -> dict[str, Any]:
    """One change as JSON: full HKLM key path, REG_* type name, before/after (None = absent; lists for MULTI_SZ).

    ``before_type`` is there only when the value held another type before (it is rewritten with ``type``).
    """
    entry: dict[str, Any] = {
        "key": "HKLM\\" + change.key,
        "name": change.name,
        "type": _type_name(change.type),
        "before": _jsonable(change.before),
        "after": _jsonable(change.after),
    }
    if change.before_type is not None:
        entry["before_type"] = _type_name(change.before_type)
    return entry


def _type_name(reg_type: int) -> str:
    return REG_TYPE_NAMES.get(reg_type, str(reg_type))


def _jsonable(data: object) -> object:
    if isinstance(data, bytes):
        return data.hex()  # REG_BINARY, as backup files write it
    return list(data) if isinstance(data, tuple) else data


def findings_result(findings: Sequence[Finding]) -> list[dict[str, str]]:
    return [{"code": f.code, "severity": f.severity, "message": "%s: %s" % (f.field, f.message)} for f in findings]
