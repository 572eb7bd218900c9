# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report's model: per-host result files of one or several runs merged into one view.

Input: ``<report_dir>/<run_id>/<inventory_hostname>.json`` files (schema ``fleetsec.schannel/host-result``
version 1, written by the role). Runs are merged host by host; a host found in several runs is taken from the
run listed last (AWX job slices each hold their own hosts, so a split run merges into the same hosts as the
unsplit one). The renderers (json, junit, html) read only ``FleetReport``.

Controls: the matrix has one column per option group the host's settings manage (``CONTROLS``), plus the read-back
after a write, the reboot, and the TLS verification when it ran. A control's state on a host is ``compliant``,
``drifted`` (the check found values that differ; for the reboot and the TLS scan, a reboot still pending: the scan
then saw the settings that run until it), ``changed`` (this run wrote them), ``failed`` / ``unreachable`` (the
host's status, for every control), or absent when the settings do not manage it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import POLICY, POLICY_OPTIONS
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.run_record import (
    RUN_ID_RE,
    SCHEMA,
    SCHEMA_VERSION,
    STATUSES,
)

REPORT_SCHEMA = "fleetsec.schannel/compliance-report"
REPORT_SCHEMA_VERSION = 1

# Column -> label, in matrix order: the policy options with a column (module_utils/settings.py POLICY; registry
# paths in desired.py), then what the run verified.
CONTROLS: dict[str, str] = {
    **{option.name: option.label for option in POLICY if option.label},
    "readback": "Read-back",
    "reboot": "Reboot",
    "tls": "TLS on the wire",
}
SETTINGS_CONTROLS = tuple(option for option in CONTROLS if option in POLICY_OPTIONS)
HISTORY_POINTS = 60  # the trend shows at most this many runs, the latest ones


def control_of(key: str, name: str) -> str | None:
    """The settings control a registry value belongs to (desired.py writes each option under these keys)."""
    path = key.replace("/", "\\").casefold()
    value = name.casefold()
    if "\\protocols\\" in path:
        return "protocols"
    if "\\ciphers\\" in path:
        return "ciphers"
    if "\\hashes\\" in path:
        return "hashes"
    if "\\keyexchangealgorithms\\" in path:
        return "dh_min_key_bits" if value.endswith("minkeybitlength") else "key_exchanges"
    if path.endswith("\\00010002"):
        return "ecc_curves" if value == "ecccurves" else "cipher_suites"
    if "\\.netframework\\" in path:
        return "dotnet_strong_crypto" if value == "schusestrongcrypto" else "dotnet_system_default_tls_versions"
    if "\\winhttp" in path:
        return "winhttp_secure_protocols"
    if "fipsalgorithmpolicy" in path:
        return "fips_algorithm_policy"
    return None


@dataclass
class HostRow:
    """One host of the report, as its result file says, with its control states."""

    host: str
    run_id: str
    data: dict[str, Any]
    controls: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return self.data["status"]

    @property
    def os_key(self) -> str:
        return (self.data.get("os") or {}).get("key") or "unknown"

    @property
    def tls(self) -> dict[str, Any] | None:
        return (self.data.get("verification") or {}).get("tls")

    def to_json(self) -> dict[str, Any]:
        d = self.data
        tls = self.tls
        return {
            "host": self.host,
            "address": d.get("address"),
            "run_id": self.run_id,
            "playbook": d.get("playbook"),
            "mode": d.get("mode"),
            "os": d.get("os"),
            "profile": d.get("profile"),
            "template": d.get("template"),
            "settings_digest": d.get("settings_digest"),
            "status": self.status,
            "controls": dict(self.controls),
            "drift": d.get("drift") or [],
            "changes": d.get("changes") or [],
            "reboot": d.get("reboot"),
            "errors": d.get("errors") or [],
            "warnings": d.get("warnings") or [],
            "tls": None if tls is None else {
                "verdict": tls.get("verdict"), "handshakes": tls.get("handshakes"),
                "depth": tls.get("depth"), "findings": tls.get("findings") or []},
            "finished": (d.get("timings") or {}).get("finished"),
        }


@dataclass
class FleetReport:
    runs: list[str]
    hosts: list[HostRow]
    history: list[dict[str, Any]]

    @property
    def summary(self) -> dict[str, int]:
        return summarise(h.status for h in self.hosts)

    @property
    def by_os(self) -> dict[str, dict[str, int]]:
        keys = sorted({h.os_key for h in self.hosts})
        return {k: summarise(h.status for h in self.hosts if h.os_key == k) for k in keys}

    @property
    def controls(self) -> list[str]:
        used = {c for h in self.hosts for c in h.controls}
        return [c for c in CONTROLS if c in used]

    def tls_findings(self) -> list[dict[str, Any]]:
        out = []
        for row in self.hosts:
            for finding in (row.tls or {}).get("findings") or []:
                out.append({"host": row.host, **finding})
        return out


def summarise(statuses: Any) -> dict[str, int]:
    counts = dict.fromkeys(("total", *STATUSES), 0)
    for status in statuses:
        counts["total"] += 1
        counts[status] = counts.get(status, 0) + 1
    return counts


def control_states(data: dict[str, Any]) -> dict[str, str]:
    """Control -> state for one host result (module docstring)."""
    status = data["status"]
    managed = [c for c in SETTINGS_CONTROLS if (data.get("settings") or {}).get(c) is not None]
    verification = data.get("verification") or {}
    extra = []
    if verification.get("readback") is not None:
        extra.append("readback")
    reboot = data.get("reboot") or {}
    if reboot.get("required") or reboot.get("pending") or reboot.get("performed"):
        extra.append("reboot")
    if verification.get("tls") is not None:
        extra.append("tls")
    if status in ("failed", "unreachable"):
        return dict.fromkeys(managed + extra, status)
    states = dict.fromkeys(managed, "compliant")
    for entry, state in [(e, "drifted") for e in data.get("drift") or []] + [
            (e, "changed") for e in data.get("changes") or []]:
        control = control_of(str(entry.get("key", "")), str(entry.get("name", "")))
        if control is not None and (control in states or control in SETTINGS_CONTROLS):
            states[control] = state
    if "readback" in extra:
        states["readback"] = "compliant" if verification["readback"].get("ok") else "failed"
    if "reboot" in extra:
        states["reboot"] = "drifted" if reboot.get("pending") and not reboot.get("performed") else "compliant"
    if "tls" in extra:
        verdict = verification["tls"].get("verdict")
        states["tls"] = {"pass": "compliant", "fail": "failed", "unreachable": "unreachable"}.get(verdict, "failed")
        if verification["tls"].get("before_reboot"):  # what runs until the pending reboot, not a failed change
            states["tls"] = "drifted"
    return states


def _check_host_file(path: Path, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise InputError("%s is not a per-host result file (field 'schema' must be %r)" % (path, SCHEMA),
                         code="schema")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise InputError("%s: schema_version %r is not supported (this collection reads version %d)"
                         % (path, data.get("schema_version"), SCHEMA_VERSION), code="schema_version")
    for name in ("host", "status", "run_id"):
        if not isinstance(data.get(name), str):
            raise InputError("%s: field %r is missing or not a string" % (path, name), code=name)
    if data["status"] not in STATUSES:
        raise InputError("%s: status %r is not one of %s" % (path, data["status"], ", ".join(STATUSES)),
                         code="status")
    return data


def run_ids(report_dir: Path) -> list[str]:
    """Run directories of ``report_dir``, oldest first (run ids are UTC timestamps by default, so they sort)."""
    if not report_dir.is_dir():
        raise InputError("report_dir %s does not exist or is not a directory" % report_dir, code="report_dir")
    return sorted(p.name for p in report_dir.iterdir() if p.is_dir() and RUN_ID_RE.match(p.name)
                  and any(p.glob("*.json")))


def load_run(report_dir: Path, run_id: str) -> dict[str, dict[str, Any]]:
    """host -> result data of one run directory."""
    if not RUN_ID_RE.match(run_id):
        raise InputError("runs: %r is not a run id (letters, digits, '.', '_', '-')" % run_id, code="runs")
    directory = report_dir / run_id
    if not directory.is_dir():
        raise InputError("runs: no run directory %s (known runs: %s)" % (
            directory, ", ".join(run_ids(report_dir)) or "none"), code="runs")
    hosts = {}
    for path in sorted(directory.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError("%s cannot be read as JSON: %s" % (path, exc), code="host_file") from exc
        data = _check_host_file(path, data)
        hosts[data["host"]] = data
    return hosts


def build_report(report_dir: Path, runs: list[str] | None = None, history: bool = True) -> FleetReport:
    """Merge ``runs`` (default: the latest run) of ``report_dir``; history = one point per earlier run directory
    (a run sliced under several run ids shows as several points), then this report's."""
    known = run_ids(report_dir)
    if not runs:
        if not known:
            raise InputError("report_dir %s holds no run directory with host result files" % report_dir,
                             code="report_dir")
        runs = [known[-1]]
    merged: dict[str, HostRow] = {}
    for run_id in runs:
        for host, data in load_run(report_dir, run_id).items():
            merged[host] = HostRow(host, run_id, data, control_states(data))
    rows = [merged[h] for h in sorted(merged)]
    points = []
    if history:
        earlier = [r for r in known if r < min(runs)][-(HISTORY_POINTS - 1):]
        for run_id in earlier:
            statuses = [d["status"] for d in load_run(report_dir, run_id).values()]
            points.append({"run_id": run_id, **summarise(statuses)})
        points.append({"run_id": max(runs), **summarise(r.status for r in rows)})
    return FleetReport(list(runs), rows, points)
