"""The rooms of plugins/plugin_utils: a module's job lives under the module's name and imports only the shared
layers (``_wsman``, ``_common``) and module_utils, never another job; a shared layer never imports a job.

Read from the source (every import, lazy ones inside functions included), so a sideways import fails here before
anyone has to find it with a structure tool.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.collection_path import REPO_ROOT

PLUGIN_UTILS = REPO_ROOT / "plugins" / "plugin_utils"
PACKAGE = "ansible_collections.fleetsec.schannel.plugins.plugin_utils"
SHARED = ("_wsman", "_common")


def room_of(path: Path) -> str:
    """The first segment under plugin_utils: a job (module name) or a shared layer (``_`` prefix)."""
    return path.relative_to(PLUGIN_UTILS).parts[0].removesuffix(".py")


def imported_rooms(path: Path) -> set[str]:
    """The plugin_utils rooms a file imports, at module level or inside functions."""
    rooms = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        modules: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module] + ["%s.%s" % (node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        for module in modules:
            if module.startswith(PACKAGE + "."):
                rooms.add(module[len(PACKAGE) + 1:].split(".")[0])
    return rooms


def test_rooms_import_only_shared_layers_and_themselves():
    files = sorted(PLUGIN_UTILS.rglob("*.py"))
    assert files, "no plugin_utils sources found"
    jobs = {room_of(f) for f in files} - set(SHARED)
    assert {"win_schannel", "win_schannel_info", "tls_scan", "schannel_results"} <= jobs
    wrong = []
    for path in files:
        room = room_of(path)
        allowed = set(SHARED) | ({room} if room not in SHARED else set())
        for other in imported_rooms(path) - allowed:
            what = "a shared layer imports a job" if room in SHARED else "a job imports another job"
            wrong.append("%s imports %s (%s)" % (path.relative_to(REPO_ROOT), other, what))
    assert wrong == []


def test_every_job_is_named_after_a_module():
    modules = {p.stem for p in (REPO_ROOT / "plugins" / "modules").glob("*.py")}
    jobs = {room_of(f) for f in PLUGIN_UTILS.rglob("*.py")} - set(SHARED)
    assert jobs - modules == set(), "plugin_utils rooms must be named after the module whose job they hold"


def test_benchmarks_and_scripts_reach_the_simulator_through_its_entry_point():
    """tests/support/simulator.py is the one door from benchmarks/ and scripts/ into tests/winsim."""
    wrong = []
    for path in sorted([*(REPO_ROOT / "benchmarks").glob("*.py"), *(REPO_ROOT / "scripts").glob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
                alias.name for alias in getattr(node, "names", [])] if isinstance(node, ast.Import) else []
            wrong += ["%s imports %s" % (path.relative_to(REPO_ROOT), name) for name in names
                      if name == "tests.winsim" or name.startswith("tests.winsim.")]
    assert wrong == []
