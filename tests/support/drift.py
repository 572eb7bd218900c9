# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only drift assessment of one host: its OS, what the settings want there, and what differs.

Used by the tests, the benchmarks and the demo (the collection itself assesses inside win_schannel's check mode).

This is the read half of win_schannel in check mode, over a WsmanClient, through the same reader
(_common.host_registry.read_host: one WQL query for the OS, one typed Get per managed value, the reboot marker).
Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils.changes import (
    render_diff,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import ERROR, Finding
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import Change
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import Settings
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.host_registry import read_host
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.results import change_as_dict
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.client import WsmanClient
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.stdregprov import StdRegProv
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.wmi_os import OsFacts


@dataclass
class Assessment:
    """What one host holds against what the settings want there.

    ``changes`` are the writes and deletions that would bring the host to the settings (empty: no drift);
    ``findings`` what the policy engine says of the settings on this OS (errors make the host ``refused``);
    ``calls`` the WS-Man requests the assessment cost, per operation.
    """

    os: OsFacts
    findings: list[Finding]
    changes: list[Change] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        """True when the settings are inconsistent for this host's OS (errors): no change may be applied."""
        return any(f.severity == ERROR for f in self.findings)

    @property
    def compliant(self) -> bool:
        return not self.refused and not self.changes

    def as_dict(self) -> dict[str, Any]:
        return {
            "os": {
                "caption": self.os.caption.strip(),
                "version": self.os.version,
                "build": self.os.build,
                "os_key": self.os.os_key,
                "last_boot": self.os.last_boot.isoformat(),
            },
            "compliant": self.compliant,
            "refused": self.refused,
            "changes": [change_as_dict(c) for c in self.changes],
            "diff": render_diff(self.changes),
            "findings": [
                {"severity": f.severity, "code": f.code, "field": f.field, "message": f.message} for f in self.findings
            ],
            "wsman_calls": dict(sorted(self.calls.items())),
        }


def assess(client: WsmanClient, settings: Settings) -> Assessment:
    """Assess one host, writing nothing.

    Raises UnsupportedOsError for a Windows version outside the catalog; WsmanError/RegistryError from the host
    propagate with their WS-Man/WMI codes.
    """
    before = dict(client.calls)
    state = read_host(StdRegProv(client), settings)
    calls = {op: count - before.get(op, 0) for op, count in client.calls.items() if count - before.get(op, 0)}
    return Assessment(os=state.os, findings=state.findings, changes=state.changes, calls=calls)
