"""Run the collection's modules through ``ansible-playbook`` against a simulated fleet, and read what hosts hold.

Results come from the ``tree`` callback (one JSON file per host, the last task's result); the registry a host holds
is read from the simulator's own persisted state (snapshot + journal), read-only, so a test can tell what the
modules really wrote without going through the client under test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.winsim.fleet import REPO_ROOT, Fleet
from tests.winsim.registry_store import Registry, RegistryKey, RegistryStore, read_journal


def write_playbook(path: Path, tasks: list[dict[str, Any]], hosts: str = "mailstore") -> Path:
    play = [{"name": "modules under test", "hosts": hosts, "gather_facts": False, "tasks": tasks}]
    path.write_text(yaml.safe_dump(play, sort_keys=False), encoding="utf-8")
    return path


def run_playbook(inventory: Path, playbook: Path, tree: Path, *extra: str,
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "ANSIBLE_CALLBACKS_ENABLED": "tree",
        "ANSIBLE_CALLBACK_TREE_DIR": str(tree),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORKS": "5",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_HOST_KEY_CHECKING": "0",
        "ANSIBLE_LOCAL_TEMP": str(tree.parent / "ansible-tmp"),
        **(env or {}),
    }
    ansible = Path(sys.executable).parent / "ansible-playbook"
    return subprocess.run([str(ansible), "-i", str(inventory), str(playbook), *extra], cwd=REPO_ROOT,
                          env=environment, capture_output=True, text=True, timeout=300, check=False)


def recap(stdout: str) -> dict[str, dict[str, int]]:
    rows = re.findall(r"^(\S+)\s+:\s+(.*)$", stdout.split("PLAY RECAP", 1)[1], flags=re.M)
    return {host: {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", fields)} for host, fields in rows}


def result(tree: Path, host: str) -> dict[str, Any]:
    return json.loads((tree / host).read_text())


def host_registry(fleet: Fleet, host: str) -> dict[str, dict[str, tuple[int, Any]]]:
    """``{key path casefolded: {value name casefolded: (type, data)}}`` of everything the host holds now."""
    directory = fleet.state_dir / "hosts" / host
    raw = json.loads((directory / RegistryStore.SNAPSHOT).read_text(encoding="utf-8"))
    registry = Registry(RegistryKey.from_json(raw["root"]))
    journal = directory / f"registry.journal-{raw['generation']}.jsonl"
    if journal.exists():
        for op in read_journal(journal):
            registry.apply(op)
    return {path.casefold(): {v.name.casefold(): (v.type, _plain(v.data)) for v in key.values.values()}
            for path, key in registry.walk()}


def _plain(data: Any) -> Any:
    return tuple(data) if isinstance(data, list) else data
