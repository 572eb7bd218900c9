# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
r"""The ``Windows Registry Editor Version 5.00`` (.reg) format: write, read, and restore-from-backup.

A backup is a .reg file that ``reg import`` (or a double click) turns back into the state before a change, touching
only what the change wrote: old values rewritten, values that did not exist deleted (``"Name"=-``) and the leaf
keys the change created deleted (``[-KEY]``), their parents left in place -- the same shape IIS Crypto's
``/backup`` writes (a real IIS Crypto 3.x /backup .reg file, BanterBoy/PSNartacIISCrypto RegBackupHOTH.reg,
deletes ``Ciphers\NULL`` ... and ``Protocols\TLS 1.0\Client``/``Server`` with ``[-HKEY_LOCAL_MACHINE\...]``
because those keys were absent, and writes ``"Enabled"=-`` under ``Protocols\SSL 2.0\Client`` because that key
existed without the value).

Text format as regedit.exe writes it (the byte-exact layout follows Wine's regedit ``export.c``, which
reproduces Windows regedit's export layout): CRLF line ends, a blank line after the header and after every key
block, ``dword:%08x``, REG_SZ quoted with ``\\`` and ``\"`` escaped, every other type as ``hex(N):`` bytes
(REG_MULTI_SZ/REG_EXPAND_SZ as UTF-16LE with their NUL terminators) wrapped after the comma that reaches
column 77, with a trailing ``\`` and two spaces of indent on the continuation line. Files are UTF-16LE with
a BOM (``encode_reg``).

Ops: ``SetValue`` and ``DeleteValue`` imply their key exists afterwards (regedit creates the key of every
``[KEY]`` header it imports); ``CreateKey`` stands for a header with no value lines; ``DeleteKey`` deletes a
key with everything below it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Union

from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import (
    REG_BINARY,
    REG_DWORD,
    REG_EXPAND_SZ,
    REG_MULTI_SZ,
    REG_QWORD,
    REG_SZ,
    Change,
    RegValue,
    Snapshot,
    ValueId,
    key_id,
    value_id,
)

REG_HEADER = "Windows Registry Editor Version 5.00"
HKLM_ROOT = "HKEY_LOCAL_MACHINE"
_CRLF = "\r\n"
# Wine programs/regedit/export.c: MAX_HEX_CHARS; a hex line is broken once it reaches this many characters.
_MAX_HEX_CHARS = 77
_HEX_TYPES = {REG_SZ: "hex(1):", REG_EXPAND_SZ: "hex(2):", REG_BINARY: "hex:", REG_MULTI_SZ: "hex(7):",
              REG_QWORD: "hex(b):"}


class RegFileError(ValueError):
    """A .reg text that cannot be read or a value that cannot be written; says where and why."""


@dataclass(frozen=True)
class CreateKey:
    key: str


@dataclass(frozen=True)
class DeleteKey:
    key: str


@dataclass(frozen=True)
class SetValue:
    value: RegValue


@dataclass(frozen=True)
class DeleteValue:
    key: str
    name: str


RegOp = Union[CreateKey, DeleteKey, SetValue, DeleteValue]


def _op_key(op: RegOp) -> str:
    return op.value.key if isinstance(op, SetValue) else op.key


# ----------------------------------------------------------------------------------------------- writing


def _quote(text: str) -> str:
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def _name_token(name: str) -> str:
    return "@" if name == "" else _quote(name)


def _dword(data: object, where: str) -> int:
    if isinstance(data, bool) or not isinstance(data, int) or not -(2**31) <= data <= 0xFFFFFFFF:
        raise RegFileError("%s: REG_DWORD data must be an integer 0..0xffffffff, got %r" % (where, data))
    return data & 0xFFFFFFFF


def _value_bytes(value: RegValue, where: str) -> bytes:
    data = value.data
    if value.type in (REG_SZ, REG_EXPAND_SZ):
        if not isinstance(data, str):
            raise RegFileError("%s: string data expected, got %r" % (where, data))
        return (data + "\0").encode("utf-16-le")
    if value.type == REG_MULTI_SZ:
        if not isinstance(data, (tuple, list)) or not all(isinstance(s, str) and s for s in data):
            raise RegFileError("%s: REG_MULTI_SZ data must be a sequence of non-empty strings, got %r" % (where, data))
        return "".join(s + "\0" for s in data).encode("utf-16-le") + b"\0\0"
    if value.type == REG_QWORD:
        if isinstance(data, bool) or not isinstance(data, int) or not 0 <= data <= 0xFFFFFFFFFFFFFFFF:
            raise RegFileError("%s: REG_QWORD data must be an integer 0..2**64-1, got %r" % (where, data))
        return data.to_bytes(8, "little")
    if value.type == REG_BINARY:
        if not isinstance(data, (bytes, bytearray)):
            raise RegFileError("%s: REG_BINARY data must be bytes, got %r" % (where, data))
        return bytes(data)
    raise RegFileError("%s: registry type %r cannot be written" % (where, value.type))


def _hex_lines(prefix: str, type_token: str, raw: bytes) -> str:
    """``prefix`` (``"Name"=``) + ``hex(N):`` + bytes, wrapped the way regedit wraps them."""
    out = [prefix, type_token]
    line_len = len(prefix) + len(type_token)
    for i, byte in enumerate(raw):
        out.append("%02x" % byte)
        if i == len(raw) - 1:
            break
        out.append(",")
        line_len += 3
        if line_len >= _MAX_HEX_CHARS:
            out.append("\\" + _CRLF + "  ")
            line_len = 2
    return "".join(out)


def _value_line(value: RegValue) -> str:
    where = "%s\\%s" % (value.key, value.name or "@")
    prefix = _name_token(value.name) + "="
    if value.type == REG_DWORD:
        return "%sdword:%08x" % (prefix, _dword(value.data, where))
    if value.type == REG_SZ and isinstance(value.data, str) and not re.search(r"[\x00\r\n]", value.data):
        return prefix + _quote(value.data)
    return _hex_lines(prefix, _HEX_TYPES.get(value.type, ""), _value_bytes(value, where))


def dump_reg(ops: Iterable[RegOp]) -> str:
    """The .reg text (CRLF line ends, as regedit writes) for ``ops``, consecutive ops of one key in one block."""
    lines = [REG_HEADER]
    current: str | None = None
    for op in ops:
        key = _op_key(op)
        if isinstance(op, DeleteKey):
            lines += ["", "[-%s\\%s]" % (HKLM_ROOT, key.strip("\\"))]
            current = None
            continue
        if current is None or key_id(current) != key_id(key):
            lines += ["", "[%s\\%s]" % (HKLM_ROOT, key.strip("\\"))]
            current = key
        if isinstance(op, SetValue):
            lines.append(_value_line(op.value))
        elif isinstance(op, DeleteValue):
            lines.append(_name_token(op.name) + "=-")
    lines += ["", ""]
    return _CRLF.join(lines)


def encode_reg(text: str) -> bytes:
    """Bytes of a .reg file as regedit exports it: UTF-16LE with a byte order mark."""
    return b"\xff\xfe" + text.encode("utf-16-le")


def decode_reg(data: bytes) -> str:
    """Text of a .reg file: UTF-16 with a BOM (regedit), UTF-8 with or without BOM, else Windows-1252 (ANSI).

    UTF-16 without a byte order mark (every other byte NUL in the first characters) is refused with a
    RegFileError that says so: read as ANSI it would only give a garbled header.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise RegFileError("decode_reg takes the bytes of a .reg file, got %s" % type(data).__name__)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    head = data[:64]
    if len(head) >= 4 and (not any(head[1::2]) or not any(head[0::2])):
        order = "little" if not any(head[1::2]) else "big"
        raise RegFileError(
            "the file is UTF-16 (%s-endian) text without a byte order mark; regedit writes UTF-16LE with the mark "
            "FF FE: export it again with regedit, or save it as 'Unicode' (UTF-16 LE with BOM) or UTF-8" % order
        )
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")


# ----------------------------------------------------------------------------------------------- reading

_HEX_TYPE_RE = re.compile(r"hex(?:\(([0-9a-fA-F]{1,8})\))?:", re.ASCII)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, line) with ``\\`` continuations joined and comment lines dropped."""
    result: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for line_number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        number = line_number
        if pending is not None:
            if line.startswith(";"):
                continue
            number, line = pending[0], pending[1] + line
            pending = None
        elif not line or line.startswith(";"):
            continue
        if line.endswith("\\") and not line.startswith("["):
            pending = (number, line[:-1])
            continue
        result.append((number, line))
    if pending is not None:
        result.append(pending)
    return result


def _read_quoted(text: str, where: str) -> tuple[str, str]:
    """The unescaped content of the quoted string at the start of ``text`` and what follows it."""
    chars: list[str] = []
    i = 1
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in '\\"':
            chars.append(text[i + 1])
            i += 2
            continue
        if char == '"':
            return "".join(chars), text[i + 1 :]
        chars.append(char)
        i += 1
    raise RegFileError("%s: unterminated string %s" % (where, text))


def _hex_bytes(text: str, where: str) -> bytes:
    text = "".join(text.split())
    if not text:
        return b""
    try:
        return bytes(int(part, 16) for part in text.split(","))
    except ValueError:
        raise RegFileError(
            "%s: bad hex data %r (expected comma-separated byte values like 0a,00)" % (where, text)
        ) from None


def _utf16_string(raw: bytes, where: str) -> str:
    if len(raw) % 2:
        raise RegFileError("%s: UTF-16 string data has an odd number of bytes (%d)" % (where, len(raw)))
    return raw.decode("utf-16-le").split("\0", 1)[0]


def _multi_sz(raw: bytes, where: str) -> tuple[str, ...]:
    if len(raw) % 2:
        raise RegFileError("%s: REG_MULTI_SZ data has an odd number of bytes (%d)" % (where, len(raw)))
    items: list[str] = []
    for item in raw.decode("utf-16-le").split("\0"):
        if not item:  # an empty string ends a REG_MULTI_SZ list
            break
        items.append(item)
    return tuple(items)


def _parse_data(data: str, where: str) -> tuple[int, object]:
    if data.startswith('"'):
        text, rest = _read_quoted(data, where)
        if rest.strip():
            raise RegFileError("%s: unexpected text after the closing quote: %r" % (where, rest.strip()))
        return REG_SZ, text
    if data[:6].lower() == "dword:":
        digits = data[6:].strip()
        if not re.fullmatch(r"[0-9a-fA-F]{1,8}", digits):
            raise RegFileError("%s: bad dword %r (expected up to 8 hex digits, e.g. dword:0000000a)" % (where, digits))
        return REG_DWORD, int(digits, 16)
    match = _HEX_TYPE_RE.match(data)
    if not match:
        raise RegFileError('%s: unknown value data %r (expected "text", dword:, hex:, hex(N): or -)' % (where, data))
    type_code = REG_BINARY if match.group(1) is None else int(match.group(1), 16)
    raw = _hex_bytes(data[match.end() :], where)
    if type_code in (REG_SZ, REG_EXPAND_SZ):
        return type_code, _utf16_string(raw, where)
    if type_code == REG_MULTI_SZ:
        return type_code, _multi_sz(raw, where)
    if type_code in (REG_DWORD, REG_QWORD):
        size = 4 if type_code == REG_DWORD else 8
        if len(raw) != size:
            raise RegFileError("%s: hex(%x) data must be %d bytes, got %d" % (where, type_code, size, len(raw)))
        return type_code, int.from_bytes(raw, "little")
    if type_code == REG_BINARY:
        return type_code, raw
    raise RegFileError("%s: registry type hex(%x) is not supported" % (where, type_code))


def _parse_key(path: str, where: str) -> str:
    root, _sep, rest = path.strip().partition("\\")
    if root.upper() not in (HKLM_ROOT, "HKLM") or not rest.strip("\\"):
        raise RegFileError("%s: only keys below %s are supported, got [%s]" % (where, HKLM_ROOT, path))
    return rest.strip("\\")


def parse_reg(text: str) -> list[RegOp]:
    """The ops of a .reg text (str: decode bytes with ``decode_reg`` first). Raises RegFileError with the line."""
    if not isinstance(text, str):
        hint = ": decode the file's bytes with decode_reg first" if isinstance(text, (bytes, bytearray)) else ""
        raise RegFileError("parse_reg takes the text of a .reg file (str), got %s%s" % (type(text).__name__, hint))
    lines = _logical_lines(text)
    if not lines or lines[0][1] != REG_HEADER:
        found = lines[0][1] if lines else "an empty file"
        raise RegFileError("line %d: expected %r as the first line, got %r"
                           % (lines[0][0] if lines else 1, REG_HEADER, found))
    ops: list[RegOp] = []
    key: str | None = None
    deleting = False
    empty_header = False
    for number, line in lines[1:]:
        where = "line %d" % number
        if line.startswith("["):
            if empty_header and key is not None:
                ops.append(CreateKey(key))
            if not line.endswith("]"):
                raise RegFileError("%s: key header without closing bracket: %s" % (where, line))
            deleting = line.startswith("[-")
            key = _parse_key(line[2:-1] if deleting else line[1:-1], where)
            if deleting:
                ops.append(DeleteKey(key))
            empty_header = not deleting
            continue
        if key is None or deleting:
            raise RegFileError("%s: value line outside a key block: %s" % (where, line))
        if line.startswith("@"):
            name, rest = "", line[1:]
        elif line.startswith('"'):
            name, rest = _read_quoted(line, where)
        else:
            raise RegFileError('%s: expected [KEY], "Name"=data or @=data, got %r' % (where, line))
        rest = rest.lstrip()
        if not rest.startswith("="):
            raise RegFileError("%s: missing '=' after the value name in %r" % (where, line))
        data = rest[1:].strip()
        where = '%s ("%s")' % (where, name or "@")
        if data == "-":
            ops.append(DeleteValue(key, name))
        else:
            type_code, parsed = _parse_data(data, where)
            ops.append(SetValue(RegValue(key, name, type_code, parsed)))
        empty_header = False
    if empty_header and key is not None:
        ops.append(CreateKey(key))
    return ops


# ------------------------------------------------------------------------------------- changes and backups


def backup_ops(changes: Iterable[Change], snapshot: Snapshot) -> list[RegOp]:
    """Ops that undo ``changes`` and nothing else: from the state after them back to what ``snapshot`` recorded.

    Only what the changes wrote is restored: a key that held a changed value and did not exist before (a leaf key
    the change created) is deleted (``[-KEY]``); in a key that existed, each changed value gets its prior data back
    or, when it did not exist, is deleted (``"Name"=-``). Parents the change had to create are left in place,
    empty: deleting them would also delete whatever a GPO or another tool put under them since (IIS Crypto's own
    /backup deletes the ``Client``/``Server`` leaf keys and writes ``"Functions"=-``, RegBackupHOTH.reg). Key
    deletions come first, as in that file, then the values, grouped by key in the order the changes name them.
    A key the snapshot knows nothing about counts as existing.
    """
    deleted: dict[str, str] = {}
    restores: dict[str, list[RegOp]] = {}
    seen: set[ValueId] = set()
    for change in changes:
        if snapshot.key_exists(change.key) is False:
            deleted.setdefault(key_id(change.key), change.key.strip("\\"))
            continue
        vid = value_id(change.key, change.name)
        if vid in seen:
            continue
        seen.add(vid)
        prior = snapshot.values.get(vid)
        if prior is None and change.before is not None:
            prior = RegValue(change.key, change.name, change.prior_type or change.type, change.before)
        op: RegOp = SetValue(prior) if prior is not None else DeleteValue(change.key, change.name)
        restores.setdefault(key_id(change.key), []).append(op)
    ops: list[RegOp] = [DeleteKey(key) for key in deleted.values()]
    for key_ops in restores.values():
        ops.extend(key_ops)
    return ops
