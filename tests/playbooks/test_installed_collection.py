"""The collection as users install it: built with ansible-galaxy, installed into an empty collections path, its
modules documented by ansible-doc and a playbook run from the installed copy, nothing from the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.collection_path import REPO_ROOT
from tests.winsim.fleet import Fleet

BIN = Path(sys.executable).parent


def run(*command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_built_collection_installs_documents_every_module_and_runs_a_playbook(tmp_path):
    version = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())["version"]
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    collections = tmp_path / "collections"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
               ANSIBLE_NOCOLOR="1", ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), PYTHONPATH="")

    built = run(str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path), str(REPO_ROOT),
                cwd=outside, env=env)
    assert built.returncode == 0, built.stdout + built.stderr
    tarball = tmp_path / ("fleetsec-schannel-%s.tar.gz" % version)
    installed = run(str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "-p", str(collections),
                    str(tarball), cwd=outside, env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    root = collections / "ansible_collections" / "fleetsec" / "schannel"
    assert (root / "MANIFEST.json").is_file()
    assert not (root / "build").exists()
    assert not (root / ".venv").exists()

    modules = sorted(p.stem for p in (root / "plugins" / "modules").glob("*.py"))
    assert {"win_schannel", "win_schannel_info", "win_schannel_restore", "win_wmi_reboot", "tls_scan",
            "compliance_report", "client_impact"} <= set(modules)
    listed = run(str(BIN / "ansible-doc"), "--json", *("fleetsec.schannel." + m for m in modules), cwd=outside,
                 env=env)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    docs = json.loads(listed.stdout)
    for module in modules:
        doc = docs["fleetsec.schannel." + module]["doc"]
        assert doc["short_description"], module
        assert doc["filename"].startswith(str(root)), doc["filename"]  # the installed copy, not the checkout
    role = run(str(BIN / "ansible-doc"), "-t", "role", "fleetsec.schannel.schannel", cwd=outside, env=env)
    assert role.returncode == 0, role.stdout + role.stderr
    assert "schannel_profile" in role.stdout

    with Fleet(tmp_path / "fleet", hosts=1, os_mix=("2019",), first_ip="127.20.91.1") as fleet:
        drift = run(str(BIN / "ansible-playbook"), "-i", str(fleet.inventory), "fleetsec.schannel.drift",
                    "-e", json.dumps({"schannel_report_dir": str(tmp_path / "reports"), "schannel_run_id": "installed",
                                      "schannel_fail_on_drift": False}), cwd=outside, env=env)
    assert drift.returncode == 0, drift.stdout + drift.stderr
    record = json.loads((tmp_path / "reports" / "installed" / "ms001.json").read_text())
    assert record["status"] == "drifted"
    assert record["os"]["key"] == "2019"
    assert str(REPO_ROOT) not in drift.stdout
