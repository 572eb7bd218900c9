"""An in-memory registry that applies .reg operations as ``reg import`` does, to prove backups and restores.

The collection itself never needs it (it writes through StdRegProv); the tests compare what a backup's operations
would leave with what a host held before.
"""

from __future__ import annotations

from collections.abc import Iterable

from ansible_collections.fleetsec.schannel.plugins.module_utils.regfile import (
    CreateKey,
    DeleteKey,
    DeleteValue,
    RegOp,
    SetValue,
    backup_ops,
    dump_reg,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import (
    Change,
    RegValue,
    Snapshot,
    ValueId,
    key_id,
    parent_keys,
)


def changes_to_ops(changes: Iterable[Change]) -> list[RegOp]:
    """The ops that perform ``changes`` (a .reg equivalent of an apply)."""
    ops: list[RegOp] = []
    for change in changes:
        if change.after is None:
            ops.append(DeleteValue(change.key, change.name))
        else:
            ops.append(SetValue(RegValue(change.key, change.name, change.type, change.after)))
    return ops


def backup_reg(changes: Iterable[Change], snapshot: Snapshot) -> str:
    """.reg text that restores the prior state of everything ``changes`` touch (see ``backup_ops``)."""
    return dump_reg(backup_ops(changes, snapshot))


class RegistryState:
    """A tiny registry (HKLM only) that applies ops the way ``reg import`` does; used to prove restores."""

    def __init__(self) -> None:
        self._keys: dict[str, dict[str, RegValue]] = {}

    @classmethod
    def from_values(cls, values: Iterable[RegValue], keys: Iterable[str] = ()) -> RegistryState:
        state = cls()
        for key in keys:
            state.create_key(key)
        for value in values:
            state.set_value(value)
        return state

    def copy(self) -> RegistryState:
        clone = RegistryState()
        clone._keys = {kid: dict(values) for kid, values in self._keys.items()}
        return clone

    def create_key(self, key: str) -> None:
        for path in (*parent_keys(key), key):
            self._keys.setdefault(key_id(path), {})

    def delete_key(self, key: str) -> None:
        kid = key_id(key)
        for existing in [k for k in self._keys if k == kid or k.startswith(kid + "\\")]:
            del self._keys[existing]

    def set_value(self, value: RegValue) -> None:
        self.create_key(value.key)
        self._keys[key_id(value.key)][value.name.casefold()] = value

    def delete_value(self, key: str, name: str) -> None:
        self.create_key(key)
        self._keys[key_id(key)].pop(name.casefold(), None)

    def key_exists(self, key: str) -> bool:
        return key_id(key) in self._keys

    def get(self, key: str, name: str) -> RegValue | None:
        return self._keys.get(key_id(key), {}).get(name.casefold())

    def keys(self) -> set[str]:
        return set(self._keys)

    def content(self) -> dict[ValueId, tuple[int, object]]:
        """Every value by identity, as (type, data); what two states are compared on."""
        return {
            (kid, name): (value.type, value.data)
            for kid, values in self._keys.items()
            for name, value in values.items()
        }

    def snapshot(self, keys: Iterable[str]) -> Snapshot:
        """What a reader of ``keys`` would see: their values, and which of them and their parents exist."""
        snap = Snapshot()
        for key in keys:
            for path in (*parent_keys(key), key):
                (snap.existing_keys if self.key_exists(path) else snap.missing_keys).add(key_id(path))
            for value in self._keys.get(key_id(key), {}).values():
                snap.values[value.id] = value
        return snap

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RegistryState):
            return NotImplemented
        return self.keys() == other.keys() and self.content() == other.content()

    __hash__ = None

    def __repr__(self) -> str:
        return "RegistryState(%r)" % sorted(self.content().items())


def apply_reg_ops(ops: Iterable[RegOp], state: RegistryState) -> RegistryState:
    """Apply ``ops`` to ``state`` in order (as ``reg import`` would) and return it."""
    for op in ops:
        if isinstance(op, DeleteKey):
            state.delete_key(op.key)
        elif isinstance(op, CreateKey):
            state.create_key(op.key)
        elif isinstance(op, SetValue):
            state.set_value(op.value)
        else:
            state.delete_value(op.key, op.name)
    return state
