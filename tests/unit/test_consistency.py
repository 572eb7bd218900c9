"""check_settings: every consistency rule with its exact message, the seed profile, and quiet OS defaults."""

from __future__ import annotations

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.consistency import check_settings
from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import ERROR, WARNING, Finding
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import parse_settings

SEED_SUITES = ["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P521", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384"]
# The seed "recommended" settings as MailStore's page lists them (only what is enabled).
SEED = {
    "protocols": {"TLS 1.0": "enabled", "TLS 1.1": "enabled", "TLS 1.2": "enabled"},
    "ciphers": {"AES 128/128": "enabled", "AES 256/256": "enabled"},
    "hashes": {"SHA": "enabled"},
    "key_exchanges": {"Diffie-Hellman": "enabled", "PKCS": "enabled"},
    "cipher_suites": SEED_SUITES,
}
# The same settings the way IIS Crypto applies them: whatever is not ticked is disabled.
SEED_IIS_CRYPTO = {
    "protocols": {
        "Multi-Protocol Unified Hello": "disabled",
        "PCT 1.0": "disabled",
        "SSL 2.0": "disabled",
        "SSL 3.0": "disabled",
        "TLS 1.0": "enabled",
        "TLS 1.1": "enabled",
        "TLS 1.2": "enabled",
    },
    "ciphers": {
        **{name: "disabled" for name in catalog.CIPHERS},
        "AES 128/128": "enabled",
        "AES 256/256": "enabled",
    },
    "hashes": {"MD5": "disabled", "SHA": "enabled", "SHA256": "disabled", "SHA384": "disabled", "SHA512": "disabled"},
    "key_exchanges": {"Diffie-Hellman": "enabled", "PKCS": "enabled", "ECDH": "disabled"},
    "cipher_suites": SEED_SUITES,
}
SUITE = "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"


def check(raw: dict, os_key: str) -> list[Finding]:
    settings, findings = parse_settings(raw)
    assert findings == []
    return check_settings(settings, os_key)


@pytest.mark.parametrize("os_key", catalog.OS_KEYS)
def test_no_settings_no_findings(os_key: str) -> None:
    assert check({}, os_key) == []


@pytest.mark.parametrize("os_key", ["2016", "2019"])
def test_modern_profile_is_clean(os_key: str) -> None:
    raw = {
        "protocols": {"SSL 3.0": "disabled", "TLS 1.0": "disabled", "TLS 1.1": "disabled", "TLS 1.2": "enabled"},
        "cipher_suites": ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],
        "ecc_curves": ["NistP384", "NistP256"],
    }
    assert check(raw, os_key) == []


def test_seed_on_2012r2_tls10_tls11_and_ssl3_have_no_usable_suite() -> None:
    suites = ", ".join(SEED_SUITES)

    def no_suite(protocol: str, phrase: str) -> Finding:
        return Finding(
            WARNING,
            "no-usable-suite",
            "protocols." + protocol,
            "%s, but none of the suites in cipher_suites can be used with it (%s: TLS 1.2 only): %s connections will "
            "fail on Windows Server 2012 R2. Add suites that support %s or disable %s."
            % (phrase, suites, protocol, protocol, protocol),
        )

    def relies(index: int) -> Finding:
        return Finding(
            WARNING,
            "suite-relies-on-default",
            "cipher_suites[%d]" % index,
            "%s needs key exchange ECDH and hash SHA384, which these settings do not enable: it works only while "
            "Windows Server 2012 R2 keeps its default (enabled); list them as enabled" % SEED_SUITES[index],
        )

    assert check(SEED, "2012r2") == [
        # SSL 3.0 is enabled by default on 2012 R2 and the seed leaves it alone.
        no_suite("SSL 3.0", "SSL 3.0 is enabled (the Windows Server 2012 R2 default)"),
        no_suite("TLS 1.0", "TLS 1.0 is enabled"),
        no_suite("TLS 1.1", "TLS 1.1 is enabled"),
        relies(0),
        relies(1),
    ]


def test_seed_as_iis_crypto_applies_it_on_2019_leaves_no_usable_suite() -> None:
    tail = " No enabled protocol has a usable suite, so every TLS connection would fail."

    def no_suite(protocol: str, reason: str) -> Finding:
        return Finding(
            ERROR,
            "no-usable-suite",
            "protocols." + protocol,
            "%s is enabled, but none of the suites in cipher_suites can be used with it (%s: %s): %s connections will "
            "fail on Windows Server 2019. Add suites that support %s or disable %s.%s"
            % (protocol, SUITE, reason, protocol, protocol, protocol, tail),
        )

    kills = "key exchange ECDH (disabled in key_exchanges) and hash SHA384 (disabled in hashes)"
    assert check(SEED_IIS_CRYPTO, "2019") == [
        Finding(
            WARNING,
            "suite-duplicate",
            "cipher_suites[1]",
            "%s_P384 is written as %s on Windows Server 2019, which cipher_suites[0] already puts in the order: it is "
            "listed once, at the first place" % (SUITE, SUITE),
        ),
        no_suite("TLS 1.0", "TLS 1.2 only"),
        no_suite("TLS 1.1", "TLS 1.2 only"),
        no_suite("TLS 1.2", "needs " + kills),
        Finding(
            WARNING,
            "suite-never-negotiated",
            "cipher_suites[0]",
            "%s needs %s: it will never be negotiated; enable what it needs or drop the suite" % (SUITE, kills),
        ),
    ]


def test_seed_on_2022_tls13_without_a_tls13_suite_is_an_error() -> None:
    findings = check(SEED, "2022")
    assert Finding(
        ERROR,
        "tls13-no-suite",
        "cipher_suites",
        "TLS 1.3 is enabled (the Windows Server 2022 default) but cipher_suites has no TLS 1.3 suite: Schannel would "
        "still negotiate TLS 1.3 and then fail the handshake (as after IIS Crypto Best Practices on Windows Server "
        "2022, pywinrm#363). Add TLS_AES_256_GCM_SHA384 and TLS_AES_128_GCM_SHA256 to cipher_suites, or disable "
        "TLS 1.3.",
    ) in findings
    # TLS 1.2 still has a suite, so the TLS 1.0/1.1 findings stay warnings.
    assert {(f.code, f.severity) for f in findings if f.code == "no-usable-suite"} == {("no-usable-suite", WARNING)}


def test_tls13_suites_all_blocked_by_disabled_ciphers() -> None:
    findings = check({"protocols": {"TLS 1.3": "enabled"}, "ciphers": {"AES 256/256": "disabled",
                                                                       "AES 128/128": "disabled"}}, "2025")
    assert findings[0] == Finding(
        ERROR,
        "tls13-no-suite",
        "protocols.TLS 1.3",
        "TLS 1.3 is enabled but no TLS 1.3 suite can be used (TLS_AES_256_GCM_SHA384: needs cipher AES 256/256 "
        "(disabled in ciphers); TLS_AES_128_GCM_SHA256: needs cipher AES 128/128 (disabled in ciphers)): Schannel "
        "would still negotiate TLS 1.3 and then fail the handshake (as after IIS Crypto Best Practices on Windows "
        "Server 2022, pywinrm#363). Add TLS_AES_256_GCM_SHA384 and TLS_AES_128_GCM_SHA256 to cipher_suites, or "
        "disable TLS 1.3.",
    )


def test_tls13_with_its_suites_is_fine_on_2022() -> None:
    raw = {
        "protocols": {"TLS 1.0": "disabled", "TLS 1.1": "disabled", "TLS 1.2": "enabled", "TLS 1.3": "enabled"},
        "cipher_suites": ["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"],
    }
    assert check(raw, "2022") == []


def test_tls13_asked_of_2019_is_skipped_not_an_error() -> None:
    raw = {"protocols": {"TLS 1.3": "enabled"}, "cipher_suites": ["TLS_AES_256_GCM_SHA384", SUITE]}
    assert check(raw, "2019")[:2] == [
        Finding(
            WARNING,
            "protocol-unsupported",
            "protocols.TLS 1.3",
            "TLS 1.3 is not available on Windows Server 2019: it cannot be enabled there, so nothing is written for it",
        ),
        Finding(
            WARNING,
            "suite-unavailable",
            "cipher_suites[0]",
            "TLS_AES_256_GCM_SHA384 is not available on Windows Server 2019: it is left out of the suite order there",
        ),
    ]
    assert "tls13-no-suite" not in {f.code for f in check(raw, "2019")}


def test_suite_missing_on_2008r2_names_the_os() -> None:
    findings = check({"cipher_suites": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", SUITE]}, "2008r2")
    assert findings[0] == Finding(
        WARNING,
        "suite-unavailable",
        "cipher_suites[0]",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 is not available on Windows Server 2008 R2: it is left out of the "
        "suite order there",
    )


def test_curve_order_asked_of_2008r2_is_skipped() -> None:
    assert check({"ecc_curves": ["NistP384"]}, "2008r2") == [
        Finding(
            WARNING,
            "ecc-curves-unsupported",
            "ecc_curves",
            "Windows Server 2008 R2 has no curve order setting (it came with Windows Server 2016): ecc_curves is "
            "skipped there; on that OS the _P256/_P384/_P521 suffix of each cipher suite picks the curve",
        )
    ]


def test_every_protocol_disabled_on_the_server_side() -> None:
    raw = {
        "protocols": {name: "disabled" for name in ("SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3")},
    }
    findings = check(raw, "2022")
    assert findings == [
        Finding(
            ERROR,
            "server-all-disabled",
            "protocols",
            "every SSL/TLS protocol is disabled on the server side on Windows Server 2022: nothing could connect to "
            "this host over TLS (MailStore Client, browsers, WinRM over HTTPS). Enable at least TLS 1.2 for the "
            "server side.",
        )
    ]


def test_server_only_disable_leaves_the_client_side_different() -> None:
    findings = check({"protocols": {"TLS 1.0": "disabled"}, "protocol_sides": ["server"]}, "2019")
    assert findings == [
        Finding(
            WARNING,
            "sides-disagree",
            "protocols.TLS 1.0",
            "TLS 1.0 is disabled on the server side but enabled (the Windows Server 2019 default, not managed) on the "
            "client side: Exchange HealthChecker reports such a protocol as misconfigured; set both sides alike "
            "unless the difference is intended",
        )
    ]


def test_explicitly_different_sides() -> None:
    findings = check({"protocols": {"TLS 1.1": {"server": "enabled", "client": "disabled"}}}, "2016")
    assert [f.message for f in findings] == [
        "TLS 1.1 is enabled on the server side but disabled on the client side: Exchange HealthChecker reports such a "
        "protocol as misconfigured; set both sides alike unless the difference is intended"
    ]


def test_suite_needing_a_cipher_off_by_default() -> None:
    # KB245030: the NULL cipher "By default, it is turned off".
    findings = check({"cipher_suites": [SUITE, "TLS_RSA_WITH_NULL_SHA256"]}, "2019")
    assert Finding(
        WARNING,
        "suite-never-negotiated",
        "cipher_suites[1]",
        "TLS_RSA_WITH_NULL_SHA256 needs cipher NULL (off by default on Windows Server 2019): it will never be "
        "negotiated; enable what it needs or drop the suite",
    ) in findings


def test_default_order_emptied_by_disabled_ciphers() -> None:
    raw = {"ciphers": {"AES 128/128": "disabled", "AES 256/256": "disabled", "Triple DES 168": "disabled"}}
    findings = check(raw, "2019")
    assert [(f.code, f.severity, f.field) for f in findings] == [
        ("no-usable-suite", ERROR, "protocols.TLS 1.0"),
        ("no-usable-suite", ERROR, "protocols.TLS 1.1"),
        ("no-usable-suite", ERROR, "protocols.TLS 1.2"),
    ]
    assert findings[0].message.startswith(
        "TLS 1.0 is enabled (the Windows Server 2019 default), but none of the suites Windows Server 2019 enables by "
        "default can be used with it under these settings ("
    )


def test_suite_order_over_1023_characters() -> None:
    names = [s.windows_name for s in catalog.os_suites("2012r2") if s.suite.name.startswith("TLS_ECDHE")]
    length = len(",".join(names))
    assert length > 1023
    findings = check({"cipher_suites": names}, "2012r2")
    assert [f for f in findings if f.code == "suite-order-too-long"] == [Finding(
        ERROR,
        "suite-order-too-long",
        "cipher_suites",
        "the suite order is %s characters long as written for Windows Server 2012 R2, over the limit of 1,023 "
        "characters for the cipher suite policy (manage-tls.md): remove suites" % format(length, ","),
    )]


def test_same_list_fits_once_suffixes_are_dropped() -> None:
    names = [s.windows_name for s in catalog.os_suites("2012r2") if s.suite.name.startswith("TLS_ECDHE")]
    codes = {f.code for f in check({"cipher_suites": names}, "2019")}
    assert "suite-order-too-long" not in codes
    assert "suite-duplicate" in codes


def test_default_order_emptied_by_disabled_ciphers_exact_message() -> None:
    raw = {"ciphers": {"AES 128/128": "disabled", "AES 256/256": "disabled", "Triple DES 168": "disabled"}}
    assert check(raw, "2019")[2] == Finding(
        ERROR,
        "no-usable-suite",
        "protocols.TLS 1.2",
        "TLS 1.2 is enabled (the Windows Server 2019 default), but none of the suites Windows Server 2019 enables by "
        "default can be used with it under these settings (TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 and 7 more: needs cipher AES "
        "256/256 (disabled in ciphers); TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 and 7 more: needs cipher AES "
        "128/128 (disabled in ciphers); "
        "TLS_RSA_WITH_3DES_EDE_CBC_SHA: needs cipher Triple DES 168 (disabled in ciphers)): TLS 1.2 connections will "
        "fail on Windows Server 2019. Add suites that support TLS 1.2 or disable TLS 1.2. No enabled protocol has a "
        "usable suite, so every TLS connection would fail.",
    )


def test_sha2_hashes_off_do_not_kill_aead_suites() -> None:
    # GCM and TLS 1.3 suites have no MAC, so no Hashes key governs them (Get-TlsCipherSuite shows their Hash
    # empty; suites.py). Only the CBC suite with HMAC-SHA384 is dead.
    raw = {
        "protocols": {"TLS 1.0": "disabled", "TLS 1.1": "disabled", "TLS 1.2": "enabled", "TLS 1.3": "enabled"},
        "hashes": {"SHA256": "disabled", "SHA384": "disabled"},
        "cipher_suites": ["TLS_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", SUITE],
    }
    assert check(raw, "2022") == [
        Finding(
            WARNING,
            "suite-never-negotiated",
            "cipher_suites[2]",
            "%s needs hash SHA384 (disabled in hashes): it will never be negotiated; enable what it needs or drop the "
            "suite" % SUITE,
        )
    ]


# ------------------------------------------------------------------------- .NET strong crypto vs weak settings

XP = {
    "protocols": {"SSL 3.0": "enabled", "TLS 1.0": "enabled", "TLS 1.2": "enabled"},
    "ciphers": {"RC4 128/128": "enabled", "Triple DES 168": "enabled", "AES 128/128": "enabled"},
    "cipher_suites": ["TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"],
}


def _strong(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.code == "strong-crypto-refuses"]


def test_strong_crypto_refuses_ssl3_rc4_and_3des_on_2022_exact_message() -> None:
    # MicrosoftDocs/win32 tls-cipher-suites-in-windows-server-2022.md: 3DES not allowed by SCH_USE_STRONG_CRYPTO
    # (RC4 on every version); .NET with SchUseStrongCrypto offers no SSL 3.0 (referencesource ServicePointManager).
    assert _strong(check({**XP, "dotnet_strong_crypto": True}, "2022")) == [
        Finding(
            WARNING,
            "strong-crypto-refuses",
            "dotnet_strong_crypto",
            "SSL 3.0, RC4 128/128 and Triple DES 168 are enabled, but dotnet_strong_crypto makes .NET applications "
            "refuse them on Windows Server 2022: MailStore Server (a .NET application) will not accept the clients "
            "they are meant for, such as Windows XP. Set dotnet_strong_crypto to false "
            "(dotnet_system_default_tls_versions: true keeps MailStore's outbound TLS 1.2), or disable them.",
        )
    ]


@pytest.mark.parametrize("os_key", ["2008r2", "2012r2", "2016", "2019"])
def test_strong_crypto_keeps_3des_before_2022(os_key: str) -> None:
    # Windows 7 / 8.1 / 10 suite tables: TLS_RSA_WITH_3DES_EDE_CBC_SHA "Allowed by SCH_USE_STRONG_CRYPTO: Yes".
    (finding,) = _strong(check({**XP, "dotnet_strong_crypto": True}, os_key))
    assert finding.message.startswith("SSL 3.0 and RC4 128/128 are enabled, but")
    assert "on %s:" % catalog.os_label(os_key) in finding.message


def test_strong_crypto_and_3des_alone_on_2019_is_quiet() -> None:
    raw = {"ciphers": {"Triple DES 168": "enabled"}, "dotnet_strong_crypto": True}
    assert _strong(check(raw, "2019")) == []
    (finding,) = _strong(check(raw, "2025"))
    assert finding.message.startswith("Triple DES 168 is enabled, but dotnet_strong_crypto makes .NET applications "
                                      "refuse it on Windows Server 2025")


@pytest.mark.parametrize("os_key", catalog.OS_KEYS)
def test_weak_settings_without_strong_crypto_are_not_reported(os_key: str) -> None:
    assert _strong(check({**XP, "dotnet_strong_crypto": False, "dotnet_system_default_tls_versions": True},
                         os_key)) == []
    assert _strong(check(XP, os_key)) == []  # not managed: the engine does not guess what .NET does


def test_strong_crypto_counts_a_weak_suite_in_the_order_unless_its_cipher_is_disabled() -> None:
    raw = {"cipher_suites": ["TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"],
           "dotnet_strong_crypto": True}
    (finding,) = _strong(check(raw, "2022"))
    assert finding.message.startswith("Triple DES 168 is enabled, but")
    assert _strong(check({**raw, "ciphers": {"Triple DES 168": "disabled"}}, "2022")) == []
