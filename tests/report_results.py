"""Per-host result files in the contract's schema (``fleetsec.schannel/host-result`` version 1) for report tests.

Drift entries are what the policy engine computes for a fresh host against a profile (compute_changes on an empty
snapshot, rendered as the drift assessment renders them); TLS blocks are real tls_scan results of port results
judged by the scan's own rules. Only the per-host file around them is written here, as the role will write it.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.changes import compute_changes
from ansible_collections.fleetsec.schannel.plugins.module_utils.desired import desired_state
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import Snapshot
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.policy import parse_or_raise
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.results import change_as_dict
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.expectation import expect_from_options
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.judge import judge_port, verdict
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.results import PortResult, ScanResult
from tests.profiles import profiles

_PROFILES = profiles()  # read once: the role's defaults file is large


def profile(name: str) -> dict[str, Any]:
    return copy.deepcopy(_PROFILES[name])


CAPTIONS = {k: catalog.OS_INFO[k].caption for k in catalog.OS_KEYS}


def fresh_drift(profile_name: str, os_key: str, limit: int | None = None) -> list[dict[str, Any]]:
    """What a host as Windows ships it lacks of the profile, as drift entries."""
    desired, _warnings = desired_state(parse_or_raise(profile(profile_name)), os_key)
    return [change_as_dict(c) for c in compute_changes(desired, Snapshot())][:limit]


def tls_block(profile_name: str, os_key: str, accepted: dict[str, list[int]], port: int = 8460) -> dict[str, Any]:
    """A tls_scan result for one port that accepted ``accepted`` (protocol -> suite codes)."""
    expectation = expect_from_options(profile(profile_name), os_key)
    result = PortResult(port, reachable=True, groups=list(expectation.groups), handshakes=10, seconds=0.05)
    for protocol, codes in accepted.items():
        for code in codes:
            result.add(protocol, code)
    findings = judge_port(result, expectation)
    return ScanResult("10.0.0.1", "compliance", {port: result}, findings, verdict({port: result}, findings)).to_json()


def host_result(host: str, run_id: str, os_key: str, status: str, *, profile_name: str = "recommended",
                drift: list[dict[str, Any]] | None = None, changes: list[dict[str, Any]] | None = None,
                tls: dict[str, Any] | None = None, errors: list[dict[str, Any]] | None = None,
                reboot_pending: bool = False) -> dict[str, Any]:
    settings = profile(profile_name)
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
    info = catalog.OS_INFO[os_key]
    return {
        "schema": "fleetsec.schannel/host-result", "schema_version": 1,
        "run_id": run_id, "playbook": "compliance", "mode": "check" if status != "changed" else "apply",
        "host": host, "address": "127.20.11.%d" % (int(host[-3:]) if host[-3:].isdigit() else 99),
        "os": {"caption": CAPTIONS[os_key], "version": info.version, "build": info.build, "key": os_key,
               "last_boot": "2026-12-01T03:00:00+00:00"},
        "profile": profile_name, "template": None, "settings": settings, "settings_digest": "sha256:" + digest,
        "status": status,
        "drift": drift or [], "changes": changes or [], "backup_file": None,
        "reboot": {"required": reboot_pending, "pending": reboot_pending, "performed": False, "elapsed": None},
        "verification": {"readback": {"ok": True, "differences": []} if status in ("changed", "reboot_pending")
                         else None,  # read back after a write; null in check mode
                         "tls": tls, "client_impact": None},
        "errors": errors or [], "warnings": [],
        "timings": {"started": "2026-12-02T05:00:00Z", "finished": "2026-12-02T05:00:02Z", "seconds": 2.0},
        "calls": 65,
    }


def write_run(report_dir: Path, run_id: str, results: list[dict[str, Any]]) -> Path:
    """Write ``results`` as the role does: ``<report_dir>/<run_id>/<host>.json``, 0600 in a 0700 directory."""
    directory = report_dir / run_id
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    for result in results:
        path = directory / ("%s.json" % result["host"])
        path.write_text(json.dumps(dict(result, run_id=run_id), indent=1), encoding="utf-8")
        path.chmod(0o600)
    return directory


def sample_fleet(run_id: str) -> list[dict[str, Any]]:
    """Twelve hosts over the six Windows versions, one of each status and more."""
    rc4_ssl3 = tls_block("recommended", "2012r2", {"SSL 3.0": [0x0005], "TLS 1.2": [0xC028, 0x0005, 0x000A]})
    clean = tls_block("recommended", "2019", {"TLS 1.2": [0xC028]})
    out = []
    plan = [
        ("2008r2", "compliant", {}), ("2012r2", "drifted", {"tls": rc4_ssl3}), ("2016", "compliant", {}),
        ("2019", "compliant", {"tls": clean}), ("2022", "changed", {}), ("2025", "reboot_pending", {}),
        ("2019", "drifted", {}), ("2022", "failed", {}), ("2016", "unreachable", {}), ("2019", "compliant", {}),
        ("2025", "compliant", {"tls": clean}), ("2012r2", "drifted", {}),
    ]
    for index, (os_key, status, extra) in enumerate(plan):
        host = "ms%03d" % (index + 1)
        kwargs: dict[str, Any] = dict(extra)
        if status == "drifted":
            kwargs["drift"] = fresh_drift("recommended", os_key, limit=6)
        if status in ("changed", "reboot_pending"):
            kwargs["changes"] = fresh_drift("recommended", os_key, limit=4)
            kwargs["reboot_pending"] = status == "reboot_pending"
        if status == "failed":
            kwargs["errors"] = [{"type": "HostError", "message": "StdRegProv SetDWORDValue returned 5 "
                                 "(access denied) on SCHANNEL\\Protocols\\TLS 1.0\\Server", "code": 5}]
        if status == "unreachable":
            kwargs["errors"] = [{"type": "HostUnreachable", "message": "connection refused", "code": None}]
        out.append(host_result(host, run_id, os_key, status, **kwargs))
    return out
