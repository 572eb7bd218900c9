# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backups of what a write touches, on the controller: one JSON and one .reg per run, and partial-write records.

Layout: ``<backup_dir>/<inventory host>/<UTC stamp>.json`` and ``.reg`` (stamp ``YYYYMMDDTHHMMSS.ffffffZ``, so
names sort by time), directories 0700, files 0600 (they describe a host's security configuration). Both files
hold the same restore operations (``regfile.backup_ops``): keys that did not exist are deleted, values that did
not exist are deleted, every other value is set back with its type and data. ``reg import`` restores the .reg;
``win_schannel_restore`` restores the JSON over WMI. The JSON also lists, as ``created_parents``, the keys above
those deleted keys that the write had to create (``Protocols\\TLS 1.1`` above ``...\\TLS 1.1\\Server``):
win_schannel_restore deletes each of them that holds nothing else by then, so the host gets back exactly the keys it
had. A .reg cannot say "delete if empty" (``[-KEY]`` deletes a whole tree), so ``reg import`` leaves them, empty.
The .reg keeps IIS Crypto's whole-key form for the keys the change created (``[-KEY]``, whatever was added there
since); win_schannel_restore is the safe path: it keeps such a key when something the change did not write lives
there (README "Backups and rollback"). ``load_backup`` checks every operation's type and data, so a damaged file is
refused before a restore sends its first request.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils.regfile import (
    DeleteKey,
    DeleteValue,
    RegOp,
    SetValue,
    backup_ops,
    dump_reg,
    encode_reg,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import (
    REG_BINARY,
    REG_DWORD,
    REG_EXPAND_SZ,
    REG_QWORD,
    REG_SZ,
    REG_TYPE_NAMES,
    Change,
    RegData,
    RegValue,
    Snapshot,
    key_id,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.private_file import private_dir, write_private
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.timestamps import iso_utc

# Where backups go when the task names no backup_dir (the role's schannel_backup_dir says it again, for the
# administrator to read).
DEFAULT_BACKUP_DIR = "~/.ansible/fleetsec_schannel/backups"
SCHEMA = "fleetsec.schannel/backup"
SCHEMA_VERSION = 1
PARTIAL_SCHEMA = "fleetsec.schannel/partial-write"
RESTORED_SCHEMA = "fleetsec.schannel/restored"
_TYPE_BY_NAME = {name: code for code, name in REG_TYPE_NAMES.items()}


def host_folder(backup_dir: str, host: str) -> Path:
    """``<backup_dir>/<host>``, not created (the host name may not climb out of backup_dir)."""
    if not host or host in (".", "..") or "/" in host or "\\" in host:
        raise InputError("inventory host name %r cannot name a backup folder" % host)
    return Path(os.path.expanduser(backup_dir)) / host


def host_dir(backup_dir: str, host: str) -> Path:
    """``<backup_dir>/<host>`` created 0700, with any missing parent (the backup root included) 0700 too."""
    return private_dir(host_folder(backup_dir, host))


def encode_data(reg_type: int, data: RegData) -> Any:
    """JSON form of registry data: REG_BINARY as hex text, REG_MULTI_SZ as a list, the rest as is."""
    if reg_type == REG_BINARY and isinstance(data, bytes | bytearray):
        return bytes(data).hex()
    if isinstance(data, tuple):
        return list(data)
    return data


# The width of each integer type (written unsigned; a signed form of the same bits is accepted too).
_INT_BITS = {REG_DWORD: 32, REG_QWORD: 64}


def decode_data(reg_type: int, data: Any, where: str) -> RegData:
    """Registry data from its JSON form, checked against its type: InputError naming ``where`` otherwise, so a
    restore refuses a damaged backup before its first request rather than part-way through its writes."""
    name = REG_TYPE_NAMES[reg_type]
    if reg_type in _INT_BITS:
        bits = _INT_BITS[reg_type]
        if isinstance(data, bool) or not isinstance(data, int) or not -(1 << (bits - 1)) <= data < 1 << bits:
            raise InputError("%s: %s data must be a %d-bit integer, got %r" % (where, name, bits, data))
        return data
    if reg_type in (REG_SZ, REG_EXPAND_SZ):
        if not isinstance(data, str):
            raise InputError("%s: %s data must be a string, got %r" % (where, name, data))
        return data
    if reg_type == REG_BINARY:
        try:
            return bytes.fromhex(str(data))
        except ValueError:
            raise InputError("%s: REG_BINARY data must be hex text, got %r" % (where, data)) from None
    if not isinstance(data, list) or not all(isinstance(item, str) for item in data):  # REG_MULTI_SZ
        raise InputError("%s: REG_MULTI_SZ data must be a list of strings, got %r" % (where, data))
    return tuple(data)


def op_as_dict(op: RegOp) -> dict[str, Any]:
    if isinstance(op, DeleteKey):
        return {"op": "delete_key", "key": "HKLM\\" + op.key}
    if isinstance(op, DeleteValue):
        return {"op": "delete_value", "key": "HKLM\\" + op.key, "name": op.name}
    if isinstance(op, SetValue):
        value = op.value
        return {"op": "set_value", "key": "HKLM\\" + value.key, "name": value.name,
                "type": REG_TYPE_NAMES.get(value.type, str(value.type)), "data": encode_data(value.type, value.data)}
    raise TypeError(op)


def op_from_dict(entry: Any, where: str) -> RegOp:
    if not isinstance(entry, dict) or entry.get("op") not in ("delete_key", "delete_value", "set_value"):
        raise InputError("%s: expected an object with op delete_key, delete_value or set_value" % where)
    key = str(entry.get("key", ""))
    if not key.upper().startswith("HKLM\\"):
        raise InputError("%s: key %r is not under HKLM" % (where, key))
    key = key[5:]
    if entry["op"] == "delete_key":
        return DeleteKey(key)
    name = entry.get("name")
    if not isinstance(name, str):
        raise InputError("%s: name must be a string" % where)
    if entry["op"] == "delete_value":
        return DeleteValue(key, name)
    reg_type = _TYPE_BY_NAME.get(str(entry.get("type")))
    if reg_type is None:
        raise InputError("%s: type must be one of %s" % (where, ", ".join(sorted(_TYPE_BY_NAME))))
    return SetValue(RegValue(key, name, reg_type, decode_data(reg_type, entry.get("data"), where)))


def created_parents(changes: Iterable[Change], snapshot: Snapshot) -> list[str]:
    """Keys above the created keys of ``changes`` that did not exist either (the write created them), deepest first.

    ``snapshot`` knows them once ``stdregprov.learn_key_existence`` ran for the keys written.
    """
    found: dict[str, str] = {}
    for change in changes:
        if change.after is None or snapshot.key_exists(change.key) is not False:
            continue
        parts = change.key.strip("\\").split("\\")
        for depth in range(len(parts) - 1, 0, -1):
            parent = "\\".join(parts[:depth])
            if snapshot.key_exists(parent) is not False:
                break
            found.setdefault(key_id(parent), parent)
    return sorted(found.values(), key=lambda k: (-k.count("\\"), key_id(k)))


@dataclass(frozen=True)
class BackupFiles:
    json_path: Path
    reg_path: Path


def write_backup(
    folder: Path, run_stamp: str, host: str, *, changes: Sequence[Change], snapshot: Snapshot, os_info: dict[str, Any],
    run_id: str | None = None,
) -> BackupFiles:
    """Write the JSON and .reg that restore everything ``changes`` touch to what ``snapshot`` read before them;
    ``run_id``: the run that wrote them (a restore by run id finds it there when the run wrote no result file)."""
    ops = backup_ops(changes, snapshot)
    files = BackupFiles(folder / (run_stamp + ".json"), folder / (run_stamp + ".reg"))
    document = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "host": host,
        "created": run_stamp,
        "run_id": run_id,
        "os": os_info,
        "reg_file": str(files.reg_path),
        "restore": [op_as_dict(op) for op in ops],
        "created_parents": ["HKLM\\" + key for key in created_parents(changes, snapshot)],
    }
    write_private(files.reg_path, encode_reg(dump_reg(ops)))
    write_private(files.json_path, (json.dumps(document, indent=2) + "\n").encode("utf-8"))
    return files


def load_backup(path: str) -> tuple[dict[str, Any], list[RegOp]]:
    """The backup document and its restore operations; InputError naming ``backup_file`` when it is not one.

    ``created_parents`` (absent in backups of earlier releases: none) must be a list of HKLM key paths.
    """
    file = Path(os.path.expanduser(path))
    if file.is_dir():
        raise InputError("backup_file %s is a folder: name one backup in it (a <UTC time>.json that win_schannel "
                         "wrote), or leave backup_file out to restore the host's latest change" % path)
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("backup_file %s does not exist: give the path of a backup JSON that win_schannel wrote "
                         "(<backup_dir>/<host>/<UTC time>.json)" % path) from None
    except (OSError, ValueError) as exc:
        raise InputError("backup_file %s cannot be read as JSON (%s): give a backup JSON that win_schannel wrote"
                         % (path, exc)) from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise InputError("backup_file %s is not a win_schannel backup (schema %r expected)" % (path, SCHEMA))
    if document.get("schema_version") != SCHEMA_VERSION:
        raise InputError("backup_file %s has schema_version %r; this collection reads %d"
                         % (path, document.get("schema_version"), SCHEMA_VERSION))
    entries = document.get("restore")
    if not isinstance(entries, list):
        raise InputError("backup_file %s: restore must be a list" % path)
    ops = [op_from_dict(entry, "backup_file %s restore[%d]" % (path, i)) for i, entry in enumerate(entries)]
    parents = document.get("created_parents", [])
    if not isinstance(parents, list) or not all(isinstance(k, str) and k.upper().startswith("HKLM\\")
                                                for k in parents):
        raise InputError("backup_file %s: created_parents must be a list of HKLM\\ key paths" % path)
    return document, ops


# What a partial record says from before the first write until the write ends: a worker killed with its controller
# (or a host lost for good) leaves it so, and the next run and the restore read it.
INTERRUPTED = "the write did not finish: the controller stopped before it ended (killed, or lost its host)"


def partial_record_path(backup_json: Path) -> Path:
    """The partial-write record that belongs to a backup JSON (same stamp)."""
    return backup_json.with_name(backup_json.name[:-len(".json")] + ".partial.json")


def backups_in(folder: Path) -> list[Path]:
    """A host folder's backup JSONs, oldest first (their names are UTC stamps); partial records are not backups."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.json") if not p.name.endswith(".partial.json"))


def close_partial_record(backup_json: Path) -> None:
    """Mark the stopped write of ``backup_json`` as undone by a restore: its record is kept, renamed
    ``<stamp>.partial.restored``, so that a later change series no longer reaches back to it and no later run
    says it completes it."""
    record = partial_record_path(backup_json)
    if record.exists():
        record.replace(record.with_name(record.name[:-len(".json")] + ".restored"))


def restored_record_path(backup_json: Path) -> Path:
    """The record a restore leaves beside a backup it put back: ``<stamp>.restored`` (same stamp)."""
    return backup_json.with_suffix(".restored")


def mark_restored(backup_json: Path, how: str) -> None:
    """Record that a restore put ``backup_json`` back (``how``: the series it was part of), and close its stopped
    write if it has one (close_partial_record): the host's default change series then starts after it, so a second
    restore does not write a backup that was already undone."""
    close_partial_record(backup_json)
    document = {"schema": RESTORED_SCHEMA, "schema_version": 1, "backup_file": str(backup_json),
                "restored": iso_utc(), "series": how}
    write_private(restored_record_path(backup_json), (json.dumps(document, indent=2) + "\n").encode("utf-8"))


def restored_at(backup_json: Path) -> str | None:
    """When a restore put ``backup_json`` back (mark_restored), or None when none did; a record that cannot be read
    still says that it was (its time unknown)."""
    record = restored_record_path(backup_json)
    if not record.exists():
        return None
    try:
        return str(json.loads(record.read_text(encoding="utf-8"))["restored"])
    except (OSError, ValueError, KeyError, TypeError):
        return "an unknown time"


def write_partial_record(
    folder: Path, run_stamp: str, host: str, *, written: Iterable[dict[str, Any]],
    not_written: Iterable[dict[str, Any]],
    error: str, backup_file: str | None,
) -> Path:
    """The record of a write that stopped part-way, beside the backup: ``<stamp>.partial.json``."""
    path = folder / (run_stamp + ".partial.json")
    document = {
        "schema": PARTIAL_SCHEMA,
        "schema_version": 1,
        "host": host,
        "created": run_stamp,
        "error": error,
        "backup_file": backup_file,
        "written": list(written),
        "not_written": list(not_written),
    }
    write_private(path, (json.dumps(document, indent=2) + "\n").encode("utf-8"))
    return path
