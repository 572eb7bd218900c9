# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_schannel_info's job: the host's OS and its Schannel state in win_schannel's option shape, read-only.

Cost: 1 WQL query, 1 EnumKey of the Protocols container, 1 Get of the reboot marker and 1 typed Get per value
looked at (none under a protocol key the host lacks).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils.describe import (
    STATE_OPTIONS,
    describe_state,
    described_by_option,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import Change, RegValue, value_id
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.host_registry import (
    MARKER,
    PROTOCOLS_CONTAINER,
    marker_pending,
    os_result,
    read_supported_os,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.results import change_as_dict
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.connection import Session
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.stdregprov import StdRegProv, read_desired


def read_info(session: Session, options: Iterable[str] | None = None) -> dict[str, Any]:
    reg = StdRegProv(session.client)
    facts = read_supported_os(session.client)
    chosen = set(options or STATE_OPTIONS)
    described = [(k, n) for option, k, n in described_by_option(facts.os_key) if option in chosen]
    wanted = [(k, n, None) for k, n in described] + [MARKER]
    containers = [PROTOCOLS_CONTAINER] if "protocols" in chosen else []
    snapshot = read_desired(reg, wanted, containers)
    marker = snapshot.values.pop(value_id(MARKER[0], MARKER[1]), None)
    state = {k: v for k, v in describe_state(snapshot, facts.os_key).items() if k in chosen}
    values = [value_as_dict(v) for v in sorted(snapshot.values.values(), key=lambda v: v.id)]
    # "values" is the agreed name; "raw_values" is the same list under a name Jinja's dot notation can reach
    # (result.values is the dict method).
    return {"changed": False, "os": os_result(facts), "state": state, "values": values, "raw_values": values,
            "reboot_pending": marker_pending(marker, facts)}


def value_as_dict(value: RegValue) -> dict[str, Any]:
    """``{key, name, type, data}`` spelled as the ``changes`` entries are (HKLM path, type name, JSON data)."""
    entry = change_as_dict(Change(value.key, value.name, value.type, None, value.data))
    return {"key": entry["key"], "name": entry["name"], "type": entry["type"], "data": entry["after"]}
