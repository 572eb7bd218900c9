"""The role's input resolved once per play: profile or template plus overrides, and bad input named by field."""

from pathlib import Path

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog, suites
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import complete
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.run_record import check_run_id
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.schannel_resolve.settings import (
    merge,
    resolve,
    settings_digest,
)
from tests.profiles import profiles

FIXTURES = Path(__file__).parent / "fixtures"
ALL_OS = list(catalog.OS_KEYS)


def test_overrides_merge_mappings_key_by_key_and_replace_lists():
    base = {"ciphers": {"RC4 128/128": "disabled", "AES 128/128": "enabled"}, "cipher_suites": ["A", "B"]}
    merged = merge(base, {"ciphers": {"RC4 128/128": "enabled"}, "cipher_suites": ["C"]})
    assert merged == {"ciphers": {"RC4 128/128": "enabled", "AES 128/128": "enabled"}, "cipher_suites": ["C"]}
    assert base["ciphers"]["RC4 128/128"] == "disabled"  # the profile itself is left alone


def test_every_profile_resolves_on_every_windows_version():
    for name, options in profiles().items():
        resolved = resolve(name, profiles(), {}, ALL_OS)
        assert resolved.settings == complete(options)  # what a profile leaves out is `default`
        assert resolved.profile == name
        assert resolved.template is None
        assert resolved.digest == settings_digest(complete(options))


def test_digest_is_independent_of_key_order():
    assert settings_digest({"a": 1, "b": [1, 2]}) == settings_digest({"b": [1, 2], "a": 1})
    assert settings_digest({"a": 1}) != settings_digest({"a": 2})
    assert settings_digest({"a": 1}).startswith("sha256:")


def test_unknown_profile_names_the_known_ones():
    with pytest.raises(InputError) as error:
        resolve("hardest", profiles(), {}, ALL_OS)
    assert error.value.message.startswith("schannel_profile 'hardest' is not a known profile; choose one of:")
    assert "modern, pci_dss_4, recommended, recommended_original, strict, xp_compatible" in error.value.message


def test_overrides_of_the_wrong_type_name_the_variable():
    with pytest.raises(InputError, match=r"^schannel_overrides must be a mapping"):
        resolve("modern", profiles(), ["TLS 1.2"], ALL_OS)


def test_a_wrong_entry_in_the_overrides_names_its_field_under_schannel_overrides():
    with pytest.raises(InputError) as error:
        resolve("modern", profiles(), {"ciphers": "disabled"}, ALL_OS)
    assert error.value.message.startswith("schannel_overrides.ciphers: ")
    with pytest.raises(InputError) as error:
        resolve("modern", profiles(), {"ciphers": {"RC4 128": "enabled"}}, ALL_OS)
    assert "schannel_overrides.ciphers.RC4 128: " in error.value.message
    assert "did you mean" in error.value.message


def test_a_wrong_profile_names_its_field_under_schannel_profiles():
    broken = {"site": {"hashes": {"SHA": "on"}}}
    with pytest.raises(InputError, match=r"^schannel_profiles\.site\.hashes\.SHA: "):
        resolve("site", broken, {}, ALL_OS)


def test_a_suite_list_over_1023_characters_fails_naming_the_field_and_the_version():
    names = [s for s in suites.SUITES if s.startswith("TLS_")]
    assert len(",".join(names)) > 1023
    with pytest.raises(InputError) as error:
        resolve("modern", profiles(), {"cipher_suites": names}, ALL_OS)
    assert "schannel_overrides.cipher_suites" in error.value.message
    assert "1,023" in error.value.message or "1023" in error.value.message
    assert error.value.code == "suite-order-too-long"


def test_a_template_replaces_the_profile_and_keeps_its_name():
    text = (FIXTURES / "iiscrypto4x-tls12-http3.ictpl").read_bytes()
    resolved = resolve("recommended", profiles(), {}, ALL_OS, template="tls12.ictpl", template_text=text)
    assert resolved.profile is None
    assert resolved.template == "tls12.ictpl"
    assert resolved.template_name == "TLS 1.2+ forward secrecy"
    assert resolved.settings["protocols"]["TLS 1.0"] == "disabled"
    # A template governs every option too: what IIS Crypto does not carry (.NET) is the OS default.
    assert resolved.settings["dotnet_strong_crypto"] == "default"


def test_a_template_with_minimum_os_items_resolves_per_version_as_iis_crypto_applies_it():
    """The suite list and TLS 1.3 are marked minimumOSVersion="Windows2022": 2016 and 2019 keep their own order."""
    text = (FIXTURES / "iiscrypto4x-tls12-http3.ictpl").read_bytes()
    overrides = {"protocols": {"TLS 1.1": "disabled"}}
    resolved = resolve("recommended", profiles(), overrides, ["2016", "2019", "2022", "2025"],
                       template="tls12.ictpl", template_text=text)
    assert sorted(resolved.settings_by_os) == ["2016", "2019", "2022", "2025"]
    for old in ("2016", "2019"):
        assert resolved.settings_by_os[old]["cipher_suites"] == []  # the OS default order, as on a fresh host
        assert resolved.settings_by_os[old]["protocols"]["TLS 1.3"] == "default"
        assert resolved.settings_by_os[old]["protocols"]["TLS 1.1"] == "disabled"  # overrides apply per version
    for new in ("2022", "2025"):
        assert resolved.settings_by_os[new]["cipher_suites"][0] == "TLS_AES_256_GCM_SHA384"
        assert resolved.settings_by_os[new]["protocols"]["TLS 1.3"]
    assert "cipher_suites" in resolved.settings  # the template as read: every item
    assert any(w.startswith("Windows Server 2019") and "Windows2022" in w for w in resolved.warnings), \
        resolved.warnings
    assert resolve("recommended", profiles(), {}, ALL_OS).settings_by_os == {}  # a profile is the same everywhere


def test_a_malformed_template_fails_naming_the_variable_and_the_file():
    with pytest.raises(InputError) as error:
        resolve("recommended", profiles(), {}, ALL_OS, template="broken.ictpl",
                template_text=b"<iisCryptoTemplate version='3'><schannel>")
    assert error.value.message.startswith("schannel_iiscrypto_template (broken.ictpl): ")
    assert "not well-formed XML" in error.value.message


def test_version_specific_errors_are_checked_for_the_chosen_versions_only():
    # TLS 1.3 enabled with only TLS 1.2 suites: an error where TLS 1.3 exists (2022, 2025), harmless before.
    overrides = {"protocols": {"TLS 1.3": "enabled"}}
    with pytest.raises(InputError, match="Windows Server 2022"):
        resolve("recommended", profiles(), overrides, ALL_OS)
    resolved = resolve("recommended", profiles(), overrides, ["2016", "2019"])
    assert resolved.settings["protocols"]["TLS 1.3"] == "enabled"


def test_unknown_windows_version_is_named():
    with pytest.raises(InputError, match=r"^schannel_os_keys\[1\]: unknown Windows version '2003'"):
        resolve("recommended", profiles(), {}, ["2019", "2003"])


def test_run_id_must_be_one_path_segment():
    assert check_run_id("20261202T050000Z") == "20261202T050000Z"
    for bad in ("../x", "a/b", "", "x" * 65):
        with pytest.raises(InputError, match="schannel_run_id"):
            check_run_id(bad)
