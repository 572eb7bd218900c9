"""An IIS Crypto template as the win_schannel options a user would write, with the findings: the tests' view of
``read_ictpl`` (the collection reads templates through schannel_resolve)."""

from __future__ import annotations

from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import Finding
from ansible_collections.fleetsec.schannel.plugins.module_utils.iiscrypto import read_ictpl


def parse_ictpl(text: str | bytes, os_key: str | None = None) -> tuple[dict[str, Any], list[Finding]]:
    """win_schannel options (raw, as a user would write them) from a template, and the findings."""
    template = read_ictpl(text, os_key)
    return template.settings, template.findings
