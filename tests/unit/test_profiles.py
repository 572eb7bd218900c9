"""The role's profiles, rendered for every supported Windows Server version by the policy engine.

Expectations are written from the sources, not read back from the YAML: the MailStore seed table and its XP
note (MailStore help "Enhancing SSL Security", SPE revisions before oldid 1123 and diff=1415&oldid=1143), IIS
Crypto's template descriptions (BanterBoy/PSNartacIISCrypto "IIS Crypto Help.txt"; the per-template table in
BugsCleaners/Vulnerabilities@08c30041 TLS/README.md), Microsoft's per-OS protocol and suite tables (MicrosoftDocs/win32
desktop-src/SecAuthN/protocols-in-tls-ssl--schannel-ssp-.md, tls-cipher-suites-in-windows-*.md) and the registry
conventions (KB245030 0xffffffff for algorithms, TRS 1/0 for protocols).
"""


import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.changes import (
    compute_changes,
    managed_keys,
    render_diff,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.consistency import check_settings
from ansible_collections.fleetsec.schannel.plugins.module_utils.desired import desired_state
from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import ERROR, WARNING, Finding
from ansible_collections.fleetsec.schannel.plugins.module_utils.regfile import parse_reg
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import REG_MULTI_SZ, value_id
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import parse_settings
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.schannel_resolve.settings import resolve
from tests.profiles import DEFAULTS_FILE, role_defaults
from tests.support.registry_state import RegistryState, apply_reg_ops, backup_reg, changes_to_ops

DATA = role_defaults()
PROFILES = DATA["schannel_profiles"]
OS_KEYS = ("2008r2", "2012r2", "2016", "2019", "2022", "2025")

SCHANNEL = catalog.SCHANNEL_KEY
POLICY = catalog.SUITE_POLICY_KEY
AES = {"AES 128/128", "AES 256/256"}
ALL_HASHES_BUT_MD5 = {"SHA", "SHA256", "SHA384", "SHA512"}
ALL_KEX = {"Diffie-Hellman", "PKCS", "ECDH"}

# What IIS Crypto lists (its 3.3/4.x .ictpl templates) -- every profile gives each of these a state.
IIS_PROTOCOLS = ("Multi-Protocol Unified Hello", "PCT 1.0", "SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2",
                 "TLS 1.3")
IIS_CIPHERS = ("NULL", "DES 56/56", "RC2 40/128", "RC2 56/128", "RC2 128/128", "RC4 40/128", "RC4 56/128",
               "RC4 64/128", "RC4 128/128", "Triple DES 168", "AES 128/128", "AES 256/256")
IIS_HASHES = ("MD5", "SHA", "SHA256", "SHA384", "SHA512")

# profile -> (protocols on, ciphers on, hashes on, key exchanges on, WinHTTP protocols, DH minimum bits)
EXPECTED = {
    # seed table + ECDH/SHA-2 (the seed's own suites need them; MailStore's later revisions enable them)
    "recommended": ({"TLS 1.0", "TLS 1.1", "TLS 1.2"}, AES, ALL_HASHES_BUT_MD5, ALL_KEX,
                    ("TLS 1.0", "TLS 1.1", "TLS 1.2"), None),
    # recommended + SSL 3.0, Triple DES 168/168, RC4 128/128, MD5 (MailStore XP note)
    "xp_compatible": ({"SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2"}, AES | {"Triple DES 168", "RC4 128/128"},
                      ALL_HASHES_BUT_MD5 | {"MD5"}, ALL_KEX, ("TLS 1.0", "TLS 1.1", "TLS 1.2"), None),
    "modern": ({"TLS 1.2", "TLS 1.3"}, AES, ALL_HASHES_BUT_MD5, ALL_KEX, ("TLS 1.2", "TLS 1.3"), 2048),
    "pci_dss_4": ({"TLS 1.2", "TLS 1.3"}, AES, ALL_HASHES_BUT_MD5, ALL_KEX, ("TLS 1.2", "TLS 1.3"), 2048),
    "strict": ({"TLS 1.2", "TLS 1.3"}, AES, ALL_HASHES_BUT_MD5, ALL_KEX, ("TLS 1.2", "TLS 1.3"), 2048),
    "fips_140": ({"TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"}, AES | {"Triple DES 168"}, ALL_HASHES_BUT_MD5,
                 ALL_KEX, ("TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"), 2048),
}
# Warnings a profile may give: what an OS lacks (skipped, named), seed names that collapse, and the seed's
# TLS 1.0/1.1 without a suite. Anything else (suite-never-negotiated, sides-disagree, ...) would be a profile bug.
ALLOWED_WARNINGS = {"protocol-unsupported", "suite-unavailable", "suite-duplicate", "winhttp-protocol-unsupported",
                    "no-usable-suite"}
WINHTTP_FLAGS = {"TLS 1.0": 0x80, "TLS 1.1": 0x200, "TLS 1.2": 0x800, "TLS 1.3": 0x2000}
DOTNET_KEYS = (r"SOFTWARE\Microsoft\.NETFramework\v2.0.50727", r"SOFTWARE\Microsoft\.NETFramework\v4.0.30319",
               r"SOFTWARE\Wow6432Node\Microsoft\.NETFramework\v2.0.50727",
               r"SOFTWARE\Wow6432Node\Microsoft\.NETFramework\v4.0.30319")
WINHTTP_KEYS = (r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp",
                r"SOFTWARE\Wow6432Node\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp")
CASES = [(profile, os_key) for profile in EXPECTED for os_key in OS_KEYS]


def _render(profile: str, os_key: str):
    settings, findings = parse_settings(PROFILES[profile])
    assert findings == []
    checked = check_settings(settings, os_key)
    desired, _ignored = desired_state(settings, os_key)
    return settings, desired, checked


def _value(desired, key: str, name: str):
    value = desired.get(value_id(key, name))
    return None if value is None else value.data


def _functions(desired, os_key: str) -> list[str]:
    data = _value(desired, POLICY, "Functions")
    assert isinstance(data, str), "no suite order written on %s" % os_key
    return data.split(",")


def _suite(os_key: str, windows_name: str) -> catalog.CipherSuite:
    by_name = {s.windows_name: s.suite for s in catalog.os_suites(os_key)}
    return by_name[windows_name]


def _supported(protocol: str, os_key: str) -> bool:
    return catalog.PROTOCOLS[protocol].defaults[os_key] is not None


# ----------------------------------------------------------------------------------------- the data file


def test_defaults_file_shape():
    text = DEFAULTS_FILE.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    assert DATA["schannel_profile"] == "recommended"
    assert set(PROFILES) == set(EXPECTED) | {"recommended_original"}  # that one: tests at the end


def test_every_key_is_documented_by_a_comment():
    lines = DEFAULTS_FILE.read_text(encoding="utf-8").splitlines()
    documented = ("schannel_profile:", "schannel_profiles:", *("  %s:" % p for p in PROFILES))
    for i, line in enumerate(lines):
        if line.startswith(documented):
            previous = next(p for p in reversed(lines[:i]) if p.strip())
            assert previous.lstrip().startswith("#"), "no comment above %r" % line


@pytest.mark.parametrize("profile", list(EXPECTED))
def test_every_setting_is_explicit(profile):
    raw = PROFILES[profile]
    assert tuple(raw["protocols"]) == IIS_PROTOCOLS
    assert tuple(raw["ciphers"]) == IIS_CIPHERS
    assert tuple(raw["hashes"]) == IIS_HASHES
    assert set(raw["key_exchanges"]) == ALL_KEX
    assert raw["protocol_sides"] == ["server", "client"]
    assert raw["dotnet_strong_crypto"] is (profile != "xp_compatible")
    assert raw["dotnet_system_default_tls_versions"] is True
    assert raw["fips_algorithm_policy"] is False
    assert raw["cipher_suites"]


# ---------------------------------------------------------------------------------- every profile x OS


@pytest.mark.parametrize(("profile", "os_key"), CASES)
def test_profile_renders_without_errors(profile, os_key):
    _ignored, _ignored, findings = _render(profile, os_key)
    assert [f for f in findings if f.severity == ERROR] == []
    # fips_140 enables 3DES, which .NET strong crypto refuses from 2022 on (the profile's comment says so).
    expected = set()
    if (profile, os_key) in (("fips_140", "2022"), ("fips_140", "2025")):
        expected.add("strong-crypto-refuses")
    # recommended's curve order exists from 2016 on; before, the suite suffix picks the curve (manage-tls.md).
    if profile == "recommended" and os_key in ("2008r2", "2012r2"):
        expected.add("ecc-curves-unsupported")
    assert {f.code for f in findings} <= ALLOWED_WARNINGS | expected
    assert expected <= {f.code for f in findings}
    for finding in findings:
        if finding.code in ("protocol-unsupported", "suite-unavailable", "winhttp-protocol-unsupported"):
            assert catalog.OS_INFO[os_key].label in finding.message


@pytest.mark.parametrize(("profile", "os_key"), CASES)
def test_protocol_values(profile, os_key):
    enabled = EXPECTED[profile][0]
    _ignored, desired, findings = _render(profile, os_key)
    for protocol in IIS_PROTOCOLS:
        for side in ("Server", "Client"):
            key = "%s\\Protocols\\%s\\%s" % (SCHANNEL, protocol, side)
            values = (_value(desired, key, "Enabled"), _value(desired, key, "DisabledByDefault"))
            if protocol in enabled and not _supported(protocol, os_key):
                assert values == (None, None)
                assert Finding(
                    WARNING, "protocol-unsupported", "protocols.%s" % protocol,
                    "%s is not available on %s: it cannot be enabled there, so nothing is written for it"
                    % (protocol, catalog.OS_INFO[os_key].label),
                ) in findings
            elif protocol in enabled:
                assert values == (1, 0)  # TRS / AD FS: Enabled=1, DisabledByDefault=0
            elif catalog.protocol_not_yet_available(protocol, os_key):
                # TLS 1.3 before 2022: IIS Crypto skips it (minimumOSVersion="Windows2022"), so do we.
                assert values == (None, None)
                assert Finding(
                    WARNING, "protocol-unsupported", "protocols.%s" % protocol,
                    "%s is not available on %s: nothing is written for it there (IIS Crypto skips it too), so an "
                    "in-place upgrade to a version that has it does not inherit it disabled"
                    % (protocol, catalog.OS_INFO[os_key].label),
                ) in findings
            else:
                assert values == (0, 1)


@pytest.mark.parametrize(("profile", "os_key"), CASES)
def test_algorithm_values(profile, os_key):
    _ignored, ciphers_on, hashes_on, kex_on, _ignored, _ignored = EXPECTED[profile]
    _ignored, desired, _ignored = _render(profile, os_key)
    for folder, names, on in (("Ciphers", IIS_CIPHERS, ciphers_on), ("Hashes", IIS_HASHES, hashes_on),
                              ("KeyExchangeAlgorithms", tuple(ALL_KEX), kex_on)):
        for name in names:
            expected = 0xFFFFFFFF if name in on else 0  # KB245030
            assert _value(desired, "%s\\%s\\%s" % (SCHANNEL, folder, name), "Enabled") == expected, name
    # KB245030: from Vista on the 3DES key is "Triple DES 168", never the IIS Crypto 2.x label.
    assert _value(desired, SCHANNEL + r"\Ciphers\Triple DES 168/168", "Enabled") is None


@pytest.mark.parametrize(("profile", "os_key"), CASES)
def test_dotnet_winhttp_fips_and_dh_values(profile, os_key):
    winhttp, dh_bits = EXPECTED[profile][4], EXPECTED[profile][5]
    _ignored, desired, _ignored = _render(profile, os_key)
    for key in DOTNET_KEYS:
        assert _value(desired, key, "SchUseStrongCrypto") == (0 if profile == "xp_compatible" else 1)
        assert _value(desired, key, "SystemDefaultTlsVersions") == 1
    mask = sum(WINHTTP_FLAGS[p] for p in winhttp if _supported(p, os_key))
    for key in WINHTTP_KEYS:
        assert _value(desired, key, "DefaultSecureProtocols") == mask
    assert _value(desired, r"SYSTEM\CurrentControlSet\Control\Lsa\FipsAlgorithmPolicy", "Enabled") == 0
    dh_key = SCHANNEL + r"\KeyExchangeAlgorithms\Diffie-Hellman"
    assert _value(desired, dh_key, "ServerMinKeyBitLength") == dh_bits
    assert _value(desired, dh_key, "ClientMinKeyBitLength") == dh_bits


@pytest.mark.parametrize(("profile", "os_key"), CASES)
def test_suite_order_is_usable_on_that_os(profile, os_key):
    enabled, ciphers_on, hashes_on, kex_on, _ignored, _ignored = EXPECTED[profile]
    _ignored, desired, _ignored = _render(profile, os_key)
    names = _functions(desired, os_key)
    assert len(",".join(names)) <= 1023  # manage-tls.md
    assert len(names) == len({n.casefold() for n in names})
    known = set(catalog.os_suite_names(os_key))
    live = {p for p in enabled if _supported(p, os_key)}
    for name in names:
        assert name in known, "%s is not a %s suite name" % (name, os_key)
        suite = _suite(os_key, name)
        assert suite.cipher in ciphers_on, name
        assert suite.hash is None or suite.hash in hashes_on, name  # None: AEAD, no MAC (test_catalog)
        assert suite.key_exchange is None or suite.key_exchange in kex_on, name
        assert suite.protocols & live, name
    # Never lock out WinRM over HTTPS with an RSA certificate: some TLS 1.2 suite authenticates with RSA.
    assert any(_suite(os_key, n).authentication == "RSA" and "TLS 1.2" in _suite(os_key, n).protocols
               for n in names)


@pytest.mark.parametrize(("profile", "os_key"), CASES)
def test_fresh_host_converges_and_backup_restores_it(profile, os_key):
    _ignored, desired, _ignored = _render(profile, os_key)
    state0 = RegistryState.from_values([], keys=[SCHANNEL + r"\Protocols", r"SOFTWARE\Microsoft\.NETFramework"])
    snapshot = state0.snapshot(managed_keys(desired))
    changes = compute_changes(desired, snapshot)
    assert len(changes) == len([v for v in desired.values() if v is not None])
    diff = render_diff(changes)
    assert '"Functions"=' in diff["after"]
    after = apply_reg_ops(changes_to_ops(changes), state0.copy())
    assert compute_changes(desired, after.snapshot(managed_keys(desired))) == []
    restored = apply_reg_ops(parse_reg(backup_reg(changes, snapshot)), after)
    assert restored.content() == state0.content()
    # Only the leaf keys holding our values are deleted; parents the apply created stay, empty.
    leaves = {c.key.casefold() for c in changes}
    assert not restored.keys() & (leaves - state0.keys())
    assert all(any(leaf.startswith(extra + "\\") for leaf in leaves) for extra in restored.keys() - state0.keys())


# ------------------------------------------------------------------------------------------ per profile


@pytest.mark.parametrize("os_key", ["2016", "2019", "2022", "2025"])
def test_recommended_seed_names_collapse_from_2016(os_key):
    _ignored, desired, findings = _render("recommended", os_key)
    # the seed's suite first, then the two ECDHE_RSA GCM suites every current browser offers (defaults file)
    assert _value(desired, POLICY, "Functions") == (
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,"
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
    )
    assert Finding(
        WARNING, "suite-duplicate", "cipher_suites[1]",
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384 is written as TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 on %s, "
        "which cipher_suites[0] already puts in the order: it is listed once, at the first place"
        % catalog.OS_INFO[os_key].label,
    ) in findings


@pytest.mark.parametrize("os_key", ["2016", "2019", "2022", "2025"])
def test_recommended_carries_the_seeds_curve_choice_over_as_the_curve_order(os_key):
    # The seed's _P521 before _P384 = P-521 then P-384 only; from 2016 the suffix is gone and the EccCurves
    # policy decides (cipher-suites-in-schannel.md; manage-tls.md), REG_MULTI_SZ in the policy key.
    _ignored, desired, _ignored = _render("recommended", os_key)
    value = desired[value_id(POLICY, "EccCurves")]
    assert (value.type, value.data) == (REG_MULTI_SZ, ("NistP521", "NistP384"))


@pytest.mark.parametrize("os_key", ["2008r2", "2012r2"])
def test_recommended_leaves_the_curve_to_the_suffix_before_2016(os_key):
    _ignored, desired, findings = _render("recommended", os_key)
    assert value_id(POLICY, "EccCurves") not in desired
    assert [f.code for f in findings if f.code == "ecc-curves-unsupported"] == ["ecc-curves-unsupported"]


@pytest.mark.parametrize("os_key", ["2008r2", "2012r2"])
def test_recommended_keeps_the_seed_names_where_they_exist(os_key):
    _ignored, desired, findings = _render("recommended", os_key)
    assert _value(desired, POLICY, "Functions") == (
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P521,TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384"
    )
    assert not [f for f in findings if f.code == "suite-duplicate"]
    # Windows 7 / 8.1 suite tables: no ECDHE_RSA GCM suite, so the browser suites are skipped, named, there.
    assert [(f.code, f.field) for f in findings if f.code == "suite-unavailable"] == [
        ("suite-unavailable", "cipher_suites[2]"), ("suite-unavailable", "cipher_suites[3]")]


def test_recommended_on_2008r2_enables_tls12_explicitly():
    # 2008 R2 ships TLS 1.1/1.2 disabled (protocols-in-tls-ssl--schannel-ssp-.md); the seed's suites are TLS 1.2-only
    # (tls-cipher-suites-in-windows-7.md).
    assert catalog.PROTOCOLS["TLS 1.2"].defaults["2008r2"] == catalog.SideDefaults(client=False, server=False)
    _ignored, desired, _ignored = _render("recommended", "2008r2")
    for side in ("Server", "Client"):
        key = SCHANNEL + "\\Protocols\\TLS 1.2\\" + side
        assert _value(desired, key, "Enabled") == 1
        assert _value(desired, key, "DisabledByDefault") == 0


@pytest.mark.parametrize("os_key", OS_KEYS)
def test_recommended_warns_that_tls10_and_tls11_have_no_suite(os_key):
    _ignored, _ignored, findings = _render("recommended", os_key)
    no_suite = [f for f in findings if f.code == "no-usable-suite"]
    assert [(f.severity, f.field) for f in no_suite] == [(WARNING, "protocols.TLS 1.0"), (WARNING, "protocols.TLS 1.1")]
    assert "TLS 1.2 only" in no_suite[0].message


@pytest.mark.parametrize("os_key", ["2022", "2025"])
def test_recommended_disables_tls13_where_it_is_on_by_default(os_key):
    assert catalog.PROTOCOLS["TLS 1.3"].defaults[os_key] == catalog.SideDefaults(client=True, server=True)
    _ignored, desired, findings = _render("recommended", os_key)
    assert _value(desired, SCHANNEL + r"\Protocols\TLS 1.3\Server", "Enabled") == 0
    assert not [f for f in findings if f.code == "tls13-no-suite"]


def test_xp_compatible_on_2019_enables_ssl3_rc4_3des_md5():
    _ignored, desired, findings = _render("xp_compatible", "2019")
    assert _value(desired, SCHANNEL + r"\Protocols\SSL 3.0\Server", "Enabled") == 1
    assert _value(desired, SCHANNEL + r"\Protocols\SSL 3.0\Server", "DisabledByDefault") == 0
    assert _value(desired, SCHANNEL + r"\Ciphers\RC4 128/128", "Enabled") == 0xFFFFFFFF
    assert _value(desired, SCHANNEL + r"\Ciphers\Triple DES 168", "Enabled") == 0xFFFFFFFF
    assert _value(desired, SCHANNEL + r"\Hashes\MD5", "Enabled") == 0xFFFFFFFF
    names = _functions(desired, "2019")
    assert names[0] == "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"
    assert names[-2:] == ["TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"]
    assert not [f for f in findings if f.code == "no-usable-suite"]  # SSL 3.0 and TLS 1.0 have suites


@pytest.mark.parametrize("os_key", OS_KEYS)
def test_xp_compatible_lets_xp_clients_reach_mailstore(os_key):
    # An XP client speaks SSL 3.0 / TLS 1.0 with RC4 or 3DES only (MailStore XP note). MailStore's listener is .NET:
    # with SchUseStrongCrypto=1 it refuses RC4 and SSL 3.0 everywhere and 3DES from 2022 (Microsoft suite tables,
    # "Allowed by SCH_USE_STRONG_CRYPTO"), so the profile must leave strong crypto off on every OS.
    settings, desired, findings = _render("xp_compatible", os_key)
    assert _value(desired, DOTNET_KEYS[1], "SchUseStrongCrypto") == 0
    assert _value(desired, DOTNET_KEYS[1], "SystemDefaultTlsVersions") == 1  # MailStore's outbound TLS 1.2
    assert not [f for f in findings if f.code == "strong-crypto-refuses"]
    for side in ("Server", "Client"):
        assert _value(desired, SCHANNEL + "\\Protocols\\SSL 3.0\\" + side, "Enabled") == 1
    names = _functions(desired, os_key)
    xp_suites = {"TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"}
    assert xp_suites <= set(names)
    # Microsoft suite tables (as the catalog records them): RC4-SHA serves SSL 3.0 and TLS 1.0, 3DES TLS 1.0.
    assert {"SSL 3.0", "TLS 1.0"} <= _suite(os_key, "TLS_RSA_WITH_RC4_128_SHA").protocols
    assert "TLS 1.0" in _suite(os_key, "TLS_RSA_WITH_3DES_EDE_CBC_SHA").protocols
    # ...and with strong crypto on, the engine would have said that MailStore refuses them.
    settings.dotnet_strong_crypto = True
    assert [f.code for f in check_settings(settings, os_key) if f.code == "strong-crypto-refuses"] == [
        "strong-crypto-refuses"]


def test_xp_compatible_keeps_the_seed_suites_first():
    assert PROFILES["xp_compatible"]["cipher_suites"][:2] == PROFILES["recommended"]["cipher_suites"][:2]


def test_recommended_keeps_the_seed_suites_first_then_the_browser_suites():
    # google/boringssl@a0689af2 ssl/ssl_cipher.cc and nss-dev/nss@9d75dfde lib/ssl/ssl3con.c: no browser offers the
    # seed's CBC-SHA384 suite; both offer ECDHE_RSA AES-GCM (plugins/module_utils/clients.py).
    assert PROFILES["recommended"]["cipher_suites"] == [
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P521", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]


def test_modern_on_2016_skips_tls13_with_a_warning_naming_the_os():
    _ignored, desired, findings = _render("modern", "2016")
    assert Finding(
        WARNING, "protocol-unsupported", "protocols.TLS 1.3",
        "TLS 1.3 is not available on Windows Server 2016: it cannot be enabled there, so nothing is written for it",
    ) in findings
    assert _value(desired, SCHANNEL + r"\Protocols\TLS 1.3\Server", "Enabled") is None
    assert _value(desired, POLICY, "Functions") == (
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,"
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,"
        "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"
    )


def test_modern_on_2012r2_uses_curve_suffixed_ecdsa_and_dhe_rsa_gcm():
    # tls-cipher-suites-in-windows-8-1: ECDHE_ECDSA GCM only as _P256/_P384; no ECDHE_RSA GCM.
    _ignored, desired, _ignored = _render("modern", "2012r2")
    assert _value(desired, POLICY, "Functions") == (
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384_P384,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256_P256,"
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256_P384,TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,"
        "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"
    )


@pytest.mark.parametrize("profile", ["modern", "pci_dss_4", "strict", "fips_140"])
@pytest.mark.parametrize("os_key", ["2022", "2025"])
def test_tls13_profiles_lead_with_the_tls13_suites(profile, os_key):
    # TLS 1.3 without its suites fails the handshake (pywinrm#363); Windows enables these two
    # (tls-cipher-suites-in-windows-server-2022.md).
    _ignored, desired, findings = _render(profile, os_key)
    assert _functions(desired, os_key)[:2] == ["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"]
    assert _value(desired, SCHANNEL + r"\Protocols\TLS 1.3\Client", "Enabled") == 1
    assert not [f for f in findings if f.code in ("suite-unavailable", "protocol-unsupported")]


@pytest.mark.parametrize("os_key", OS_KEYS)
def test_modern_is_aead_with_forward_secrecy_only(os_key):
    _ignored, desired, _ignored = _render("modern", os_key)
    for name in _functions(desired, os_key):
        suite = _suite(os_key, name)
        assert "_GCM_" in suite.name, name
        assert suite.key_exchange in (None, "ECDH", "Diffie-Hellman"), name


@pytest.mark.parametrize("os_key", OS_KEYS)
def test_strict_is_ecdhe_only(os_key):
    # IIS Crypto strict: "disable ... all non forward secrecy cipher suites"; its 12 suites are ECDHE (ref 2.5).
    _ignored, desired, _ignored = _render("strict", os_key)
    for name in _functions(desired, os_key):
        assert _suite(os_key, name).key_exchange in (None, "ECDH"), name


@pytest.mark.parametrize("os_key", OS_KEYS)
def test_pci_dss_4_has_no_sha1_mac_and_no_3des(os_key):
    _ignored, desired, _ignored = _render("pci_dss_4", os_key)
    for name in _functions(desired, os_key):
        suite = _suite(os_key, name)
        assert suite.hash != "SHA", name
        assert suite.cipher in AES, name


@pytest.mark.parametrize("os_key", OS_KEYS)
def test_fips_140_uses_fips_ciphers_and_keeps_fips_mode_off(os_key):
    _ignored, desired, _ignored = _render("fips_140", os_key)
    names = _functions(desired, os_key)
    assert all(_suite(os_key, n).cipher in AES | {"Triple DES 168"} for n in names)
    assert names[-1] == "TLS_RSA_WITH_3DES_EDE_CBC_SHA"
    assert _value(desired, r"SYSTEM\CurrentControlSet\Control\Lsa\FipsAlgorithmPolicy", "Enabled") == 0


# ------------------------------------------------------------------ recommended_original: the seed's table, exactly

# MailStore help "Enhancing SSL Security", "Recommended Settings" (SPE revision before oldid 1123), row by row.
SEED_TABLE = {
    "Protocols Enabled": ["TLS 1.0", "TLS 1.1", "TLS 1.2"],
    "Ciphers Enabled": ["AES 128/128", "AES 256/256"],
    "Hashes Enabled": ["SHA"],
    "Key Exchange Enabled": ["Diffie-Hellman", "PKCS"],
    "SSL Cipher Suite Order": ["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P521",
                               "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384"],
}
# What the seed's IIS Crypto (2.x) had no switch for: left at the OS default, never written.
SEED_UNLISTED = {"hashes": {"SHA256", "SHA384", "SHA512"}, "key_exchanges": {"ECDH"}}


def _resolved(profile: str):
    """The profile as the role applies it: completed by the resolver (what it leaves out is `default`)."""
    return resolve(profile, PROFILES, {}, list(OS_KEYS)).settings


def _enabled(options: dict, option: str) -> list[str]:
    return [name for name, state in options[option].items()
            if state == "enabled" or (isinstance(state, dict) and set(state.values()) == {"enabled"})]


def test_recommended_original_renders_the_seed_table_exactly():
    settings = _resolved("recommended_original")
    rendered = {
        "Protocols Enabled": _enabled(settings, "protocols"),
        "Ciphers Enabled": _enabled(settings, "ciphers"),
        "Hashes Enabled": _enabled(settings, "hashes"),
        "Key Exchange Enabled": _enabled(settings, "key_exchanges"),
        "SSL Cipher Suite Order": settings["cipher_suites"],
    }
    assert rendered == SEED_TABLE
    for option, names in SEED_UNLISTED.items():
        assert {n for n, state in settings[option].items() if state == "default"} == names
    # Nothing beyond the table: no curve order, DH size, .NET, WinHTTP or FIPS policy of its own.
    assert settings["ecc_curves"] == []
    assert settings["winhttp_secure_protocols"] == []
    assert settings["dh_min_key_bits"] == "default"
    assert {settings[o] for o in ("dotnet_strong_crypto", "dotnet_system_default_tls_versions",
                                  "fips_algorithm_policy")} == {"default"}
    # recommended is the same table plus two AES-GCM suites after the seed's two.
    recommended = _resolved("recommended")
    assert recommended["cipher_suites"] == SEED_TABLE["SSL Cipher Suite Order"] + [
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]


@pytest.mark.parametrize("os_key", OS_KEYS)
def test_recommended_original_writes_only_the_table_and_removes_the_rest(os_key):
    settings, findings = parse_settings(_resolved("recommended_original"))
    assert findings == []
    checked = check_settings(settings, os_key)
    assert [f for f in checked if f.severity == ERROR] == []
    desired, _ignored = desired_state(settings, os_key)
    for name in ("SHA256", "SHA384", "SHA512"):
        assert value_id(catalog.algorithm_key("hash", name, os_key), "Enabled") in desired
        assert _value(desired, catalog.algorithm_key("hash", name, os_key), "Enabled") is None  # removed
    assert _value(desired, catalog.algorithm_key("hash", "SHA", os_key), "Enabled") == 0xFFFFFFFF
    expected = (["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P521", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384"]
                if os_key in ("2008r2", "2012r2") else ["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"])
    assert _functions(desired, os_key) == expected
    for key in DOTNET_KEYS:
        assert _value(desired, key, "SchUseStrongCrypto") is None
