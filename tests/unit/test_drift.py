# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""drift.assess against an in-memory host: read-only, at the call floor, named value by value, JSON-ready."""

from __future__ import annotations

import json

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import REG_DWORD, REG_SZ, Change
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import HostError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.host_registry import UnsupportedOsError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.policy import SettingsError, parse_or_raise
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.results import change_as_dict
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.client import WsmanClient
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.stdregprov import StdRegProv, write_change
from tests.support.drift import assess
from tests.unit.wsman_fake import FakeHost, os_item

PROTOCOLS = catalog.SCHANNEL_KEY + "\\Protocols"
TLS12_SERVER = PROTOCOLS + "\\TLS 1.2\\Server"
SSL3_SERVER = PROTOCOLS + "\\SSL 3.0\\Server"
SUITE = "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
SETTINGS = {
    "protocols": {"TLS 1.2": "enabled", "SSL 3.0": "disabled"},
    "ciphers": {"RC4 128/128": "disabled"},
    "cipher_suites": [SUITE],
}
# What SETTINGS manage: TLS 1.2 and SSL 3.0, each side, Enabled + DisabledByDefault; RC4's Enabled; the suite order.
MANAGED_VALUES = 10
WRITES = ("Set", "Create", "Delete")


def host_2019(registry: dict | None = None) -> FakeHost:
    return FakeHost(
        registry=registry or {},
        os_item=os_item("Microsoft Windows Server 2019 Standard", "10.0.17763", "17763", "2024-05-01T06:00:01Z",
                        "Microsoft Windows Server 2019 Standard|C:\\Windows|\\Device\\Harddisk0\\Partition2"),
    )


def drifted() -> FakeHost:
    """TLS 1.2 server side as wanted (plus a value nobody manages), SSL 3.0 switched on by hand."""
    return host_2019({
        TLS12_SERVER: {"Enabled": (REG_DWORD, 1), "DisabledByDefault": (REG_DWORD, 0), "Note": (REG_SZ, "hand-made")},
        SSL3_SERVER: {"Enabled": (REG_DWORD, 1)},
    })


def test_assessment_reads_only_managed_values_and_writes_nothing():
    host = drifted()
    client = WsmanClient(host.send)
    result = assess(client, parse_or_raise(SETTINGS))

    assert result.os.os_key == "2019"
    assert not result.refused
    assert not result.compliant
    # win_schannel's reader: one enumeration for the OS, one EnumKey of Protocols, one typed Get per managed value
    # (9 DWORDs and the suite order) and one for the reboot marker; the unmanaged "Note" is never read.
    assert result.calls == {"Enumerate": 1, "EnumKey": 1, "GetDWORDValue": MANAGED_VALUES - 1, "GetStringValue": 2}
    assert client.calls == result.calls
    assert not [r for r in host.requests if r.method.startswith(WRITES)]
    assert not [r for r in host.requests if "Note" in r.params().get("sValueName", ())]

    by_value = {(c.key.casefold(), c.name): (c.before, c.after) for c in result.changes}
    assert by_value[(SSL3_SERVER.casefold(), "Enabled")] == (1, 0)
    assert by_value[(SSL3_SERVER.casefold(), "DisabledByDefault")] == (None, 1)
    assert (TLS12_SERVER.casefold(), "Enabled") not in by_value
    assert len(result.changes) == MANAGED_VALUES - 2


def test_after_writing_the_changes_the_host_is_compliant_at_the_floor():
    host = drifted()
    client = WsmanClient(host.send)
    settings = parse_or_raise(SETTINGS)
    reg = StdRegProv(client)
    for change in assess(client, settings).changes:
        write_change(reg, change)

    again = assess(client, settings)
    assert again.changes == []
    assert again.compliant
    # The floor: managed values + 3 (the OS, the Protocols EnumKey, the reboot marker).
    assert again.calls == {"Enumerate": 1, "EnumKey": 1, "GetDWORDValue": MANAGED_VALUES - 1, "GetStringValue": 2}
    assert sum(again.calls.values()) == MANAGED_VALUES + 3


def test_as_dict_is_json_with_type_names_and_full_key_paths():
    report = assess(WsmanClient(drifted().send), parse_or_raise(SETTINGS)).as_dict()
    assert json.loads(json.dumps(report)) == report
    assert report["os"] == {"caption": "Microsoft Windows Server 2019 Standard", "version": "10.0.17763",
                            "build": 17763, "os_key": "2019", "last_boot": "2024-05-01T06:00:01+00:00"}
    assert report["compliant"] is False
    assert report["refused"] is False
    ssl3 = next(c for c in report["changes"] if c["key"] == "HKLM\\" + SSL3_SERVER and c["name"] == "Enabled")
    assert ssl3 == {"key": "HKLM\\" + SSL3_SERVER, "name": "Enabled", "type": "REG_DWORD", "before": 1, "after": 0}
    suites = next(c for c in report["changes"] if c["name"] == "Functions")
    assert (suites["type"], suites["before"], suites["after"]) == ("REG_SZ", None, SUITE)
    assert {f["code"] for f in report["findings"]} >= {"no-usable-suite"}
    assert report["wsman_calls"] == {"Enumerate": 1, "EnumKey": 1, "GetDWORDValue": MANAGED_VALUES - 1,
                                     "GetStringValue": 2}
    assert report["diff"]


def test_change_as_dict_lists_multi_strings():
    change = Change(key="K", name="EccCurves", type=7, before=("NistP256",), after=None)
    assert change_as_dict(change) == {"key": "HKLM\\K", "name": "EccCurves", "type": "REG_MULTI_SZ",
                                      "before": ["NistP256"], "after": None}
    retyped = Change(key="K", name="Enabled", type=REG_DWORD, before="1", after=1, before_type=REG_SZ)
    assert change_as_dict(retyped) == {"key": "HKLM\\K", "name": "Enabled", "type": "REG_DWORD", "before": "1",
                                       "after": 1, "before_type": "REG_SZ"}


def test_settings_inconsistent_for_the_os_are_refused_not_compliant():
    host = FakeHost(os_item=os_item("Microsoft Windows Server 2022 Standard", "10.0.20348", "20348",
                                    "2024-05-01T06:00:01Z", "n"))
    settings = parse_or_raise({"protocols": {"TLS 1.3": "enabled"}, "cipher_suites": [SUITE]})
    result = assess(WsmanClient(host.send), settings)
    assert result.refused
    assert not result.compliant
    assert "tls13-no-suite" in {f.code for f in result.findings}


def test_unsupported_windows_stops_after_the_os_query():
    host = FakeHost(os_item=os_item("Microsoft Windows Server 2012 Standard", "6.2.9200", "9200",
                                    "2024-05-01T06:00:01Z", "n"))
    client = WsmanClient(host.send)
    with pytest.raises(UnsupportedOsError, match=r"unsupported Windows version 6\.2\.9200 \(build 9200, "
                                                 r"'Microsoft Windows Server 2012 Standard'\)") as raised:
        assess(client, parse_or_raise(SETTINGS))
    assert isinstance(raised.value, HostError)
    assert not raised.value.unreachable
    assert raised.value.facts.build == 9200
    assert client.calls == {"Enumerate": 1}


def test_invalid_settings_raise_with_every_error():
    with pytest.raises(SettingsError) as raised:
        parse_or_raise({"ciphers": {"RC4 128": "disabled"}, "hashes": {"SHA999": "enabled"}})
    assert len(raised.value.findings) == 2
    assert "did you mean 'RC4 128/128'?" in str(raised.value)
