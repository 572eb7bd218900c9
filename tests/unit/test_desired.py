"""desired_state: registry values as Microsoft documents them (expectations written from the KB/docs facts)."""

from __future__ import annotations

import dataclasses

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.desired import desired_state
from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import ERROR, WARNING, Finding
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import (
    REG_DWORD,
    REG_MULTI_SZ,
    REG_SZ,
    DesiredState,
    RegValue,
    value_id,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import parse_settings

SCH = "SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL"
POLICY = "SOFTWARE\\Policies\\Microsoft\\Cryptography\\Configuration\\SSL\\00010002"
SEED_SUITES = ["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P521", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384"]


def desired(raw: dict, os_key: str) -> tuple[DesiredState, list[Finding]]:
    settings, findings = parse_settings(raw)
    assert findings == []
    return desired_state(settings, os_key)


def values(state: DesiredState) -> dict[tuple[str, str], object]:
    """(key, name) -> data (None = must be absent), keys as spelled."""
    return {state.spelled(vid): (None if v is None else v.data) for vid, v in state.items()}


def test_tls12_enabled_on_2008r2_sets_enabled_and_clears_disabled_by_default() -> None:
    # KB245030 / TRS: TLS 1.2 is "disabled by default" on Windows 7 / 2008 R2; enabling it means Enabled=1 and
    # DisabledByDefault=0 for Server and Client (AD FS doc).
    state, findings = desired({"protocols": {"TLS 1.2": "enabled"}}, "2008r2")
    assert findings == []
    assert values(state) == {
        (SCH + "\\Protocols\\TLS 1.2\\Server", "Enabled"): 1,
        (SCH + "\\Protocols\\TLS 1.2\\Server", "DisabledByDefault"): 0,
        (SCH + "\\Protocols\\TLS 1.2\\Client", "Enabled"): 1,
        (SCH + "\\Protocols\\TLS 1.2\\Client", "DisabledByDefault"): 0,
    }
    assert all(v.type == REG_DWORD for v in state.values() if v is not None)


def test_protocol_disabled_and_default() -> None:
    state, _ignored = desired({"protocols": {"TLS 1.0": "disabled", "SSL 3.0": "default"}}, "2019")
    assert values(state) == {
        (SCH + "\\Protocols\\TLS 1.0\\Server", "Enabled"): 0,
        (SCH + "\\Protocols\\TLS 1.0\\Server", "DisabledByDefault"): 1,
        (SCH + "\\Protocols\\TLS 1.0\\Client", "Enabled"): 0,
        (SCH + "\\Protocols\\TLS 1.0\\Client", "DisabledByDefault"): 1,
        (SCH + "\\Protocols\\SSL 3.0\\Server", "Enabled"): None,
        (SCH + "\\Protocols\\SSL 3.0\\Server", "DisabledByDefault"): None,
        (SCH + "\\Protocols\\SSL 3.0\\Client", "Enabled"): None,
        (SCH + "\\Protocols\\SSL 3.0\\Client", "DisabledByDefault"): None,
    }


def test_protocol_sides_server_only() -> None:
    state, _ignored = desired({"protocols": {"TLS 1.1": "disabled"}, "protocol_sides": ["server"]}, "2016")
    assert set(values(state)) == {
        (SCH + "\\Protocols\\TLS 1.1\\Server", "Enabled"),
        (SCH + "\\Protocols\\TLS 1.1\\Server", "DisabledByDefault"),
    }


def test_per_side_mapping() -> None:
    state, _ignored = desired({"protocols": {"TLS 1.1": {"server": "disabled", "client": "enabled"}}}, "2016")
    assert values(state) == {
        (SCH + "\\Protocols\\TLS 1.1\\Server", "Enabled"): 0,
        (SCH + "\\Protocols\\TLS 1.1\\Server", "DisabledByDefault"): 1,
        (SCH + "\\Protocols\\TLS 1.1\\Client", "Enabled"): 1,
        (SCH + "\\Protocols\\TLS 1.1\\Client", "DisabledByDefault"): 0,
    }


def test_tls13_enabled_on_2019_is_skipped_with_a_warning() -> None:
    # "TLS 1.3 is supported starting in Windows 11 and Windows Server 2022" (protocols-in-tls-ssl doc).
    state, findings = desired({"protocols": {"TLS 1.3": "enabled"}}, "2019")
    assert dict(state) == {}
    assert findings == [
        Finding(
            WARNING,
            "protocol-unsupported",
            "protocols.TLS 1.3",
            "TLS 1.3 is not available on Windows Server 2019: it cannot be enabled there, so nothing is written for it",
        )
    ]


@pytest.mark.parametrize("os_key", ["2008r2", "2012r2", "2016", "2019"])
def test_tls13_disabled_before_2022_is_skipped_with_a_warning_naming_the_os(os_key: str) -> None:
    # IIS Crypto marks TLS 1.3 minimumOSVersion="Windows2022" and skips it on older versions (IIS Crypto 3.3/4.x
    # user templates); Windows has no TLS 1.3 before 2022 (protocols-in-tls-ssl doc).
    state, findings = desired({"protocols": {"TLS 1.3": "disabled", "TLS 1.2": "enabled"}}, os_key)
    assert not [vid for vid in state if "tls 1.3" in vid[0]]
    assert findings == [
        Finding(
            WARNING,
            "protocol-unsupported",
            "protocols.TLS 1.3",
            "TLS 1.3 is not available on %s: nothing is written for it there (IIS Crypto skips it too), so an "
            "in-place upgrade to a version that has it does not inherit it disabled" % catalog.os_label(os_key),
        )
    ]


def test_tls13_default_before_2022_still_removes_our_values() -> None:
    state, findings = desired({"protocols": {"TLS 1.3": "default"}}, "2019")
    assert findings == []
    assert values(state) == {
        (SCH + "\\Protocols\\TLS 1.3\\" + side, name): None
        for side in ("Server", "Client") for name in ("Enabled", "DisabledByDefault")
    }


def test_tls13_disabled_on_2022_is_written() -> None:
    state, findings = desired({"protocols": {"TLS 1.3": "disabled"}, "protocol_sides": ["server"]}, "2022")
    assert findings == []
    assert values(state) == {
        (SCH + "\\Protocols\\TLS 1.3\\Server", "Enabled"): 0,
        (SCH + "\\Protocols\\TLS 1.3\\Server", "DisabledByDefault"): 1,
    }


def test_dtls12_enabled_on_2012r2_is_skipped() -> None:
    state, findings = desired({"protocols": {"DTLS 1.2": "enabled"}}, "2012r2")
    assert dict(state) == {}
    assert [f.code for f in findings] == ["protocol-unsupported"]
    assert "Windows Server 2012 R2" in findings[0].message


def test_disabling_a_protocol_the_os_lacks_is_still_written() -> None:
    # STIG IIST-SV-000153 checks SSL 2.0\Server Enabled=0 / DisabledByDefault=1 on IIS 10 (2016+) hosts.
    state, findings = desired({"protocols": {"SSL 2.0": "disabled"}, "protocol_sides": ["server"]}, "2019")
    assert findings == []
    assert values(state) == {
        (SCH + "\\Protocols\\SSL 2.0\\Server", "Enabled"): 0,
        (SCH + "\\Protocols\\SSL 2.0\\Server", "DisabledByDefault"): 1,
    }


def test_triple_des_label_writes_the_vista_plus_key_on_2019() -> None:
    # KB245030: "Triple DES 168/168" only before Windows Vista; the key is "Triple DES 168".
    state, _ignored = desired({"ciphers": {"Triple DES 168/168": "enabled", "RC4 128/128": "disabled"}}, "2019")
    assert values(state) == {
        (SCH + "\\Ciphers\\Triple DES 168", "Enabled"): 0xFFFFFFFF,
        (SCH + "\\Ciphers\\RC4 128/128", "Enabled"): 0,
    }


def test_hashes_and_key_exchanges_use_registry_names() -> None:
    raw = {"hashes": {"SHA 384": "enabled", "MD5": "default"}, "key_exchanges": {"PKCS": "disabled"}}
    state, _ignored = desired(raw, "2022")
    assert values(state) == {
        (SCH + "\\Hashes\\SHA384", "Enabled"): 0xFFFFFFFF,
        (SCH + "\\Hashes\\MD5", "Enabled"): None,
        (SCH + "\\KeyExchangeAlgorithms\\PKCS", "Enabled"): 0,
    }


def test_seed_suites_on_2019_become_one_unsuffixed_suite() -> None:
    # Windows 10/2016+ tables list unsuffixed names only; the suffix is dropped (cipher-suites-in-schannel.md).
    state, findings = desired({"cipher_suites": SEED_SUITES}, "2019")
    assert list(state.values()) == [RegValue(POLICY, "Functions", REG_SZ, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384")]
    assert findings == [
        Finding(
            WARNING,
            "suite-duplicate",
            "cipher_suites[1]",
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384 is written as TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 on "
            "Windows Server 2019, which cipher_suites[0] already puts in the order: it is listed once, at the first "
            "place",
        )
    ]


def test_seed_suites_on_2012r2_keep_their_suffixes() -> None:
    # Windows 8.1 table lists _P521 (supported, not enabled by default) and _P384 (enabled) variants.
    state, findings = desired({"cipher_suites": SEED_SUITES}, "2012r2")
    assert findings == []
    assert values(state) == {
        (POLICY, "Functions"): "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P521,TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384"
    }


def test_unsuffixed_ecdhe_suite_on_2008r2_expands_to_the_default_enabled_variants() -> None:
    # Windows 7 table: TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P256 then _P384 enabled; _P521 not enabled.
    state, _ignored = desired(
        {"cipher_suites": ["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "TLS_RSA_WITH_AES_256_CBC_SHA"]}, "2008r2"
    )
    assert values(state) == {
        (POLICY, "Functions"): "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P256,TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384,"
        "TLS_RSA_WITH_AES_256_CBC_SHA"
    }


def test_suite_missing_on_the_os_is_left_out_with_a_warning() -> None:
    # No TLS_ECDHE_RSA_*_GCM suites exist on Windows 7 / 8.1 (MicrosoftDocs/win32 tls-cipher-suites-in-windows-7.md,
    # tls-cipher-suites-in-windows-8-1.md).
    state, findings = desired(
        {"cipher_suites": ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384"]}, "2008r2"
    )
    assert values(state) == {(POLICY, "Functions"): "TLS_RSA_WITH_AES_256_GCM_SHA384"}
    assert findings == [
        Finding(
            WARNING,
            "suite-unavailable",
            "cipher_suites[0]",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 is not available on Windows Server 2008 R2: it is left out of the "
            "suite order there",
        )
    ]


def test_suffixed_variant_missing_on_the_os() -> None:
    # Windows 8.1: TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 exists as _P384 and _P521 only.
    state, findings = desired({"cipher_suites": ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384_P256"]}, "2012r2")
    assert [f.code for f in findings] == ["suite-unavailable", "suites-none-available"]
    assert findings[1] == Finding(
        ERROR,
        "suites-none-available",
        "cipher_suites",
        "none of the configured cipher suites exist on Windows Server 2012 R2: the suite order is not written; list "
        "suites that OS has",
    )
    assert dict(state) == {}


def test_tls13_suites_on_2022() -> None:
    state, findings = desired({"cipher_suites": ["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"]}, "2022")
    assert findings == []
    assert values(state) == {(POLICY, "Functions"): "TLS_AES_256_GCM_SHA384,TLS_AES_128_GCM_SHA256"}


def test_empty_suite_list_removes_the_policy_value() -> None:
    state, _ignored = desired({"cipher_suites": []}, "2019")
    assert values(state) == {(POLICY, "Functions"): None}


def test_ecc_curves_on_2019_and_skipped_on_2012r2() -> None:
    state, findings = desired({"ecc_curves": ["NistP384", "NistP256"]}, "2019")
    assert findings == []
    assert list(state.values()) == [RegValue(POLICY, "EccCurves", REG_MULTI_SZ, ("NistP384", "NistP256"))]
    state, findings = desired({"ecc_curves": ["NistP384"]}, "2012r2")
    assert dict(state) == {}
    assert findings == [
        Finding(
            WARNING,
            "ecc-curves-unsupported",
            "ecc_curves",
            "Windows Server 2012 R2 has no curve order setting (it came with Windows Server 2016): ecc_curves is "
            "skipped there; on that OS the _P256/_P384/_P521 suffix of each cipher suite picks the curve",
        )
    ]
    state, _ignored = desired({"ecc_curves": []}, "2016")
    assert values(state) == {(POLICY, "EccCurves"): None}


def test_curve_missing_on_the_os_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    narrow = dataclasses.replace(catalog.ECC_CURVES["curve25519"], supported=frozenset({"2025"}))
    monkeypatch.setitem(catalog.ECC_CURVES, "curve25519", narrow)
    state, findings = desired({"ecc_curves": ["curve25519", "NistP256"]}, "2019")
    assert values(state) == {(POLICY, "EccCurves"): ("NistP256",)}
    assert findings == [
        Finding(
            WARNING,
            "curve-unavailable",
            "ecc_curves[0]",
            "curve curve25519 is not available on Windows Server 2019: it is left out of the curve order there",
        )
    ]


def test_algorithm_missing_on_the_os(monkeypatch: pytest.MonkeyPatch) -> None:
    narrow = dataclasses.replace(catalog.CIPHERS["RC2 40/128"], supported=frozenset({"2008r2"}))
    monkeypatch.setitem(catalog.CIPHERS, "RC2 40/128", narrow)
    state, findings = desired({"ciphers": {"RC2 40/128": "enabled"}}, "2019")
    assert dict(state) == {}
    assert findings == [
        Finding(
            WARNING,
            "algorithm-unsupported",
            "ciphers.RC2 40/128",
            "cipher RC2 40/128 is not available on Windows Server 2019: nothing is written for it",
        )
    ]
    state, findings = desired({"ciphers": {"RC2 40/128": "disabled"}}, "2019")
    assert findings == []
    assert values(state) == {(SCH + "\\Ciphers\\RC2 40/128", "Enabled"): 0}


def test_dh_minimum_key_sizes() -> None:
    # TRS "KeyExchangeAlgorithm key sizes": Diffie-Hellman ServerMinKeyBitLength / ClientMinKeyBitLength.
    state, _ignored = desired({"dh_min_key_bits": {"server": 3072, "client": 2048}}, "2016")
    assert values(state) == {
        (SCH + "\\KeyExchangeAlgorithms\\Diffie-Hellman", "ServerMinKeyBitLength"): 3072,
        (SCH + "\\KeyExchangeAlgorithms\\Diffie-Hellman", "ClientMinKeyBitLength"): 2048,
    }


DOTNET_KEYS = (
    "SOFTWARE\\Microsoft\\.NETFramework\\v2.0.50727",
    "SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319",
    "SOFTWARE\\Wow6432Node\\Microsoft\\.NETFramework\\v2.0.50727",
    "SOFTWARE\\Wow6432Node\\Microsoft\\.NETFramework\\v4.0.30319",
)


@pytest.mark.parametrize(("flag", "data"), [(True, 1), (False, 0)])
def test_dotnet_strong_crypto_sets_only_sch_use_strong_crypto(flag: bool, data: int) -> None:
    # dotnet/docs tls.md: SchUseStrongCrypto and SystemDefaultTlsVersions are separate switches; SChannelDsc
    # TLS12State writes them for v2.0.50727 and v4.0.30319 in both views.
    state, _ignored = desired({"dotnet_strong_crypto": flag}, "2012r2")
    assert values(state) == {(key, "SchUseStrongCrypto"): data for key in DOTNET_KEYS}


@pytest.mark.parametrize(("flag", "data"), [(True, 1), (False, 0)])
def test_dotnet_system_default_tls_versions_sets_only_its_value(flag: bool, data: int) -> None:
    state, _ignored = desired({"dotnet_system_default_tls_versions": flag}, "2022")
    assert values(state) == {(key, "SystemDefaultTlsVersions"): data for key in DOTNET_KEYS}


def test_dotnet_options_set_apart_for_xp_clients() -> None:
    # xp_compatible's pair: no strong crypto (MailStore keeps SSL 3.0/RC4/3DES), system default TLS versions on.
    state, _ignored = desired({"dotnet_strong_crypto": False, "dotnet_system_default_tls_versions": True}, "2025")
    expected = {(key, "SchUseStrongCrypto"): 0 for key in DOTNET_KEYS}
    expected.update({(key, "SystemDefaultTlsVersions"): 1 for key in DOTNET_KEYS})
    assert values(state) == expected


def test_winhttp_bitmask_in_both_views() -> None:
    # TLS 1.1 = 0x200, TLS 1.2 = 0x800 (Hass v1.10; SChannelDsc WinHttpDefaultSecureProtocols 512/2048).
    state, findings = desired({"winhttp_secure_protocols": ["TLS 1.1", "TLS 1.2"]}, "2008r2")
    assert findings == []
    assert values(state) == {
        ("SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp", "DefaultSecureProtocols"): 0xA00,
        ("SOFTWARE\\Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp",
         "DefaultSecureProtocols"): 0xA00,
    }


def test_winhttp_tls13_flag_only_where_tls13_exists() -> None:
    state, _ignored = desired({"winhttp_secure_protocols": ["TLS 1.2", "TLS 1.3"]}, "2022")
    assert {v.data for v in state.values()} == {0x2800}
    state, findings = desired({"winhttp_secure_protocols": ["TLS 1.2", "TLS 1.3"]}, "2019")
    assert {v.data for v in state.values()} == {0x800}
    assert findings == [
        Finding(
            WARNING,
            "winhttp-protocol-unsupported",
            "winhttp_secure_protocols[1]",
            "TLS 1.3 is not available on Windows Server 2019: its flag is left out of WinHTTP DefaultSecureProtocols "
            "there",
        )
    ]


def test_winhttp_empty_list_removes_the_value() -> None:
    state, _ignored = desired({"winhttp_secure_protocols": []}, "2019")
    assert set(values(state).values()) == {None}
    assert len(state) == 2


@pytest.mark.parametrize(("flag", "data"), [(True, 1), (False, 0)])
def test_fips_policy(flag: bool, data: int) -> None:
    state, _ignored = desired({"fips_algorithm_policy": flag}, "2025")
    assert values(state) == {("SYSTEM\\CurrentControlSet\\Control\\Lsa\\FipsAlgorithmPolicy", "Enabled"): data}


def test_seed_profile_on_2008r2() -> None:
    state, findings = desired(
        {
            "protocols": {"TLS 1.0": "enabled", "TLS 1.1": "enabled", "TLS 1.2": "enabled"},
            "ciphers": {"AES 128/128": "enabled", "AES 256/256": "enabled"},
            "hashes": {"SHA": "enabled"},
            "key_exchanges": {"Diffie-Hellman": "enabled", "PKCS": "enabled"},
            "cipher_suites": SEED_SUITES,
        },
        "2008r2",
    )
    assert findings == []
    got = values(state)
    assert len(got) == 18  # 3 protocols x 2 sides x 2 values + 2 ciphers + 1 hash + 2 key exchanges + Functions
    assert got[(SCH + "\\Protocols\\TLS 1.1\\Client", "DisabledByDefault")] == 0
    assert got[(SCH + "\\KeyExchangeAlgorithms\\Diffie-Hellman", "Enabled")] == 0xFFFFFFFF
    assert got[(POLICY, "Functions")] == ",".join(SEED_SUITES)


def test_value_identity_is_case_insensitive() -> None:
    state, _ignored = desired({"protocols": {"TLS 1.2": "enabled"}, "protocol_sides": ["server"]}, "2019")
    assert value_id(SCH.upper() + "\\PROTOCOLS\\tls 1.2\\server", "ENABLED") in state


def test_unknown_os_key() -> None:
    settings, _ignored = parse_settings({})
    with pytest.raises(KeyError, match="unknown OS key '2003'"):
        desired_state(settings, "2003")


def test_suite_order_over_1023_characters_is_not_rendered() -> None:
    # manage-tls.md: the policy list "is limited to 1,023 characters". Every ECDHE suite of 2012 R2, spelled
    # with its curve suffixes, is over that.
    names = [s.windows_name for s in catalog.os_suites("2012r2") if s.suite.name.startswith("TLS_ECDHE")]
    length = len(",".join(names))
    assert length > 1023
    state, findings = desired({"cipher_suites": names}, "2012r2")
    assert value_id(POLICY, "Functions") not in state
    assert findings == [
        Finding(
            ERROR,
            "suite-order-too-long",
            "cipher_suites",
            "the suite order is %s characters long as written for Windows Server 2012 R2, over the limit of 1,023 "
            "characters for the cipher suite policy (manage-tls.md): remove suites" % format(length, ","),
        )
    ]


def test_suite_order_of_exactly_1023_characters_is_rendered() -> None:
    names = [s.windows_name for s in catalog.os_suites("2012r2") if s.suite.name.startswith("TLS_ECDHE")]
    while len(",".join(names)) > 1023:
        names.pop()
    state, findings = desired({"cipher_suites": names}, "2012r2")
    assert [f for f in findings if f.severity == ERROR] == []
    assert state[value_id(POLICY, "Functions")].data == ",".join(names)
