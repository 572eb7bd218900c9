# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-host result file of one run (schema ``fleetsec.schannel/host-result``, version 1).

``build`` turns what the role's tasks returned for one host (win_schannel or win_schannel_restore, the reboot,
tls_scan, client_impact) into the record that compliance_report reads; ``write`` stores it as
``<report_dir>/<run_id>/<host>.json`` (file 0600, directories 0700: the record names hosts, addresses and
backup paths). Nothing here talks to a host.

Status, one per host (the first that holds):

| status | when |
| --- | --- |
| unreachable | the host could not be reached or authenticated before this run wrote to it (lost mid-write: failed) |
| failed | a task failed (refused settings, WS-Man/WMI fault, read-back differs, no return from reboot, TLS scan) |
| drifted | check mode found values to change |
| reboot_pending | the settings are in the registry; Schannel reads them at boot, and the host has not rebooted since |
| changed | this run wrote values (and rebooted when needed) |
| compliant | nothing to change, nothing pending |
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.private_file import write_private
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.timestamps import iso_utc

SCHEMA = "fleetsec.schannel/host-result"
SCHEMA_VERSION = 1
REBOOT_TASK = "reboot"  # the prefix of a reboot's error message
TLS_DEFERRED = ("not verified: a reboot is pending, and Schannel runs the new settings only after it; run "
                "fleetsec.schannel.compliance after the reboot")
STATUSES = ("compliant", "drifted", "changed", "reboot_pending", "failed", "unreachable")


@dataclass(frozen=True)
class RunInfo:
    """What every host of one run shares."""

    run_id: str
    playbook: str
    mode: str  # check | apply
    profile: str | None
    template: str | None
    settings: Mapping[str, Any]
    settings_digest: str
    started: str  # ISO-8601 UTC, when the play (or its serial batch) resolved its settings
    # An IIS Crypto template with minimumOSVersion items: the settings per Windows version (role_settings.Resolved).
    settings_by_os: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    settings_digest_by_os: Mapping[str, str] = field(default_factory=dict)


def _ran(result: Any) -> bool:
    """A registered task result that exists and was not skipped."""
    return isinstance(result, Mapping) and bool(result) and not result.get("skipped")


def _error(task: str, result: Mapping[str, Any]) -> dict[str, Any]:
    error = result.get("error") if isinstance(result.get("error"), Mapping) else {}
    return {
        "type": error.get("type") or ("HostUnreachable" if result.get("unreachable") else "TaskFailed"),
        "message": "%s: %s" % (task, error.get("message") or result.get("msg") or "failed without a message"),
        "code": error.get("code"),
    }


def _readback_error(readback: Mapping[str, Any]) -> dict[str, Any]:
    names = ["%s\\%s" % (d.get("key"), d.get("name")) for d in readback.get("differences") or []]
    return {
        "type": "ReadbackMismatch",
        "message": "read-back after the write differs from the settings: %s" % (", ".join(names) or "(unnamed)"),
        "code": "readback-differs",
    }


def _tls_error(tls: Mapping[str, Any]) -> dict[str, Any]:
    findings = tls.get("findings") or []
    what = "; ".join(str(f.get("message") or f.get("id")) for f in findings[:5])
    more = " (and %d more)" % (len(findings) - 5) if len(findings) > 5 else ""
    return {
        "type": "TlsVerification",
        "message": "TLS scan verdict %s: %s%s" % (tls.get("verdict"), what or "no finding given", more),
        "code": "tls-%s" % tls.get("verdict"),
    }


def _tls_summary(tls: Mapping[str, Any]) -> dict[str, Any]:
    return {key: tls.get(key) for key in ("verdict", "ports", "findings", "handshakes")}


def _status(mode: str, apply: Mapping[str, Any], errors: list[dict[str, Any]], unreachable: bool,
            pending: bool) -> str:
    if unreachable:
        return "unreachable"
    if errors:
        return "failed"
    if mode == "check":
        return "drifted" if apply.get("changes") else "reboot_pending" if pending else "compliant"
    if pending:
        return "reboot_pending"
    return "changed" if apply.get("changes") else "compliant"


def stopped_part_way(apply: Mapping[str, Any]) -> bool:
    """The task's write stopped after it had written something: win_schannel's ``partial`` record holds a written
    value, or win_schannel_restore did some of its operations (``operations_done``)."""
    partial = apply.get("partial") if isinstance(apply.get("partial"), Mapping) else {}
    return bool(partial.get("written")) or bool(apply.get("operations_done"))


def _now() -> str:
    return iso_utc()


def _seconds(started: str, finished: str) -> float | None:
    try:
        delta = datetime.fromisoformat(finished.replace("Z", "+00:00")) - datetime.fromisoformat(
            started.replace("Z", "+00:00"))
    except ValueError:
        return None
    return round(delta.total_seconds(), 1)


def _settings_of(run: RunInfo, os_key: str | None) -> dict[str, Any]:
    """The settings the host was held to: its version's entry when the run has them per version."""
    if os_key and os_key in run.settings_by_os:
        return {"settings": dict(run.settings_by_os[os_key]), "settings_digest": run.settings_digest_by_os[os_key]}
    return {"settings": dict(run.settings), "settings_digest": run.settings_digest}


def build(
    run: RunInfo,
    host: str,
    address: str,
    apply: Any,
    *,
    reboot: Any = None,
    tls: Any = None,
    impact: Any = None,
    finished: str | None = None,
) -> dict[str, Any]:
    """One host's record from its task results (each a registered result, or None when the task never ran)."""
    apply = apply if _ran(apply) else {}
    errors: list[dict[str, Any]] = []
    warnings = [str(w) for w in apply.get("warnings") or []]
    unreachable = False
    if not apply:
        errors.append({"type": "NoResult", "message": "the host stopped before its Schannel settings were read",
                       "code": None})
    elif apply.get("failed") or apply.get("unreachable"):
        errors.append(_error("apply", apply))
        # A host lost mid-write holds part of the change: a failed change whatever the transport error (the rollout
        # guard counts it, exit 2); only a host this run never wrote to is unreachable (changed_the_host).
        unreachable = bool(apply.get("unreachable")) and not stopped_part_way(apply)
        if apply.get("unreachable") and not unreachable:
            errors[-1]["message"] = "apply: unreachable during the write, " + errors[-1]["message"][len("apply: "):]
    readback = apply.get("readback") if isinstance(apply.get("readback"), Mapping) else None
    if readback is not None and not readback.get("ok", True) and not apply.get("failed"):
        errors.append(_readback_error(readback))
    check = run.mode == "check"
    performed = False
    elapsed = None
    # Registered results outlive their play: a reboot counts only when it started from the boot this run's apply
    # saw, and a TLS scan only when the apply succeeded (the scan runs after it, or not at all).
    boot_seen = (apply.get("os") or {}).get("last_boot")
    if not (_ran(reboot) and boot_seen and reboot.get("boot_time_before") in (None, boot_seen)):
        reboot = None
    if apply.get("failed") or apply.get("unreachable"):
        tls = None
    if _ran(reboot):
        if reboot.get("failed") or reboot.get("unreachable"):
            errors.append(_error(REBOOT_TASK, reboot))
        performed = bool(reboot.get("rebooted"))
        elapsed = reboot.get("elapsed")
    pending = bool(apply.get("reboot_pending")) and not performed
    tls_record = None
    tls_deferred = None
    if _ran(tls) and pending and not check:
        # A change that awaits its reboot cannot be verified: Schannel still runs the old settings, and the scan
        # would judge them (schannel_reboot=never). Not a failure of the host; the next compliance run after the
        # reboot verifies it.
        tls_deferred = TLS_DEFERRED
    elif _ran(tls):
        tls_record = _tls_summary(tls)
        if tls.get("failed") and tls.get("verdict") is None:
            errors.append(_error("tls_scan", tls))
        elif check and pending and tls.get("verdict") == "fail":
            # A check (compliance) of a host whose reboot is pending: Schannel reads its settings at boot, so until
            # the host reboots the handshakes show the settings that run now, not the ones written. The host is
            # reboot_pending (not compliant), not failed. (After harden's own write the scan is deferred: above.)
            tls_record["before_reboot"] = True
        elif tls.get("verdict") != "pass":
            errors.append(_tls_error(tls))
    changes = list(apply.get("changes") or [])
    # A write that stopped part-way: the host holds only what was written (the rest is in the partial record).
    partial = apply.get("partial") if isinstance(apply.get("partial"), Mapping) else None
    written = list(partial.get("written") or []) if partial is not None else changes
    finished = finished or _now()
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "run_id": run.run_id,
        "playbook": run.playbook,
        "mode": run.mode,
        "host": host,
        "address": address,
        "os": apply.get("os"),
        "profile": run.profile,
        "template": run.template,
        **_settings_of(run, (apply.get("os") or {}).get("key")),
        "status": _status(run.mode, apply, errors, unreachable, pending),
        "drift": changes,
        "changes": [] if check else written,
        # A write that stopped part-way: how far it came, and its record beside the backup (harden completes it).
        "partial": None if partial is None else {
            "written": len(written), "planned": len(changes), "record_file": partial.get("record_file")},
        "backup_file": apply.get("backup_file"),
        "reboot": {
            "required": bool(apply.get("reboot_required")),
            "pending": pending,
            # The run whose writes the pending reboot brings into effect ({playbook: harden|restore, run_id}).
            "pending_by": apply.get("reboot_pending_by") if pending else None,
            "performed": performed,
            "elapsed": elapsed,
        },
        "verification": {
            "readback": dict(readback) if readback is not None else None,
            "tls": tls_record,
            "tls_deferred": tls_deferred,
            "client_impact": dict(impact) if isinstance(impact, Mapping) else None,
        },
        "errors": errors,
        "warnings": warnings,
        "timings": {"started": run.started, "finished": finished, "seconds": _seconds(run.started, finished)},
        "calls": (apply.get("calls") or {}).get("total") if isinstance(apply.get("calls"), Mapping) else None,
    }


def changed_the_host(record: Mapping[str, Any]) -> bool:
    """The run wrote to the host (all its values or part of them) or started its reboot.

    The rollout guard counts a failed host of this kind (its change failed or broke it: a write stopped part-way,
    a read-back that differs, a reboot that did not come back, a TLS verification that failed after the change);
    a failed host that this run never touched (unreachable, refused before any write) does not stop the rollout.
    """
    reboot = record.get("reboot") or {}
    return record.get("mode") == "apply" and bool(
        record.get("changes") or reboot.get("performed")
        or any(str(error.get("message", "")).startswith(REBOOT_TASK + ": ") for error in record.get("errors") or []))


def run_dir(report_dir: str | os.PathLike, run_id: str) -> Path:
    return Path(report_dir).expanduser() / run_id


def result_path(report_dir: str | os.PathLike, run_id: str, host: str) -> Path:
    return run_dir(report_dir, run_id) / ("%s.json" % host)


def write(report_dir: str | os.PathLike, record: Mapping[str, Any]) -> Path:
    """Store the record atomically (a reader never sees half a file); file 0600 in directories 0700."""
    path = result_path(report_dir, record["run_id"], record["host"])
    write_private(path, json.dumps(record, indent=2, sort_keys=False, default=str) + "\n")
    return path


def open_to_others_warning(report_dir: str | os.PathLike) -> str | None:
    """A warning when users other than the owner may write in the report directory (or it is not ours): they could
    replace a run's directory or plant records that the fleet report would then show as this run's results."""
    path = Path(report_dir).expanduser()
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) or info.st_uid != os.geteuid():
        return ("schannel_report_dir %s can be written by users other than %s (mode %s, owner uid %d): they could "
                "replace or add result files; use a directory only you can write to (chmod 700)"
                % (path, "its owner" if info.st_uid != os.geteuid() else "you", oct(stat.S_IMODE(info.st_mode)),
                   info.st_uid))
    return None


def read(path: str | os.PathLike) -> dict[str, Any]:
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


# A run id names a directory under schannel_report_dir: keep it to one path segment.
RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_run_id(run_id: str, variable: str = "schannel_run_id") -> str:
    """The run id, or InputError naming ``variable``: a run id is a directory name under schannel_report_dir."""
    if not RUN_ID_RE.match(run_id):
        raise InputError("%s '%s' must be one path segment of letters, digits, '.', '_' or '-' (at most 64 "
                         "characters), such as 20261202T050000Z" % (variable, run_id))
    return run_id
