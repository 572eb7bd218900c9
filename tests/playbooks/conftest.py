"""Run the collection's playbooks with ansible-playbook against a simulated fleet, and read what they recorded.

Each test starts its own fleet (127.20.90.x; about a second for six hosts) so that no test depends on what
another left on a host. Results are read from the per-host result files the role writes, the exit code and the
output of ansible-playbook, and the simulator's counters (WS-Man requests and boots per host).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.winsim.fleet import Fleet

ALL_OS = ("2008r2", "2012r2", "2016", "2019", "2022", "2025")
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"


@dataclass
class Run:
    """One ansible-playbook run: exit code, output, and the result file of each host (by inventory name)."""

    returncode: int
    stdout: str
    stderr: str
    run_dir: Path
    results: dict[str, dict[str, Any]]

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def status(self) -> dict[str, str]:
        return {host: record["status"] for host, record in self.results.items()}

    def recap(self) -> dict[str, dict[str, int]]:
        return recap_of(self.stdout)


def recap_of(stdout: str) -> dict[str, dict[str, int]]:
    """The PLAY RECAP's counts per host (ok, changed, unreachable, failed, ...)."""
    rows = re.findall(r"^(\S+)\s+:\s+(ok=.*)$", stdout.split("PLAY RECAP", 1)[-1], flags=re.M)
    return {host: {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", fields)} for host, fields in rows}


class Playbooks:
    """Runs ``fleetsec.schannel.<name>`` against one fleet, each run with its own run id."""

    def __init__(self, fleet: Fleet, work: Path) -> None:
        self.fleet = fleet
        self.work = work
        self.report_dir = work / "reports"
        self.backup_dir = work / "backups"
        self.runs = 0

    def run(self, name: str, *args: str, env: dict[str, str] | None = None, **extra_vars: Any) -> Run:
        self.runs += 1
        run_id = "run%02d-%s" % (self.runs, name)
        variables = {"schannel_report_dir": str(self.report_dir), "schannel_backup_dir": str(self.backup_dir),
                     "schannel_run_id": run_id, **extra_vars}
        environment = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORKS": "6",
                       "ANSIBLE_RETRY_FILES_ENABLED": "0", "ANSIBLE_LOCAL_TEMP": str(self.work / "ansible-tmp"),
                       **(env or {})}
        proc = subprocess.run(
            [str(ANSIBLE_PLAYBOOK), "-i", str(self.fleet.inventory), "fleetsec.schannel.%s" % name,
             "-e", json.dumps(variables), *args],
            cwd=self.work, env=environment, capture_output=True, text=True, timeout=600, check=False,
        )
        run_dir = self.report_dir / run_id
        results = {p.stem: json.loads(p.read_text()) for p in sorted(run_dir.glob("*.json"))}
        return Run(proc.returncode, proc.stdout, proc.stderr, run_dir, results)

    def boots(self) -> dict[str, int]:
        return {name: c["boots"] for name, c in self.fleet.control.counters()["hosts"].items()}

    def wsman_calls(self) -> dict[str, int]:
        return {name: c["wsman_calls"] for name, c in self.fleet.control.counters()["hosts"].items()}

    def requests(self) -> dict[str, int]:
        return {name: c["requests"] for name, c in self.fleet.control.counters()["hosts"].items()}


def start_fleet(tmp_path: Path, os_mix: tuple[str, ...]) -> Fleet:
    return Fleet(tmp_path / "fleet", hosts=len(os_mix), os_mix=os_mix, first_ip="127.20.90.1", reboot_seconds=0.2)


@pytest.fixture
def six(tmp_path):
    """One host of every Windows version (ms001 2008 R2 ... ms006 2025)."""
    with start_fleet(tmp_path, ALL_OS) as fleet:
        yield Playbooks(fleet, tmp_path)


@pytest.fixture
def pair(tmp_path):
    """Two hosts: ms001 Windows Server 2019, ms002 Windows Server 2022."""
    with start_fleet(tmp_path, ("2019", "2022")) as fleet:
        yield Playbooks(fleet, tmp_path)
