"""Catalog facts, checked against the Microsoft pages they come from (not against the code's own output).

Pages (MicrosoftDocs/win32, desktop-src/SecAuthN/): tls-cipher-suites-in-windows-7.md (2008 R2),
-windows-8-1.md (2012 R2), -windows-10-v1607.md (2016), -windows-10-v1809.md (2019), -windows-server-2022.md,
-windows-server-2025.md, tls-elliptic-curves-in-windows-10-1607-and-later.md, protocols-in-tls-ssl--schannel-ssp-.md.
"""

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.catalog import (
    CIPHERS,
    ECC_CURVES,
    HASHES,
    KEY_EXCHANGES,
    OS_INFO,
    OS_KEYS,
    PROTOCOLS,
    SUITES,
    UnknownNameError,
    default_suite_order,
    os_suite_names,
    os_suites,
    resolve,
)


def _suite(os_key, windows_name):
    matches = [s for s in os_suites(os_key) if s.windows_name == windows_name]
    assert len(matches) == 1, f"{windows_name} on {os_key}: {len(matches)} rows"
    return matches[0]


# ---------------------------------------------------------------------------------------------------- OS keys


def test_os_info_matches_win32_operatingsystem_facts():
    assert OS_KEYS == ("2008r2", "2012r2", "2016", "2019", "2022", "2025")
    assert OS_INFO["2008r2"].caption == "Microsoft Windows Server 2008 R2 Standard "
    assert (OS_INFO["2008r2"].version, OS_INFO["2008r2"].build) == ("6.1.7601", 7601)
    assert (OS_INFO["2012r2"].version, OS_INFO["2012r2"].build) == ("6.3.9600", 9600)
    assert OS_INFO["2019"].caption == "Microsoft Windows Server 2019 Standard"
    assert OS_INFO["2025"].label == "Windows Server 2025"
    assert [OS_INFO[k].build for k in ("2016", "2019", "2022", "2025")] == [14393, 17763, 20348, 26100]


@pytest.mark.parametrize(
    ("version", "build", "expected"),
    [
        ("6.1.7601", None, "2008r2"),
        ("6.3.9600", None, "2012r2"),
        ("10.0.14393", None, "2016"),
        ("10.0.17763", None, "2019"),
        ("10.0", 20348, "2022"),
        ("10.0.26100", 26100, "2025"),
    ],
)
def test_os_key_for(version, build, expected):
    assert catalog.os_key_for(version, build) == expected


@pytest.mark.parametrize("version", ["6.2.9200", "10.0.19045", "10.0", "banana"])
def test_os_key_for_rejects_unsupported_versions(version):
    with pytest.raises(ValueError, match="Windows version"):
        catalog.os_key_for(version)


# ---------------------------------------------------------------------------------------------------- protocols


def test_protocol_key_names_in_order():
    assert list(PROTOCOLS) == [
        "Multi-Protocol Unified Hello", "PCT 1.0", "SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2",
        "TLS 1.3", "DTLS 1.0", "DTLS 1.2",
    ]


def _defaults(protocol, os_key):
    d = PROTOCOLS[protocol].defaults[os_key]
    return None if d is None else (d.client, d.server)


def test_protocol_defaults_from_the_schannel_ssp_table():
    # 7 / 2008 R2: SSL 2.0 client disabled, server enabled; TLS 1.1/1.2 supported but disabled.
    assert _defaults("SSL 2.0", "2008r2") == (False, True)
    assert _defaults("TLS 1.1", "2008r2") == (False, False)
    assert _defaults("TLS 1.2", "2008r2") == (False, False)
    assert _defaults("SSL 3.0", "2008r2") == (True, True)
    # 8.1 / 2012 R2: SSL 2.0 disabled on both sides, TLS 1.0-1.2 and SSL 3.0 enabled.
    assert _defaults("SSL 2.0", "2012r2") == (False, False)
    assert _defaults("SSL 3.0", "2012r2") == (True, True)
    assert _defaults("TLS 1.2", "2012r2") == (True, True)
    # 1607 / 2016 and later: SSL 2.0 removed, SSL 3.0 disabled.
    for os_key in ("2016", "2019", "2022", "2025"):
        assert _defaults("SSL 2.0", os_key) is None
        assert _defaults("SSL 3.0", os_key) == (False, False)
        assert _defaults("TLS 1.0", os_key) == (True, True)


def test_tls13_and_dtls_support_by_os():
    assert [k for k in OS_KEYS if catalog.protocol_supported("TLS 1.3", k)] == ["2022", "2025"]
    assert [k for k in OS_KEYS if catalog.protocol_supported("DTLS 1.2", k)] == ["2016", "2019", "2022", "2025"]
    assert all(catalog.protocol_supported("DTLS 1.0", k) for k in OS_KEYS)


def test_mpuh_and_pct_are_valid_names_but_supported_nowhere():
    for name in ("Multi-Protocol Unified Hello", "PCT 1.0"):
        assert resolve("protocol", name.upper()) == name
        assert not any(catalog.protocol_supported(name, k) for k in OS_KEYS)


def test_wire_versions():
    assert PROTOCOLS["TLS 1.2"].wire_version == 0x0303
    assert PROTOCOLS["SSL 3.0"].wire_version == 0x0300
    assert PROTOCOLS["DTLS 1.2"].wire_version == 0xFEFD
    assert PROTOCOLS["DTLS 1.2"].dtls
    assert not PROTOCOLS["TLS 1.3"].dtls


def test_protocol_key_path():
    assert catalog.protocol_key("tlsv1.2", "server") == (
        r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Server"
    )
    with pytest.raises(ValueError, match="Client or Server"):
        catalog.protocol_key("TLS 1.2", "both")


# ---------------------------------------------------------------------------------------------------- algorithms


def test_algorithm_key_names():
    assert set(CIPHERS) == {
        "NULL", "DES 56/56", "RC2 40/128", "RC2 56/128", "RC2 128/128", "RC4 40/128", "RC4 56/128", "RC4 64/128",
        "RC4 128/128", "Triple DES 168", "AES 128/128", "AES 256/256",
    }
    assert list(HASHES) == ["MD5", "SHA", "SHA256", "SHA384", "SHA512"]
    assert set(KEY_EXCHANGES) == {"Diffie-Hellman", "PKCS", "ECDH"}


def test_triple_des_key_is_the_vista_name_on_every_os():
    # KB245030: "Triple DES 168/168" only for Windows versions before Vista.
    assert {CIPHERS["Triple DES 168"].registry_key[k] for k in OS_KEYS} == {"Triple DES 168"}
    assert resolve("cipher", "Triple DES 168/168") == "Triple DES 168"
    assert catalog.algorithm_key("cipher", "triple des 168/168", "2008r2") == (
        r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Ciphers\Triple DES 168"
    )
    assert catalog.algorithm_key("key_exchange", "Diffie-Hellman", "2019").endswith(
        r"\KeyExchangeAlgorithms\Diffie-Hellman"
    )


@pytest.mark.parametrize(
    ("kind", "given", "expected"),
    [
        ("hash", "SHA 256", "SHA256"),
        ("hash", "sha   384", "SHA384"),
        ("hash", "SHA 512", "SHA512"),
        ("cipher", "aes 128/128", "AES 128/128"),
        ("key_exchange", "RSA", "PKCS"),
        ("key_exchange", "ecdh", "ECDH"),
        ("protocol", "tls  1.2", "TLS 1.2"),
        ("protocol", "Tls12", "TLS 1.2"),
        ("protocol", "TLSv1", "TLS 1.0"),
        ("protocol", "SSLv3", "SSL 3.0"),
        ("suite", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
        ("suite", "tls_ecdhe_rsa_with_aes_256_cbc_sha384_p521", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
        ("suite", " TLS_AES_256_GCM_SHA384 ", "TLS_AES_256_GCM_SHA384"),
        ("curve", "nistP521", "NistP521"),
        ("curve", "CURVE25519", "curve25519"),
    ],
)
def test_resolve_names_and_aliases(kind, given, expected):
    assert resolve(kind, given) == expected


def test_unknown_name_error_says_did_you_mean():
    with pytest.raises(UnknownNameError) as err:
        resolve("cipher", "RC4 128")
    assert str(err.value) == "unknown cipher 'RC4 128': did you mean 'RC4 128/128'?"
    assert (err.value.kind, err.value.name, err.value.suggestions) == ("cipher", "RC4 128", ("RC4 128/128",))
    assert isinstance(err.value, ValueError)


def test_unknown_name_error_without_close_match():
    with pytest.raises(UnknownNameError) as err:
        resolve("hash", "whirlpool")
    assert str(err.value) == "unknown hash 'whirlpool'"
    assert err.value.suggestions == ()


def test_unknown_name_error_lists_several_suggestions():
    with pytest.raises(UnknownNameError) as err:
        resolve("key_exchange", "Diffie Hellman")
    assert str(err.value) == "unknown key exchange 'Diffie Hellman': did you mean 'Diffie-Hellman'?"
    with pytest.raises(UnknownNameError) as err:
        resolve("protocol", "TLS 1.4")
    assert err.value.suggestions[0].startswith("TLS 1.")
    assert str(err.value).startswith("unknown protocol 'TLS 1.4': did you mean 'TLS 1.")
    assert " or " in str(err.value)


def test_unknown_suite_is_reported_as_given():
    with pytest.raises(UnknownNameError) as err:
        resolve("suite", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA385_P384")
    assert str(err.value).startswith("unknown cipher suite 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA385_P384': did you mean")
    assert "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384" in err.value.suggestions


def test_resolve_rejects_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        resolve("mac", "SHA")


# ---------------------------------------------------------------------------------------------------- suites


def test_split_curve_suffix():
    assert catalog.split_curve_suffix("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384") == (
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "P384")
    assert catalog.split_curve_suffix("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384") == (
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", None)
    assert catalog.split_curve_suffix("TLS_RSA_WITH_AES_128_CBC_SHA256") == ("TLS_RSA_WITH_AES_128_CBC_SHA256", None)


def test_2019_default_order_head_and_tail():
    order = default_suite_order("2019")
    assert order[0] == "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
    assert order[:6] == (
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    )
    assert order[-3:] == ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_NULL_SHA256", "TLS_RSA_WITH_NULL_SHA")
    assert len(order) == 23


def test_2019_moves_dhe_cbc_dss_and_rc4_out_of_the_default_list():
    for name in ("TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "TLS_DHE_DSS_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_RC4_128_SHA"):
        assert not _suite("2019", name).enabled_by_default
        assert _suite("2016", name).enabled_by_default


def test_2016_default_list():
    order = default_suite_order("2016")
    assert len(order) == 32
    assert order[14:16] == ("TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA")
    assert order.index("TLS_RSA_WITH_3DES_EDE_CBC_SHA") == 22
    assert not _suite("2016", "TLS_RSA_WITH_NULL_SHA").strong_crypto
    assert _suite("2016", "TLS_RSA_WITH_NULL_SHA").explicit_only


def test_2012r2_curve_suffixed_names():
    p521 = _suite("2012r2", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P521")
    assert not p521.enabled_by_default
    assert p521.curve == "P521"
    assert p521.suite.name == "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"
    assert _suite("2012r2", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384").enabled_by_default
    assert default_suite_order("2012r2")[:2] == (
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P256", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384")
    # ECDSA AES-256-GCM exists only with P384 (enabled) and P521 (not enabled) on Windows 8.1.
    assert "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384_P256" not in os_suite_names("2012r2")
    # No ECDHE_RSA GCM suites before Windows 10.
    assert not [n for n in os_suite_names("2012r2") if n.startswith("TLS_ECDHE_RSA_WITH_AES_128_GCM")]


def test_2008r2_and_2012r2_lists():
    assert len(default_suite_order("2008r2")) == 40
    assert len(os_suite_names("2008r2")) == 59
    assert os_suite_names("2008r2") == os_suite_names("2012r2")
    assert default_suite_order("2008r2")[-2:] == ("SSL_CK_RC4_128_WITH_MD5", "SSL_CK_DES_192_EDE3_CBC_WITH_MD5")
    ssl2 = _suite("2008r2", "SSL_CK_RC4_128_WITH_MD5")
    assert ssl2.suite.protocols == {"SSL 2.0"}
    assert ssl2.explicit_only
    assert not ssl2.strong_crypto


def test_suffixes_only_before_windows_10():
    for os_key in ("2016", "2019", "2022", "2025"):
        names = os_suite_names(os_key)
        assert not [n for n in names if n.endswith(("_P256", "_P384", "_P521"))], os_key
    for os_key in ("2008r2", "2012r2"):
        ecdhe = [s for s in os_suites(os_key) if s.suite.key_exchange == "ECDH"]
        assert ecdhe
        assert all(s.curve in ("P256", "P384", "P521") for s in ecdhe)
        assert not [s for s in os_suites(os_key) if s.curve and s.suite.key_exchange != "ECDH"]


def test_tls13_suites_on_2022_and_2025_only():
    for os_key in ("2022", "2025"):
        assert default_suite_order(os_key)[:2] == ("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256")
        chacha = _suite(os_key, "TLS_CHACHA20_POLY1305_SHA256")
        assert not chacha.enabled_by_default
        assert chacha.strong_crypto
    for os_key in ("2008r2", "2012r2", "2016", "2019"):
        assert not [s for s in os_suites(os_key) if "TLS 1.3" in s.suite.protocols]


def test_2022_vs_2025_defaults():
    assert len(default_suite_order("2022")) == 25
    assert len(default_suite_order("2025")) == 22
    assert _suite("2022", "TLS_RSA_WITH_3DES_EDE_CBC_SHA").enabled_by_default
    assert not _suite("2022", "TLS_RSA_WITH_3DES_EDE_CBC_SHA").strong_crypto
    # "Yes" on the current 2022 page (since @94fe2fe3, still at @35fe7909); "No" on the 2025 page (@3630e368).
    assert _suite("2022", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384").strong_crypto
    assert not _suite("2025", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384").strong_crypto
    for name in ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
                 "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"):
        assert not _suite("2025", name).enabled_by_default
    assert default_suite_order("2025")[-3:] == (
        "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_NULL_SHA256", "TLS_RSA_WITH_NULL_SHA")


def test_psk_suites_exist_from_2016_and_are_never_enabled():
    psk = "TLS_PSK_WITH_AES_256_GCM_SHA384"
    assert psk not in os_suite_names("2012r2")
    for os_key in ("2016", "2019", "2022", "2025"):
        rows = [s for s in os_suites(os_key) if s.suite.authentication == "PSK"]
        assert len(rows) == 6
        assert not any(s.enabled_by_default for s in rows)
        assert os_suite_names(os_key)[-6] == psk


def test_suite_attributes():
    s = SUITES["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"]
    assert (s.code, s.openssl_name) == (0xC028, "ECDHE-RSA-AES256-SHA384")
    assert s.protocols == {"TLS 1.2"}
    assert (s.key_exchange, s.cipher, s.hash, s.authentication) == ("ECDH", "AES 256/256", "SHA384", "RSA")
    s = SUITES["TLS_RSA_WITH_3DES_EDE_CBC_SHA"]
    assert (s.code, s.openssl_name, s.key_exchange, s.cipher, s.hash) == (
        0x000A, "DES-CBC3-SHA", "PKCS", "Triple DES 168", "SHA")
    assert s.protocols == {"TLS 1.0", "TLS 1.1", "TLS 1.2"}
    s = SUITES["TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA"]
    assert (s.key_exchange, s.authentication) == ("Diffie-Hellman", "DSS")
    assert "SSL 3.0" in s.protocols
    s = SUITES["TLS_AES_128_GCM_SHA256"]
    # AEAD suites have no MAC: Get-TlsCipherSuite shows GCM suites with an empty Hash and HashLength 0
    # (MicrosoftDocs/windows-powershell-docs docset/winserver2022-ps/tls/Get-TlsCipherSuite.md, examples 1-2).
    assert (s.code, s.key_exchange, s.cipher, s.hash) == (0x1301, None, "AES 128/128", None)
    for name in ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                 "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"):
        assert SUITES[name].hash is None, name
    assert SUITES["SSL_CK_RC4_128_WITH_MD5"].hash == "MD5"  # "Hash : MD5" on the same page
    assert SUITES["TLS_PSK_WITH_AES_256_CBC_SHA384"].hash == "SHA384"  # HMAC-SHA384
    assert SUITES["TLS_PSK_WITH_NULL_SHA256"].hash == "SHA256"
    assert SUITES["TLS_RSA_WITH_RC4_128_MD5"].hash == "MD5"
    assert SUITES["TLS_RSA_EXPORT1024_WITH_RC4_56_SHA"].openssl_name is None
    assert SUITES["TLS_RSA_EXPORT1024_WITH_RC4_56_SHA"].cipher == "RC4 56/128"
    assert SUITES["TLS_RSA_EXPORT_WITH_RC4_40_MD5"].cipher == "RC4 40/128"
    assert SUITES["TLS_PSK_WITH_NULL_SHA384"].cipher == "NULL"


def test_suite_tables_are_consistent():
    for suite in SUITES.values():
        assert suite.key_exchange is None or suite.key_exchange in KEY_EXCHANGES
        assert suite.cipher is None or suite.cipher in CIPHERS
        # None only for AEAD suites, which have no MAC (test_suite_attributes).
        aead = "_GCM_" in suite.name or "TLS 1.3" in suite.protocols
        assert suite.hash in HASHES if suite.hash is not None else aead
        assert suite.protocols <= set(PROTOCOLS)
        assert resolve("suite", suite.name) == suite.name
    used = set()
    for os_key in OS_KEYS:
        names = os_suite_names(os_key)
        assert len(names) == len(set(names)), os_key
        enabled = [s.enabled_by_default for s in os_suites(os_key)]
        assert enabled == sorted(enabled, reverse=True), f"{os_key}: enabled suites must come first"
        used.update(s.suite.name for s in os_suites(os_key))
        for s in os_suites(os_key):
            assert s.suite.protocols & {p for p in PROTOCOLS if PROTOCOLS[p].defaults[os_key] is not None}
    assert used == set(SUITES), "every catalogued suite ships on some OS"


def test_codes_are_unique():
    codes = [s.code for s in SUITES.values()]
    assert len(codes) == len(set(codes))
    assert SUITES["SSL_CK_RC4_128_WITH_MD5"].code == 0x010080  # 3-byte SSL 2.0 cipher kind


def test_os_suite_forms():
    # Unsuffixed on 2012 R2: the variants Windows 8.1 enables by default, in its order (_P256, _P384); _P521 is in
    # the page's "supported ... but not enabled by default" table, so it is only written when named.
    assert catalog.os_suite_forms("2012r2", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384") == (
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P256", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384")
    # Windows 8.1 has ECDSA AES-256-GCM only as _P384 (enabled) and _P521 (not enabled).
    assert catalog.os_suite_forms("2012r2", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384") == (
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384_P384",)
    assert catalog.os_suite_forms("2012r2", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384_P256") == ()
    assert catalog.os_suite_forms("2008r2", "tls_rsa_with_aes_128_cbc_sha") == ("TLS_RSA_WITH_AES_128_CBC_SHA",)
    with pytest.raises(UnknownNameError):
        catalog.os_suite_forms("2019", "TLS_RSA_WITH_AES_512_CBC_SHA")
    assert catalog.os_suite_forms("2012r2", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P521") == (
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P521",)
    assert catalog.os_suite_forms("2016", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384") == (
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",)
    assert catalog.os_suite_forms("2012r2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384") == ()
    assert catalog.os_suite_forms("2019", "TLS_AES_128_GCM_SHA256") == ()


# ---------------------------------------------------------------------------------------------------- curves


def test_curve_defaults():
    assert catalog.default_curve_order("2016") == ("curve25519", "NistP256", "NistP384")
    assert catalog.default_curve_order("2025") == ("curve25519", "NistP256", "NistP384")
    assert "2016" in ECC_CURVES["NistP521"].supported
    assert "2016" not in ECC_CURVES["NistP521"].enabled_by_default
    assert "2012r2" not in ECC_CURVES["curve25519"].supported
    assert "2019" in ECC_CURVES["brainpoolP512r1"].supported
    assert len([c for c in ECC_CURVES.values() if "2022" in c.supported]) == 19


def test_curve_order_setting_from_2016():
    assert [k for k in OS_KEYS if catalog.curve_order_supported(k)] == ["2016", "2019", "2022", "2025"]
    with pytest.raises(KeyError):
        catalog.curve_order_supported("2003")


def test_curve_for_suffix():
    assert catalog.curve_for_suffix("P384") == "NistP384"
    assert catalog.curve_for_suffix("p521") == "NistP521"
    assert ECC_CURVES["NistP256"].iana_group == 0x0017
    assert ECC_CURVES["curve25519"].iana_group == 0x001D
    with pytest.raises(KeyError):
        catalog.curve_for_suffix("P192")


def test_registry_constants():
    assert catalog.SUITE_FUNCTIONS_MAX_CHARS == 1023
    assert catalog.SUITE_POLICY_KEY == r"SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002"
    assert catalog.SUITE_LOCAL_KEY == (
        r"SYSTEM\CurrentControlSet\Control\Cryptography\Configuration\Local\SSL\00010002")
