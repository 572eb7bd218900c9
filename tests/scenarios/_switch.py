"""Switching a simulated fleet from one profile or IIS Crypto template to another, end to end.

One step is what an administrator runs one after the other: ``harden`` with TLS verification (the switch), then
``harden`` again (must change nothing), ``drift`` and ``compliance``, all with TLS verification. The last three run
as one ``ansible-playbook`` process of three imported plays (one process start instead of three); each play records
its own run (a run id taken per play), so the records are read back from the step's report directory in the order
the plays ran. The switch itself is a process of its own: plays of one process share the harden run id.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.playbooks.conftest import ANSIBLE_PLAYBOOK, Playbooks

FIXTURES = Path(__file__).parent / "fixtures"
UNIT_FIXTURES = Path(__file__).parent.parent / "unit" / "fixtures"
PLAYS = ("harden", "rerun", "drift", "compliance")
# After the switch: the re-run, drift and compliance, in one process.
CHECKS_PLAYBOOK = "".join("- ansible.builtin.import_playbook: fleetsec.schannel.%s\n" % name
                          for name in ("harden", "drift", "compliance"))


@dataclass(frozen=True)
class Target:
    """What the fleet is switched to: a profile of the role or an IIS Crypto template file."""

    label: str
    extra_vars: dict[str, Any]


def profile(name: str) -> Target:
    return Target(name, {"schannel_profile": name})


def template(path: Path) -> Target:
    return Target(path.name, {"schannel_iiscrypto_template": str(path)})


@dataclass
class Step:
    """One switch: the exit code, the output, and per play (harden, rerun, drift, compliance) each host's record."""

    target: Target
    returncode: int
    output: str
    records: dict[str, dict[str, dict[str, Any]]]

    def problems(self) -> list[str]:
        """Every way this switch failed to converge, one line each (empty: converged, and everyone agrees)."""
        out: list[str] = []
        if self.returncode != 0:
            out.append("ansible-playbook exited %d" % self.returncode)
        missing = [play for play in PLAYS if play not in self.records]
        if missing:
            # A host that fails a play is left out of the later plays of the same process.
            out.append("no record of %s (plays recorded: %s)" % (", ".join(missing), ", ".join(self.records)))
        hosts = set(self.records.get("harden", {}))
        for play, records in self.records.items():
            if set(records) != hosts:
                out.append("%s recorded hosts %s, harden %s" % (play, sorted(records), sorted(hosts)))
        for host in sorted(hosts):
            harden, rerun, drift, check = (self.records.get(p, {}).get(host, {}) for p in PLAYS)
            if harden.get("status") not in ("changed", "compliant"):
                out.append("%s harden: %s %s" % (host, harden.get("status"), harden.get("errors")))
            if _verdict(harden) != "pass":
                out.append("%s harden TLS verification: %s" % (host, _tls_findings(harden)))
            if rerun.get("changes") or rerun.get("status") != "compliant":
                out.append("%s re-run changed %s (%s)" % (host, _names(rerun.get("changes")), rerun.get("status")))
            if drift.get("status") != "compliant":
                out.append("%s drift: %s %s" % (host, drift.get("status"), _names(drift.get("drift"))))
            if check.get("status") != "compliant" or _verdict(check) != "pass":
                out.append("%s compliance: %s, TLS %s" % (host, check.get("status"), _tls_findings(check)))
        return out


def _verdict(record: dict[str, Any]) -> str | None:
    return ((record.get("verification") or {}).get("tls") or {}).get("verdict")


def _tls_findings(record: dict[str, Any]) -> Any:
    tls = (record.get("verification") or {}).get("tls") or {}
    return tls.get("findings") or tls.get("verdict")


def _names(changes: Any) -> list[str]:
    return ["%s\\%s" % (c.get("key"), c.get("name")) for c in changes or []]


def _run(fleet: Playbooks, playbook: str, report_dir: Path, target: Target) -> subprocess.CompletedProcess:
    variables = {"schannel_report_dir": str(report_dir), "schannel_backup_dir": str(fleet.backup_dir),
                 "schannel_verify_tls": True, "schannel_fail_on_drift": True, **target.extra_vars}
    environment = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORKS": "6", "ANSIBLE_RETRY_FILES_ENABLED": "0",
                   "ANSIBLE_LOCAL_TEMP": str(fleet.work / "ansible-tmp")}
    return subprocess.run(
        [str(ANSIBLE_PLAYBOOK), "-i", str(fleet.fleet.inventory), playbook, "-e", json.dumps(variables)],
        cwd=fleet.work, env=environment, capture_output=True, text=True, timeout=900, check=False,
    )


def switch(fleet: Playbooks, number: int, target: Target) -> Step:
    """Switch the fleet to ``target`` (TLS verification on), run the checks, and read what every play recorded."""
    checks = fleet.work / "after-switch.yml"
    if not checks.exists():
        checks.write_text(CHECKS_PLAYBOOK)
    report_dir = fleet.work / "reports" / ("step%02d" % number)
    applied = _run(fleet, "fleetsec.schannel.harden", report_dir / "switch", target)
    checked = _run(fleet, str(checks), report_dir / "checks", target)
    runs = [p for part in ("switch", "checks") if (report_dir / part).exists()
            for p in sorted((report_dir / part).iterdir()) if p.is_dir()]
    records = {play: {p.stem: json.loads(p.read_text()) for p in run.glob("*.json")}
               for play, run in zip(PLAYS, runs, strict=False)}  # fewer runs than plays: Step.problems names it
    return Step(target, applied.returncode or checked.returncode, applied.stdout + checked.stdout
                + applied.stderr + checked.stderr, records)
