"""Helpers for the fleet-level tests: the collection's playbooks run by ansible-playbook against a simulated fleet.

Address blocks (apart from tests/sim's): 127.20.12.x fault matrix, 127.20.13.x controller killed mid-run,
127.20.14.x bad input, 127.20.15.x security, 127.20.17.x rollout, 127.20.22.x Kerberos drift, 127.20.27.x the
Kerberos lifecycle (tests/scenarios), 127.20.24.x Kerberos failures, 127.20.25.x the Kerberos doc's inventory,
127.20.26.x the batch read over Kerberos.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.collection_path import COLLECTIONS_ROOT, ensure_collection_importable
from tests.winsim.fleet import REPO_ROOT

ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
WRITE_METHODS = ("Set", "Create", "Delete")


@dataclass(frozen=True)
class Controller:
    """Where one test's controller keeps its files: reports, backups, Ansible's temp and home."""

    root: Path

    @property
    def report_dir(self) -> Path:
        return self.root / "reports"

    @property
    def backup_dir(self) -> Path:
        return self.root / "backups"

    def env(self, **extra: str) -> dict[str, str]:
        ensure_collection_importable()
        return {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS_ROOT), "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_FORKS": "10", "ANSIBLE_RETRY_FILES_ENABLED": "0",
                "ANSIBLE_LOCAL_TEMP": str(self.root / "ansible-tmp"), "ANSIBLE_HOME": str(self.root / "ansible-home"),
                **extra}

    def command(self, playbook: str, inventory: Path, *args: str, **extra_vars) -> list[str]:
        variables = {"schannel_report_dir": str(self.report_dir), "schannel_backup_dir": str(self.backup_dir),
                     **extra_vars}
        return [str(ANSIBLE_PLAYBOOK), "-i", str(inventory), "-e", json.dumps(variables), *args, playbook]

    def run(self, playbook: str, inventory: Path, *args: str, env: dict[str, str] | None = None,
            timeout: float = 240, **extra_vars) -> subprocess.CompletedProcess:
        return subprocess.run(self.command(playbook, inventory, *args, **extra_vars), cwd=REPO_ROOT,
                              env=env or self.env(), capture_output=True, text=True, timeout=timeout, check=False)

    def latest_results(self) -> dict[str, dict]:
        """host -> result file of the newest run directory."""
        runs = sorted(d for d in self.report_dir.iterdir() if d.is_dir())
        records = (json.loads(f.read_text()) for f in runs[-1].glob("*.json"))
        return {r["host"]: r for r in records if r.get("schema") == "fleetsec.schannel/host-result"}

    def backups(self, host: str) -> list[Path]:
        """The backup JSON files of a host, oldest first (partial-write records left out)."""
        folder = self.backup_dir / host
        return sorted(p for p in folder.glob("*.json") if not p.name.endswith(".partial.json")) if folder.exists() \
            else []


def writes(counters: dict) -> int:
    """StdRegProv writes (Set*/Create*/Delete*) a host's counters saw."""
    return sum(n for method, n in counters["methods"].items()
               if method.startswith("StdRegProv.") and method.split(".", 1)[1].startswith(WRITE_METHODS))


def change_ids(changes: list[dict]) -> set[tuple[str, str]]:
    return {(c["key"].lower(), c["name"].lower()) for c in changes}


def output(proc: subprocess.CompletedProcess) -> str:
    return proc.stdout + proc.stderr


@contextmanager
def run_tmpdir() -> Iterator[Path]:
    """A TMPDIR of its own for an ansible-playbook run, under the system's temporary directory with a short name:
    ansible-core binds its local RPC server's Unix socket in TMPDIR, and a socket path longer than sun_path (108
    bytes, unix(7)) fails every run ("Local RPC server did not start"), as a pytest-xdist worker's tmp_path would."""
    path = Path(tempfile.mkdtemp(prefix="run-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def short_tmpdir() -> Iterator[Path]:
    """run_tmpdir as a fixture, for a test that runs ansible-playbook with a TMPDIR of its own."""
    with run_tmpdir() as path:
        yield path


def ticket_caches(directory) -> list[str]:
    """Files in ``directory`` that are, or were made for, a Kerberos ticket cache: a ``krb5cc`` name, a FILE cache
    (format version 4 starts 0x0504, krb5 ccache file format), or an empty temporary file kinit did not fill."""
    found = []
    for path in directory.rglob("*"):
        if path.is_file():
            head = path.read_bytes()[:2]
            if "krb5cc" in path.name or head == b"\x05\x04" or (head == b"" and path.name.startswith("tmp")):
                found.append(path.name)
    return found
