# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module says about a host: its OS as a result, and whether a reboot is pending.

A reboot is pending when a change Schannel reads at boot was applied during the host's current boot. That is
remembered on the host itself (so any controller, any later run sees it) as the REG_SZ value
``HKLM\\SOFTWARE\\fleetsec\\schannel`` ``RebootPendingBoot``: the LastBootUpTime of the boot during which such a
change was written, then the kind of run that wrote it and its run id (``<boot> <harden|restore> <run id>``,
separated by spaces; a marker of an earlier release holds the boot alone, and was written by harden). After a reboot
LastBootUpTime differs and the marker no longer matches. The kind says what a reboot would bring into effect: the
settings harden wrote, or the state a restore put back (so that the command offered for it does not re-apply a
profile a restore undid: docs/reboots.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common import lifeline
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import FleetsecError, HostError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.lockout import (
    controller_tls,
    lockout_problems,
    probe_negotiated,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.results import change_as_dict
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.client import WsmanClient
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.connection import Endpoint
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.stdregprov import (
    StdRegProv,
    read_desired,
    write_change,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.wmi_os import OsFacts, read_os

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
    return marker is not None and str(marker.data).split(" ", maxsplit=1)[0] == facts.last_boot.isoformat()


def pending_by(marker: RegValue | None, facts: OsFacts) -> dict[str, str | None] | None:
    """Which run wrote a pending marker, ``{playbook: harden|restore, run_id}`` (None when no reboot is pending)."""
    if not marker_pending(marker, facts):
        return None
    words = [*str(marker.data).split(" "), None, None]  # type: ignore[union-attr]
    return {"playbook": "restore" if words[1] == "restore" else "harden", "run_id": words[2]}


def set_marker(reg: StdRegProv, facts: OsFacts, current: RegValue | None, key_exists: bool | None = None, *,
               playbook: str = "harden", run_id: str | None = None) -> None:
    """Record that a reboot is pending in this boot, and which run's writes it brings into effect (nothing to do
    when the marker says so already)."""
    data = " ".join([facts.last_boot.isoformat(), playbook] + ([run_id] if run_id else []))
    if current is not None and current.data == data:
        return
    write_change(reg, Change(MARKER_KEY, MARKER_NAME, REG_SZ, None if current is None else current.data, data),
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


class RefusedError(HostError):
    """Pre-flight refused the settings for this host (engine errors, lock-out): nothing was written."""


def preflight_lockout(settings: Settings, os_key: str, endpoint: Endpoint, allow_lockout: bool) -> list[str]:
    """Refuse (RefusedError) settings that would cut the management channel; warnings to return otherwise."""
    if not endpoint.over_tls:
        return []
    negotiated = probe_negotiated(endpoint.host, endpoint.port) if endpoint.scheme == "https" else None
    authentication = "ECDSA" if negotiated and "ECDSA" in negotiated.suite_name else "RSA"
    errors, warnings = lockout_problems(settings, os_key, controller_tls(), negotiated, authentication)
    if errors and not allow_lockout:
        raise RefusedError(errors[0], code="lockout")
    return warnings + ["allow_lockout is set: " + e for e in errors]


def write_changes(
    reg: StdRegProv, changes: Sequence[Change], snapshot: Snapshot
) -> tuple[list[Change], FleetsecError | None]:
    """Write in order; return what was written and the error that stopped it (or None): a fault, or the controller
    gone (lifeline.ControllerGone, checked before each write)."""
    written: list[Change] = []
    created: set[str] = set()
    for change in changes:
        kid = key_id(change.key)
        exists = True if kid in created else snapshot.key_exists(change.key)
        try:
            lifeline.check()
            write_change(reg, change, exists)
        except FleetsecError as error:
            return written, error
        if change.after is not None:
            created.add(kid)
        written.append(change)
    return written, None


def read_back(reg: StdRegProv, written: Sequence[Change]) -> dict[str, Any]:
    """One Get per value written: every value must now hold what was written (or be gone)."""
    wanted = [(c.key, c.name, c.type if c.after is not None else None) for c in written]
    now = read_desired(reg, wanted)
    differences = []
    for change in written:
        value = now.get(change.key, change.name)
        want = None if change.after is None else RegValue(change.key, change.name, change.type, change.after)
        ok = value is None if want is None else value is not None and compute_changes({want.id: want}, now) == []
        if not ok:
            differences.append(change_as_dict(Change(
                change.key, change.name, change.type if value is None else value.type,
                None if value is None else value.data, change.after)))
    return {"ok": not differences, "differences": differences}
