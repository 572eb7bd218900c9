"""parse_settings: shapes, names, aliases, duplicates; every rule with its exact message."""

from __future__ import annotations

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import ERROR, Finding
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import (
    Settings,
    SuiteRef,
    parse_settings,
)


def only_finding(raw: dict) -> Finding:
    _ignored, findings = parse_settings(raw)
    assert len(findings) == 1, findings
    assert findings[0].severity == ERROR
    return findings[0]


def test_nothing_given_manages_nothing() -> None:
    settings, findings = parse_settings({})
    assert findings == []
    assert settings == Settings()
    assert parse_settings(None) == (Settings(), [])


def test_options_set_to_none_count_as_left_out() -> None:
    settings, findings = parse_settings({"protocols": None, "cipher_suites": None, "backup": True})
    assert findings == []
    assert settings.protocols is None
    assert settings.cipher_suites is None


def test_module_options_are_accepted_and_ignored() -> None:
    settings, findings = parse_settings({"backup": True, "backup_dir": "/tmp/x", "allow_lockout": False})
    assert findings == []
    assert settings == Settings()


def test_full_settings_are_normalised() -> None:
    settings, findings = parse_settings(
        {
            "protocols": {"TLS 1.2": "enabled", "tls  1.0": "Disabled", "SSL 2.0": {"server": "disabled"}},
            "ciphers": {"Triple DES 168/168": "disabled", "AES 256/256": "enabled"},
            "hashes": {"SHA 256": "enabled", "MD5": "default"},
            "key_exchanges": {"ECDH": "enabled", "PKCS": "enabled"},
            "cipher_suites": ["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_p384", " tls_rsa_with_aes_128_cbc_sha "],
            "ecc_curves": ["nistp384", "NistP256"],
            "dh_min_key_bits": {"server": 2048, "Client": 3072},
            "dotnet_strong_crypto": True,
            "dotnet_system_default_tls_versions": False,
            "winhttp_secure_protocols": ["TLS 1.3", "TLS 1.2"],
            "fips_algorithm_policy": False,
        }
    )
    assert findings == []
    assert settings.protocols == {
        "TLS 1.2": {"server": "enabled", "client": "enabled"},
        "TLS 1.0": {"server": "disabled", "client": "disabled"},
        "SSL 2.0": {"server": "disabled"},
    }
    # IIS Crypto labels map to the registry key names (KB245030 "Triple DES 168"; hashes without a space).
    assert settings.ciphers == {"Triple DES 168": "disabled", "AES 256/256": "enabled"}
    assert settings.hashes == {"SHA256": "enabled", "MD5": "default"}
    assert settings.key_exchanges == {"ECDH": "enabled", "PKCS": "enabled"}
    assert settings.cipher_suites == (
        SuiteRef("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "P384", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_p384"),
        SuiteRef("TLS_RSA_WITH_AES_128_CBC_SHA", None, "tls_rsa_with_aes_128_cbc_sha"),
    )
    assert settings.ecc_curves == ("NistP384", "NistP256")
    assert settings.dh_min_key_bits == {"server": 2048, "client": 3072}
    assert settings.dotnet_strong_crypto is True
    assert settings.dotnet_system_default_tls_versions is False
    assert settings.winhttp_secure_protocols == ("TLS 1.2", "TLS 1.3")
    assert settings.fips_algorithm_policy is False


def test_protocol_sides_limit_plain_states() -> None:
    settings, findings = parse_settings({"protocols": {"TLS 1.0": "disabled"}, "protocol_sides": ["server"]})
    assert findings == []
    assert settings.protocols == {"TLS 1.0": {"server": "disabled"}}
    assert settings.protocol_sides == ("server",)


def test_side_mapping_is_not_limited_by_protocol_sides() -> None:
    settings, _ignored = parse_settings(
        {"protocols": {"TLS 1.1": {"client": "enabled", "server": "disabled"}}, "protocol_sides": ["server"]}
    )
    assert settings.protocols == {"TLS 1.1": {"client": "enabled", "server": "disabled"}}


def test_empty_cipher_suites_means_remove_the_policy() -> None:
    settings, findings = parse_settings({"cipher_suites": [], "ecc_curves": [], "winhttp_secure_protocols": []})
    assert findings == []
    assert settings.cipher_suites == ()
    assert settings.ecc_curves == ()
    assert settings.winhttp_secure_protocols == ()


def test_field_of_remembers_how_the_user_wrote_the_name() -> None:
    settings, _ignored = parse_settings({"ciphers": {"Triple DES 168/168": "disabled"}})
    assert settings.field_of("ciphers", "Triple DES 168") == "ciphers.Triple DES 168/168"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {"protocol": {"TLS 1.2": "enabled"}},
            Finding(ERROR, "unknown-option", "protocol", "unknown option 'protocol': did you mean 'protocols'?"),
        ),
        (
            {"colour": "blue"},
            Finding(
                ERROR,
                "unknown-option",
                "colour",
                "unknown option 'colour': valid options are protocols, protocol_sides, ciphers, hashes, "
                "key_exchanges, cipher_suites, ecc_curves, dh_min_key_bits, dotnet_strong_crypto, "
                "dotnet_system_default_tls_versions, winhttp_secure_protocols, fips_algorithm_policy",
            ),
        ),
        (
            {"protocols": ["TLS 1.2"]},
            Finding(
                ERROR,
                "wrong-type",
                "protocols",
                "must be a mapping of protocol name to enabled|disabled|default (or to {server: <state>, client: "
                "<state>}), e.g. {'TLS 1.2': enabled}; got a list",
            ),
        ),
        (
            {"protocols": {"TLS 1.2": "enable"}},
            Finding(
                ERROR,
                "bad-state",
                "protocols.TLS 1.2",
                "the string 'enable' is not a state: use enabled, disabled or default; did you mean 'enabled'?",
            ),
        ),
        (
            {"protocols": {"TLS 1.2": True}},
            Finding(
                ERROR,
                "bad-state",
                "protocols.TLS 1.2",
                "a boolean (true) is not a state: use enabled, disabled or default",
            ),
        ),
        (
            {"protocols": {"TLS 1.2": {"server": "enabled", "inbound": "enabled"}}},
            Finding(ERROR, "bad-side", "protocols.TLS 1.2.inbound", "the string 'inbound' is not a side: use server "
                    "or client"),
        ),
        (
            {"protocols": {"TLS 1.2": {}}},
            Finding(ERROR, "wrong-type", "protocols.TLS 1.2", "is an empty mapping: give server and/or client with a "
                    "state"),
        ),
        (
            {"protocols": {"TLS 1.4": "enabled"}},
            Finding(ERROR, "unknown-name", "protocols.TLS 1.4", "unknown protocol 'TLS 1.4': did you mean 'TLS 1.3', "
                    "'TLS 1.2' or 'TLS 1.1'?"),
        ),
        (
            {"protocols": {"TLS 1.2": "enabled", "Tls12": "disabled"}},
            Finding(
                ERROR,
                "duplicate-name",
                "protocols.Tls12",
                "names the same protocol as protocols.TLS 1.2 ('TLS 1.2'): give each protocol once",
            ),
        ),
        (
            {"ciphers": {"RC4 128": "disabled"}},
            Finding(
                ERROR, "unknown-name", "ciphers.RC4 128", "unknown cipher 'RC4 128': did you mean 'RC4 128/128'?"
            ),
        ),
        (
            {"ciphers": {"Triple DES 168": "disabled", "Triple DES 168/168": "disabled"}},
            Finding(
                ERROR,
                "duplicate-name",
                "ciphers.Triple DES 168/168",
                "names the same cipher as ciphers.Triple DES 168 ('Triple DES 168'): give each cipher once",
            ),
        ),
        (
            {"hashes": {"SHA256": "enabled", "SHA 256": "enabled"}},
            Finding(
                ERROR,
                "duplicate-name",
                "hashes.SHA 256",
                "names the same hash as hashes.SHA256 ('SHA256'): give each hash once",
            ),
        ),
        (
            {"key_exchanges": ["ECDH"]},
            Finding(
                ERROR,
                "wrong-type",
                "key_exchanges",
                "must be a mapping of key exchange name to enabled|disabled|default; got a list",
            ),
        ),
        (
            {"cipher_suites": "TLS_RSA_WITH_AES_128_CBC_SHA"},
            Finding(
                ERROR,
                "wrong-type",
                "cipher_suites",
                "must be a list of cipher suite names (strings), got the string 'TLS_RSA_WITH_AES_128_CBC_SHA'",
            ),
        ),
        (
            {"cipher_suites": ["TLS_RSA_WITH_AES_128_CBC_SHA", 5]},
            Finding(
                ERROR, "wrong-type", "cipher_suites[1]", "must be a cipher suite name (a string), got the number 5"
            ),
        ),
        (
            {"cipher_suites": ["TLS_RSA_WITH_AES_128_CBC_SHA_P256"]},
            Finding(
                ERROR,
                "bad-curve-suffix",
                "cipher_suites[0]",
                "'TLS_RSA_WITH_AES_128_CBC_SHA' is not an ECDHE suite, so it has no curve variants: write "
                "'TLS_RSA_WITH_AES_128_CBC_SHA' without '_P256'",
            ),
        ),
        (
            {
                "cipher_suites": [
                    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384",
                    "tls_ecdhe_rsa_with_aes_256_cbc_sha384_P384",
                ]
            },
            Finding(
                ERROR,
                "duplicate-name",
                "cipher_suites[1]",
                "names the same cipher suite as cipher_suites[0] ('TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384'): "
                "give each cipher suite once",
            ),
        ),
        (
            {"ecc_curves": ["NistP384", "nistp384"]},
            Finding(ERROR, "duplicate-name", "ecc_curves[1]", "names the same curve as ecc_curves[0] ('NistP384'): "
                    "give each curve once"),
        ),
        (
            {"ecc_curves": ["P-384"]},
            Finding(ERROR, "unknown-name", "ecc_curves[0]", "unknown ECC curve 'P-384': did you mean 'NistP384'?"),
        ),
        (
            {"dh_min_key_bits": 2048},
            Finding(ERROR, "wrong-type", "dh_min_key_bits",
                    "must be a mapping like {server: 2048, client: 2048} (a side may be default), or default; got "
                    "the number 2048"),
        ),
        (
            {"dh_min_key_bits": {"server": 1000}},
            Finding(
                ERROR,
                "bad-key-size",
                "dh_min_key_bits.server",
                "the number 1000 is not a supported Diffie-Hellman key size: use 1024, 2048, 3072, 4096 or default",
            ),
        ),
        (
            {"dh_min_key_bits": {"server": "2048"}},
            Finding(
                ERROR,
                "bad-key-size",
                "dh_min_key_bits.server",
                "the string '2048' is not a supported Diffie-Hellman key size: use 1024, 2048, 3072, 4096 or default",
            ),
        ),
        (
            {"dh_min_key_bits": {"both": 2048}},
            Finding(ERROR, "bad-side", "dh_min_key_bits.both", "the string 'both' is not a side: use server or client"),
        ),
        (
            {"dotnet_strong_crypto": "yes please"},
            Finding(ERROR, "wrong-type", "dotnet_strong_crypto",
                    "must be true, false or default (remove the value), got the string 'yes please'"),
        ),
        (
            {"dotnet_system_default_tls_versions": 1},
            Finding(ERROR, "wrong-type", "dotnet_system_default_tls_versions",
                    "must be true, false or default (remove the value), got the number 1"),
        ),
        (
            {"fips_algorithm_policy": 1},
            Finding(ERROR, "wrong-type", "fips_algorithm_policy",
                    "must be true, false or default (remove the value), got the number 1"),
        ),
        (
            {"winhttp_secure_protocols": ["DTLS 1.2"]},
            Finding(
                ERROR,
                "bad-winhttp-protocol",
                "winhttp_secure_protocols[0]",
                "WinHTTP has no DefaultSecureProtocols flag for 'DTLS 1.2': use SSL 2.0, SSL 3.0, TLS 1.0, TLS 1.1, "
                "TLS 1.2, TLS 1.3",
            ),
        ),
        (
            {"winhttp_secure_protocols": ["TLS 1.2", "Tls12"]},
            Finding(
                ERROR,
                "duplicate-name",
                "winhttp_secure_protocols[1]",
                "names the same protocol as winhttp_secure_protocols[0] ('TLS 1.2'): give each protocol once",
            ),
        ),
        (
            {"protocol_sides": "server"},
            Finding(ERROR, "wrong-type", "protocol_sides", "must be a list of server and/or client, got the string "
                    "'server'"),
        ),
        (
            {"protocol_sides": []},
            Finding(ERROR, "empty-list", "protocol_sides", "is empty: list server and/or client, or leave it out"),
        ),
        (
            {"protocol_sides": ["server", "Server"]},
            Finding(ERROR, "duplicate-name", "protocol_sides[1]", "'server' is listed twice: give each side once"),
        ),
        (
            {"protocol_sides": ["srv"]},
            Finding(ERROR, "bad-side", "protocol_sides[0]", "the string 'srv' is not a side: use server or client"),
        ),
        (
            ["protocols"],
            Finding(ERROR, "wrong-type", "", "settings must be a mapping of win_schannel options, got a list"),
        ),
        (
            {"protocols": {1.2: "enabled"}},  # YAML reads an unquoted 1.2 key as a float
            Finding(ERROR, "wrong-type", "protocols.1.2", "protocol names must be strings, got the number 1.2"),
        ),
        (
            {"protocols": {"TLS 1.2": {"server": "enabled", "Server": "disabled"}}},
            Finding(ERROR, "duplicate-name", "protocols.TLS 1.2.Server", "side 'server' is given twice: give it once"),
        ),
        (
            {"dh_min_key_bits": {"server": 2048, "SERVER": 3072}},
            Finding(ERROR, "duplicate-name", "dh_min_key_bits.SERVER", "side 'server' is given twice: give it once"),
        ),
        (
            {"ecc_curves": "NistP384"},
            Finding(ERROR, "wrong-type", "ecc_curves", "must be a list of curve names (strings), got the string "
                    "'NistP384'"),
        ),
        (
            {"winhttp_secure_protocols": ["TLS 1.2", 12]},
            Finding(ERROR, "wrong-type", "winhttp_secure_protocols[1]", "must be a protocol name (a string), got the "
                    "number 12"),
        ),
        (
            {"winhttp_secure_protocols": ["TLS 1.4"]},
            Finding(ERROR, "unknown-name", "winhttp_secure_protocols[0]", "unknown protocol 'TLS 1.4': did you mean "
                    "'TLS 1.3', 'TLS 1.2' or 'TLS 1.1'?"),
        ),
    ],
)
def test_rule_message(raw: object, expected: Finding) -> None:
    assert only_finding(raw) == expected  # type: ignore[arg-type]


def test_unknown_suite_gets_did_you_mean() -> None:
    finding = only_finding({"cipher_suites": ["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA38_P384"]})
    assert finding.code == "unknown-name"
    assert finding.field == "cipher_suites[0]"
    assert finding.message.startswith("unknown cipher suite 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA38_P384': did you mean ")
    assert "'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384'" in finding.message


def test_all_errors_are_reported_at_once() -> None:
    _ignored, findings = parse_settings(
        {"protocols": {"TLS 1.2": "on"}, "ciphers": {"RC4": "disabled"}, "fips_algorithm_policy": "no"}
    )
    assert [(f.code, f.field) for f in findings] == [
        ("bad-state", "protocols.TLS 1.2"),
        ("unknown-name", "ciphers.RC4"),
        ("wrong-type", "fips_algorithm_policy"),
    ]
