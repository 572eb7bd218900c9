"""execution-environment.yml builds a valid ansible-builder (v3) context; no image is built here (no container
runtime on the test machine), the context is checked instead."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.collection_path import REPO_ROOT

BIN = Path(sys.executable).parent


def pins(path: Path) -> dict[str, str]:
    """name -> version of the ``name==version`` lines of a requirements file (``-r`` lines followed)."""
    found: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found.update(pins(path.parent / line[3:].strip()))
        elif "==" in line:
            name, version = line.split("==", 1)
            found[name.lower()] = version
    return found


def test_ee_requirements_are_the_controller_and_verify_pins():
    ee = pins(REPO_ROOT / "requirements" / "ee.txt")
    wanted = {**pins(REPO_ROOT / "requirements" / "controller.txt"), **pins(REPO_ROOT / "requirements" / "verify.txt")}
    core = wanted.pop("ansible-core")
    assert ee == wanted
    definition = yaml.safe_load((REPO_ROOT / "execution-environment.yml").read_text())
    assert definition["dependencies"]["ansible_core"]["package_pip"] == "ansible-core==%s" % core
    # ansible-runner is what AWX runs the job with on an execution node: the EE's pin is the tested one.
    runner = pins(REPO_ROOT / "requirements" / "runner.txt")["ansible-runner"]
    assert definition["dependencies"]["ansible_runner"]["package_pip"] == "ansible-runner==%s" % runner
    assert pins(REPO_ROOT / "requirements" / "test.txt")["ansible-runner"] == runner


def test_ansible_builder_creates_the_build_context(tmp_path):
    version = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())["version"]
    definition = yaml.safe_load((REPO_ROOT / "execution-environment.yml").read_text())
    assert definition["version"] == 3
    tarball_name = "fleetsec-schannel-%s.tar.gz" % version
    assert definition["additional_build_files"][0]["src"] == "build/ee/" + tarball_name
    assert definition["dependencies"]["galaxy"]["collections"] == [{"name": tarball_name, "type": "file"}]

    project = tmp_path / "project"
    (project / "requirements").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "execution-environment.yml", project)
    shutil.copy(REPO_ROOT / "requirements" / "ee.txt", project / "requirements")
    built = subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path",
                            str(project / "build" / "ee"), str(REPO_ROOT)], capture_output=True, text=True,
                           timeout=300, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    context = tmp_path / "context"
    created = subprocess.run([str(BIN / "ansible-builder"), "create", "-f", "execution-environment.yml",
                              "--context", str(context)], cwd=project, capture_output=True, text=True, timeout=300,
                             check=False)
    assert created.returncode == 0, created.stdout + created.stderr

    containerfile = (context / "Dockerfile").read_text()
    assert "ARG EE_BASE_IMAGE=\"quay.io/centos/centos:stream9\"" in containerfile
    assert "ansible-core==%s" % pins(REPO_ROOT / "requirements" / "controller.txt")["ansible-core"] in containerfile
    assert "ansible-galaxy collection install" in containerfile
    assert "/usr/bin/python3.12" in containerfile
    assert pins(context / "_build" / "requirements.txt") == pins(REPO_ROOT / "requirements" / "ee.txt")
    assert yaml.safe_load((context / "_build" / "requirements.yml").read_text()) == {
        "collections": [{"name": tarball_name, "type": "file"}]}
    assert (context / "_build" / tarball_name).read_bytes() == (project / "build" / "ee" / tarball_name).read_bytes()
