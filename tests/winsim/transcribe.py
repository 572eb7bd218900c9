"""Transcribe Microsoft's "TLS Cipher Suites in Windows <version>" pages into ``data/windows_suites.json``.

The simulator's suite tables are not typed by hand: this tool reads the pages' Markdown source from a clone of
github.com/MicrosoftDocs/win32 (``desktop-src/SecAuthN/``) at one commit and writes every row of every table,
in page order, with the page path, commit and ``ms.date``. Re-run it to move the transcription to a newer commit:

    python -m tests.winsim.transcribe /path/to/win32.git [COMMIT] > tests/winsim/data/windows_suites.json

Each page has a table of suites "enabled and in this priority order by default", one of suites "supported ...
but not enabled by default" and (Windows 10 and later) a PSK table ("No PSK cipher suites are enabled by
default"). A row is ``[name, strong_crypto, protocols, explicit_only]``: the "Cipher suite string" cell without
Markdown escapes and without its "Only used when application explicitly requests." note (``explicit_only``), the
"Allowed by SCH_USE_STRONG_CRYPTO" cell as a boolean, and the "TLS/SSL Protocol versions" cell as a list.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

SUITE_PAGES = {
    "2008r2": "desktop-src/SecAuthN/tls-cipher-suites-in-windows-7.md",
    "2012r2": "desktop-src/SecAuthN/tls-cipher-suites-in-windows-8-1.md",
    "2016": "desktop-src/SecAuthN/tls-cipher-suites-in-windows-10-v1607.md",
    "2019": "desktop-src/SecAuthN/tls-cipher-suites-in-windows-10-v1809.md",
    "2022": "desktop-src/SecAuthN/tls-cipher-suites-in-windows-server-2022.md",
    "2025": "desktop-src/SecAuthN/tls-cipher-suites-in-windows-server-2025.md",
}
EXPLICIT_NOTE = "Only used when application explicitly requests."
_TABLE_KINDS = (("PSK cipher suites", "psk"), ("not enabled by default", "not_enabled"),
                ("enabled and in this priority order", "enabled"))


def _cell(text: str) -> str:
    text = text.replace("\\_", "_").replace("**", "")
    text = re.sub(r"<br\s*/?>", " ", text)
    return " ".join(text.split())


def parse_page(markdown: str) -> dict:
    """The page's tables (``enabled``, ``not_enabled``, ``psk``) and ``ms.date``."""
    date = re.search(r"^ms\.date:\s*(\S+)", markdown, re.MULTILINE)
    tables: dict[str, list] = {"enabled": [], "not_enabled": [], "psk": []}
    kind = None
    for line in markdown.splitlines():
        if not line.startswith("|"):
            for phrase, name in _TABLE_KINDS:
                if phrase in line:
                    kind = name
                    break
            continue
        cells = [_cell(c) for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or cells[0].startswith("Cipher suite string") or set(cells[0]) <= {"-", ":"}:
            continue
        if kind is None:
            raise ValueError(f"table row before any table heading: {line!r}")
        name, strong, protocols = cells[0], cells[1], cells[2]
        explicit = EXPLICIT_NOTE in name
        name = name.replace(EXPLICIT_NOTE, "").strip()
        if strong not in ("Yes", "No"):
            raise ValueError(f"strong-crypto cell {strong!r} in row {line!r}")
        tables[kind].append([name, strong == "Yes", [p.strip() for p in protocols.split(",")], explicit])
    return {"ms_date": date.group(1) if date else None, **tables}


def _git(repo: str, *args: str) -> str:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def transcribe(repo: str, commit: str = "HEAD") -> dict:
    out = {}
    for os_key, path in SUITE_PAGES.items():
        page_commit = _git(repo, "log", "-1", "--format=%H", commit, "--", path).strip()
        page = parse_page(_git(repo, "show", f"{page_commit}:{path}"))
        out[os_key] = {"source": f"MicrosoftDocs/win32@{page_commit}:{path}", **page}
    return out


if __name__ == "__main__":
    print(json.dumps(transcribe(*sys.argv[1:3]), indent=1))
