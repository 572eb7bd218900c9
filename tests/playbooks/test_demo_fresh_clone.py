"""The README's first command, scripts/demo.sh, works on a fresh clone: only the tracked files, no out/, no
collections/ link, nothing built. The clone's .venv is provisioned the way scripts/bootstrap.sh leaves one (the
pinned requirements installed, the requirements stamp written), from the packages already installed here,
because the test machine has no package index to install from."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.collection_path import REPO_ROOT


def tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True)
    return [name for name in listed.stdout.decode().split("\0") if name]


def provision_venv(clone: Path) -> None:
    venv = clone / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = Path(sysconfig.get_paths(vars={"base": str(venv), "platbase": str(venv)})["purelib"])
    (purelib / "installed-here.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    for tool in ("ansible-playbook", "ansible-galaxy", "ansible-doc", "ansible"):
        shutil.copy(Path(sys.executable).parent / tool, venv / "bin" / tool)
        text = (venv / "bin" / tool).read_text().splitlines()
        (venv / "bin" / tool).write_text("\n".join(["#!%s" % (venv / "bin" / "python"), *text[1:]]) + "\n")
    requirements = b"".join(p.read_bytes() for p in sorted((clone / "requirements").glob("*.txt")))
    (venv / ".requirements.sha256").write_text(hashlib.sha256(requirements).hexdigest() + "\n")


def test_demo_runs_on_a_fresh_clone(tmp_path):
    clone = tmp_path / "fleetsec.schannel"
    for name in tracked_files():
        if (REPO_ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, clone / name)
    assert not (clone / "out").exists()
    assert not (clone / "collections").exists()
    provision_venv(clone)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "PYTHON"))}
    env["TERM"] = "dumb"
    demo = subprocess.run(["scripts/demo.sh", "--hosts", "6"], cwd=clone, env=env, capture_output=True, text=True,
                          timeout=900, check=False)
    assert demo.returncode == 0, demo.stdout[-6000:] + demo.stderr[-3000:]
    out = demo.stdout
    assert "1/4 drift" in out
    # every step's progress counts its hosts, the check steps (one batch read, then each host's answer) as well
    assert "0/6 hosts done" not in out
    assert out.count("6/6 hosts done") == 4, out  # once per step
    # each step prints the command it runs, extra variables included
    assert out.count("ansible-playbook -i ") == 4, out
    assert '"schannel_serial": "50%"' in out, out
    assert '"schannel_run_id": "demo-harden"' in out, out
    assert "exit code 2; 6 hosts:" in out  # drift found before hardening, as documented
    assert "Protocols\\SSL 3.0\\Server Enabled: 1 -> 0" in out  # the planted drift, named value by value
    assert "3/4 drift again" in out
    assert "exit code 0; 6 hosts: 6 compliant" in out
    assert "TLS verdicts: 6 pass" in out
    assert "demo: every host hardened, verified and compliant" in out
    report = clone / "out" / "demo" / "reports" / "demo-compliance" / "report" / "compliance-report.html"
    assert report.is_file()
    assert sorted(p.name for p in (clone / "out" / "demo" / "reports").iterdir()) == [
        "demo-compliance", "demo-drift-after", "demo-drift-before", "demo-harden"]
