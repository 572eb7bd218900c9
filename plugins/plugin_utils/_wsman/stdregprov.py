# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The WMI registry provider ``StdRegProv`` over WS-Management, and snapshot reading at the call floor.

StdRegProv has no batch read: every Get/Set/Enum is one WMI method call, i.e. one WS-Man request (MOF signatures:
learn.microsoft.com/previous-versions/windows/desktop/regprov/<method>-method-in-class-stdregprov). Methods report
registry errors in ``ReturnValue`` ("0 if successful ... nonzero error code that is defined in WinError.h",
StdRegProv method docs) or as a WBEM status (WbemErrorEnum, wbemdisp.h), never as SOAP faults; SOAP faults surface
as WsmanFault.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence

from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import (
    HKLM,
    REG_BINARY,
    REG_DWORD,
    REG_EXPAND_SZ,
    REG_MULTI_SZ,
    REG_QWORD,
    REG_SZ,
    Change,
    RegValue,
    Snapshot,
    key_id,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import HostError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.client import (
    WMI_URI,
    MethodResult,
    ParamValue,
    WsmanClient,
    WsmanProtocolError,
)

# hDefKey values (StdRegProv method docs; openwsman bindings/ruby/tests/win32_registry.rb); HKLM from module_utils.
HIVE_NAMES = {
    2147483648: "HKCR",
    2147483649: "HKCU",
    HKLM: "HKLM",
    2147483651: "HKU",
    2147483653: "HKCC",
}

# CheckAccess uRequired bits (StdRegProv CheckAccess doc): KEY_QUERY_VALUE 1 | KEY_SET_VALUE 2.
KEY_QUERY_VALUE = 1
KEY_SET_VALUE = 2

ERROR_SUCCESS = 0
ERROR_FILE_NOT_FOUND = 2
ERROR_ACCESS_DENIED = 5

# What a Get*Value answers on real Windows for a value that is not there: 1 when the key exists without the value
# (GetMultiStringValue: 2), 2 when the key is missing (networkoptix/nx_system_tests os_access/_windows_registry.py
# "if e.return_value == 1: raise ValueNotFoundError"; ApSidorov/RemoteCimRegistry: "All cdxml functions return
# ReturnValue = 1 if no value was found. BUT! Get-cdxmlMultiStringValue returns 2"). Both mean "absent".
VALUE_ABSENT_CODES = frozenset({1, ERROR_FILE_NOT_FOUND})

# Names of the codes a StdRegProv method returns. Win32: WinError.h (learn.microsoft.com/windows/win32/debug/
# system-error-codes--0-499-, --1000-1299-). WBEM: WbemErrorEnum (wbemdisp.h) / WBEMSTATUS (wbemcli.h).
RETURN_CODE_NAMES = {
    1: "ERROR_INVALID_FUNCTION",
    2: "ERROR_FILE_NOT_FOUND",
    3: "ERROR_PATH_NOT_FOUND",
    5: "ERROR_ACCESS_DENIED",
    6: "ERROR_INVALID_HANDLE",
    87: "ERROR_INVALID_PARAMETER",
    161: "ERROR_BAD_PATHNAME",
    234: "ERROR_MORE_DATA",
    1009: "ERROR_BADDB",
    1010: "ERROR_BADKEY",
    1011: "ERROR_CANTOPEN",
    1012: "ERROR_CANTREAD",
    1013: "ERROR_CANTWRITE",
    1018: "ERROR_KEY_DELETED",
    0x80041001: "WBEM_E_FAILED",
    0x80041002: "WBEM_E_NOT_FOUND",
    0x80041003: "WBEM_E_ACCESS_DENIED",
    0x80041004: "WBEM_E_PROVIDER_FAILURE",
    0x80041005: "WBEM_E_TYPE_MISMATCH",
    0x80041006: "WBEM_E_OUT_OF_MEMORY",
    0x80041008: "WBEM_E_INVALID_PARAMETER",
    0x8004100C: "WBEM_E_NOT_SUPPORTED",
    0x8004100E: "WBEM_E_INVALID_NAMESPACE",
    0x80041010: "WBEM_E_INVALID_CLASS",
    0x80041013: "WBEM_E_PROVIDER_LOAD_FAILURE",
    0x80041017: "WBEM_E_INVALID_QUERY",
    0x80041019: "WBEM_E_ALREADY_EXISTS",
}


def describe_return_code(code: int) -> str:
    """``2147749893 (0x80041005) WBEM_E_TYPE_MISMATCH``; small Win32 codes without hex."""
    name = RETURN_CODE_NAMES.get(code, "unknown code")
    if code > 0xFFFF:
        return "%d (0x%08X) %s" % (code, code, name)
    return "%d %s" % (code, name)


def hive_path(hive: int, key: str) -> str:
    """``HKLM\\SYSTEM\\...``: a hive-relative key with its hive's short name."""
    return "%s\\%s" % (HIVE_NAMES.get(hive, str(hive)), key.strip("\\"))


class RegistryError(HostError):
    """A StdRegProv method returned a nonzero ReturnValue (``code``)."""

    def __init__(self, method: str, key: str, name: str | None, code: int, hive: int = HKLM) -> None:
        self.method = method
        self.key = key
        self.name = name
        self.code = code
        self.hive = hive
        path = hive_path(hive, key)
        target = path if name is None else '%s, value "%s"' % (path, name)
        super().__init__("StdRegProv.%s(%s) returned %s" % (method, target, describe_return_code(code)), code=code)
        self.code = code


class RegistryNotFound(RegistryError):
    """ReturnValue 2 (ERROR_FILE_NOT_FOUND): the key or value does not exist."""


class RegistryAccessDenied(RegistryError):
    """ReturnValue 5 (ERROR_ACCESS_DENIED): the account may not read/write this key."""


class WmiReturnCodeError(RegistryError):
    """Any other nonzero ReturnValue (a Win32 or WBEM code, named in the message)."""


class UnsupportedValueType(HostError):
    """A value whose REG_* type has no typed StdRegProv getter or setter (REG_NONE, REG_LINK, ...)."""

    def __init__(self, key: str, name: str, reg_type: int, hive: int = HKLM, access: str = "getter") -> None:
        self.key, self.name, self.reg_type = key, name, reg_type
        super().__init__(
            '%s, value "%s": registry type %d has no StdRegProv %s' % (hive_path(hive, key), name, reg_type, access),
            code=reg_type,
        )


class StdRegProv:
    """Typed StdRegProv methods on one hive (HKLM by default) of one host.

    Reads return None when the key or value does not exist (ReturnValue 2 for a key, 1 or 2 for a value); writes
    raise RegistryNotFound for a missing key.
    Key paths are hive-relative with backslashes; ``/`` is part of a key name (``AES 128/128``).
    """

    def __init__(self, client: WsmanClient, namespace: str = "root/default", hive: int = HKLM) -> None:
        # StdRegProv is a singleton in root\default (and root\cimv2): no selectors
        # (Openwsman bindings/ruby/tests/win32_registry.rb; StdRegProv class docs).
        self.client = client
        self.hive = hive
        self.resource_uri = "%s/%s/StdRegProv" % (WMI_URI, namespace.replace("\\", "/").strip("/"))

    # -- enumeration ----------------------------------------------------------------------------------------

    def enum_key(self, key: str) -> list[str] | None:
        """Subkey names, or None when ``key`` does not exist."""
        result = self._read("EnumKey", key, None)
        return None if result is None else result.out.get("sNames", [])

    def enum_values(self, key: str) -> list[tuple[str, int]] | None:
        """``[(value name, REG_* type)]``, or None when ``key`` does not exist.

        sNames and Types are parallel arrays; both are omitted when the key holds no named values
        (EnumValues doc: "Returns null if only the default value is available").
        """
        result = self._read("EnumValues", key, None)
        if result is None:
            return None
        names = result.out.get("sNames", [])
        types = result.out.get("Types", [])
        if len(names) != len(types):
            raise WsmanProtocolError(
                "EnumValues(%s) returned %d names but %d types" % (key, len(names), len(types))
            )
        return [(name, int(reg_type)) for name, reg_type in zip(names, types, strict=True)]

    # -- typed reads ----------------------------------------------------------------------------------------

    def get_dword(self, key: str, name: str) -> int | None:
        return self._get_int("GetDWORDValue", key, name)

    def get_qword(self, key: str, name: str) -> int | None:
        return self._get_int("GetQWORDValue", key, name)

    def get_string(self, key: str, name: str) -> str | None:
        result = self._read("GetStringValue", key, name)
        return None if result is None else result.first("sValue") or ""

    def get_expanded_string(self, key: str, name: str) -> str | None:
        """A REG_EXPAND_SZ value; WMI returns it with environment variables expanded (GetExpandedStringValue doc)."""
        result = self._read("GetExpandedStringValue", key, name)
        return None if result is None else result.first("sValue") or ""

    def get_multi_string(self, key: str, name: str) -> tuple[str, ...] | None:
        result = self._read("GetMultiStringValue", key, name)
        return None if result is None else tuple(result.out.get("sValue", []))

    def get_binary(self, key: str, name: str) -> bytes | None:
        result = self._read("GetBinaryValue", key, name)
        return None if result is None else bytes(int(octet) for octet in result.out.get("uValue", []))

    # -- writes ---------------------------------------------------------------------------------------------

    def set_dword(self, key: str, name: str, value: int) -> None:
        self._check_range(value, 32, key, name)
        self._write("SetDWORDValue", key, name, [("sValueName", name), ("uValue", value)])

    def set_qword(self, key: str, name: str, value: int) -> None:
        self._check_range(value, 64, key, name)
        self._write("SetQWORDValue", key, name, [("sValueName", name), ("uValue", value)])

    def set_string(self, key: str, name: str, value: str) -> None:
        self._write("SetStringValue", key, name, [("sValueName", name), ("sValue", value)])

    def set_expanded_string(self, key: str, name: str, value: str) -> None:
        self._write("SetExpandedStringValue", key, name, [("sValueName", name), ("sValue", value)])

    def set_binary(self, key: str, name: str, value: bytes) -> None:
        """uValue is a uint8[]: one element per byte (SetBinaryValue doc); an empty value cannot be sent."""
        if not value:
            raise ValueError('%s, value "%s": REG_BINARY needs at least one byte' % (hive_path(self.hive, key), name))
        self._write("SetBinaryValue", key, name, [("sValueName", name), ("uValue", [str(b) for b in value])])

    def set_multi_string(self, key: str, name: str, value: Sequence[str]) -> None:
        """Replace the whole list (SetMultiStringValue overwrites, TechNet ee176785).

        An empty list cannot be sent: WS-Man encodes an array as repeated elements, so zero items is a null
        parameter. Delete the value instead.
        """
        if isinstance(value, str) or not value:
            raise ValueError(
                '%s, value "%s": a REG_MULTI_SZ needs a non-empty list of strings' % (hive_path(self.hive, key), name)
            )
        self._write("SetMultiStringValue", key, name, [("sValueName", name), ("sValue", list(value))])

    def create_key(self, key: str) -> None:
        """Create ``key`` and any missing parents (CreateKey doc); existing keys are left as they are."""
        self._write("CreateKey", key, None, [])

    def delete_value(self, key: str, name: str) -> None:
        self._write("DeleteValue", key, name, [("sValueName", name)])

    def delete_key(self, key: str) -> None:
        """Delete ``key``; StdRegProv does not delete subkeys recursively (DeleteKey doc)."""
        self._write("DeleteKey", key, None, [])

    def check_access(self, key: str, required: int = KEY_QUERY_VALUE | KEY_SET_VALUE) -> bool:
        """Whether the connected account holds ``required`` rights on ``key`` (CheckAccess, uRequired default 3).

        A denial may come back as bGranted false or as ReturnValue 5 (ERROR_ACCESS_DENIED); both mean "no".
        A missing key raises RegistryNotFound.
        """
        result = self._invoke("CheckAccess", key, [("uRequired", required)])
        if result.return_value == ERROR_ACCESS_DENIED:
            return False
        self._raise_for(result.return_value, "CheckAccess", key, None)
        return (result.first("bGranted") or "").strip().casefold() == "true"

    # -- plumbing -------------------------------------------------------------------------------------------

    def _check_range(self, value: int, bits: int, key: str, name: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << bits:
            raise ValueError(
                '%s, value "%s": %r is not an unsigned %d-bit integer' % (hive_path(self.hive, key), name, value, bits)
            )

    def _invoke(self, method: str, key: str, extra: Sequence[tuple[str, ParamValue]]) -> MethodResult:
        params: list[tuple[str, ParamValue]] = [("hDefKey", self.hive), ("sSubKeyName", key.strip("\\"))]
        params.extend(extra)
        return self.client.invoke(self.resource_uri, method, params)

    def _read(self, method: str, key: str, name: str | None) -> MethodResult | None:
        """The answer of a read, or None when the key (Enum*: 2) or the value (Get*Value: 1 or 2) is absent."""
        result = self._invoke(method, key, [] if name is None else [("sValueName", name)])
        absent = {ERROR_FILE_NOT_FOUND} if name is None else VALUE_ABSENT_CODES
        if result.return_value in absent:
            return None
        self._raise_for(result.return_value, method, key, name)
        return result

    def _get_int(self, method: str, key: str, name: str) -> int | None:
        result = self._read(method, key, name)
        if result is None:
            return None
        text = result.first("uValue")
        if text is None:
            raise WsmanProtocolError("%s(%s, %s) succeeded without uValue" % (method, key, name))
        return int(text)

    def _write(self, method: str, key: str, name: str | None, extra: Sequence[tuple[str, ParamValue]]) -> None:
        self._raise_for(self._invoke(method, key, extra).return_value, method, key, name)

    def _raise_for(self, code: int, method: str, key: str, name: str | None) -> None:
        if code == ERROR_SUCCESS:
            return
        error_type: type[RegistryError] = {
            ERROR_FILE_NOT_FOUND: RegistryNotFound,
            ERROR_ACCESS_DENIED: RegistryAccessDenied,
        }.get(code, WmiReturnCodeError)
        raise error_type(method, key.strip("\\"), name, code, self.hive)


def read_value(reg: StdRegProv, key: str, name: str, reg_type: int) -> RegValue | None:
    """One typed Get for a value whose type EnumValues reported; None if it vanished in between."""
    data: int | str | bytes | tuple[str, ...] | None
    if reg_type == REG_DWORD:
        data = reg.get_dword(key, name)
    elif reg_type == REG_QWORD:
        data = reg.get_qword(key, name)
    elif reg_type == REG_SZ:
        data = reg.get_string(key, name)
    elif reg_type == REG_EXPAND_SZ:
        data = reg.get_expanded_string(key, name)
    elif reg_type == REG_MULTI_SZ:
        data = reg.get_multi_string(key, name)
    elif reg_type == REG_BINARY:
        data = reg.get_binary(key, name)
    else:
        raise UnsupportedValueType(key, name, reg_type, reg.hive)
    return None if data is None else RegValue(key=key, name=name, type=reg_type, data=data)


WBEM_E_TYPE_MISMATCH = 0x80041005

# The getter to try first for a value the desired state wants absent (its type is not in the desired state):
# the catalog stores suite orders as REG_SZ and curve orders as REG_MULTI_SZ, everything else it manages as
# REG_DWORD. A wrong guess costs one WBEM_E_TYPE_MISMATCH answer and an EnumValues, never a wrong result.
_ABSENT_TYPE_GUESS = {"functions": REG_SZ, "ecccurves": REG_MULTI_SZ}


def read_desired(
    reg: StdRegProv,
    wanted: Iterable[tuple[str, str, int | None]],
    containers: Iterable[str] = (),
) -> Snapshot:
    """Read the values ``wanted`` (key, name, expected type or None) at the call floor: one typed Get each.

    StdRegProv has no batch read, so one request per value is the floor (an EnumValues per key first, to learn
    the types, would cost a request per key more). A Get answering WBEM_E_TYPE_MISMATCH (the value holds another
    type) costs one EnumValues of its key and a Get with the right getter. ``containers`` are parent keys holding
    many managed keys that a fresh Windows mostly lacks (the SCHANNEL Protocols key): one EnumKey each tells which
    children exist, and no value under a missing child is read. The snapshot records every key known to exist or be
    missing.
    """
    snapshot = Snapshot()
    children: dict[str, set[str] | None] = {}
    for container in containers:
        names = reg.enum_key(container)
        children[key_id(container)] = None if names is None else {n.casefold() for n in names}
        (snapshot.missing_keys if names is None else snapshot.existing_keys).add(key_id(container))
    for key, name, expected in wanted:
        if _known_missing(key, children, snapshot):
            snapshot.missing_keys.add(key_id(key))
            continue
        reg_type = expected or _ABSENT_TYPE_GUESS.get(name.casefold(), REG_DWORD)
        try:
            value = read_value(reg, key, name, reg_type)
        except WmiReturnCodeError as error:
            if error.code != WBEM_E_TYPE_MISMATCH:
                raise
            listing = dict((n.casefold(), t) for n, t in reg.enum_values(key) or [])
            actual = listing.get(name.casefold())
            value = None if actual is None else read_value(reg, key, name, actual)
        if value is not None:
            snapshot.values[value.id] = value
            snapshot.existing_keys.add(key_id(key))
    return snapshot


def _known_missing(key: str, children: Mapping[str, set[str] | None], snapshot: Snapshot) -> bool:
    kid = key_id(key)
    if kid in snapshot.missing_keys:
        return True
    for container, names in children.items():
        if kid.startswith(container + "\\"):
            child = kid[len(container) + 1:].split("\\", 1)[0]
            if names is None or child not in names:
                if names is not None:  # the topmost missing key: a restore deletes it with everything below
                    snapshot.missing_keys.add(container + "\\" + child)
                return True
    return False


def learn_key_existence(reg: StdRegProv, keys: Iterable[str], snapshot: Snapshot) -> None:
    """Make ``snapshot`` know whether each of ``keys`` and its missing ancestors exist, one EnumKey per parent.

    Needed before writing under keys the reads left unknown (every value absent): a key that did not exist must be
    created, and deleted again by a restore, together with the topmost ancestor that was missing too.
    """
    listed: dict[str, set[str] | None] = {}
    for key in keys:
        path = key.strip("\\")
        while snapshot.key_exists(path) is None and "\\" in path:
            parent, child = path.rsplit("\\", 1)
            pid = key_id(parent)
            if pid not in listed:
                names = reg.enum_key(parent)
                listed[pid] = None if names is None else {n.casefold() for n in names}
            names = listed[pid]
            exists = names is not None and child.casefold() in names
            (snapshot.existing_keys if exists else snapshot.missing_keys).add(key_id(path))
            if names is not None:
                snapshot.existing_keys.add(pid)
                break
            path = parent


def write_change(reg: StdRegProv, change: Change, key_exists: bool | None = None) -> bool:
    """Write one Change; return True when it had to create the change's key.

    A deletion of a value already gone counts as done (a re-run after a lost connection). A write opens the key
    (Set*Value never creates one: ReturnValue 2), so: a key known to exist gets the Set alone, a key known missing
    gets CreateKey first (it creates missing parents too), a key of unknown existence gets the Set and, only on
    ReturnValue 2, CreateKey and the Set again.
    """
    if change.after is None:
        with contextlib.suppress(RegistryNotFound):
            reg.delete_value(change.key, change.name)
        return False
    setters = {REG_DWORD: reg.set_dword, REG_QWORD: reg.set_qword, REG_SZ: reg.set_string,
               REG_MULTI_SZ: reg.set_multi_string, REG_EXPAND_SZ: reg.set_expanded_string,
               REG_BINARY: reg.set_binary}
    setter = setters.get(change.type)
    if setter is None:
        raise UnsupportedValueType(change.key, change.name, change.type, reg.hive, access="setter")
    if key_exists is False:
        reg.create_key(change.key)
        setter(change.key, change.name, change.after)
        return True
    try:
        setter(change.key, change.name, change.after)
    except RegistryNotFound:
        if key_exists:
            raise
        reg.create_key(change.key)
        setter(change.key, change.name, change.after)
        return True
    return False
