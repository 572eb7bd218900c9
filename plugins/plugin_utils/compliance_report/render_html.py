# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report as one self-contained HTML page an auditor can open offline.

Order: fleet summary per Windows version, the compliance trend over earlier runs (an inline SVG drawn here), the
host x control matrix in colour, drift details per host, TLS findings. Everything is in the page (no fonts, no
scripts, no images from elsewhere; the Content-Security-Policy forbids loading any). Summary, trend, matrix and
details are plain HTML/SVG and work with JavaScript off; the small script only adds a status filter to the matrix.
Cells carry a symbol as well as a colour, so the matrix survives a black-and-white print.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.results import SEVERITIES
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.run_record import STATUSES
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.compliance_report.model import (
    CONTROLS,
    FleetReport,
    HostRow,
)

STATUS_LABELS = {"compliant": "Compliant", "drifted": "Drifted", "changed": "Changed",
                 "reboot_pending": "Reboot pending", "failed": "Failed", "unreachable": "Unreachable"}
SYMBOLS = {"compliant": "\u2713", "drifted": "\u0394", "changed": "\u270e", "failed": "\u2717", "unreachable": "\u2014"}
COLOURS = {"compliant": "#2e7d32", "drifted": "#ef6c00", "changed": "#1565c0", "reboot_pending": "#6a1b9a",
           "failed": "#c62828", "unreachable": "#616161"}
_TIMESTAMP = re.compile(r"^\d{4}(\d{2})(\d{2})T(\d{2})(\d{2})\d{2}Z$")

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem;color:#1a1a1a;background:#fff}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:1px solid #ddd}
p.meta{color:#555;margin:.2rem 0}table{border-collapse:collapse;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
#details td{overflow-wrap:anywhere}th{background:#f3f3f3}
td.num{text-align:right}tr.total td{font-weight:bold}
.cards{display:flex;flex-wrap:wrap;gap:.5rem}.card{border-radius:6px;color:#fff;padding:.5rem .8rem;min-width:7rem}
.card b{display:block;font-size:1.4rem}
td.cell{text-align:center;font-weight:bold;color:#fff;min-width:2.2rem}
.s-compliant{background:#2e7d32}.s-drifted{background:#ef6c00}.s-changed{background:#1565c0}
.s-failed{background:#c62828}.s-unreachable{background:#616161}.s-reboot_pending{background:#6a1b9a}
td.none{background:#fafafa;color:#999}
.badge{display:inline-block;border-radius:4px;color:#fff;padding:0 .4rem;font-size:.8rem}
.sev-critical{background:#7b1fa2}.sev-high{background:#c62828}.sev-medium{background:#ef6c00}
.sev-low{background:#9e9d24}.sev-info{background:#607d8b}
details{margin:.3rem 0}summary{cursor:pointer}.legend span{margin-right:1rem}
#filter{display:none;margin:.5rem 0}#filter button{margin-right:.3rem}
svg text{font-size:11px;fill:#333}
"""

SCRIPT = """
(function () {
  var bar = document.getElementById('filter');
  var rows = document.querySelectorAll('#matrix tbody tr');
  bar.style.display = 'block';
  bar.addEventListener('click', function (event) {
    var wanted = event.target.getAttribute('data-status');
    if (wanted === null) { return; }
    rows.forEach(function (row) {
      row.hidden = wanted !== 'all' && row.getAttribute('data-status') !== wanted;
    });
  });
})();
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _summary(report: FleetReport) -> str:
    total = report.summary
    cards = "".join('<div class="card" style="background:%s"><b>%d</b>%s</div>' % (
        COLOURS[s], total[s], STATUS_LABELS[s]) for s in STATUSES)
    head = "".join("<th>%s</th>" % STATUS_LABELS[s] for s in STATUSES)
    rows = []
    for os_key, counts in report.by_os.items():
        rows.append("<tr><td>Windows %s</td><td class=num>%d</td>%s</tr>" % (
            _e(os_key), counts["total"], "".join("<td class=num>%d</td>" % counts[s] for s in STATUSES)))
    rows.append('<tr class="total"><td>Fleet</td><td class=num>%d</td>%s</tr>' % (
        total["total"], "".join("<td class=num>%d</td>" % total[s] for s in STATUSES)))
    return ('<section id="summary"><h2>Fleet summary</h2><div class="cards">%s</div>'
            '<table><thead><tr><th>Windows</th><th>Hosts</th>%s</tr></thead><tbody>%s</tbody></table></section>'
            % (cards, head, "".join(rows)))


def _short(run_id: str) -> str:
    """``20261202T050000Z`` -> ``12-02 05:00`` (the default run id, a UTC timestamp); other ids unchanged."""
    match = _TIMESTAMP.match(run_id)
    return "%s-%s %s:%s" % match.groups() if match else run_id


def _trend(report: FleetReport) -> str:
    points = report.history
    if not points:
        return ""
    width, height, left, bottom, top = 720, 240, 40, 40, 15
    top_value = max(*(p["total"] for p in points), 1)
    step = (width - left - 20) / max(len(points) - 1, 1)

    def xy(index: int, value: int) -> tuple[float, float]:
        return left + index * step, top + (height - top - bottom) * (1 - value / top_value)

    axis = height - bottom
    parts = ['<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>' % (left, axis, width - 10, axis),
             '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>' % (left, top, left, height - bottom),
             '<text x="%d" y="%d" text-anchor="end">%d</text>' % (left - 4, top + 4, top_value),
             '<text x="%d" y="%d" text-anchor="end">0</text>' % (left - 4, height - bottom + 4)]
    for status in ("compliant", "drifted", "failed", "unreachable", "reboot_pending"):
        coords = [xy(i, p.get(status, 0)) for i, p in enumerate(points)]
        parts.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"><title>%s</title></polyline>'
                     % (COLOURS[status], " ".join("%.1f,%.1f" % c for c in coords), STATUS_LABELS[status]))
        parts += ['<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s %s: %d</title></circle>' % (
            x, y, COLOURS[status], _e(p["run_id"]), STATUS_LABELS[status], p.get(status, 0))
            for (x, y), p in zip(coords, points, strict=True)]
    label_every = max(1, -(-len(points) * 80 // (width - left - 20)))  # about 80 px per label
    last = len(points) - 1
    parts += ['<text x="%.1f" y="%d" text-anchor="%s">%s</text>' % (
        xy(i, 0)[0], height - bottom + 16, "start" if i == 0 else "end" if i == last else "middle",
        _e(_short(p["run_id"])))
        for i, p in enumerate(points) if i % label_every == 0 or i == last]
    legend = "".join('<span style="color:%s">\u25a0 %s</span>' % (COLOURS[s], STATUS_LABELS[s])
                     for s in ("compliant", "drifted", "failed", "unreachable", "reboot_pending"))
    table = "".join("<tr><td>%s</td><td class=num>%d</td><td class=num>%d</td><td class=num>%d</td></tr>" % (
        _e(p["run_id"]), p["total"], p["compliant"], p["total"] - p["compliant"]) for p in points)
    return ('<section id="trend"><h2>Compliance over time</h2>'
            '<svg role="img" aria-label="hosts per status over the runs" width="%d" height="%d" '
            'viewBox="0 0 %d %d" xmlns="http://www.w3.org/2000/svg">%s</svg><p class="legend">%s</p>'
            '<details><summary>Runs as a table</summary><table><thead><tr><th>Run</th><th>Hosts</th>'
            '<th>Compliant</th><th>Not compliant</th></tr></thead><tbody>%s</tbody></table></details></section>'
            % (width, height, width, height, "".join(parts), legend, table))


def _matrix(report: FleetReport) -> str:
    controls = report.controls
    head = "".join('<th title="%s">%s</th>' % (_e(c), _e(CONTROLS[c])) for c in controls)
    rows = []
    for row in report.hosts:
        cells = []
        for control in controls:
            state = row.controls.get(control)
            if state is None:
                cells.append('<td class="none" title="not managed">\u00b7</td>')
            else:
                cells.append('<td class="cell s-%s" title="%s: %s">%s</td>' % (
                    state, _e(CONTROLS[control]), state, SYMBOLS[state]))
        rows.append('<tr data-status="%s"><th><a href="#host-%s">%s</a></th><td>%s</td><td>%s</td>'
                    '<td><span class="badge s-%s">%s</span></td>%s</tr>' % (
                        _e(row.status), _e(row.host), _e(row.host), _e(row.os_key), _e(row.data.get("profile")),
                        _e(row.status), _e(STATUS_LABELS.get(row.status, row.status)), "".join(cells)))
    legend = "".join('<span><span class="badge s-%s">%s</span> %s</span>' % (s, SYMBOLS[s], s) for s in SYMBOLS)
    buttons = '<button type="button" data-status="all">All</button>' + "".join(
        '<button type="button" data-status="%s">%s</button>' % (s, STATUS_LABELS[s]) for s in STATUSES)
    return ('<section><h2>Hosts and controls</h2><p class="legend">%s</p><div id="filter">%s</div>'
            '<table id="matrix"><thead><tr><th>Host</th><th>Windows</th><th>Profile</th><th>Status</th>%s</tr>'
            '</thead><tbody>%s</tbody></table></section>' % (legend, buttons, head, "".join(rows)))


def _values(entries: list[dict[str, Any]]) -> str:
    return "".join("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % (
        _e(e.get("key")), _e(e.get("name")), _e(e.get("type")), _e(e.get("before")), _e(e.get("after")))
        for e in entries)


def _host_details(row: HostRow) -> str:
    parts = []
    for title, key in (("Drift (found \u2192 wanted)", "drift"), ("Written by this run", "changes")):
        entries = row.data.get(key) or []
        if entries:
            parts.append("<h4>%s</h4><table><thead><tr><th>Key</th><th>Value</th><th>Type</th><th>Before</th>"
                         "<th>After</th></tr></thead><tbody>%s</tbody></table>" % (title, _values(entries)))
    for error in row.data.get("errors") or []:
        parts.append("<p><b>Error</b> %s %s: %s</p>" % (_e(error.get("type")), _e(error.get("code") or ""),
                                                        _e(error.get("message"))))
    for warning in row.data.get("warnings") or []:
        parts.append("<p>Warning: %s</p>" % _e(warning))
    reboot = row.data.get("reboot") or {}
    if reboot.get("pending"):
        parts.append("<p>A reboot is pending: Schannel reads these settings at boot.</p>")
    if not parts:
        parts.append("<p>Nothing to report: the host holds the profile.</p>")
    os_info = row.data.get("os") or {}
    return ('<details id="host-%s"%s><summary>%s \u2014 %s (%s, run %s)</summary>%s</details>' % (
        _e(row.host), " open" if row.status in ("drifted", "failed") else "", _e(row.host),
        _e(STATUS_LABELS.get(row.status, row.status)), _e(os_info.get("caption") or row.os_key), _e(row.run_id),
        "".join(parts)))


def _findings(report: FleetReport) -> str:
    findings = sorted(report.tls_findings(), key=lambda f: (SEVERITIES.index(f.get("severity", "info"))
                                                            if f.get("severity") in SEVERITIES else 9,
                                                            f["host"], f.get("port") or 0, f.get("id")))
    if not findings:
        return '<section id="tls"><h2>TLS findings</h2><p>No TLS findings (or no TLS verification ran).</p></section>'
    rows = "".join("<tr><td>%s</td><td>%s</td><td><span class=\"badge sev-%s\">%s</span></td><td>%s</td><td>%s</td>"
                   "<td>%s</td><td>%s</td><td>%s</td></tr>" % (
                       _e(f["host"]), _e(f.get("port")), _e(f.get("severity")), _e(f.get("severity")), _e(f.get("id")),
                       _e(f.get("protocol") or ""), _e(f.get("suite") or ""), _e(f.get("message")), _e(f.get("source")))
                   for f in findings)
    return ('<section id="tls"><h2>TLS findings</h2><table><thead><tr><th>Host</th><th>Port</th><th>Severity</th>'
            '<th>Finding</th><th>Protocol</th><th>Suite</th><th>Message</th><th>Source</th></tr></thead><tbody>%s'
            '</tbody></table></section>' % rows)


def render_html(report: FleetReport, generated: str) -> str:
    body = "".join((
        "<h1>Schannel compliance report</h1>",
        '<p class="meta">Generated %s from run%s %s</p>' % (_e(generated), "s" if len(report.runs) > 1 else "",
                                                            _e(", ".join(report.runs))),
        _summary(report),
        _trend(report),
        _matrix(report),
        '<section id="details"><h2>Host details</h2>%s</section>' % "".join(_host_details(r) for r in report.hosts),
        _findings(report),
    ))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "script-src 'unsafe-inline'\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>Schannel compliance report</title><style>%s</style></head><body>%s<script>%s</script>"
            "</body></html>\n" % (CSS, body, SCRIPT))
