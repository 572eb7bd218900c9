# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module says about a host: its OS as a result, and whether a reboot is pending.

A reboot is pending when a change Schannel reads at boot was applied during the host's current boot. That is
remembered on the host itself (so any controller, any later run sees it) as the REG_SZ value
``HKLM\\SOFTWARE\\fleetsec\\schannel`` ``RebootPendingBoot``: the LastBootUpTime of the boot during which such a
change was written. After a reboot LastBootUpTime differs and the marker no longer matches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.changes import compute_changes
from ansible_collections.fleetsec.schannel.plugins.module_utils.consistency import check_settings
from ansible_collections.fleetsec.schannel.plugins.module_utils.desired import DesiredState, desired_state
from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import Finding
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import (
    REG_SZ,
    Change,
    RegValue,
    Snapshot,
    key_id,
    value_id,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import Settings
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.errors import HostError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.stdregprov import StdRegProv, read_desired, write_change
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.wmi_os import OsFacts, read_os
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.wsman import WsmanClient

MARKER_KEY = r"SOFTWARE\fleetsec\schannel"
MARKER_NAME = "RebootPendingBoot"
MARKER = (MARKER_KEY, MARKER_NAME, REG_SZ)
PROTOCOLS_CONTAINER = catalog.SCHANNEL_KEY + "\\Protocols"

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


@dataclass
class HostRead:
    """A host read against settings: its OS, what the engine says of them there, what it holds, the marker, the
    minimal changes."""

    os: OsFacts
    settings: Settings
    findings: list[Finding]
    desired: DesiredState
    snapshot: Snapshot
    marker: RegValue | None
    changes: list[Change]


def plan_for(settings: Settings, os_key: str) -> tuple[DesiredState, list[Finding]]:
    """The registry state the settings want on ``os_key`` and every finding of the engine about them there."""
    findings = check_settings(settings, os_key)
    desired, render = desired_state(settings, os_key)
    findings.extend(f for f in render if f not in findings)
    return desired, findings


def read_host(reg: StdRegProv, settings: Settings | Callable[[str], Settings]) -> HostRead:
    """OS, then the desired state for it, then exactly the values it names and the reboot marker; writes nothing.

    The one reader of win_schannel (check and apply) and of the read-only drift assessment: one WQL query, one
    EnumKey of SCHANNEL\\Protocols when several protocol keys are managed, one typed Get per managed value and one
    for the marker. ``settings`` may be a function of the Windows version key (settings given per version, an IIS
    Crypto template rendered per version): it is called once the host's version is known.
    """
    facts = read_supported_os(reg.client)
    if callable(settings):
        settings = settings(facts.os_key)
    desired, findings = plan_for(settings, facts.os_key)
    wanted = []
    for vid, value in sorted(desired.items()):
        key, name = desired.spelled(vid)
        wanted.append((key, name, None if value is None else value.type))
    wanted.append(MARKER)
    containers = [PROTOCOLS_CONTAINER] if sum(
        key_id(k).startswith(key_id(PROTOCOLS_CONTAINER) + "\\") for k, _n, _t in wanted) > 1 else []
    snapshot = read_desired(reg, wanted, containers)
    marker = snapshot.values.pop(value_id(MARKER[0], MARKER[1]), None)
    return HostRead(facts, settings, findings, desired, snapshot, marker, compute_changes(desired, snapshot))
