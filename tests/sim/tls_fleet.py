"""Simulated hosts whose Schannel registry holds given settings as of their last boot, served by the simulator.

``provision`` writes each host's desired registry state (policy engine) through the simulated StdRegProv, boots the
host so its TLS listeners follow it, and leaves the state directory for ``Fleet`` to serve: restarting the simulator
is not a reboot, so the hosts come up with exactly that configuration on 8460/8462/8463.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils.desired import desired_state
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import REG_DWORD, REG_MULTI_SZ, REG_SZ
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import parse_settings
from tests.winsim.host import SimulatedWindows
from tests.winsim.server import host_name

# The catalog (suites.py, Microsoft's 2022 page @0c438d8f) marks TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 "not allowed by
# SCH_USE_STRONG_CRYPTO" on Server 2022; the simulator's own transcription (windows_facts, the same page @35fe7909)
# allows it. Until the two agree, that suite on that OS behind .NET strong crypto is the one difference tests
# tolerate between what the settings allow and what a simulated MailStore port serves.
STRONG_CRYPTO_DISAGREEMENT = {("2022", 0x009F)}

_SETTERS = {REG_DWORD: ("SetDWORDValue", "uValue"), REG_SZ: ("SetStringValue", "sValue"),
            REG_MULTI_SZ: ("SetMultiStringValue", "sValue")}


@dataclass(frozen=True)
class Planned:
    """One host to provision: its OS and the win_schannel options its registry should hold (None: as shipped)."""

    os: str
    settings: dict[str, Any] | None


def write_settings(host: SimulatedWindows, options: dict[str, Any]) -> None:
    settings, findings = parse_settings(options)
    assert not [f for f in findings if f.severity == "error"], findings
    desired, _warnings = desired_state(settings, host.os_key)
    for vid, value in desired.items():
        key, name = desired.spelled(vid)
        if value is None:
            host.call_stdregprov("DeleteValue", [("sSubKeyName", key), ("sValueName", name)])
            continue
        method, field = _SETTERS[value.type]
        data = value.data if isinstance(value.data, (list, tuple)) else [value.data]
        host.call_stdregprov("CreateKey", [("sSubKeyName", value.key)])
        host.call_stdregprov(method, [("sSubKeyName", value.key), ("sValueName", value.name),
                                      *((field, str(item)) for item in data)])


def provision(state_dir: Path, plan: list[Planned]) -> list[str]:
    """Create hosts ms001.. of ``plan`` under ``state_dir`` with their settings applied and booted; their names."""
    names = []
    for index, planned in enumerate(plan):
        host = SimulatedWindows(host_name(index), planned.os, state_dir)
        if planned.settings is not None:
            write_settings(host, planned.settings)
            host.boot()
        host.close()
        names.append(host.name)
    return names
