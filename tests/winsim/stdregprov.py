"""WMI ``StdRegProv`` method semantics over one host's registry.

Signatures: MS docs "<method> method of the StdRegProv class". Errors are the method's ReturnValue, not SOAP faults
(networkoptix/nx_system_tests@7469580 ``os_access/_winrm.py``: "return_value not in ['0', None]" raises
WmiInvokeFailed carrying the ReturnValue). Out-parameters appear before ``ReturnValue`` (real EnumKey capture,
Openwsman EnumKey.xml). Out-parameters of a failed call and empty arrays are left out: WS-Man omits null and empty
array properties (Pennyw0rth/NetExec PR #1392).

The ReturnValue of each case follows what code that ran against real Windows records (sources at each rule below;
excerpts in tests/winsim/README.md, "Sourced and unsourced behaviours"):
[NX] networkoptix/nx_system_tests@7469580cfa87 os_access/_windows_registry.py and its tests against Windows VMs;
[RCR] ApSidorov/RemoteCimRegistry@6f33a225a80f RemoteCimRegistry.psm1 (observed-behaviour comments) and its tests;
[SAGSA] SAGSA/SystemInfo@a67681b2fcee Function/Registry.ps1 error table.

Choices where no source was found (listed as unsourced in tests/winsim/README.md):
- Only HKEY_LOCAL_MACHINE is modelled; any other hDefKey answers ReturnValue 2.
- A missing sValueName means the key's default value (""); a missing sSubKeyName means the hive root.
- A missing or malformed data parameter (uValue, sValue; SetMultiStringValue's sValue excepted, see _set), a
  number out of its CIM range, or an unknown parameter name raises ``WmiMethodError("InvalidParameter")`` (WMI
  rejects ill-typed arguments before the provider runs).
- Under ``deny_writes`` every write method returns 5 and changes nothing, even for a missing key.
- DeleteKey of the hive root returns 5; CreateKey/Set*Value on a path with an empty component returns 2.
- A getter of one string type on a value of the other (GetStringValue on REG_EXPAND_SZ and back) answers
  WBEM_E_TYPE_MISMATCH like every other type pair (sourced only for REG_SZ <-> REG_DWORD, [NX] test_get_wrong_type).
- GetExpandedStringValue expands %SystemRoot% and %windir% only.
- DeleteValue of a missing value in an existing key returns 2 ([RCR] says so; the code of a Get's missing value, 1,
  is not used there).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

from .registry_store import Registry, split_path
from .windows_facts import HKLM, REG_BINARY, REG_DWORD, REG_EXPAND_SZ, REG_MULTI_SZ, REG_QWORD, REG_SZ

WmiValue = str | int | bool | datetime.datetime | None | list[str | int]

ERROR_SUCCESS = 0
# A Get*Value of a value missing from an existing key: [RCR] "All cdxml functions return ReturnValue = 1 if no value
# was found"; [NX] "if e.return_value == 1: raise ValueNotFoundError"; [SAGSA] "1"="Value doesn't exist".
VALUE_NOT_FOUND = 1
ERROR_FILE_NOT_FOUND = 2  # a missing key ([NX] KeyNotFoundError on 2; [SAGSA] "2"="Key doesn't exist")
ERROR_ACCESS_DENIED = 5  # [SAGSA] "5"="Access Denied"; [RCR] CheckAccess/DeleteKey
# A Get*Value of a value of another type, as ReturnValue: [NX] "elif e.return_value == 0x80041005: raise TypeError"
# with test_get_wrong_type against a Windows VM; [RCR] "ReturnValue -eq 2147749893" "has different data type".
WBEM_E_TYPE_MISMATCH = 2147749893  # 0x80041005, WbemErrorEnum (MS docs "WMI Error Constants")

# CheckAccess uRequired bits (CheckAccess doc; Win32 registry access rights).
KEY_SET_VALUE = 0x2
KEY_CREATE_SUB_KEY = 0x4
KEY_CREATE_LINK = 0x20
DELETE = 0x10000
WRITE_DAC = 0x40000
WRITE_OWNER = 0x80000
WRITE_ACCESS_BITS = KEY_SET_VALUE | KEY_CREATE_SUB_KEY | KEY_CREATE_LINK | DELETE | WRITE_DAC | WRITE_OWNER

UINT32_MAX = 0xFFFFFFFF
UINT64_MAX = 0xFFFFFFFFFFFFFFFF
_ENV = {"systemroot": "C:\\Windows", "windir": "C:\\Windows"}


class WmiMethodError(Exception):
    """A WMI-level failure of a method call (the network side turns it into a WS-Man fault)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


# method -> (accepted in-parameters, is a write). Parameter names per the MOF signatures.
_METHODS: dict[str, tuple[tuple[str, ...], bool]] = {
    "EnumKey": (("hDefKey", "sSubKeyName"), False),
    "EnumValues": (("hDefKey", "sSubKeyName"), False),
    "GetStringValue": (("hDefKey", "sSubKeyName", "sValueName"), False),
    "GetExpandedStringValue": (("hDefKey", "sSubKeyName", "sValueName"), False),
    "GetMultiStringValue": (("hDefKey", "sSubKeyName", "sValueName"), False),
    "GetDWORDValue": (("hDefKey", "sSubKeyName", "sValueName"), False),
    "GetQWORDValue": (("hDefKey", "sSubKeyName", "sValueName"), False),
    "GetBinaryValue": (("hDefKey", "sSubKeyName", "sValueName"), False),
    "SetStringValue": (("hDefKey", "sSubKeyName", "sValueName", "sValue"), True),
    "SetExpandedStringValue": (("hDefKey", "sSubKeyName", "sValueName", "sValue"), True),
    "SetMultiStringValue": (("hDefKey", "sSubKeyName", "sValueName", "sValue"), True),
    "SetDWORDValue": (("hDefKey", "sSubKeyName", "sValueName", "uValue"), True),
    "SetQWORDValue": (("hDefKey", "sSubKeyName", "sValueName", "uValue"), True),
    "SetBinaryValue": (("hDefKey", "sSubKeyName", "sValueName", "uValue"), True),
    "CreateKey": (("hDefKey", "sSubKeyName"), True),
    "DeleteKey": (("hDefKey", "sSubKeyName"), True),
    "DeleteValue": (("hDefKey", "sSubKeyName", "sValueName"), True),
    "CheckAccess": (("hDefKey", "sSubKeyName", "uRequired"), False),
}
GETTERS = {
    "GetStringValue": (REG_SZ, "sValue"),
    "GetExpandedStringValue": (REG_EXPAND_SZ, "sValue"),
    "GetMultiStringValue": (REG_MULTI_SZ, "sValue"),
    "GetDWORDValue": (REG_DWORD, "uValue"),
    "GetQWORDValue": (REG_QWORD, "uValue"),
    "GetBinaryValue": (REG_BINARY, "uValue"),
}
SETTERS = {
    "SetStringValue": REG_SZ,
    "SetExpandedStringValue": REG_EXPAND_SZ,
    "SetMultiStringValue": REG_MULTI_SZ,
    "SetDWORDValue": REG_DWORD,
    "SetQWORDValue": REG_QWORD,
    "SetBinaryValue": REG_BINARY,
}
_METHOD_BY_FOLD = {m.casefold(): m for m in _METHODS}


def value_missing_code(getter: str) -> int:
    """ReturnValue of ``getter`` for a value missing from an existing key.

    [RCR]: "All cdxml functions return ReturnValue = 1 if no value was found. BUT! Get-cdxmlMultiStringValue returns 2
    (the same as 'no key was found')"; the default value too ([RCR] Get-DefaultValueType: "ReturnValue -eq 1 ...
    Default Value is not present").
    """
    return ERROR_FILE_NOT_FOUND if getter == "GetMultiStringValue" else VALUE_NOT_FOUND


def _parse_uint(text: str, maximum: int, param: str) -> int:
    """A CIM unsigned integer from its WS-Man text; out of range or not a number -> InvalidParameter."""
    try:
        value = int(text.strip(), 10)
    except ValueError:
        raise WmiMethodError("InvalidParameter", f"{param}: {text!r} is not an unsigned integer") from None
    if not 0 <= value <= maximum:
        raise WmiMethodError("InvalidParameter", f"{param}: {value} is out of range 0..{maximum}")
    return value


class _Args:
    """In-parameters by case-insensitive name; repeated names form an array, in request order."""

    def __init__(self, method: str, params: list[tuple[str, str]]) -> None:
        accepted = {p.casefold(): p for p in _METHODS[method][0]}
        self._values: dict[str, list[str]] = {}
        for name, text in params:
            canonical = accepted.get(name.casefold())
            if canonical is None:
                raise WmiMethodError("InvalidParameter", f"{method} has no parameter {name!r}")
            self._values.setdefault(canonical, []).append(text)

    def text(self, name: str, default: str | None = None) -> str | None:
        values = self._values.get(name)
        if values is None:
            return default
        if len(values) != 1:
            raise WmiMethodError("InvalidParameter", f"{name} must be a single value")
        return values[0]

    def array(self, name: str) -> list[str] | None:
        return self._values.get(name)


class StdRegProv:
    """Executes StdRegProv methods against ``registry``; ``record`` journals a write before it is applied."""

    def __init__(self, registry: Registry, record: Callable[[dict], None]) -> None:
        self.registry = registry
        self._record = record

    def call(self, method: str, params: list[tuple[str, str]], *, deny_writes: bool = False
             ) -> list[tuple[str, WmiValue]]:
        canonical = _METHOD_BY_FOLD.get(method.casefold())
        if canonical is None:
            raise WmiMethodError("MethodNotFound", f"StdRegProv has no method {method!r} in this simulator")
        args = _Args(canonical, params)
        hive = _parse_uint(args.text("hDefKey", str(HKLM)) or "", UINT32_MAX, "hDefKey")
        subkey = args.text("sSubKeyName", "") or ""
        is_write = _METHODS[canonical][1]
        if is_write:
            self._validate_write_data(canonical, args)  # ill-typed arguments fail before any access check
        if hive != HKLM:
            return self._result(ERROR_FILE_NOT_FOUND)
        if is_write and deny_writes:
            return self._result(ERROR_ACCESS_DENIED)
        handler = getattr(self, f"_{canonical}", None)
        if handler is not None:
            return handler(subkey, args, deny_writes)
        if canonical in GETTERS:
            return self._get(canonical, subkey, args)
        return self._set(canonical, subkey, args)

    @staticmethod
    def _result(code: int, *outs: tuple[str, WmiValue]) -> list[tuple[str, WmiValue]]:
        return [*outs, ("ReturnValue", code)]

    # --- reads -------------------------------------------------------------------------------------------------
    def _EnumKey(self, subkey: str, args: _Args, deny_writes: bool) -> list[tuple[str, WmiValue]]:
        key = self.registry.find(subkey)
        if key is None:
            return self._result(ERROR_FILE_NOT_FOUND)
        names = [k.name for k in key.sorted_subkeys()]
        return self._result(ERROR_SUCCESS, *([("sNames", names)] if names else []))

    def _EnumValues(self, subkey: str, args: _Args, deny_writes: bool) -> list[tuple[str, WmiValue]]:
        key = self.registry.find(subkey)
        if key is None:
            return self._result(ERROR_FILE_NOT_FOUND)  # [NX] list_values: "if e.return_value == 2: KeyNotFoundError"
        values = list(key.values.values())
        if [v.name for v in values] == [""]:
            # A key holding only its default value enumerates as empty: [RCR] Get-RegistryValue help "If the Default
            # value is the only value ever created in a key, it's 'hidden' from WMI enumeration"; its tests "contains
            # only the Default value that is not enumerated by WMI"; EnumValues doc "Returns null if only the default
            # value is available"; koswald/VBScript class/RegistryUtility.md. Beside named values it is listed (name
            # "", in the hive's value order). Not modelled: "ever created" (a key whose named values were deleted).
            values = []
        if not values:
            # ReturnValue 0 with sNames/Types absent: [NX] test_list_empty_key (HKLM\SOFTWARE against a Windows VM)
            # and `response.get(... 'sNames', [])`; [RCR] mock "ReturnValue = 0; sNames = $null; Types = $null".
            return self._result(ERROR_SUCCESS)
        return self._result(ERROR_SUCCESS, ("sNames", [v.name for v in values]), ("Types", [v.type for v in values]))

    def _get(self, method: str, subkey: str, args: _Args) -> list[tuple[str, WmiValue]]:
        expected, out_name = GETTERS[method]
        key = self.registry.find(subkey)
        if key is None:
            return self._result(ERROR_FILE_NOT_FOUND)
        value = key.values.get((args.text("sValueName", "") or "").casefold())
        if value is None:
            return self._result(value_missing_code(method))
        if value.type != expected:
            return self._result(WBEM_E_TYPE_MISMATCH)
        data = value.data
        if expected == REG_EXPAND_SZ:
            data = re.sub(r"%([^%]+)%", lambda m: _ENV.get(m.group(1).casefold(), m.group(0)), str(data))
        elif isinstance(data, list):
            data = list(data)
            if not data:  # an empty REG_MULTI_SZ / REG_BINARY is an empty array, which WS-Man omits
                return self._result(ERROR_SUCCESS)
        return self._result(ERROR_SUCCESS, (out_name, data))

    def _CheckAccess(self, subkey: str, args: _Args, deny_writes: bool) -> list[tuple[str, WmiValue]]:
        required = _parse_uint(args.text("uRequired", "3") or "", UINT32_MAX, "uRequired")  # MOF default 3
        if self.registry.find(subkey) is None:
            return self._result(ERROR_FILE_NOT_FOUND)  # [RCR] CheckAccess: "ReturnValue -eq 2 # The path doesn't found"
        if deny_writes and required & WRITE_ACCESS_BITS:
            # [RCR] CheckAccess: "Elseif ($TestAccessOutput.ReturnValue -ne 5)" (5 = denied). bGranted false with it
            # is unsourced: RegOpenKeyEx with that access fails with ERROR_ACCESS_DENIED.
            return self._result(ERROR_ACCESS_DENIED, ("bGranted", False))
        return self._result(ERROR_SUCCESS, ("bGranted", True))

    # --- writes ------------------------------------------------------------------------------------------------
    @staticmethod
    def _validate_write_data(method: str, args: _Args) -> None:
        if method not in SETTERS:
            return
        vtype = SETTERS[method]
        if vtype == REG_MULTI_SZ:
            return  # no sValue at all: an empty REG_MULTI_SZ (see _set)
        if vtype == REG_BINARY:
            items = args.array("uValue")
            if items is None:
                raise WmiMethodError("InvalidParameter", f"{method}: the value array is missing")
            if vtype == REG_BINARY:
                for item in items:
                    _parse_uint(item, 0xFF, "uValue")
        elif (args.text("sValue") if vtype in (REG_SZ, REG_EXPAND_SZ) else args.text("uValue")) is None:
            raise WmiMethodError("InvalidParameter", f"{method}: the value is missing")
        elif vtype == REG_DWORD:
            _parse_uint(args.text("uValue") or "", UINT32_MAX, "uValue")
        elif vtype == REG_QWORD:
            _parse_uint(args.text("uValue") or "", UINT64_MAX, "uValue")

    def _set(self, method: str, subkey: str, args: _Args) -> list[tuple[str, WmiValue]]:
        vtype = SETTERS[method]
        data: int | str | list[str] | list[int]
        if vtype == REG_MULTI_SZ:
            # An omitted sValue (WS-Man's null/empty array) writes an empty REG_MULTI_SZ: [NX] test_multi_string_empty
            # sets [] through a client that sends no element for an empty list and reads [] back (weak).
            data = list(args.array("sValue") or [])
        elif vtype == REG_BINARY:
            data = [int(b) for b in args.array("uValue") or []]
        elif vtype in (REG_SZ, REG_EXPAND_SZ):
            data = args.text("sValue") or ""
        else:
            data = int((args.text("uValue") or "").strip())
        name = args.text("sValueName", "") or ""
        if split_path(subkey) is None or self.registry.find(subkey) is None:
            # Set*Value opens the key, it never creates one: [RCR] Set-RegistryValue runs CreateKey first when
            # CheckAccess says 2 ("Use -Force parameter to create it"), then the Set.
            return self._result(ERROR_FILE_NOT_FOUND)
        # A value of another type is overwritten with the setter's type: [RCR] Set-RegistryValue -Force on a Get that
        # answered 2147749893 logs "Value has different data type. Overwriting with new type." and calls the Set*Value
        # alone (no DeleteValue first), failing on any nonzero ReturnValue; RegSetValueEx replaces type and data.
        op = {"op": "set_value", "key": subkey, "name": name, "type": vtype, "data": data}
        self._record(op)
        self.registry.apply(op)
        return self._result(ERROR_SUCCESS)

    def _CreateKey(self, subkey: str, args: _Args, deny_writes: bool) -> list[tuple[str, WmiValue]]:
        if split_path(subkey) is None:
            return self._result(ERROR_FILE_NOT_FOUND)
        if self.registry.find(subkey) is None:
            op = {"op": "create_key", "key": subkey}
            self._record(op)
            self.registry.apply(op)
        return self._result(ERROR_SUCCESS)  # RegCreateKeyEx opens an existing key: success, nothing to do

    def _DeleteKey(self, subkey: str, args: _Args, deny_writes: bool) -> list[tuple[str, WmiValue]]:
        parts = split_path(subkey)
        if parts == []:
            return self._result(ERROR_ACCESS_DENIED)  # the hive root cannot be deleted
        key = self.registry.find(subkey)
        if key is None:
            return self._result(ERROR_FILE_NOT_FOUND)
        if key.subkeys:
            # [RCR] Remove-RegistryKey: "If ($CimOutput.ReturnValue -eq 5) ... 'Access is denied' message. Checking
            # subkeys existance."; RegDeleteKey: "the subkey to be deleted must not have subkeys".
            return self._result(ERROR_ACCESS_DENIED)
        op = {"op": "delete_key", "key": subkey}
        self._record(op)
        self.registry.apply(op)
        return self._result(ERROR_SUCCESS)

    def _DeleteValue(self, subkey: str, args: _Args, deny_writes: bool) -> list[tuple[str, WmiValue]]:
        name = args.text("sValueName", "") or ""
        if self.registry.get_value(subkey, name) is None:
            # Missing key: [NX] delete_value "if err.return_value == 2:  # Value does not exist" and
            # test_delete_non_existing (a nonexistent key, against a Windows VM). Missing value in an existing key:
            # [RCR] Remove-RegistryValue "ReturnValue -eq 2 ... no such Value exists".
            return self._result(ERROR_FILE_NOT_FOUND)
        op = {"op": "delete_value", "key": subkey, "name": name}
        self._record(op)
        self.registry.apply(op)
        return self._result(ERROR_SUCCESS)
