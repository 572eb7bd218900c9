# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module says about a host: its OS as a result, and whether a reboot is pending.

A reboot is pending when a change Schannel reads at boot was applied during the host's current boot. That is
remembered on the host itself (so any controller, any later run sees it) as the REG_SZ value
``HKLM\\SOFTWARE\\fleetsec\\schannel`` ``RebootPendingBoot``: the LastBootUpTime of the boot during which such a
change was written. After a reboot LastBootUpTime differs and the marker no longer matches.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import REG_SZ, Change, RegValue, key_id
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.errors import HostError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.stdregprov import StdRegProv, write_change
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.wmi_os import OsFacts, read_os
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.wsman import WsmanClient

MARKER_KEY = r"SOFTWARE\fleetsec\schannel"
MARKER_NAME = "RebootPendingBoot"
MARKER = (MARKER_KEY, MARKER_NAME, REG_SZ)

# Keys whose values Schannel (lsass) reads when it starts: the SCHANNEL tree, the suite/curve order policy and the
# FIPS policy ("Restart the computer after making these changes", KB245030; manage-tls.md: the cipher suite order
# "requires a restart"; FipsAlgorithmPolicy is read by lsass at boot, TRS). .NET and WinHTTP values are read when
# a process starts, so they need no reboot.
_BOOT_KEYS = (
    catalog.SCHANNEL_KEY,
    catalog.SUITE_POLICY_KEY,
    r"SYSTEM\CurrentControlSet\Control\Lsa\FipsAlgorithmPolicy",
)


class UnsupportedOsError(HostError):
    """The host runs a Windows version the catalog does not cover: nothing is read beyond its OS."""

    def __init__(self, facts: OsFacts) -> None:
        self.facts = facts
        super().__init__(
            "unsupported Windows version %s (build %d, %r): the catalog covers Windows Server 2008 R2 to 2025"
            % (facts.version, facts.build, facts.caption.strip())
        )


def read_supported_os(client: WsmanClient) -> OsFacts:
    facts = read_os(client)
    if facts.os_key is None:
        raise UnsupportedOsError(facts)
    return facts


def os_result(facts: OsFacts) -> dict[str, Any]:
    """``{caption, version, build, key, last_boot}`` as the modules return it."""
    return {
        "caption": facts.caption.strip(),
        "version": facts.version,
        "build": facts.build,
        "key": facts.os_key,
        "last_boot": facts.last_boot.isoformat(),
    }


def needs_reboot(change: Change) -> bool:
    kid = key_id(change.key)
    return any(kid == key_id(k) or kid.startswith(key_id(k) + "\\") for k in _BOOT_KEYS)


def marker_pending(marker: RegValue | None, facts: OsFacts) -> bool:
    return marker is not None and marker.data == facts.last_boot.isoformat()


def set_marker(reg: StdRegProv, facts: OsFacts, current: RegValue | None, key_exists: bool | None = None) -> None:
    """Record that a reboot is pending in this boot (nothing to do when the marker says so already)."""
    if marker_pending(current, facts):
        return
    stamp = facts.last_boot.isoformat()
    write_change(reg, Change(MARKER_KEY, MARKER_NAME, REG_SZ, None if current is None else current.data, stamp),
                 True if current is not None else key_exists)
