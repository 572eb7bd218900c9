"""The README stays a page a newcomer reads in ten minutes, and every relative link in it and in docs/ leads
somewhere: to a file of the project and, where the link names an anchor, to a heading of that file (anchors as
GitHub makes them from headings)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils.clients import CLIENTS
from tests.collection_path import REPO_ROOT

README = REPO_ROOT / "README.md"
PAGES = [README, *sorted((REPO_ROOT / "docs").glob("*.md"))]
README_MAX_LINES = 250

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _prose(text: str) -> str:
    """The text without fenced code blocks and inline code, where brackets are not links."""
    return _CODE.sub("", _FENCE.sub("", text))


def _anchors(text: str) -> set[str]:
    """The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to hyphens, a repeated
    heading numbered -1, -2, ..."""
    seen: dict[str, int] = {}
    anchors = set()
    for heading in _HEADING.findall(_FENCE.sub("", text)):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else "%s-%d" % (slug, count))
    return anchors


def _relative_links(page: Path) -> list[str]:
    targets = _LINK.findall(_prose(page.read_text(encoding="utf-8")))
    return [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:", t, re.IGNORECASE)]


def test_the_pages_exist():
    assert README.is_file()
    assert len(PAGES) > 1, "docs/ holds no page"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(REPO_ROOT).as_posix())
def test_every_relative_link_resolves(page):
    root = REPO_ROOT.resolve()
    broken = []
    for target in _relative_links(page):
        path_part, _sep, anchor = target.partition("#")
        destination = (page.parent / unquote(path_part)).resolve() if path_part else page.resolve()
        if not destination.is_relative_to(root):
            broken.append("%s: outside the project" % target)
        elif not destination.exists():
            broken.append("%s: no file %s" % (target, destination.relative_to(root)))
        elif anchor and unquote(anchor) not in _anchors(destination.read_text(encoding="utf-8")):
            broken.append("%s: no heading with the anchor #%s in %s" % (target, anchor, destination.relative_to(root)))
    assert not broken, "%s has broken links:\n%s" % (page.relative_to(REPO_ROOT), "\n".join(broken))


def test_links_are_found():
    """The link pattern finds the README's links, so the check above cannot pass by finding none."""
    links = _relative_links(README)
    assert "docs/real-servers.md" in links
    assert any("#" in link for link in links)


def test_anchor_slugs_follow_github():
    text = ("# Backups, rollback and restore\n## The fleet tests (`tests/fleet/`)\n## Cost\n## Cost\n"
            "```\n# not a heading\n```\n")
    assert _anchors(text) == {"backups-rollback-and-restore", "the-fleet-tests-testsfleet", "cost", "cost-1"}


def test_readme_is_short():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, "README.md has %d lines; at most %d: move details to docs/" % (
        lines, README_MAX_LINES)


def test_readme_opens_with_the_two_commands():
    """The README's first code block is the two commands: the main job on the simulated fleet and the whole test
    suite, which CI runs (.ci/run)."""
    block = _FENCE.search(README.read_text(encoding="utf-8")).group(0).splitlines()[1:-1]
    commands = [line.split("#", 1)[0].strip() for line in block]
    assert commands == ["scripts/demo.sh", "scripts/test.sh"]
    assert all((REPO_ROOT / command).is_file() for command in commands)
    assert "exec scripts/test.sh" in (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_client_ids_in_the_docs_are_the_clients_table():
    """docs/client-impact.md lists the ids client_impact takes (its documentation points there): exactly the rows of
    the clients table, in its order."""
    text = (REPO_ROOT / "docs" / "client-impact.md").read_text(encoding="utf-8")
    table = text[text.index("| id | client |"):].split("\n\n", 1)[0]
    documented = [(m.group(1), m.group(2)) for m in re.finditer(r"^\| `([^`]+)` \| (.+) \|$", table, re.MULTILINE)]
    assert documented == [(client.id, client.name) for client in CLIENTS.values()]
