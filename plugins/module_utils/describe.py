# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host's current Schannel registry state, normalised back to the win_schannel option shape.

Protocol side states, from the ``Enabled`` / ``DisabledByDefault`` pair (TRS @0370b00e defines three states;
KB245030: an absent ``Enabled`` means enabled):

| Enabled | DisabledByDefault | state |
| --- | --- | --- |
| absent | absent | default |
| 0 | anything | disabled |
| non-zero or absent | non-zero | disabled_by_default (not negotiated unless an application asks for it) |
| non-zero or absent | 0 or absent | enabled |

``Enabled`` of ciphers, hashes and key exchanges: absent = default, 0 = disabled, any other number = enabled
(KB245030 documents 0xffffffff; tools also write 1). A value of the wrong type is reported as ``invalid``.
``dotnet_strong_crypto``, ``dotnet_system_default_tls_versions`` and ``winhttp_secure_protocols`` are written to
several keys: when those disagree the state is ``mixed``.
"""

from __future__ import annotations

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.desired import (
    DH_VALUES,
    DOTNET_KEYS,
    DOTNET_VALUES,
    FIPS_KEY,
    WINHTTP_KEYS,
    WINHTTP_VALUE,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import (
    REG_DWORD,
    REG_MULTI_SZ,
    REG_SZ,
    RegValue,
    Snapshot,
    ValueId,
    value_id,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import (
    ALGORITHM_OPTIONS,
    POLICY_OPTIONS,
    SIDES,
    WINHTTP_FLAGS,
)

INVALID = "invalid"
MIXED = "mixed"


def _protocols(os_key: str) -> list[str]:
    return [name for name, info in catalog.PROTOCOLS.items() if info.defaults.get(os_key) is not None]


# The options describe_state reports. protocol_sides only shapes how ``protocols`` is written: the state of each
# side is in ``protocols``.
STATE_OPTIONS = tuple(option for option in POLICY_OPTIONS if option != "protocol_sides")


def described_by_option(os_key: str) -> list[tuple[str, str, str]]:
    """Every (option, key, value name) ``describe_state`` looks at on ``os_key``: the one map from the registry
    values the collection manages to the win_schannel option each belongs to."""
    out: list[tuple[str, str, str]] = []
    for name in _protocols(os_key):
        for side in SIDES:
            key = catalog.protocol_key(name, side)
            out += [("protocols", key, "Enabled"), ("protocols", key, "DisabledByDefault")]
    for option, kind in ALGORITHM_OPTIONS:
        out += [(option, catalog.algorithm_key(kind, name, os_key), "Enabled") for name in catalog.ALGORITHMS[kind]]
    out.append(("cipher_suites", catalog.SUITE_POLICY_KEY, "Functions"))
    if catalog.curve_order_supported(os_key):
        out.append(("ecc_curves", catalog.SUITE_POLICY_KEY, "EccCurves"))
    dh_key = catalog.algorithm_key("key_exchange", "Diffie-Hellman", os_key)
    out += [("dh_min_key_bits", dh_key, DH_VALUES[side]) for side in SIDES]
    out += [(option, key, name) for key in DOTNET_KEYS for option, name in DOTNET_VALUES.items()]
    out += [("winhttp_secure_protocols", key, WINHTTP_VALUE) for key in WINHTTP_KEYS]
    out.append(("fips_algorithm_policy", FIPS_KEY, "Enabled"))
    return out


def described_values(os_key: str) -> list[tuple[str, str]]:
    """Every (key, value name) ``describe_state`` looks at on ``os_key``: what a reader should fetch."""
    return [(key, name) for _option, key, name in described_by_option(os_key)]


def managed_values() -> frozenset[ValueId]:
    """Every value the collection writes on any Windows version it supports, by ``value_id``: the only
    values a restore may set or delete, and (their keys) the only keys it may delete. An in-place upgrade keeps a
    backup of the earlier version restorable, so the set is the union over the versions."""
    protocols = [(catalog.protocol_key(name, side), value) for name in catalog.PROTOCOLS for side in SIDES
                 for value in ("Enabled", "DisabledByDefault")]  # written wherever disabled, even if not shipped
    return frozenset(value_id(key, name) for key, name in protocols + [
        pair for os_key in catalog.OS_KEYS for pair in described_values(os_key)])


def _dword(value: RegValue | None) -> int | str | None:
    """DWORD data, None when absent, INVALID when of another type."""
    if value is None:
        return None
    if value.type != REG_DWORD or not isinstance(value.data, int):
        return INVALID
    return value.data & 0xFFFFFFFF


def protocol_state(enabled: int | str | None, disabled_by_default: int | str | None) -> str:
    """State of one protocol side from its two values (see the module table)."""
    if INVALID in (enabled, disabled_by_default):
        return INVALID
    if enabled is None and disabled_by_default is None:
        return "default"
    if enabled == 0:
        return "disabled"
    if disabled_by_default:
        return "disabled_by_default"
    return "enabled"


def _enabled_state(value: int | str | None) -> str:
    if value is None:
        return "default"
    if value == INVALID:
        return INVALID
    return "enabled" if value else "disabled"


def _list(value: RegValue | None) -> list[str] | str:
    if value is None:
        return []
    if value.type == REG_SZ and isinstance(value.data, str):
        return [part.strip() for part in value.data.split(",") if part.strip()]
    if value.type == REG_MULTI_SZ and isinstance(value.data, (list, tuple)):
        return [part for part in value.data if part]
    return INVALID


def _same_or_mixed(values: list) -> object:
    first = values[0]
    return first if all(v == first for v in values) else MIXED


def _winhttp_names(mask: int | str | None) -> list[str] | str | None:
    if mask is None or mask == INVALID:
        return mask
    names = [name for name, flag in WINHTTP_FLAGS.items() if mask & flag]
    rest = mask & ~sum(WINHTTP_FLAGS.values())
    if rest:
        names.append("0x%x" % rest)
    return names


def describe_state(snapshot: Snapshot, os_key: str) -> dict:
    """The current state in the option shape (see the module docstring for the state words).

    Protocols: every protocol the OS supports, plus any other one that has values in the snapshot.
    """
    protocols = {}
    supported = _protocols(os_key)
    for name in catalog.PROTOCOLS:
        sides = {}
        for side in SIDES:
            key = catalog.protocol_key(name, side)
            sides[side] = protocol_state(
                _dword(snapshot.get(key, "Enabled")), _dword(snapshot.get(key, "DisabledByDefault"))
            )
        # A protocol this OS lacks is listed only when values for it exist (e.g. SSL 2.0 disabled on 2019).
        if name in supported or any(state != "default" for state in sides.values()):
            protocols[name] = sides
    result: dict = {"protocols": protocols}
    for option, kind in ALGORITHM_OPTIONS:
        result[option] = {
            name: _enabled_state(_dword(snapshot.get(catalog.algorithm_key(kind, name, os_key), "Enabled")))
            for name in catalog.ALGORITHMS[kind]
        }
    result["cipher_suites"] = _list(snapshot.get(catalog.SUITE_POLICY_KEY, "Functions"))
    result["ecc_curves"] = _list(snapshot.get(catalog.SUITE_POLICY_KEY, "EccCurves"))
    dh_key = catalog.algorithm_key("key_exchange", "Diffie-Hellman", os_key)
    result["dh_min_key_bits"] = {side: _dword(snapshot.get(dh_key, DH_VALUES[side])) for side in SIDES}
    for option, name in DOTNET_VALUES.items():
        dotnet = _same_or_mixed([_dword(snapshot.get(key, name)) for key in DOTNET_KEYS])
        result[option] = dotnet if dotnet in (None, MIXED, INVALID) else dotnet == 1
    winhttp = _same_or_mixed([_dword(snapshot.get(k, WINHTTP_VALUE)) for k in WINHTTP_KEYS])
    result["winhttp_secure_protocols"] = MIXED if winhttp == MIXED else _winhttp_names(winhttp)
    fips = _dword(snapshot.get(FIPS_KEY, "Enabled"))
    result["fips_algorithm_policy"] = fips if fips in (None, INVALID) else bool(fips)
    return result
