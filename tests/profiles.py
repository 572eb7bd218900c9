"""The profiles of the ``schannel`` role, read from its defaults: the one reader for tests, demo and benchmarks."""

from __future__ import annotations

from typing import Any

import yaml

from tests.collection_path import REPO_ROOT

DEFAULTS_FILE = REPO_ROOT / "roles" / "schannel" / "defaults" / "main.yml"


def role_defaults() -> dict[str, Any]:
    """Every variable of roles/schannel/defaults/main.yml."""
    return yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))


def profiles() -> dict[str, dict[str, Any]]:
    """Profile name -> win_schannel options (``schannel_profiles``)."""
    return role_defaults()["schannel_profiles"]


def profile(name: str) -> dict[str, Any]:
    """One profile's options; KeyError naming the known profiles for an unknown one."""
    known = profiles()
    if name not in known:
        raise KeyError(f"unknown profile {name!r}: choose one of {', '.join(sorted(known))}")
    return known[name]
