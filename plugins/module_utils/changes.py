# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The minimal set of registry changes from a host's snapshot to the desired state, and a readable diff.

Identity is the casefolded (key, value name) pair: Windows registry names are case-insensitive and
case-preserving (Microsoft Learn, "Structure of the Registry"), so ``Enabled`` under ``...\\tls 1.2\\server``
already *is* the desired ``Enabled`` under ``...\\TLS 1.2\\Server``. A value is rewritten only when its type or
data differ; a value is deleted only when it is present.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ansible_collections.fleetsec.schannel.plugins.module_utils.describe import describe_state
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import (
    REG_DWORD,
    REG_EXPAND_SZ,
    REG_MULTI_SZ,
    REG_QWORD,
    REG_SZ,
    Change,
    RegData,
    RegValue,
    Snapshot,
    ValueId,
    key_id,
)

__all__ = ["compute_changes", "describe_state", "format_data", "managed_keys", "render_diff", "same_value"]

_HIVE = "HKEY_LOCAL_MACHINE"


def _normal(type_: int, data: RegData) -> object:
    """Data in a comparable form: DWORD/QWORD unsigned (StdRegProv and .reg files disagree on -1 vs 0xffffffff),
    multi-strings as tuples."""
    if type_ == REG_DWORD and isinstance(data, int):
        return data & 0xFFFFFFFF
    if type_ == REG_QWORD and isinstance(data, int):
        return data & 0xFFFFFFFFFFFFFFFF
    if type_ == REG_MULTI_SZ and isinstance(data, (list, tuple)):
        return tuple(data)
    return data


def same_value(current: RegValue, desired: RegValue) -> bool:
    """True when ``current`` already has the desired type and data."""
    return current.type == desired.type and _normal(current.type, current.data) == _normal(desired.type, desired.data)


def _spelled(desired: Mapping[ValueId, RegValue | None], vid: ValueId) -> tuple[str, str]:
    spelled = getattr(desired, "spelled", None)
    if spelled is not None:
        return spelled(vid)
    value = desired[vid]
    return (value.key, value.name) if value is not None else vid


def compute_changes(desired: Mapping[ValueId, RegValue | None], snapshot: Snapshot) -> list[Change]:
    """Changes that turn ``snapshot`` into ``desired``, sorted by key then value name (casefolded)."""
    changes: list[Change] = []
    for vid in sorted(desired):
        want = desired[vid]
        have = snapshot.values.get(vid)
        if want is None:
            if have is not None:
                changes.append(Change(have.key, have.name, have.type, have.data, None))
            continue
        if have is not None and same_value(have, want):
            continue
        changes.append(
            Change(
                want.key,
                want.name,
                want.type,
                None if have is None else have.data,
                want.data,
                None if have is None or have.type == want.type else have.type,
            )
        )
    return changes


def managed_keys(desired: Mapping[ValueId, RegValue | None]) -> list[str]:
    """Every key the desired state names (as spelled), once, sorted: what a reader must look at."""
    keys: dict[str, str] = {}
    for vid in desired:
        key = _spelled(desired, vid)[0]
        keys.setdefault(key_id(key), key)
    return [keys[kid] for kid in sorted(keys)]


def _quote(text: str) -> str:
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def format_data(type_: int, data: RegData) -> str:
    """Data as a .reg-like token that a person can read (multi-strings are listed, not hex-encoded)."""
    if type_ == REG_DWORD and isinstance(data, int):
        return "dword:%08x" % (data & 0xFFFFFFFF)
    if type_ == REG_QWORD and isinstance(data, int):
        return "qword:%016x" % (data & 0xFFFFFFFFFFFFFFFF)
    if type_ == REG_SZ and isinstance(data, str):
        return _quote(data)
    if type_ == REG_EXPAND_SZ and isinstance(data, str):
        return "expand_sz:%s" % _quote(data)
    if type_ == REG_MULTI_SZ and isinstance(data, (list, tuple)):
        return "multi_sz:%s" % ",".join(_quote(s) for s in data)
    return "hex(%x):%r" % (type_, data)


def _side(changes: Iterable[Change], after: bool) -> str:
    blocks: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    for change in changes:
        kid = key_id(change.key)
        spelling.setdefault(kid, change.key)
        lines = blocks.setdefault(kid, [])
        data = change.after if after else change.before
        type_ = change.type if after else change.prior_type
        if data is not None and type_ is not None:
            lines.append("%s=%s" % (_quote(change.name), format_data(type_, data)))
    text = []
    for kid in sorted(blocks):
        text.append("[%s\\%s]" % (_HIVE, spelling[kid]))
        text.extend(blocks[kid])
        text.append("")
    return "\n".join(text)


def render_diff(changes: Iterable[Change]) -> dict[str, str]:
    """``{"before": ..., "after": ...}`` for Ansible's --diff: the changed values only, grouped by key.

    A value that does not exist on one side is simply not listed there; each changed key's header appears on
    both sides so the unified diff shows the value lines under their key.
    """
    changes = list(changes)
    return {"before": _side(changes, after=False), "after": _side(changes, after=True)}
