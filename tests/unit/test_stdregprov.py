# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""StdRegProv primitives, return-code mapping and snapshot reading at the call floor."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import (
    REG_BINARY,
    REG_DWORD,
    REG_MULTI_SZ,
    REG_QWORD,
    REG_SZ,
    Change,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman import client as wsman
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.client import WsmanClient, WsmanProtocolError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.stdregprov import (
    RegistryAccessDenied,
    RegistryNotFound,
    StdRegProv,
    UnsupportedValueType,
    WmiReturnCodeError,
    describe_return_code,
    read_value,
    write_change,
)
from tests.unit.wsman_fake import FakeHost, method_response

PROTOCOLS = r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols"
TLS12_SERVER = PROTOCOLS + r"\TLS 1.2\Server"
TLS10_SERVER = PROTOCOLS + r"\TLS 1.0\Server"
CIPHERS = r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Ciphers"
AES128 = CIPHERS + r"\AES 128/128"
SUITES = r"SYSTEM\CurrentControlSet\Control\Cryptography\Configuration\Local\SSL\00010002"


def make_host() -> FakeHost:
    return FakeHost(
        registry={
            TLS12_SERVER: {"Enabled": (REG_DWORD, 1), "DisabledByDefault": (REG_DWORD, 0), "Note": (REG_SZ, "x")},
            PROTOCOLS: {},
            PROTOCOLS + r"\TLS 1.2": {},
            AES128: {"Enabled": (REG_DWORD, 0xFFFFFFFF)},
            SUITES: {"Functions": (REG_MULTI_SZ, ("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"))},
            r"SOFTWARE\Test": {"Q": (REG_QWORD, 2**40), "Bin": (REG_BINARY, (1, 0, 255))},
        }
    )


@pytest.fixture
def host() -> FakeHost:
    return make_host()


@pytest.fixture
def reg(host) -> StdRegProv:
    return StdRegProv(WsmanClient(host.send))


def test_resource_uri_and_parameters_in_mof_order(host, reg):
    reg.set_multi_string(SUITES, "Functions", ["A", "B"])
    request = host.requests[-1]
    assert request.resource_uri == "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/default/StdRegProv"
    assert request.action.endswith("/StdRegProv/SetMultiStringValue")
    assert list(request.params().items()) == [
        ("hDefKey", ["2147483650"]),
        ("sSubKeyName", [SUITES]),
        ("sValueName", ["Functions"]),
        ("sValue", ["A", "B"]),
    ]
    assert StdRegProv(reg.client, namespace="root\\cimv2").resource_uri.endswith("/wmi/root/cimv2/StdRegProv")


def test_typed_reads(reg):
    assert reg.get_dword(TLS12_SERVER, "enabled") == 1
    assert reg.get_dword(AES128, "Enabled") == 0xFFFFFFFF
    assert reg.get_string(TLS12_SERVER, "Note") == "x"
    assert reg.get_multi_string(SUITES, "Functions") == ("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256")
    assert reg.get_qword(r"SOFTWARE\Test", "Q") == 2**40
    assert reg.get_binary(r"SOFTWARE\Test", "Bin") == b"\x01\x00\xff"
    assert reg.enum_key(PROTOCOLS) == ["TLS 1.2"]
    assert sorted(reg.enum_values(TLS12_SERVER)) == [("DisabledByDefault", 4), ("Enabled", 4), ("Note", 1)]
    assert reg.enum_values(PROTOCOLS + r"\TLS 1.2") == []


def test_missing_key_or_value_reads_as_none(reg):
    assert reg.get_dword(TLS10_SERVER, "Enabled") is None
    assert reg.get_dword(TLS12_SERVER, "Absent") is None
    assert reg.get_string(TLS10_SERVER, "x") is None
    assert reg.get_multi_string(TLS10_SERVER, "x") is None
    assert reg.enum_values(TLS10_SERVER) is None
    assert reg.enum_key(TLS10_SERVER) is None


@pytest.mark.parametrize("code", [1, 2])
@pytest.mark.parametrize("getter", ["get_dword", "get_qword", "get_string", "get_expanded_string",
                                    "get_multi_string", "get_binary"])
def test_every_answer_a_real_host_gives_for_a_missing_value_reads_as_none(host, reg, getter, code):
    # Windows answers 1 for a value missing from an existing key (GetMultiStringValue: 2) and 2 for a missing key
    host.override = lambda request: method_response(request, request.method, [], code)
    assert getattr(reg, getter)(TLS12_SERVER, "Enabled") is None


def test_return_value_1_of_a_key_method_is_an_error(host, reg):
    host.override = lambda request: method_response(request, "EnumKey", [], 1)
    with pytest.raises(WmiReturnCodeError, match="returned 1 ERROR_INVALID_FUNCTION"):
        reg.enum_key(PROTOCOLS)


def test_writes(host, reg):
    reg.create_key(TLS10_SERVER)
    reg.set_dword(TLS10_SERVER, "Enabled", 0)
    reg.set_qword(TLS10_SERVER, "Q", 2**64 - 1)
    reg.set_string(TLS10_SERVER, "S", "v")
    assert host.registry[TLS10_SERVER] == {"Enabled": (REG_DWORD, 0), "Q": (REG_QWORD, 2**64 - 1), "S": (REG_SZ, "v")}
    reg.delete_value(TLS10_SERVER, "enabled")
    assert "Enabled" not in host.registry[TLS10_SERVER]
    reg.delete_key(TLS10_SERVER)
    assert TLS10_SERVER not in host.registry
    assert reg.check_access(TLS12_SERVER) is True


def test_write_change_creates_a_key_only_when_the_set_finds_none(host, reg):
    new_key = PROTOCOLS + r"\SSL 3.0\Server"
    write_change(reg, Change(new_key, "Enabled", REG_DWORD, None, 0))
    write_change(reg, Change(SUITES, "Functions", REG_MULTI_SZ, None, ("TLS_AES_256_GCM_SHA384",)))
    write_change(reg, Change(TLS12_SERVER, "Note", REG_SZ, "x", None))
    assert host.registry[new_key] == {"Enabled": (REG_DWORD, 0)}
    assert host.registry[SUITES]["Functions"] == (REG_MULTI_SZ, ("TLS_AES_256_GCM_SHA384",))
    assert "Note" not in host.registry[TLS12_SERVER]
    assert [r.method for r in host.requests] == [
        "SetDWORDValue", "CreateKey", "SetDWORDValue", "SetMultiStringValue", "DeleteValue",
    ]


def test_write_change_refuses_a_type_it_cannot_write(host, reg):
    with pytest.raises(UnsupportedValueType):
        write_change(reg, Change(TLS12_SERVER, "Link", 6, None, "x"))
    assert host.requests == []


def test_write_to_missing_key_raises_not_found(reg):
    with pytest.raises(RegistryNotFound) as info:
        reg.set_dword(TLS10_SERVER, "Enabled", 0)
    assert str(info.value) == (
        'StdRegProv.SetDWORDValue(HKLM\\%s, value "Enabled") returned 2 ERROR_FILE_NOT_FOUND' % TLS10_SERVER
    )
    assert (info.value.method, info.value.key, info.value.name, info.value.code) == (
        "SetDWORDValue", TLS10_SERVER, "Enabled", 2)
    with pytest.raises(RegistryNotFound, match=r"StdRegProv\.DeleteValue\(HKLM\\.*, value \"Gone\"\) returned 2 "):
        reg.delete_value(TLS12_SERVER, "Gone")


def test_access_denied(host, reg):
    host.denied_keys.add(TLS12_SERVER)
    with pytest.raises(RegistryAccessDenied) as info:
        reg.set_dword(TLS12_SERVER, "Enabled", 0)
    assert str(info.value) == (
        'StdRegProv.SetDWORDValue(HKLM\\%s, value "Enabled") returned 5 ERROR_ACCESS_DENIED' % TLS12_SERVER
    )
    assert reg.check_access(TLS12_SERVER) is False


def test_other_codes_name_the_wbem_error(reg):
    with pytest.raises(WmiReturnCodeError) as info:
        reg.get_dword(TLS12_SERVER, "Note")
    assert str(info.value) == (
        'StdRegProv.GetDWORDValue(HKLM\\%s, value "Note") returned 2147749893 (0x80041005) WBEM_E_TYPE_MISMATCH'
        % TLS12_SERVER
    )
    assert info.value.code == 2147749893


def test_check_access_denied_by_return_value(host, reg):
    host.override = lambda request: method_response(request, "CheckAccess", [("bGranted", "false")], 5)
    assert reg.check_access(TLS12_SERVER, required=2) is False
    assert host.requests[-1].params()["uRequired"] == ["2"]


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (2, "2 ERROR_FILE_NOT_FOUND"),
        (1018, "1018 ERROR_KEY_DELETED"),
        (2147749889, "2147749889 (0x80041001) WBEM_E_FAILED"),
        (0x80041003, "2147749891 (0x80041003) WBEM_E_ACCESS_DENIED"),
        (4242, "4242 unknown code"),
    ],
)
def test_describe_return_code(code, text):
    assert describe_return_code(code) == text


@pytest.mark.parametrize(("value", "bits"), [(-1, 32), (2**32, 32), (True, 32), ("1", 32), (2**64, 64)])
def test_integer_range_checked_before_sending(host, reg, value, bits):
    setter = reg.set_dword if bits == 32 else reg.set_qword
    with pytest.raises(ValueError, match="is not an unsigned %d-bit integer" % bits):
        setter(TLS12_SERVER, "Enabled", value)
    assert host.requests == []


def test_empty_multi_string_is_refused(host, reg):
    with pytest.raises(ValueError, match="needs a non-empty list of strings"):
        reg.set_multi_string(SUITES, "Functions", [])
    with pytest.raises(ValueError, match="needs a non-empty list of strings"):
        reg.set_multi_string(SUITES, "Functions", "TLS_AES_256_GCM_SHA384")
    assert host.requests == []


def test_enum_key_on_real_capture(monkeypatch):
    text = (Path(__file__).parent / "fixtures" / "wsman" / "openwsman_EnumKey.xml").read_text()
    monkeypatch.setattr(wsman, "new_message_uuid", lambda: uuid.UUID("357dee93-b5a1-15a1-8004-4b73f7201300"))
    reg = StdRegProv(WsmanClient(lambda message: text.encode()))
    names = reg.enum_key(r"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall")
    assert len(names) == 26
    assert names[16] == "Mozilla Firefox 9.0.1 (x86 en-US)"


def test_enum_values_with_unequal_arrays_is_a_protocol_error(host, reg):
    host.override = lambda request: method_response(request, "EnumValues", [("sNames", "A")], 0)
    with pytest.raises(WsmanProtocolError, match="returned 1 names but 0 types"):
        reg.enum_values(TLS12_SERVER)


# -- read_value -------------------------------------------------------------------------------------------------


def test_read_value_is_none_for_a_value_deleted_after_its_type_was_learned(host, reg):
    def vanish(request):
        return method_response(request, "GetDWORDValue", [], 2) if request.method == "GetDWORDValue" else None

    host.override = vanish
    assert read_value(reg, AES128, "Enabled", REG_DWORD) is None


def test_read_value_refuses_types_without_getter(host, reg):
    host.registry[AES128]["Link"] = (6, "x")
    with pytest.raises(UnsupportedValueType, match='value "Link": registry type 6 has no StdRegProv getter'):
        read_value(reg, AES128, "Link", 6)
