"""IIS Crypto templates (.ictpl) -> win_schannel options, and what is said about bad templates."""

from pathlib import Path

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils.consistency import check_settings
from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import ERROR, WARNING, Finding
from ansible_collections.fleetsec.schannel.plugins.module_utils.iiscrypto import parse_ictpl, read_ictpl
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import parse_settings

FIXTURES = Path(__file__).parent / "fixtures"
TEMPLATE_33 = (FIXTURES / "iiscrypto33-tls1x.ictpl").read_text(encoding="utf-8")
TEMPLATE_4X = (FIXTURES / "iiscrypto4x-tls12-http3.ictpl").read_text(encoding="utf-8")

WEAK_CIPHERS_OFF = {
    "NULL": "disabled", "DES 56/56": "disabled", "RC2 40/128": "disabled", "RC2 56/128": "disabled",
    "RC2 128/128": "disabled", "RC4 40/128": "disabled", "RC4 56/128": "disabled", "RC4 64/128": "disabled",
    "RC4 128/128": "disabled", "Triple DES 168": "disabled", "AES 128/128": "enabled", "AES 256/256": "enabled",
}


def _template(schannel: str = "", extra: str = "", version: str = 'version="3"') -> str:
    return '<?xml version="1.0"?><iisCryptoTemplate %s><header><name>t</name></header><schannel>%s</schannel>%s' \
           "</iisCryptoTemplate>" % (version, schannel, extra)


def test_33_template_header():
    template = read_ictpl(TEMPLATE_33)
    assert template.name == "MailStore TLS 1.x"
    assert template.author == "Example Admin"
    assert template.last_updated == "2021-03-15T09:30:00"
    assert template.description.startswith("TLS 1.0-1.2 with AES only")


def test_33_template_minus_one_values_and_differing_sides():
    settings, findings = parse_ictpl(TEMPLATE_33)
    assert findings == []
    assert settings == {
        "protocols": {
            "Multi-Protocol Unified Hello": "disabled",
            "PCT 1.0": "disabled",
            "SSL 2.0": "disabled",
            "SSL 3.0": "disabled",
            "TLS 1.0": {"server": "disabled", "client": "enabled"},
            "TLS 1.1": "enabled",
            "TLS 1.2": "enabled",
        },
        "ciphers": WEAK_CIPHERS_OFF,
        "hashes": {"MD5": "disabled", "SHA": "enabled", "SHA256": "enabled", "SHA384": "enabled",
                   "SHA512": "enabled"},
        "key_exchanges": {"Diffie-Hellman": "enabled", "PKCS": "enabled", "ECDH": "enabled"},
        "dh_min_key_bits": {"server": 2048},
        "fips_algorithm_policy": False,
        "cipher_suites": [
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            "TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_AES_128_GCM_SHA256",
        ],
    }


@pytest.mark.parametrize("text", [TEMPLATE_33, TEMPLATE_4X])
def test_templates_are_valid_win_schannel_options(text):
    settings, _ignored = parse_ictpl(text)
    parsed, findings = parse_settings(settings)
    assert findings == []
    assert parsed.hashes is not None
    assert "SHA 256" not in parsed.hashes
    assert parsed.hashes["SHA256"] == "enabled"


def test_4x_template_keeps_newer_os_items_without_os_key():
    settings, findings = parse_ictpl(TEMPLATE_4X)
    assert settings["protocols"]["TLS 1.2"] == "enabled"
    assert settings["protocols"]["TLS 1.3"] == "enabled"
    assert settings["hashes"]["SHA"] == "disabled"
    assert settings["dh_min_key_bits"] == {"server": 3072}
    assert settings["cipher_suites"][:2] == ["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"]
    assert findings == [
        Finding(WARNING, "ictpl-unmanaged", 'advanced/item[@name="Enable HTTP3"]',
                "'Enable HTTP3' is not a Schannel setting and is not applied by win_schannel: set it on the host "
                "separately"),
        Finding(WARNING, "ictpl-unmanaged", 'advanced/item[@name="Enable AltSvc"]',
                "'Enable AltSvc' is not a Schannel setting and is not applied by win_schannel: set it on the host "
                "separately"),
    ]


def test_4x_template_on_2016_skips_windows2022_items_with_a_warning():
    settings, findings = parse_ictpl(TEMPLATE_4X, "2016")
    assert "TLS 1.3" not in settings["protocols"]
    skipped = [f for f in findings if f.code == "ictpl-os-skipped"]
    assert [f.field for f in skipped] == [
        'serverProtocols/item[@name="TLS 1.3"]',
        'clientProtocols/item[@name="TLS 1.3"]',
        'advanced/item[@name="Enable HTTP3"]',
        'advanced/item[@name="Enable AltSvc"]',
    ]
    assert skipped[0].severity == WARNING
    assert skipped[0].message == (
        'skipped on Windows Server 2016: the template applies it from Windows Server 2022 on '
        '(minimumOSVersion="Windows2022")'
    )
    assert not [f for f in findings if f.code == "ictpl-unmanaged"]


@pytest.mark.parametrize("os_key", ["2022", "2025"])
def test_4x_template_on_2022_and_later_keeps_tls13(os_key):
    settings, findings = parse_ictpl(TEMPLATE_4X, os_key)
    assert settings["protocols"]["TLS 1.3"] == "enabled"
    assert {f.code for f in findings} == {"ictpl-unmanaged"}


def test_bytes_with_bom_are_accepted():
    settings, findings = parse_ictpl(b"\xef\xbb\xbf" + TEMPLATE_33.encode("utf-8"))
    assert findings == []
    assert settings["protocols"]["TLS 1.2"] == "enabled"
    utf16 = TEMPLATE_33.replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16")
    assert parse_ictpl(utf16)[0] == settings


def test_protocol_in_one_list_only_manages_that_side():
    text = _template("<serverProtocols><item name='TLS 1.0' value='0'/></serverProtocols>")
    assert parse_ictpl(text) == ({"protocols": {"TLS 1.0": {"server": "disabled"}}}, [])


@pytest.mark.parametrize(
    ("text", "finding"),
    [
        ("<iisCryptoTemplate version='3'><header>",
         Finding(ERROR, "ictpl-xml", "iisCryptoTemplate",
                 "not well-formed XML (no element found: line 1, column 39): export the template again from IIS "
                 "Crypto")),
        ("<?xml version='1.0'?><settings/>",
         Finding(ERROR, "ictpl-root", "settings",
                 "root element is <settings>, not <iisCryptoTemplate>: this is not an IIS Crypto template")),
        ('<!DOCTYPE x [<!ENTITY a "aaaa">]><iisCryptoTemplate version="3"/>',
         Finding(ERROR, "ictpl-xml", "iisCryptoTemplate",
                 "the template contains a DTD; IIS Crypto templates have none: remove it")),
        (_template("<ciphers><item name='RC4 128' value='0'/></ciphers>"),
         Finding(ERROR, "ictpl-unknown-item", 'ciphers/item[@name="RC4 128"]',
                 "unknown cipher 'RC4 128': did you mean 'RC4 128/128'?: fix the name in the template or remove the "
                 "item")),
        (_template("<hashes><item name='SHA 256' value='2'/></hashes>"),
         Finding(ERROR, "ictpl-bad-value", 'hashes/item[@name="SHA 256"]',
                 "value '2' is not an IIS Crypto item state: use -1 or 1 (enabled) or 0 (disabled)")),
        (_template("<hashes><item value='0'/></hashes>"),
         Finding(ERROR, "ictpl-bad-item", "hashes/item",
                 '<item> without a name attribute: give it name="..." or remove it')),
        (_template("<keyExchanges><item name='ECDH'/></keyExchanges>"),
         Finding(ERROR, "ictpl-bad-value", 'keyExchanges/item[@name="ECDH"]',
                 '<item> without a value attribute: add value="-1" or value="0"')),
        (_template("<hashes><item name='SHA 256' value='0'/><item name='SHA256' value='-1'/></hashes>"),
         Finding(ERROR, "ictpl-duplicate", 'hashes/item[@name="SHA256"]',
                 "names the same hash as another item ('SHA256'): keep one")),
        (_template("<ciphers><item name='NULL' value='0'/><item name='null' value='0'/></ciphers>"),
         Finding(ERROR, "ictpl-duplicate", 'ciphers/item[@name="null"]', "appears twice in <ciphers>: keep one "
                 "<item> per name")),
        (_template(extra="<advanced><item name='DHE Minimum Key Length' value='big'/></advanced>"),
         Finding(ERROR, "ictpl-bad-value", 'advanced/item[@name="DHE Minimum Key Length"]',
                 "value 'big' is not a key length: use 1024, 2048, 3072 or 4096")),
        (_template(extra="<advanced><item name='Turbo' value='1'/></advanced>"),
         Finding(ERROR, "ictpl-unknown-item", 'advanced/item[@name="Turbo"]',
                 "unknown advanced setting 'Turbo': known are DHE Minimum Key Length, FIPS Algorithm Policy, "
                 "Override Enabled, Enable HTTP3, Enable AltSvc; remove the item")),
        (_template(extra="<cipherSuites><item name='Suites' value='A'/></cipherSuites>"),
         Finding(ERROR, "ictpl-unknown-item", 'cipherSuites/item[@name="Suites"]',
                 "unknown cipher suite setting 'Suites': the list belongs in <item name=\"Configured Cipher Suites\" "
                 "value=\"A,B\"/>")),
        (_template("<ciphers><item name='NULL' value='0' minimumOSVersion='Vista'/></ciphers>"),
         Finding(ERROR, "ictpl-bad-os-version", 'ciphers/item[@name="NULL"]',
                 'minimumOSVersion="Vista" is not a Windows Server version: use e.g. "Windows2022" or '
                 '"Windows2012R2"')),
    ],
)
def test_bad_templates_give_findings_not_tracebacks(text, finding):
    _ignored, findings = parse_ictpl(text)
    assert findings == [finding]


def test_unknown_elements_and_versions_are_warnings():
    text = _template("<ciphers><cipher name='NULL'/></ciphers><extras/>", version='version="4"')
    settings, findings = parse_ictpl(text)
    assert settings == {"ciphers": {}}
    assert findings == [
        Finding(WARNING, "ictpl-version", "iisCryptoTemplate",
                "template format version '4'; this reader knows version=\"3\" and reads it as such"),
        Finding(WARNING, "ictpl-unknown-element", "extras",
                "element <extras> is not part of an IIS Crypto template: ignored"),
        Finding(WARNING, "ictpl-unknown-element", "ciphers/cipher",
                "element <cipher> is not part of an IIS Crypto template section: ignored"),
    ]


def test_minimum_os_version_r2_and_unknown_os_key():
    text = _template("<ciphers><item name='NULL' value='0' minimumOSVersion='Windows2012R2'/></ciphers>")
    assert parse_ictpl(text, "2008r2") == (
        {"ciphers": {}},
        [Finding(WARNING, "ictpl-os-skipped", 'ciphers/item[@name="NULL"]',
                 'skipped on Windows Server 2008 R2: the template applies it from Windows Server 2012 R2 on '
                 '(minimumOSVersion="Windows2012R2")')],
    )
    assert parse_ictpl(text, "2012r2") == ({"ciphers": {"NULL": "disabled"}}, [])
    assert parse_ictpl(text, "2003") == ({}, [
        Finding(ERROR, "ictpl-bad-os", "os_key",
                "unknown OS key '2003': use one of 2008r2, 2012r2, 2016, 2019, 2022, 2025")])


def test_empty_suite_list_means_no_policy_and_fips_on():
    text = _template(extra="<advanced><item name='FIPS Algorithm Policy' value='1'/>"
                           "<item name='DHE Minimum Key Length' value='0'/></advanced>"
                           "<cipherSuites><item name='Configured Cipher Suites' value=''/></cipherSuites>")
    assert parse_ictpl(text) == ({"fips_algorithm_policy": True, "cipher_suites": []}, [])


@pytest.mark.parametrize("os_key", ["2008r2", "2012r2", "2016", "2019", "2022", "2025"])
def test_templates_through_the_policy_engine(os_key):
    """The 4.x template is consistent everywhere; the 3.3 one (no TLS 1.3 item, no TLS 1.3 suite) is refused
    on 2022+, where TLS 1.3 is on by default and would fail every handshake (pywinrm#363)."""
    settings, _ignored = parse_settings(parse_ictpl(TEMPLATE_4X, os_key)[0])
    assert [f for f in check_settings(settings, os_key) if f.severity == ERROR] == []
    settings, _ignored = parse_settings(parse_ictpl(TEMPLATE_33, os_key)[0])
    findings = check_settings(settings, os_key)
    errors = [f.code for f in findings if f.severity == ERROR]
    assert errors == (["tls13-no-suite"] if os_key in ("2022", "2025") else [])
    assert "sides-disagree" in {f.code for f in findings}  # TLS 1.0: client on, server off
