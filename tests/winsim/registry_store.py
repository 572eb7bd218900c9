"""One simulated host's HKLM hive: an in-memory key tree with crash-safe persistence.

Tree semantics (what Windows does, and what the simulator therefore does):
- Key and value names are case-insensitive and case-preserving (Microsoft Learn, "Structure of the Registry":
  "Key names are not case sensitive"); the first spelling is kept.
- The only path separator is "\\"; "AES 128/128" is ONE key name (KB245030 key names; ansible/ansible#20308).
- Subkeys enumerate in case-insensitive alphabetical order, values in creation order (the hive keeps a sorted
  subkey index and an unsorted value list; Windows Internals, "Registry internals" / hive cell structure).

Persistence (simulator design, no Windows source): under the host directory,
- ``registry.snapshot.json`` holds the whole tree plus a generation number, replaced atomically (tmp + os.replace);
- ``registry.journal-<generation>.jsonl`` holds one JSON line per acknowledged write, appended with a single
  ``os.write`` before the write is applied in memory and acknowledged. A SIGKILL therefore loses nothing that was
  acknowledged; a line torn by a kill mid-write has no trailing newline or is not JSON and is ignored on load.
- On load the journal of the snapshot's generation is replayed and compacted into a snapshot of the next
  generation; a journal of another generation is stale (already folded in) and is removed, so no operation is
  ever applied twice even if a kill lands between the snapshot replace and the journal removal.
- No fsync: a process kill keeps everything written to the kernel; surviving power loss is not a goal.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .windows_facts import REG_BINARY, REG_DWORD, REG_EXPAND_SZ, REG_MULTI_SZ, REG_QWORD, REG_SZ

ValueData = int | str | list[str] | list[int]
VALUE_TYPES = frozenset({REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD, REG_MULTI_SZ, REG_QWORD})


def split_path(path: str) -> list[str] | None:
    """Components of a key path relative to the hive; None when a component is empty ("A\\\\B").

    Leading and trailing backslashes are tolerated and stripped (chosen: RegOpenKeyEx is lenient about a trailing
    separator; no capture shows StdRegProv's handling of a leading one).
    """
    stripped = path.strip("\\")
    if not stripped:
        return []
    parts = stripped.split("\\")
    return None if any(p == "" for p in parts) else parts


@dataclass
class RegistryValue:
    name: str
    type: int
    data: ValueData


@dataclass
class RegistryKey:
    name: str
    subkeys: dict[str, RegistryKey] = field(default_factory=dict)  # casefolded name -> key
    values: dict[str, RegistryValue] = field(default_factory=dict)  # casefolded name -> value, creation order

    def sorted_subkeys(self) -> list[RegistryKey]:
        return sorted(self.subkeys.values(), key=lambda k: k.name.upper())

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "values": [[v.name, v.type, v.data] for v in self.values.values()],
            "subkeys": [k.to_json() for k in self.subkeys.values()],
        }

    @classmethod
    def from_json(cls, raw: dict) -> RegistryKey:
        key = cls(raw["name"])
        for name, vtype, data in raw["values"]:
            key.values[name.casefold()] = RegistryValue(name, vtype, data)
        for sub in raw["subkeys"]:
            child = cls.from_json(sub)
            key.subkeys[child.name.casefold()] = child
        return key


class Registry:
    """The HKLM tree. Mutators return True when something changed; they never fail (callers validate first)."""

    def __init__(self, root: RegistryKey | None = None) -> None:
        self.root = root or RegistryKey("HKEY_LOCAL_MACHINE")

    def find(self, path: str) -> RegistryKey | None:
        parts = split_path(path)
        if parts is None:
            return None
        key = self.root
        for part in parts:
            nxt = key.subkeys.get(part.casefold())
            if nxt is None:
                return None
            key = nxt
        return key

    def get_value(self, path: str, name: str) -> RegistryValue | None:
        key = self.find(path)
        return None if key is None else key.values.get(name.casefold())

    def create_key(self, path: str) -> bool:
        """Create ``path`` and every missing ancestor (RegCreateKeyEx does)."""
        created = False
        key = self.root
        for part in split_path(path) or []:
            nxt = key.subkeys.get(part.casefold())
            if nxt is None:
                nxt = RegistryKey(part)
                key.subkeys[part.casefold()] = nxt
                created = True
            key = nxt
        return created

    def delete_key(self, path: str) -> bool:
        parts = split_path(path)
        if not parts:
            return False
        parent = self.find("\\".join(parts[:-1]))
        if parent is None:
            return False
        return parent.subkeys.pop(parts[-1].casefold(), None) is not None

    def set_value(self, path: str, name: str, vtype: int, data: ValueData) -> bool:
        key = self.find(path)
        if key is None:
            return False
        existing = key.values.get(name.casefold())
        if existing is not None:  # RegSetValueEx keeps the value's place and spelling, replaces type and data
            existing.type, existing.data = vtype, data
        else:
            key.values[name.casefold()] = RegistryValue(name, vtype, data)
        return True

    def delete_value(self, path: str, name: str) -> bool:
        key = self.find(path)
        return key is not None and key.values.pop(name.casefold(), None) is not None

    def apply(self, op: dict) -> None:
        """Apply one journalled operation (the same dicts ``RegistryStore.write`` records)."""
        kind = op["op"]
        if kind == "create_key":
            self.create_key(op["key"])
        elif kind == "delete_key":
            self.delete_key(op["key"])
        elif kind == "set_value":
            self.set_value(op["key"], op["name"], op["type"], op["data"])
        elif kind == "delete_value":
            self.delete_value(op["key"], op["name"])
        else:
            raise ValueError(f"unknown journal operation {kind!r}")

    def dump(self, path: str) -> dict | None:
        """The subtree at ``path`` as JSON, every value with its type and data (the default value too), subkeys in
        enumeration order: what a byte-for-byte comparison of two states needs. None when the key is missing."""
        key = self.find(path)
        if key is None:
            return None

        def tree(node: RegistryKey) -> dict:
            return {"name": node.name, "values": [[v.name, v.type, v.data] for v in node.values.values()],
                    "subkeys": [tree(k) for k in node.sorted_subkeys()]}
        return tree(key)

    def walk(self) -> Iterator[tuple[str, RegistryKey]]:
        """Every key below the root with its path as spelled, depth first."""
        stack = [("", self.root)]
        while stack:
            path, key = stack.pop()
            if path:
                yield path, key
            for sub in reversed(key.sorted_subkeys()):
                stack.append((f"{path}\\{sub.name}" if path else sub.name, sub))


def check_edit(op: object) -> dict:
    """One registry edit as the control channel takes it (the journal's operation dicts); ValueError names the
    field. Data must match the type: int for REG_DWORD (32 bits) / REG_QWORD (64 bits), str for REG_SZ /
    REG_EXPAND_SZ, a list of str for REG_MULTI_SZ, a list of bytes (0..255) for REG_BINARY."""
    if not isinstance(op, dict) or op.get("op") not in ("create_key", "delete_key", "set_value", "delete_value"):
        raise ValueError("each edit needs op: create_key, delete_key, set_value or delete_value")
    key = op.get("key")
    if not isinstance(key, str) or not split_path(key):
        raise ValueError(f"{op['op']}: key must be a non-empty key path without empty components, got {key!r}")
    if op["op"] in ("create_key", "delete_key"):
        return {"op": op["op"], "key": key}
    name = op.get("name")
    if not isinstance(name, str):
        raise ValueError(f"{op['op']}: name must be a string (\"\" is the default value)")
    if op["op"] == "delete_value":
        return {"op": "delete_value", "key": key, "name": name}
    vtype, data = op.get("type"), op.get("data")
    bits = {REG_DWORD: 32, REG_QWORD: 64}.get(vtype)  # type: ignore[arg-type]
    ok = (
        (bits is not None and isinstance(data, int) and not isinstance(data, bool) and 0 <= data < 1 << bits)
        or (vtype in (REG_SZ, REG_EXPAND_SZ) and isinstance(data, str))
        or (vtype == REG_MULTI_SZ and isinstance(data, list) and all(isinstance(d, str) for d in data))
        or (vtype == REG_BINARY and isinstance(data, list)
            and all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 255 for d in data))
    )
    if not ok:
        raise ValueError(f"set_value {key}\\{name}: type must be one of {sorted(VALUE_TYPES)} with data of that "
                         f"type, got type {vtype!r} data {data!r}")
    return {"op": "set_value", "key": key, "name": name, "type": vtype, "data": data}


class RegistryStore:
    """Snapshot + append-only journal for one host's registry (see the module docstring)."""

    SNAPSHOT = "registry.snapshot.json"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._fd: int | None = None
        self.generation = 0

    def exists(self) -> bool:
        return (self.directory / self.SNAPSHOT).exists()

    def _journal_path(self, generation: int) -> Path:
        return self.directory / f"registry.journal-{generation}.jsonl"

    def create(self, registry: Registry) -> None:
        """Persist a fresh registry as generation 0 and open its journal."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._write_snapshot(registry, 0)
        self._open_journal()

    def load(self) -> Registry:
        """Snapshot + journal replay, compacted into the next generation's snapshot."""
        raw = json.loads((self.directory / self.SNAPSHOT).read_text(encoding="utf-8"))
        registry = Registry(RegistryKey.from_json(raw["root"]))
        generation = raw["generation"]
        journal = self._journal_path(generation)
        if journal.exists():
            for op in read_journal(journal):
                registry.apply(op)
        self._write_snapshot(registry, generation + 1)
        for stale in self.directory.glob("registry.journal-*.jsonl"):
            if stale != self._journal_path(self.generation):
                stale.unlink()
        self._open_journal()
        return registry

    def write(self, op: dict) -> None:
        """Record one operation durably (single write() of one line) before it is applied and acknowledged."""
        if self._fd is None:
            raise RuntimeError("registry journal is not open")
        line = json.dumps(op, separators=(",", ":"), ensure_ascii=False) + "\n"
        data = line.encode("utf-8")
        written = os.write(self._fd, data)
        if written != len(data):  # regular files do not short-write short lines; refuse to acknowledge if one does
            raise OSError(f"short journal write ({written} of {len(data)} bytes)")

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _write_snapshot(self, registry: Registry, generation: int) -> None:
        target = self.directory / self.SNAPSHOT
        tmp = target.with_suffix(".tmp")
        tmp.write_text(
            json.dumps({"generation": generation, "root": registry.root.to_json()}, ensure_ascii=False),
            encoding="utf-8",
        )
        os.replace(tmp, target)
        self.generation = generation

    def _open_journal(self) -> None:
        self.close()
        self._fd = os.open(self._journal_path(self.generation), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)


def read_journal(path: Path) -> list[dict]:
    """Complete lines of a journal; a torn last line (no newline, or not JSON) is ignored."""
    ops = []
    text = path.read_bytes().decode("utf-8", errors="replace")
    for line in text.split("\n")[:-1]:  # the part after the last newline is incomplete by construction
        try:
            ops.append(json.loads(line))
        except json.JSONDecodeError:
            break  # only the last line can be torn; nothing after a bad line was acknowledged after it
    return ops
