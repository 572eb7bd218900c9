# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report as JSON (schema ``fleetsec.schannel/compliance-report`` version 1: docs/compliance-report.md,
JSON Schema in docs/compliance-report.schema.json)."""

from __future__ import annotations

import json
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.plugin_utils.compliance_report.model import (
    CONTROLS,
    REPORT_SCHEMA,
    REPORT_SCHEMA_VERSION,
    FleetReport,
)


def report_data(report: FleetReport, generated: str) -> dict[str, Any]:
    """The JSON document, as a dict; ``generated`` is the ISO-8601 UTC time of rendering."""
    return {
        "schema": REPORT_SCHEMA,
        "schema_version": REPORT_SCHEMA_VERSION,
        "generated": generated,
        "runs": list(report.runs),
        "summary": report.summary,
        "by_os": report.by_os,
        "controls": [{"id": c, "label": CONTROLS[c]} for c in report.controls],
        "hosts": [row.to_json() for row in report.hosts],
        "tls_findings": report.tls_findings(),
        "history": list(report.history),
    }


def render_json(report: FleetReport, generated: str) -> str:
    return json.dumps(report_data(report, generated), indent=1, sort_keys=False) + "\n"
