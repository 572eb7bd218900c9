"""One home per fact: the indexes and constants that drifted apart when several files kept their own copy.

Each check reads the collection's sources (plugins/) and fails when the fact is written down a second time outside
its home: the policy option list (module_utils/settings.py), the TLS code and name indexes (module_utils/
tls_codes.py), the MailStore ports (module_utils/catalog.py), the default backup directory (_common/backup.py),
the time formats (_common/timestamps.py) and the writing of private files (_common/private_file.py). Module
documentation (plugins/modules/) is text for ansible-doc and is not read.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import POLICY_OPTIONS
from tests.collection_path import REPO_ROOT

PLUGINS = REPO_ROOT / "plugins"
SOURCES = sorted(p for p in PLUGINS.rglob("*.py") if p.parent.name != "modules")
GROUP_NAMES = {"secp256r1", "secp384r1", "x25519"}


def home(relative: str) -> Path:
    return PLUGINS / relative


def strings(node: ast.AST) -> list[str]:
    """The string constants directly inside a literal (its elements, or a dict's keys and values)."""
    items = [*node.keys, *node.values] if isinstance(node, ast.Dict) else getattr(node, "elts", [])
    return [item.value for item in items if isinstance(item, ast.Constant) and isinstance(item.value, str)]


def literals(path: Path) -> Iterator[ast.AST]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict, ast.Constant)):
            yield node


def found(predicate, *allowed: Path) -> list[str]:
    return sorted("%s:%d" % (path.relative_to(REPO_ROOT), node.lineno)
                  for path in SOURCES if path not in allowed for node in literals(path) if predicate(node))


def test_the_policy_options_are_listed_once():
    def option_list(node):
        return not isinstance(node, ast.Constant) and len(set(strings(node)) & set(POLICY_OPTIONS)) >= 4
    assert found(option_list, home("module_utils/settings.py")) == []


def test_group_and_version_indexes_live_in_tls_codes():
    def index(node):
        if isinstance(node, ast.Constant):
            return node.value in ("TLSv1.2", "TLSv1_2")
        return isinstance(node, ast.Dict) and len(set(strings(node)) & GROUP_NAMES) >= 2
    # The catalog spells each protocol's aliases (IIS Crypto's and OpenSSL's), tls_codes derives its index from them.
    assert found(index, home("module_utils/tls_codes.py"), home("module_utils/catalog.py")) == []


@pytest.mark.parametrize(("fact", "allowed"), [
    ("~/.ansible/fleetsec_schannel/backups", "plugin_utils/_common/backup.py"),
    ("%Y%m%dT%H%M%S.%fZ", "plugin_utils/_common/timestamps.py"),
    ("%Y-%m-%dT%H:%M:%SZ", "plugin_utils/_common/timestamps.py"),
])
def test_a_constant_is_stated_once(fact, allowed):
    assert found(lambda node: isinstance(node, ast.Constant) and node.value == fact, home(allowed)) == []


def test_the_mailstore_ports_are_stated_once():
    def ports(node):
        return isinstance(node, (ast.Tuple, ast.List)) and [getattr(e, "value", None) for e in node.elts] == [
            8460, 8462, 8463]
    assert found(ports, home("module_utils/catalog.py")) == []


def test_private_files_have_one_writer():
    def private_mode(node):
        return isinstance(node, ast.Constant) and node.value in (0o600, 0o700) and not isinstance(node.value, bool)
    assert found(private_mode, home("plugin_utils/_common/private_file.py")) == []
