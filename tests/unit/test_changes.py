"""compute_changes / render_diff / managed_keys on hand-built snapshots (fresh, compliant, drifted, odd cases)."""

from __future__ import annotations

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils.changes import (
    compute_changes,
    describe_state,
    managed_keys,
    render_diff,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.describe import described_values
from ansible_collections.fleetsec.schannel.plugins.module_utils.desired import desired_state
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import (
    REG_DWORD,
    REG_MULTI_SZ,
    REG_SZ,
    Change,
    DesiredState,
    RegValue,
    Snapshot,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import parse_settings

SCH = r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL"
TLS12_SERVER = SCH + r"\Protocols\TLS 1.2\Server"
TLS10_SERVER = SCH + r"\Protocols\TLS 1.0\Server"
RC4 = SCH + r"\Ciphers\RC4 128/128"
POLICY = r"SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002"


def desired() -> DesiredState:
    state = DesiredState()
    state.set(TLS12_SERVER, "Enabled", REG_DWORD, 1)
    state.set(TLS12_SERVER, "DisabledByDefault", REG_DWORD, 0)
    state.set(RC4, "Enabled", REG_DWORD, 0)
    state.set(POLICY, "Functions", REG_SZ, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384")
    state.absent(TLS10_SERVER, "Enabled")
    state.absent(TLS10_SERVER, "DisabledByDefault")
    return state


def snapshot(*values: RegValue) -> Snapshot:
    return Snapshot(values={v.id: v for v in values})


def test_fresh_host_writes_every_value_and_deletes_nothing() -> None:
    changes = compute_changes(desired(), Snapshot())
    assert changes == [
        Change(POLICY, "Functions", REG_SZ, None, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
        Change(RC4, "Enabled", REG_DWORD, None, 0),
        Change(TLS12_SERVER, "DisabledByDefault", REG_DWORD, None, 0),
        Change(TLS12_SERVER, "Enabled", REG_DWORD, None, 1),
    ]


def test_compliant_host_needs_no_change() -> None:
    current = snapshot(
        RegValue(TLS12_SERVER, "Enabled", REG_DWORD, 1),
        RegValue(TLS12_SERVER, "DisabledByDefault", REG_DWORD, 0),
        RegValue(RC4, "Enabled", REG_DWORD, 0),
        RegValue(POLICY, "Functions", REG_SZ, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
        RegValue(SCH + r"\Protocols\SSL 3.0\Server", "Enabled", REG_DWORD, 0),  # not managed: left alone
    )
    assert compute_changes(desired(), current) == []


def test_drifted_host_changes_only_what_differs_and_deletes_present_values() -> None:
    current = snapshot(
        RegValue(TLS12_SERVER, "Enabled", REG_DWORD, 0),
        RegValue(TLS12_SERVER, "DisabledByDefault", REG_DWORD, 0),
        RegValue(RC4, "Enabled", REG_DWORD, 0),
        RegValue(POLICY, "Functions", REG_SZ, "TLS_RSA_WITH_AES_128_CBC_SHA"),
        RegValue(TLS10_SERVER, "Enabled", REG_DWORD, 0),
    )
    assert compute_changes(desired(), current) == [
        Change(POLICY, "Functions", REG_SZ, "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
        Change(TLS10_SERVER, "Enabled", REG_DWORD, 0, None),
        Change(TLS12_SERVER, "Enabled", REG_DWORD, 0, 1),
    ]


def test_names_that_differ_only_in_case_are_the_same_value() -> None:
    lower_key = TLS12_SERVER.lower()
    current = snapshot(
        RegValue(lower_key, "enabled", REG_DWORD, 1),
        RegValue(lower_key, "DISABLEDBYDEFAULT", REG_DWORD, 1),
        RegValue(TLS10_SERVER.upper(), "enabled", REG_DWORD, 1),
    )
    changes = compute_changes(desired(), current)
    by_name = {(c.key, c.name): c for c in changes}
    # drifted value: written under the desired spelling
    assert by_name[(TLS12_SERVER, "DisabledByDefault")] == Change(TLS12_SERVER, "DisabledByDefault", REG_DWORD, 1, 0)
    # deletion: under the spelling found on the host
    assert by_name[(TLS10_SERVER.upper(), "enabled")] == Change(TLS10_SERVER.upper(), "enabled", REG_DWORD, 1, None)
    assert (TLS12_SERVER, "Enabled") not in by_name


def test_value_of_the_wrong_type_is_rewritten_and_keeps_its_old_type() -> None:
    current = snapshot(
        RegValue(TLS12_SERVER, "Enabled", REG_SZ, "1"),
        RegValue(TLS12_SERVER, "DisabledByDefault", REG_DWORD, 0),
        RegValue(RC4, "Enabled", REG_DWORD, 0),
        RegValue(POLICY, "Functions", REG_MULTI_SZ, ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",)),
    )
    changes = compute_changes(desired(), current)
    assert changes == [
        Change(POLICY, "Functions", REG_SZ, ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",),
               "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", REG_MULTI_SZ),
        Change(TLS12_SERVER, "Enabled", REG_DWORD, "1", 1, REG_SZ),
    ]
    assert changes[1].prior_type == REG_SZ


def test_dword_all_ones_equals_minus_one() -> None:
    state = DesiredState()
    state.set(SCH + r"\Ciphers\AES 128/128", "Enabled", REG_DWORD, 0xFFFFFFFF)
    current = snapshot(RegValue(SCH + r"\Ciphers\AES 128/128", "Enabled", REG_DWORD, -1))
    assert compute_changes(state, current) == []


def test_multi_sz_list_equals_tuple() -> None:
    state = DesiredState()
    state.set(POLICY, "EccCurves", REG_MULTI_SZ, ("NistP384", "NistP256"))
    assert compute_changes(state, snapshot(RegValue(POLICY, "EccCurves", REG_MULTI_SZ, ["NistP384", "NistP256"]))) == []
    assert compute_changes(state, snapshot(RegValue(POLICY, "EccCurves", REG_MULTI_SZ, ("NistP256", "NistP384")))) == [
        Change(POLICY, "EccCurves", REG_MULTI_SZ, ("NistP256", "NistP384"), ("NistP384", "NistP256"))
    ]


def test_plain_dict_desired_state_works_too() -> None:
    value = RegValue(RC4, "Enabled", REG_DWORD, 0)
    assert compute_changes({value.id: value}, Snapshot()) == [Change(RC4, "Enabled", REG_DWORD, None, 0)]
    assert managed_keys({value.id: value}) == [RC4]


def test_managed_keys_lists_each_key_once_with_its_spelling() -> None:
    assert managed_keys(desired()) == [POLICY, RC4, TLS10_SERVER, TLS12_SERVER]


def test_render_diff_groups_changed_values_by_key() -> None:
    changes = [
        Change(RC4, "Enabled", REG_DWORD, None, 0),
        Change(TLS10_SERVER, "Enabled", REG_DWORD, 1, None),
        Change(TLS12_SERVER, "DisabledByDefault", REG_DWORD, 1, 0),
        Change(TLS12_SERVER, "Enabled", REG_DWORD, None, 1),
        Change(POLICY, "EccCurves", REG_MULTI_SZ, None, ("NistP384", "NistP256")),
    ]
    diff = render_diff(changes)
    assert diff["before"] == (
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Cryptography\\Configuration\\SSL\\00010002]\n"
        "\n"
        "[HKEY_LOCAL_MACHINE\\" + RC4 + "]\n"
        "\n"
        "[HKEY_LOCAL_MACHINE\\" + TLS10_SERVER + "]\n"
        '"Enabled"=dword:00000001\n'
        "\n"
        "[HKEY_LOCAL_MACHINE\\" + TLS12_SERVER + "]\n"
        '"DisabledByDefault"=dword:00000001\n'
    )
    assert diff["after"] == (
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Cryptography\\Configuration\\SSL\\00010002]\n"
        '"EccCurves"=multi_sz:"NistP384","NistP256"\n'
        "\n"
        "[HKEY_LOCAL_MACHINE\\" + RC4 + "]\n"
        '"Enabled"=dword:00000000\n'
        "\n"
        "[HKEY_LOCAL_MACHINE\\" + TLS10_SERVER + "]\n"
        "\n"
        "[HKEY_LOCAL_MACHINE\\" + TLS12_SERVER + "]\n"
        '"DisabledByDefault"=dword:00000000\n'
        '"Enabled"=dword:00000001\n'
    )


def test_render_diff_shows_string_and_wrong_type_before() -> None:
    diff = render_diff([Change(POLICY, "Functions", REG_SZ, ("A", "B"), "A,B", REG_MULTI_SZ)])
    assert '"Functions"=multi_sz:"A","B"' in diff["before"]
    assert '"Functions"="A,B"' in diff["after"]


def test_render_diff_of_nothing_is_empty() -> None:
    assert render_diff([]) == {"before": "", "after": ""}


# -- describe_state ---------------------------------------------------------------------------------------------

NET4 = r"SOFTWARE\Microsoft\.NETFramework\v4.0.30319"
WINHTTP = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp"
WINHTTP32 = r"SOFTWARE\Wow6432Node\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp"


def test_describe_fresh_2019_host_is_all_default() -> None:
    state = describe_state(Snapshot(), "2019")
    # 2019 supports SSL 3.0 (off by default), TLS 1.0-1.2, DTLS 1.0/1.2; SSL 2.0 was removed in 2016.
    assert state["protocols"] == {
        name: {"server": "default", "client": "default"}
        for name in ("SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "DTLS 1.0", "DTLS 1.2")
    }
    assert set(state["ciphers"].values()) == {"default"}
    assert "Triple DES 168" in state["ciphers"]
    assert state["hashes"] == dict.fromkeys(("MD5", "SHA", "SHA256", "SHA384", "SHA512"), "default")
    assert state["key_exchanges"] == dict.fromkeys(("Diffie-Hellman", "PKCS", "ECDH"), "default")
    assert state["cipher_suites"] == []
    assert state["ecc_curves"] == []
    assert state["dh_min_key_bits"] == {"server": None, "client": None}
    assert state["dotnet_strong_crypto"] is None
    assert state["dotnet_system_default_tls_versions"] is None
    assert state["winhttp_secure_protocols"] is None
    assert state["fips_algorithm_policy"] is None


def test_describe_reads_back_what_desired_state_writes() -> None:
    settings, _ignored = parse_settings(
        {
            "protocols": {"TLS 1.0": "disabled", "TLS 1.2": "enabled", "SSL 2.0": "disabled"},
            "ciphers": {"Triple DES 168/168": "disabled", "AES 256/256": "enabled"},
            "hashes": {"MD5": "disabled"},
            "key_exchanges": {"ECDH": "enabled"},
            "cipher_suites": ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384"],
            "ecc_curves": ["NistP384", "NistP256"],
            "dh_min_key_bits": {"server": 3072, "client": 2048},
            "dotnet_strong_crypto": True,
            "dotnet_system_default_tls_versions": False,
            "winhttp_secure_protocols": ["TLS 1.2"],
            "fips_algorithm_policy": False,
        }
    )
    state, _ignored = desired_state(settings, "2019")
    snap = Snapshot(values={vid: v for vid, v in state.items() if v is not None})
    got = describe_state(snap, "2019")
    assert got["protocols"]["TLS 1.0"] == {"server": "disabled", "client": "disabled"}
    assert got["protocols"]["TLS 1.2"] == {"server": "enabled", "client": "enabled"}
    assert got["protocols"]["TLS 1.1"] == {"server": "default", "client": "default"}
    assert got["protocols"]["SSL 2.0"] == {"server": "disabled", "client": "disabled"}  # present, so listed
    assert got["ciphers"]["Triple DES 168"] == "disabled"
    assert got["ciphers"]["AES 256/256"] == "enabled"
    assert got["ciphers"]["AES 128/128"] == "default"
    assert got["hashes"]["MD5"] == "disabled"
    assert got["key_exchanges"]["ECDH"] == "enabled"
    assert got["cipher_suites"] == ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384"]
    assert got["ecc_curves"] == ["NistP384", "NistP256"]
    assert got["dh_min_key_bits"] == {"server": 3072, "client": 2048}
    assert got["dotnet_strong_crypto"] is True
    assert got["dotnet_system_default_tls_versions"] is False  # read apart from SchUseStrongCrypto
    assert got["winhttp_secure_protocols"] == ["TLS 1.2"]
    assert got["fips_algorithm_policy"] is False


@pytest.mark.parametrize(
    ("enabled", "disabled_by_default", "expected"),
    [
        (None, None, "default"),
        (1, 0, "enabled"),
        (0xFFFFFFFF, 0, "enabled"),  # IIS Crypto 3.x / Hass convention
        (1, None, "enabled"),
        (None, 0, "enabled"),
        (0, 1, "disabled"),
        (0, None, "disabled"),
        (1, 1, "disabled_by_default"),
        (None, 1, "disabled_by_default"),  # the shipped SSL 2.0\Client value (IIS Crypto backup RegBackupHOTH.reg)
    ],
)
def test_describe_protocol_states(enabled: int | None, disabled_by_default: int | None, expected: str) -> None:
    values = []
    if enabled is not None:
        values.append(RegValue(TLS12_SERVER, "Enabled", REG_DWORD, enabled))
    if disabled_by_default is not None:
        values.append(RegValue(TLS12_SERVER, "DisabledByDefault", REG_DWORD, disabled_by_default))
    assert describe_state(snapshot(*values), "2016")["protocols"]["TLS 1.2"]["server"] == expected


def test_describe_odd_values() -> None:
    got = describe_state(
        snapshot(
            RegValue(TLS12_SERVER, "Enabled", REG_SZ, "1"),
            RegValue(RC4, "Enabled", REG_DWORD, 1),
            RegValue(POLICY, "Functions", REG_SZ, "TLS_A, TLS_B,,"),
            RegValue(NET4, "SchUseStrongCrypto", REG_DWORD, 1),
            RegValue(WINHTTP, "DefaultSecureProtocols", REG_DWORD, 0xA00),
            RegValue(WINHTTP32, "DefaultSecureProtocols", REG_DWORD, 0x800),
        ),
        "2012r2",
    )
    assert got["protocols"]["TLS 1.2"]["server"] == "invalid"
    assert got["ciphers"]["RC4 128/128"] == "enabled"
    assert got["cipher_suites"] == ["TLS_A", "TLS_B"]
    assert got["dotnet_strong_crypto"] == "mixed"
    assert got["winhttp_secure_protocols"] == "mixed"


def test_describe_winhttp_unknown_bits_are_kept() -> None:
    got = describe_state(
        snapshot(
            RegValue(WINHTTP, "DefaultSecureProtocols", REG_DWORD, 0x2A80 | 0x1),
            RegValue(WINHTTP32, "DefaultSecureProtocols", REG_DWORD, 0x2A80 | 0x1),
        ),
        "2022",
    )
    assert got["winhttp_secure_protocols"] == ["TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3", "0x1"]


def test_described_values_cover_what_describe_reads() -> None:
    on_2019 = described_values("2019")
    assert (POLICY, "EccCurves") in on_2019
    assert (POLICY, "EccCurves") not in described_values("2012r2")
    assert (TLS12_SERVER, "DisabledByDefault") in on_2019
    assert (SCH + r"\KeyExchangeAlgorithms\Diffie-Hellman", "ServerMinKeyBitLength") in on_2019
    assert len(on_2019) == len(set(on_2019))


def _dwords(key: str, **values: int) -> list[RegValue]:
    return [RegValue(key, name, REG_DWORD, data) for name, data in values.items()]


def test_describe_a_2012r2_host_hardened_the_iis_crypto_2x_way() -> None:
    # The registry of a host set to IIS Crypto 2.x "Best Practices" as the SPS-RESQ/DSC@9d86fc4b
    # 203-windows-IIS/Hardening.ps1 .reg writes it: protocols and algorithms with 0xffffffff, the pre-Vista key
    # "Triple DES 168/168", no ECDH key, a policy suite order; plus the SSL 2.0\Client DisabledByDefault=1 Windows
    # ships (a real IIS Crypto 3.x /backup file, BanterBoy/PSNartacIISCrypto RegBackupHOTH.reg).
    on = 0xFFFFFFFF
    proto = SCH + "\\Protocols\\"
    values = [
        *_dwords(proto + r"Multi-Protocol Unified Hello\Server", Enabled=0, DisabledByDefault=1),
        *_dwords(proto + r"PCT 1.0\Server", Enabled=0, DisabledByDefault=1),
        *_dwords(proto + r"SSL 2.0\Client", DisabledByDefault=1),
        *_dwords(proto + r"SSL 2.0\Server", Enabled=0, DisabledByDefault=1),
        *_dwords(proto + r"SSL 3.0\Server", Enabled=on, DisabledByDefault=0),
        *_dwords(proto + r"TLS 1.0\Server", Enabled=on, DisabledByDefault=0),
        *_dwords(proto + r"TLS 1.1\Server", Enabled=on, DisabledByDefault=0),
        *_dwords(proto + r"TLS 1.1\Client", DisabledByDefault=0),
        *_dwords(proto + r"TLS 1.2\Server", Enabled=-1, DisabledByDefault=0),  # a signed reader's 0xffffffff
        *_dwords(proto + r"TLS 1.2\Client", DisabledByDefault=0),
        *_dwords(SCH + r"\Ciphers\AES 128/128", Enabled=on),
        *_dwords(SCH + r"\Ciphers\AES 256/256", Enabled=on),
        *_dwords(SCH + r"\Ciphers\RC4 128/128", Enabled=on),
        *_dwords(SCH + r"\Ciphers\Triple DES 168/168", Enabled=on),
        *_dwords(SCH + r"\Ciphers\DES 56/56", Enabled=0),
        *_dwords(SCH + r"\Ciphers\NULL", Enabled=0),
        *_dwords(SCH + r"\Hashes\MD5", Enabled=0),
        *_dwords(SCH + r"\Hashes\SHA", Enabled=on),
        *_dwords(SCH + r"\KeyExchangeAlgorithms\Diffie-Hellman", Enabled=on),
        *_dwords(SCH + r"\KeyExchangeAlgorithms\PKCS", Enabled=on),
        RegValue(POLICY, "Functions", REG_SZ,
                 "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P521,TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384,"
                 "TLS_RSA_WITH_RC4_128_SHA,TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
    ]
    got = describe_state(snapshot(*values), "2012r2")
    assert got["protocols"] == {
        # MPUH and PCT are no protocols of 2012 R2 but have values, so they are listed.
        "Multi-Protocol Unified Hello": {"server": "disabled", "client": "default"},
        "PCT 1.0": {"server": "disabled", "client": "default"},
        "SSL 2.0": {"server": "disabled", "client": "disabled_by_default"},
        "SSL 3.0": {"server": "enabled", "client": "default"},
        "TLS 1.0": {"server": "enabled", "client": "default"},
        "TLS 1.1": {"server": "enabled", "client": "enabled"},  # KB245030: DisabledByDefault=0 turns it on
        "TLS 1.2": {"server": "enabled", "client": "enabled"},
        "DTLS 1.0": {"server": "default", "client": "default"},
    }
    # KB245030: from Vista on the key is "Triple DES 168"; the "168/168" key is not the one Schannel reads, so
    # the host's 3DES state is the OS default -- the describer must not credit the stray key to it.
    assert got["ciphers"] == {
        "NULL": "disabled", "DES 56/56": "disabled", "RC2 40/128": "default", "RC2 56/128": "default",
        "RC2 128/128": "default", "RC4 40/128": "default", "RC4 56/128": "default", "RC4 64/128": "default",
        "RC4 128/128": "enabled", "Triple DES 168": "default", "AES 128/128": "enabled", "AES 256/256": "enabled",
    }
    assert got["hashes"] == {"MD5": "disabled", "SHA": "enabled", "SHA256": "default", "SHA384": "default",
                             "SHA512": "default"}
    assert got["key_exchanges"] == {"Diffie-Hellman": "enabled", "PKCS": "enabled", "ECDH": "default"}
    assert got["cipher_suites"] == [
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P521", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384",
        "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    ]
    assert got["ecc_curves"] == []
    assert got["dh_min_key_bits"] == {"server": None, "client": None}
    assert (got["dotnet_strong_crypto"], got["winhttp_secure_protocols"], got["fips_algorithm_policy"]) == (
        None, None, None)


def test_describe_matches_keys_whatever_their_case() -> None:
    # Registry names are case-insensitive (registry.py); scripts write "tls 1.2", "SERVER", "enabled".
    got = describe_state(
        snapshot(
            RegValue(SCH + r"\protocols\tls 1.2\SERVER", "enabled", REG_DWORD, 1),
            RegValue(SCH + r"\protocols\tls 1.2\SERVER", "disabledbydefault", REG_DWORD, 0),
            RegValue(SCH + r"\hashes\sha256", "ENABLED", REG_DWORD, 0),
            RegValue(r"SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002", "eccCurves",
                     REG_MULTI_SZ, ("NistP384", "", "NistP256")),
        ),
        "2019",
    )
    assert got["protocols"]["TLS 1.2"] == {"server": "enabled", "client": "default"}
    assert got["hashes"]["SHA256"] == "disabled"
    assert got["ecc_curves"] == ["NistP384", "NistP256"]
