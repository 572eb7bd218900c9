"""Changelog fragments are valid antsibull-changelog fragments, named ``<issue>-<topic>.yml``."""

import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.collection_path import REPO_ROOT

FRAGMENTS = REPO_ROOT / "changelogs" / "fragments"
CONFIG = yaml.safe_load((REPO_ROOT / "changelogs" / "config.yaml").read_text())
SECTIONS = {section[0] for section in CONFIG["sections"]}


def test_antsibull_changelog_lint_accepts_every_fragment():
    tool = Path(sys.executable).parent / "antsibull-changelog"
    result = subprocess.run([str(tool), "lint"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_fragments_are_named_by_issue_and_topic_and_use_known_sections():
    fragments = sorted(FRAGMENTS.glob("*.y*ml"))
    assert fragments
    for path in fragments:
        assert re.fullmatch(r"\d+-[a-z0-9][a-z0-9_-]*\.yml", path.name), path.name
        sections = set(yaml.safe_load(path.read_text()))
        assert sections <= SECTIONS | {"release_summary", "trivial"}, (path.name, sections - SECTIONS)
