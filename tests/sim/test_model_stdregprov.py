"""StdRegProv semantics of the simulated host: every method and its return codes (tests/winsim/stdregprov.py)."""

import pytest

from tests.winsim.host import SimulatedWindows, WmiMethodError
from tests.winsim.stdregprov import WBEM_E_TYPE_MISMATCH

SCHANNEL = r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL"
KEY = SCHANNEL + r"\Protocols\TLS 1.0\Server"


@pytest.fixture
def host(tmp_path):
    h = SimulatedWindows("regtest", "2019", tmp_path)
    yield h
    h.close()


def call(host, method, *params, deny=False):
    return host.call_stdregprov(method, list(params), deny_writes=deny)


def test_create_key_creates_intermediates_and_is_idempotent(host):
    assert call(host, "CreateKey", ("sSubKeyName", KEY)) == [("ReturnValue", 0)]
    assert call(host, "EnumKey", ("sSubKeyName", SCHANNEL + r"\Protocols")) == [
        ("sNames", ["SSL 2.0", "TLS 1.0"]), ("ReturnValue", 0)]
    assert call(host, "CreateKey", ("sSubKeyName", KEY.upper())) == [("ReturnValue", 0)]
    assert call(host, "EnumKey", ("sSubKeyName", SCHANNEL + r"\Protocols\TLS 1.0")) == [
        ("sNames", ["Server"]), ("ReturnValue", 0)]


def test_slash_is_part_of_the_key_name(host):
    call(host, "CreateKey", ("sSubKeyName", SCHANNEL + r"\Ciphers\AES 128/128"))
    assert call(host, "EnumKey", ("sSubKeyName", SCHANNEL + r"\Ciphers")) == [
        ("sNames", ["AES 128/128"]), ("ReturnValue", 0)]
    assert call(host, "EnumKey", ("sSubKeyName", SCHANNEL + r"\Ciphers\AES 128")) == [("ReturnValue", 2)]


def test_dword_roundtrip_case_insensitive_and_case_preserving(host):
    call(host, "CreateKey", ("sSubKeyName", KEY))
    assert call(host, "SetDWORDValue", ("hDefKey", "2147483650"), ("sSubKeyName", KEY), ("sValueName", "Enabled"),
                ("uValue", "4294967295")) == [("ReturnValue", 0)]
    assert call(host, "GetDWORDValue", ("sSubKeyName", KEY.lower()), ("sValueName", "ENABLED")) == [
        ("uValue", 4294967295), ("ReturnValue", 0)]
    call(host, "SetDWORDValue", ("sSubKeyName", KEY), ("sValueName", "enabled"), ("uValue", "0"))
    expected = [("sNames", ["Enabled"]), ("Types", [4]), ("ReturnValue", 0)]
    assert call(host, "EnumValues", ("sSubKeyName", KEY)) == expected


@pytest.mark.parametrize("bad", ["4294967296", "-1", "abc", ""])
def test_dword_out_of_range_is_invalid_parameter(host, bad):
    call(host, "CreateKey", ("sSubKeyName", KEY))
    with pytest.raises(WmiMethodError) as err:
        call(host, "SetDWORDValue", ("sSubKeyName", KEY), ("sValueName", "Enabled"), ("uValue", bad))
    assert err.value.code == "InvalidParameter"
    assert call(host, "GetDWORDValue", ("sSubKeyName", KEY), ("sValueName", "Enabled")) == [("ReturnValue", 1)]


def test_set_requires_existing_key(host):
    assert call(host, "SetDWORDValue", ("sSubKeyName", KEY), ("sValueName", "Enabled"), ("uValue", "1")) == [
        ("ReturnValue", 2)]
    assert call(host, "EnumKey", ("sSubKeyName", SCHANNEL + r"\Protocols\TLS 1.0")) == [("ReturnValue", 2)]


GETTERS = ("GetStringValue", "GetExpandedStringValue", "GetDWORDValue", "GetQWORDValue", "GetBinaryValue")


def test_get_missing_key_is_2_missing_value_is_1_but_2_for_multi_string(host):
    # real Windows: ApSidorov/RemoteCimRegistry "All cdxml functions return ReturnValue = 1 if no value was found.
    # BUT! Get-cdxmlMultiStringValue returns 2"; networkoptix/nx_system_tests: 1 = ValueNotFoundError, 2 = no key
    for getter in (*GETTERS, "GetMultiStringValue"):
        assert call(host, getter, ("sSubKeyName", KEY), ("sValueName", "Enabled")) == [("ReturnValue", 2)], getter
    for getter in GETTERS:
        assert call(host, getter, ("sSubKeyName", SCHANNEL), ("sValueName", "Nope")) == [("ReturnValue", 1)], getter
        assert call(host, getter, ("sSubKeyName", SCHANNEL), ("sValueName", "")) == [("ReturnValue", 1)], getter
    assert call(host, "GetMultiStringValue", ("sSubKeyName", SCHANNEL), ("sValueName", "Nope")) == [
        ("ReturnValue", 2)]


def test_type_mismatch_is_a_return_value_for_every_other_type(host):
    values = {"S": ("SetStringValue", "GetStringValue", ("sValue", "0")),
              "E": ("SetExpandedStringValue", "GetExpandedStringValue", ("sValue", "x")),
              "D": ("SetDWORDValue", "GetDWORDValue", ("uValue", "0")),
              "Q": ("SetQWORDValue", "GetQWORDValue", ("uValue", "0")),
              "M": ("SetMultiStringValue", "GetMultiStringValue", ("sValue", "0")),
              "B": ("SetBinaryValue", "GetBinaryValue", ("uValue", "0"))}
    for name, (setter, _getter, data) in values.items():
        assert call(host, setter, ("sSubKeyName", SCHANNEL), ("sValueName", name), data) == [("ReturnValue", 0)]
    for name in values:
        for other, (_setter, getter, _data) in values.items():
            expected = 0 if other == name else WBEM_E_TYPE_MISMATCH
            assert call(host, getter, ("sSubKeyName", SCHANNEL), ("sValueName", name))[-1] == (
                "ReturnValue", expected), (name, getter)


def test_set_of_another_type_overwrites_type_and_data(host):
    # RemoteCimRegistry Set-RegistryValue -Force: "Value has different data type. Overwriting with new type.", then
    # the Set*Value alone
    call(host, "SetStringValue", ("sSubKeyName", SCHANNEL), ("sValueName", "EventLogging"), ("sValue", "0"))
    assert call(host, "GetDWORDValue", ("sSubKeyName", SCHANNEL), ("sValueName", "EventLogging")) == [
        ("ReturnValue", WBEM_E_TYPE_MISMATCH)]
    assert call(host, "SetDWORDValue", ("sSubKeyName", SCHANNEL), ("sValueName", "EventLogging"),
                ("uValue", "1")) == [("ReturnValue", 0)]
    assert call(host, "EnumValues", ("sSubKeyName", SCHANNEL)) == [
        ("sNames", ["EventLogging"]), ("Types", [4]), ("ReturnValue", 0)]


def test_get_missing_key_value_and_type_mismatch(host):
    assert call(host, "GetStringValue", ("sSubKeyName", SCHANNEL), ("sValueName", "EventLogging")) == [
        ("ReturnValue", WBEM_E_TYPE_MISMATCH)]
    assert call(host, "GetDWORDValue", ("sSubKeyName", SCHANNEL), ("sValueName", "EventLogging")) == [
        ("uValue", 1), ("ReturnValue", 0)]


def test_string_expanded_multi_qword_binary(host):
    k = r"SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002"
    call(host, "CreateKey", ("sSubKeyName", k))
    assert call(host, "SetStringValue", ("sSubKeyName", k), ("sValueName", "Functions"), ("sValue", "A,B")) == [
        ("ReturnValue", 0)]
    assert call(host, "GetStringValue", ("sSubKeyName", k), ("sValueName", "Functions")) == [
        ("sValue", "A,B"), ("ReturnValue", 0)]
    call(host, "SetMultiStringValue", ("sSubKeyName", k), ("sValueName", "EccCurves"), ("sValue", "NistP384"),
         ("sValue", "NistP256"))
    assert call(host, "GetMultiStringValue", ("sSubKeyName", k), ("sValueName", "EccCurves")) == [
        ("sValue", ["NistP384", "NistP256"]), ("ReturnValue", 0)]
    call(host, "SetExpandedStringValue", ("sSubKeyName", k), ("sValueName", "P"), ("sValue", r"%SystemRoot%\x"))
    assert call(host, "GetExpandedStringValue", ("sSubKeyName", k), ("sValueName", "P")) == [
        ("sValue", r"C:\Windows\x"), ("ReturnValue", 0)]
    call(host, "SetQWORDValue", ("sSubKeyName", k), ("sValueName", "Q"), ("uValue", str(2**64 - 1)))
    assert call(host, "GetQWORDValue", ("sSubKeyName", k), ("sValueName", "Q")) == [
        ("uValue", 2**64 - 1), ("ReturnValue", 0)]
    call(host, "SetBinaryValue", ("sSubKeyName", k), ("sValueName", "B"), ("uValue", "1"), ("uValue", "255"))
    assert call(host, "GetBinaryValue", ("sSubKeyName", k), ("sValueName", "B")) == [
        ("uValue", [1, 255]), ("ReturnValue", 0)]
    assert call(host, "EnumValues", ("sSubKeyName", k)) == [
        ("sNames", ["Functions", "EccCurves", "P", "Q", "B"]), ("Types", [1, 7, 2, 11, 3]), ("ReturnValue", 0)]
    # Set*Value replaces type and data of an existing value (RegSetValueEx)
    call(host, "SetDWORDValue", ("sSubKeyName", k), ("sValueName", "functions"), ("uValue", "7"))
    assert call(host, "GetStringValue", ("sSubKeyName", k), ("sValueName", "Functions")) == [
        ("ReturnValue", WBEM_E_TYPE_MISMATCH)]


def test_multi_string_without_sValue_is_an_empty_value(host):
    # networkoptix/nx_system_tests test_multi_string_empty: [] set and read back against a Windows VM
    assert call(host, "SetMultiStringValue", ("sSubKeyName", SCHANNEL), ("sValueName", "Empty")) == [
        ("ReturnValue", 0)]
    assert call(host, "GetMultiStringValue", ("sSubKeyName", SCHANNEL), ("sValueName", "Empty")) == [
        ("ReturnValue", 0)]
    with pytest.raises(WmiMethodError):
        call(host, "SetBinaryValue", ("sSubKeyName", SCHANNEL), ("sValueName", "Bin"))


def test_enum_values_empty_key_omits_arrays_and_missing_key_is_2(host):
    assert call(host, "EnumValues", ("sSubKeyName", SCHANNEL + r"\Ciphers")) == [("ReturnValue", 0)]
    assert call(host, "EnumValues", ("sSubKeyName", "")) == [("ReturnValue", 0)]  # nx_system_tests test_list_empty_key
    assert call(host, "EnumKey", ("sSubKeyName", SCHANNEL + r"\Ciphers")) == [("ReturnValue", 0)]
    assert call(host, "EnumValues", ("sSubKeyName", SCHANNEL + r"\Nope")) == [("ReturnValue", 2)]


def test_enum_values_hides_a_default_value_that_is_the_only_value(host):
    # RemoteCimRegistry: "If the Default value is the only value ever created in a key, it's 'hidden' from WMI
    # enumeration"; EnumValues doc: "Returns null if only the default value is available"
    key = SCHANNEL + r"\Ciphers"
    call(host, "SetStringValue", ("sSubKeyName", key), ("sValue", "Temple of the Winds"))
    assert call(host, "EnumValues", ("sSubKeyName", key)) == [("ReturnValue", 0)]
    assert call(host, "GetStringValue", ("sSubKeyName", key), ("sValueName", "")) == [
        ("sValue", "Temple of the Winds"), ("ReturnValue", 0)]
    call(host, "SetDWORDValue", ("sSubKeyName", key), ("sValueName", "Named"), ("uValue", "3"))
    assert call(host, "EnumValues", ("sSubKeyName", key)) == [("sNames", ["", "Named"]), ("Types", [1, 4]),
                                                              ("ReturnValue", 0)]


def test_delete_key_and_value(host):
    call(host, "CreateKey", ("sSubKeyName", KEY))
    parent = SCHANNEL + r"\Protocols\TLS 1.0"
    assert call(host, "DeleteKey", ("sSubKeyName", parent)) == [("ReturnValue", 5)]  # has subkeys
    assert call(host, "DeleteKey", ("sSubKeyName", KEY)) == [("ReturnValue", 0)]
    assert call(host, "DeleteKey", ("sSubKeyName", KEY)) == [("ReturnValue", 2)]
    assert call(host, "DeleteKey", ("sSubKeyName", parent)) == [("ReturnValue", 0)]
    assert call(host, "DeleteValue", ("sSubKeyName", SCHANNEL), ("sValueName", "Nope")) == [("ReturnValue", 2)]
    assert call(host, "DeleteValue", ("sSubKeyName", SCHANNEL), ("sValueName", "eventlogging")) == [
        ("ReturnValue", 0)]
    assert call(host, "EnumValues", ("sSubKeyName", SCHANNEL)) == [("ReturnValue", 0)]


def test_check_access(host):
    assert call(host, "CheckAccess", ("sSubKeyName", SCHANNEL), ("uRequired", "1")) == [
        ("bGranted", True), ("ReturnValue", 0)]
    assert call(host, "CheckAccess", ("sSubKeyName", SCHANNEL), ("uRequired", "2"), deny=True) == [
        ("bGranted", False), ("ReturnValue", 5)]
    assert call(host, "CheckAccess", ("sSubKeyName", SCHANNEL), ("uRequired", "4"), deny=True) == [
        ("bGranted", False), ("ReturnValue", 5)]
    assert call(host, "CheckAccess", ("sSubKeyName", SCHANNEL), ("uRequired", "1"), deny=True) == [
        ("bGranted", True), ("ReturnValue", 0)]
    assert call(host, "CheckAccess", ("sSubKeyName", SCHANNEL + r"\Nope")) == [("ReturnValue", 2)]


def test_deny_writes_changes_nothing(host):
    for method, params in (
        ("CreateKey", [("sSubKeyName", KEY)]),
        ("SetDWORDValue", [("sSubKeyName", SCHANNEL), ("sValueName", "EventLogging"), ("uValue", "7")]),
        ("DeleteValue", [("sSubKeyName", SCHANNEL), ("sValueName", "EventLogging")]),
        ("DeleteKey", [("sSubKeyName", SCHANNEL + r"\Ciphers")]),
    ):
        assert host.call_stdregprov(method, params, deny_writes=True) == [("ReturnValue", 5)]
    assert call(host, "GetDWORDValue", ("sSubKeyName", SCHANNEL), ("sValueName", "EventLogging")) == [
        ("uValue", 1), ("ReturnValue", 0)]
    assert call(host, "EnumKey", ("sSubKeyName", SCHANNEL + r"\Protocols")) == [("sNames", ["SSL 2.0"]),
                                                                                ("ReturnValue", 0)]


def test_other_hives_answer_2_and_unknown_method_or_parameter_raise(host):
    assert call(host, "EnumKey", ("hDefKey", "2147483649"), ("sSubKeyName", "Software")) == [("ReturnValue", 2)]
    with pytest.raises(WmiMethodError) as err:
        call(host, "GetSecurityDescriptor", ("sSubKeyName", SCHANNEL))
    assert err.value.code == "MethodNotFound"
    with pytest.raises(WmiMethodError) as err:
        call(host, "EnumKey", ("sSubKeyName", SCHANNEL), ("bogus", "1"))
    assert err.value.code == "InvalidParameter"


def test_edits_seed_the_hive_directly_and_bad_edits_change_nothing(host):
    key = SCHANNEL + r"\Ciphers\Triple DES 168"
    host.edit_registry([{"op": "set_value", "key": key, "name": "", "type": 1, "data": "by hand"},
                        {"op": "set_value", "key": SCHANNEL, "name": "Enabled", "type": 11, "data": 0}])
    assert host.registry_dump(key) == {"name": "Triple DES 168", "values": [["", 1, "by hand"]], "subkeys": []}
    assert call(host, "GetQWORDValue", ("sSubKeyName", SCHANNEL), ("sValueName", "Enabled")) == [
        ("uValue", 0), ("ReturnValue", 0)]
    with pytest.raises(ValueError, match=r"set_value .*Triple DES 168.*type must be one of"):
        host.edit_registry([{"op": "delete_key", "key": key},
                            {"op": "set_value", "key": key, "name": "Enabled", "type": 4, "data": 2**32}])
    assert host.registry_dump(key) is not None  # checked before anything was applied
    assert host.registry_dump(SCHANNEL + r"\Nope") is None
