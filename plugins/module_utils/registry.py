# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Registry values as the collection models them: HKLM-relative keys, typed values, snapshots.

Windows registry key paths and value names are case-insensitive and case-preserving
(Microsoft Learn, "Structure of the Registry": "Key names are not case sensitive"; value names likewise),
so identity is the casefolded (key, name) pair while the RegValue keeps the spelling to write.
The only path separator is a backslash: "AES 128/128" is one key name (the KB245030 key names;
win_regedit split it at "/" until ansible/ansible PR #53305, see ansible/ansible#20308).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

HKLM = 2147483650  # StdRegProv hDefKey for HKEY_LOCAL_MACHINE (StdRegProv method docs)

# Win32 REG_* type codes, as StdRegProv.EnumValues returns them in Types[] (MS docs "EnumValues method of the
# StdRegProv class"; MS-RPRN 2.2.3.9 registry type values; .NET RegistryValueKind).
REG_SZ = 1
REG_EXPAND_SZ = 2
REG_BINARY = 3
REG_DWORD = 4
REG_MULTI_SZ = 7
REG_QWORD = 11

REG_TYPE_NAMES = {
    REG_SZ: "REG_SZ",
    REG_EXPAND_SZ: "REG_EXPAND_SZ",
    REG_BINARY: "REG_BINARY",
    REG_DWORD: "REG_DWORD",
    REG_MULTI_SZ: "REG_MULTI_SZ",
    REG_QWORD: "REG_QWORD",
}

RegData = Union[int, str, bytes, tuple[str, ...]]  # bytes: REG_BINARY
ValueId = tuple[str, str]


def key_id(key: str) -> str:
    """Identity of a key path: casefolded, without leading/trailing separators."""
    return key.strip("\\").casefold()


def value_id(key: str, name: str) -> ValueId:
    """Identity of a value: casefolded key path and value name."""
    return (key_id(key), name.casefold())


def parent_keys(key: str) -> tuple[str, ...]:
    """Every ancestor of ``key`` (as spelled), nearest last, the key itself excluded."""
    parts = key.strip("\\").split("\\")
    return tuple("\\".join(parts[:i]) for i in range(1, len(parts)))


@dataclass(frozen=True)
class RegValue:
    """One value under HKLM."""

    key: str
    name: str
    type: int
    data: RegData

    @property
    def id(self) -> ValueId:
        return value_id(self.key, self.name)


@dataclass
class Snapshot:
    """What was read from one host: the values found, and which keys are known to exist or not."""

    values: dict[ValueId, RegValue] = field(default_factory=dict)
    existing_keys: set[str] = field(default_factory=set)
    missing_keys: set[str] = field(default_factory=set)

    def get(self, key: str, name: str) -> RegValue | None:
        return self.values.get(value_id(key, name))

    def key_exists(self, key: str) -> bool | None:
        """True/False when known, None when the snapshot holds no knowledge of the key."""
        kid = key_id(key)
        if kid in self.existing_keys:
            return True
        if kid in self.missing_keys:
            return False
        if any(v[0] == kid for v in self.values):
            return True
        return None


@dataclass(frozen=True)
class Change:
    """One value to write or delete; ``after`` None means delete, ``before`` None means it did not exist.

    ``type`` is the type written (for a delete: the type the value had); ``before_type`` is the type the value
    had before when that differs from ``type`` (a value of the wrong type is rewritten), else None.
    """

    key: str
    name: str
    type: int
    before: RegData | None
    after: RegData | None
    before_type: int | None = None

    @property
    def prior_type(self) -> int | None:
        """Type of the value before the change; None when it did not exist."""
        if self.before is None:
            return None
        return self.type if self.before_type is None else self.before_type

    @property
    def id(self) -> ValueId:
        return value_id(self.key, self.name)


class DesiredState(dict):
    """Desired values by value_id: a RegValue to hold, or None for a value that must be absent.

    A plain ``dict[ValueId, RegValue | None]`` (as the contract says), which also remembers how each key and
    value name is spelled, so that absent values can still be read and reported under their proper names.
    """

    def __init__(self) -> None:
        super().__init__()
        self.spelling: dict[ValueId, tuple[str, str]] = {}

    def set(self, key: str, name: str, type_: int, data: RegData) -> None:
        value = RegValue(key, name, type_, data)
        self[value.id] = value
        self.spelling[value.id] = (key, name)

    def absent(self, key: str, name: str) -> None:
        vid = value_id(key, name)
        self[vid] = None
        self.spelling[vid] = (key, name)

    def spelled(self, vid: ValueId) -> tuple[str, str]:
        """(key, name) as written for ``vid``; the casefolded identity when it was added without spelling."""
        value = self.get(vid)
        if value is not None:
            return value.key, value.name
        return self.spelling.get(vid, vid)
