"""The client impact prediction for the role's profiles on every Windows version, and the job's refusals.

Expected outcomes follow from the sourced rows of the client table and Microsoft's suite pages, stated per test:
the seed says `recommended` cuts off Windows XP; MailStore's XP note says `xp_compatible` lets it in; `modern`
(TLS 1.2+, AEAD only) must cut off every client without a TLS 1.2 AEAD suite.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.client_impact import (
    cut_off_message,
    host_offer,
    predict,
    predict_clients,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.clients import CLIENTS
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import parse_settings
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.client_impact.impact import (
    ImpactOptions,
    run_client_impact,
)
from tests.profiles import profile
from tests.support.client_impact import REASONS, client_matrix

OS_KEYS = catalog.OS_KEYS
LEGACY_TLS12 = ("2008r2", "2012r2")  # Windows 7 / 8.1 suite tables: no ECDHE_RSA GCM suite
SEED_SUITE = "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"
BROWSERS = ("chrome", "firefox", "safari", "thunderbird")
TLS12_SCHANNEL = ("windows_7_tls12", "windows_8_1", "windows_10_1607", "windows_10", "windows_11", "windows_11_24h2",
                  "dotnet_strong_win7", "dotnet_systemdefault_win10")


def _predict(profile_name: str, os_key: str, **changes):
    raw = {**profile(profile_name), **changes}
    settings, findings = parse_settings(raw)
    assert findings == []
    _offer, predictions = predict_clients(settings, os_key)
    return {p.id: p for p in predictions}


@pytest.mark.parametrize("os_key", OS_KEYS)
def test_recommended_cuts_off_xp_and_the_tls10_only_clients(os_key):
    result = _predict("recommended", os_key)
    # The seed: "will prevent Windows XP clients from connecting". XP has TLS 1.0 in common, but only RC4/3DES.
    assert (result["windows_xp"].connects, result["windows_xp"].protocol) == (False, "TLS 1.0")
    assert result["windows_xp"].reason == "needs RC4 or 3DES"
    # Every suite of recommended is TLS 1.2-only: clients whose best is TLS 1.0 find none there -- Windows 7 as it
    # ships, Vista, and an old .NET app. Windows 7 depends on TLS 1.2 being enabled on the client.
    for client_id in ("windows_vista", "windows_7", "dotnet_legacy_win7"):
        assert (result[client_id].connects, result[client_id].protocol, result[client_id].reason) == (
            False, "TLS 1.0", "no common suite"), client_id
        assert result[client_id].detail.startswith(
            "on TLS 1.0, the highest version both enable, the host has no usable suite; the client's own suites for "
            "TLS 1.0 are refused")
    assert result["windows_7_tls12"].connects


@pytest.mark.parametrize("os_key", OS_KEYS)
def test_recommended_keeps_the_seed_suite_for_every_client_that_offers_it(os_key):
    result = _predict("recommended", os_key)
    for client_id in (*TLS12_SCHANNEL, "java_8", "java_11", "openssl_1_0_2", "openssl_1_1_1", "openssl_3"):
        prediction = result[client_id]
        assert (prediction.connects, prediction.protocol, prediction.suite) == (True, "TLS 1.2", SEED_SUITE), client_id


@pytest.mark.parametrize("os_key", OS_KEYS)
def test_recommended_lets_browsers_in_where_windows_has_ecdhe_rsa_gcm(os_key):
    result = _predict("recommended", os_key)
    for client_id in BROWSERS:
        prediction = result[client_id]
        if os_key in LEGACY_TLS12:
            # No ECDHE_RSA GCM on 7 / 8.1 tables, and the browsers never offer the seed's CBC-SHA384 suite.
            assert (prediction.connects, prediction.reason) == (False, "no common suite"), client_id
            assert "the host offers only TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, which" in prediction.detail
        else:
            assert (prediction.connects, prediction.suite) == (True, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"), client_id


@pytest.mark.parametrize("os_key", OS_KEYS)
def test_the_seed_order_alone_locks_every_browser_out(os_key):
    seed_only = ["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P521", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384"]
    result = _predict("recommended", os_key, cipher_suites=seed_only)
    assert [c for c in BROWSERS if result[c].connects] == []
    assert {result[c].reason for c in BROWSERS} == {"no common suite"}


@pytest.mark.parametrize("os_key", OS_KEYS)
def test_xp_compatible_keeps_xp_in_through_the_dotnet_listener(os_key):
    # MailStore's XP note; xp_compatible leaves SchUseStrongCrypto off, so .NET does not drop RC4 (or 3DES on
    # 2022+). Windows picks by its own order: TLS_RSA_WITH_RC4_128_SHA comes before the 3DES suite there.
    result = _predict("xp_compatible", os_key)
    xp = result["windows_xp"]
    assert (xp.connects, xp.protocol, xp.suite) == (True, "TLS 1.0", "TLS_RSA_WITH_RC4_128_SHA")
    assert [c for c, p in result.items() if not p.connects] == []


@pytest.mark.parametrize("os_key", OS_KEYS)
def test_xp_is_cut_off_when_dotnet_strong_crypto_is_on(os_key):
    # tls-cipher-suites-in-windows-*.md "Allowed by SCH_USE_STRONG_CRYPTO": RC4 No everywhere, 3DES No from 2022.
    result = _predict("xp_compatible", os_key, dotnet_strong_crypto=True)
    xp = result["windows_xp"]
    if os_key in ("2022", "2025"):
        assert (xp.connects, xp.reason) == (False, "needs RC4 or 3DES")
        assert "SCH_USE_STRONG_CRYPTO" in xp.detail
    else:
        assert (xp.connects, xp.suite) == (True, "TLS_RSA_WITH_3DES_EDE_CBC_SHA")


@pytest.mark.parametrize("os_key", OS_KEYS)
def test_modern_cuts_off_clients_without_tls12_aead(os_key):
    result = _predict("modern", os_key)
    for client_id in ("windows_xp", "windows_vista", "windows_7", "dotnet_legacy_win7"):
        assert (result[client_id].connects, result[client_id].reason) == (False, "no common protocol"), client_id
    for prediction in result.values():
        if prediction.connects:
            assert "_GCM_" in prediction.suite, prediction
    # TLS 1.2 with AEAD: Windows 7 with TLS 1.2 on (DHE_RSA GCM), Java, OpenSSL connect everywhere.
    for client_id in ("windows_7_tls12", "java_11", "openssl_3"):
        assert result[client_id].connects, client_id


@pytest.mark.parametrize("os_key", ["2022", "2025"])
def test_modern_speaks_tls13_with_tls13_clients(os_key):
    result = _predict("modern", os_key)
    for client_id in ("windows_11", "chrome", "firefox", "java_11", "openssl_3"):
        assert (result[client_id].protocol, result[client_id].suite) == ("TLS 1.3", "TLS_AES_256_GCM_SHA384")


def test_modern_on_2012r2_leaves_browsers_without_a_suite():
    # 8.1 table: the only RSA AEAD suites are DHE_RSA GCM, which Chrome and Firefox no longer offer.
    result = _predict("modern", "2012r2")
    assert [c for c in BROWSERS if result[c].connects] == []
    assert result["windows_7_tls12"].suite == "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"


def test_pre_2016_curve_is_bound_to_the_suite_suffix():
    # cipher-suites-in-schannel.md: before Windows 10 the suffix selects the curve. The seed's order allows only
    # P-521 and P-384; a client with P-256 alone finds no curve for it.
    settings, _ignored = parse_settings(profile("recommended"))
    offer = host_offer(settings, "2012r2")
    assert offer.suites[0].curves == ("secp521r1", "secp384r1")
    p256_only = replace(CLIENTS["windows_7_tls12"], groups=("secp256r1",))
    prediction = predict(p256_only, offer)
    assert (prediction.connects, prediction.reason) == (False, "no common group")


def test_an_ecdsa_suite_needs_an_ecdsa_certificate():
    # modern lists ECDHE_ECDSA GCM first (its 1607-derived order); a MailStore RSA certificate cannot serve it.
    settings, _ignored = parse_settings(profile("modern"))
    rsa_only = {p.id: p for p in predict_clients(settings, "2019")[1]}
    both = {p.id: p for p in predict_clients(settings, "2019", certificates=("RSA", "ECDSA"))[1]}
    assert rsa_only["chrome"].suite.startswith("TLS_ECDHE_RSA_")
    assert both["chrome"].suite.startswith("TLS_ECDHE_ECDSA_")


def test_every_reason_is_one_of_the_named_reasons():
    for profile_name in ("recommended", "xp_compatible", "modern", "pci_dss_4", "strict", "fips_140"):
        for os_key in OS_KEYS:
            for prediction in _predict(profile_name, os_key).values():
                assert (prediction.reason is None) == prediction.connects
                assert prediction.reason is None or prediction.reason in REASONS


def test_cut_off_message_names_clients_and_reasons():
    settings, _ignored = parse_settings(profile("recommended"))
    _offer, predictions = predict_clients(settings, "2019", ["windows_xp", "windows_10"])
    assert cut_off_message(predictions, "2019", "recommended") == (
        "applying recommended on Windows Server 2019 cuts off: Windows XP SP3 (Schannel) (needs RC4 or 3DES)")


# ------------------------------------------------------------------------------------------ the job


def _run(**options):
    defaults = {"settings": profile("recommended"), "os_key": "2019"}
    return run_client_impact(ImpactOptions(**{**defaults, **options}))


def test_a_required_client_that_would_be_cut_off_fails_with_its_reason():
    result = _run(required_clients=["windows_xp", "windows_10"])
    assert result["failed"] is True
    assert result["required_cut_off"] == ["windows_xp"]
    assert result["error"]["code"] == "required-client-cut-off"
    assert result["msg"].startswith("refused: these settings on Windows Server 2019 would cut off required client "
                                    "windows_xp (needs RC4 or 3DES: ")
    assert "nothing was written" in result["msg"]


def test_required_clients_that_connect_pass():
    result = _run(required_clients=["chrome", "windows_7_tls12"], clients=["windows_xp"])
    assert "failed" not in result
    assert [c["id"] for c in result["clients"]] == ["windows_xp", "chrome", "windows_7_tls12"]
    assert result["cut_off"] == ["windows_xp"]
    assert result["required_cut_off"] == []
    assert result["proof"] is None
    assert result["summary"] == "applying these settings on Windows Server 2019 cuts off: Windows XP SP3 (Schannel) " \
        "(needs RC4 or 3DES)"


def test_the_summary_names_the_profile_when_given():
    result = _run(clients=["windows_xp", "windows_vista"], profile="recommended")
    assert result["summary"] == (
        "applying `recommended` on Windows Server 2019 cuts off: Windows XP SP3 (Schannel) (needs RC4 or 3DES); "
        "Windows Vista / Server 2008 (Schannel) (no common suite)")


def test_unknown_client_ids_and_os_are_named_with_a_fix():
    with pytest.raises(InputError) as info:
        _run(os_key="2003", required_clients=["windows_xq"])
    message = info.value.message
    assert "os: '2003' is not a supported Windows version; use one of 2008r2, 2012r2" in message
    assert "required_clients: unknown client 'windows_xq' (did you mean windows_xp" in message


def test_bad_settings_are_refused_naming_the_field():
    with pytest.raises(InputError) as info:
        _run(settings={"protocols": {"TLS 1.2": "on"}})
    assert info.value.message.startswith("settings: protocols.TLS 1.2: ")


def test_client_matrix_per_profile_and_os():
    profiles = {name: parse_settings(profile(name))[0] for name in ("recommended", "xp_compatible")}
    matrix = client_matrix(profiles, client_ids=["windows_xp", "chrome"])
    assert set(matrix) == {"recommended", "xp_compatible"}
    assert set(matrix["recommended"]) == set(OS_KEYS)
    assert matrix["recommended"]["2019"]["windows_xp"]["reason"] == "needs RC4 or 3DES"
    assert matrix["xp_compatible"]["2025"]["windows_xp"]["suite"] == "TLS_RSA_WITH_RC4_128_SHA"
    assert matrix["recommended"]["2012r2"]["chrome"]["connects"] is False
