# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report as JUnit XML for CI dashboards: one test suite per Windows version, one test case per host and
control (classname = host, name = control). ``drifted`` and ``failed`` are failures, ``unreachable`` an error,
``changed`` and ``compliant`` pass (a change this run made is reported in system-out)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ansible_collections.fleetsec.schannel.plugins.plugin_utils.compliance_report.model import (
    CONTROLS,
    FleetReport,
    HostRow,
    control_of,
)


def _message(row: HostRow, control: str, state: str) -> str:
    if state == "unreachable":
        return "%s was unreachable" % row.host
    if state == "failed":
        errors = row.data.get("errors") or []
        if control == "tls" and row.tls is not None:
            return "TLS verification verdict %s" % row.tls.get("verdict")
        return "; ".join(str(e.get("message")) for e in errors) or "%s failed" % CONTROLS[control]
    if control == "tls" and row.tls is not None and row.tls.get("before_reboot"):
        return "TLS verification verdict %s, of the settings that run until the pending reboot" % row.tls.get("verdict")
    return "%s drifted from the profile" % CONTROLS[control]


def _details(row: HostRow, control: str, key: str) -> str:
    lines = []
    for entry in row.data.get(key) or []:
        if control_of(str(entry.get("key", "")), str(entry.get("name", ""))) == control:
            lines.append("%s\\%s: %r -> %r" % (entry.get("key"), entry.get("name"), entry.get("before"),
                                               entry.get("after")))
    if control == "tls" and row.tls is not None:
        lines += ["%s %s port %s %s" % (f.get("severity"), f.get("id"), f.get("port"), f.get("message"))
                  for f in row.tls.get("findings") or []]
    return "\n".join(lines)


def render_junit(report: FleetReport, generated: str) -> str:
    root = ET.Element("testsuites", name="fleetsec.schannel compliance", timestamp=generated)
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for os_key in sorted({row.os_key for row in report.hosts}):
        suite = ET.SubElement(root, "testsuite", name="Windows %s" % os_key, timestamp=generated)
        counts = {"tests": 0, "failures": 0, "errors": 0}
        for row in (r for r in report.hosts if r.os_key == os_key):
            for control in (c for c in CONTROLS if c in row.controls):
                state = row.controls[control]
                case = ET.SubElement(suite, "testcase", classname=row.host, name=control)
                counts["tests"] += 1
                if state in ("drifted", "failed"):
                    failure = ET.SubElement(case, "failure", message=_message(row, control, state), type=state)
                    failure.text = _details(row, control, "drift") or None
                    counts["failures"] += 1
                elif state == "unreachable":
                    ET.SubElement(case, "error", message=_message(row, control, state), type=state)
                    counts["errors"] += 1
                elif state == "changed":
                    ET.SubElement(case, "system-out").text = _details(row, control, "changes")
        for name, value in counts.items():
            suite.set(name, str(value))
            totals[name] += value
    for name, value in totals.items():
        root.set(name, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
