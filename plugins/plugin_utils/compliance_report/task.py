# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance_report task: merge the runs, render the formats, write them (mode 0600, directories 0700, each
file written to a temporary name and renamed, so a reader never sees half a report)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.private_file import write_private
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.timestamps import iso_utc
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.compliance_report.model import build_report
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.compliance_report.render_html import render_html
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.compliance_report.render_json import render_json
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.compliance_report.render_junit import render_junit

FORMATS = {
    "json": ("compliance-report.json", render_json),
    "junit": ("compliance-report.junit.xml", render_junit),
    "html": ("compliance-report.html", render_html),
}


def run_compliance_report(args: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """Render the report of ``args`` (the module's options); the task result."""
    report_dir = Path(os.path.expanduser(args["report_dir"]))
    formats = list(dict.fromkeys(args.get("formats") or FORMATS))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise InputError("formats: %s unknown; choose from %s" % (", ".join(unknown), ", ".join(FORMATS)),
                         code="formats")
    report = build_report(report_dir, list(args.get("runs") or []), bool(args.get("history", True)))
    output_dir = Path(os.path.expanduser(args.get("output_dir") or report_dir / report.runs[-1] / "report"))
    generated = iso_utc(now)
    files: dict[str, str] = {}
    for name in formats:
        filename, render = FORMATS[name]
        path = output_dir / filename
        write_private(path, render(report, generated))
        files[name] = str(path)
    return {"changed": False, "files": files, "summary": report.summary, "runs": report.runs}
