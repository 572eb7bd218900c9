"""IIS Crypto templates (.ictpl) -> win_schannel options, and what is said about bad templates."""

from pathlib import Path

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils.consistency import check_settings
from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import ERROR, WARNING, Finding
from ansible_collections.fleetsec.schannel.plugins.module_utils.iiscrypto import read_ictpl
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import parse_settings
from tests.support.iiscrypto import parse_ictpl

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


def test_real_structure_yields_settings_not_warnings():
    # The old reader took <item> and read these files as zero settings with one warning per item.
    for text in (TEMPLATE_33, TEMPLATE_4X):
        template = read_ictpl(text)
        assert template.findings == []
        assert set(template.settings) >= {"protocols", "ciphers", "hashes", "key_exchanges", "cipher_suites"}


def test_4x_template_keeps_newer_os_items_and_their_minimum_without_os_key():
    template = read_ictpl(TEMPLATE_4X)
    settings = template.settings
    assert settings["protocols"]["TLS 1.2"] == "enabled"
    assert settings["protocols"]["TLS 1.3"] == "enabled"
    assert settings["hashes"]["SHA"] == "disabled"
    assert settings["dh_min_key_bits"] == {"server": 3072}
    assert settings["cipher_suites"][:2] == ["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"]
    # Enable HTTP3 / Enable AltSvc carry no value in IIS Crypto 4.x templates: not set, nothing said.
    assert template.findings == []
    assert template.minimum_os == {
        "protocols.TLS 1.3.server": "2022",
        "protocols.TLS 1.3.client": "2022",
        "cipher_suites": "2022",
    }


@pytest.mark.parametrize("os_key", ["2008r2", "2012r2", "2016", "2019"])
def test_template_read_once_renders_per_os_without_the_2022_items(os_key):
    # IIS Crypto applies minimumOSVersion="Windows2022" items only there: no 2022 suite list on 2016/2019.
    template = read_ictpl(TEMPLATE_4X)
    settings, findings = template.for_os(os_key)
    assert "cipher_suites" not in settings
    assert "TLS 1.3" not in settings["protocols"]
    assert settings["protocols"]["TLS 1.2"] == "enabled"
    assert [f.field for f in findings] == [
        'serverProtocols/templateItem[@name="TLS 1.3"]',
        'clientProtocols/templateItem[@name="TLS 1.3"]',
        'cipherSuites/templateItem[@name="Configured Cipher Suites"]',
    ]
    assert (settings, findings) == parse_ictpl(TEMPLATE_4X, os_key)


@pytest.mark.parametrize("os_key", ["2022", "2025"])
def test_template_read_once_renders_2022_items_on_2022_and_later(os_key):
    template = read_ictpl(TEMPLATE_4X)
    assert template.for_os(os_key) == (template.settings, [])
    settings, findings = parse_ictpl(TEMPLATE_4X, os_key)
    assert settings["protocols"]["TLS 1.3"] == "enabled"
    assert settings["cipher_suites"][0] == "TLS_AES_256_GCM_SHA384"
    assert findings == []


def test_for_os_refuses_an_unknown_os_key():
    with pytest.raises(KeyError, match="unknown OS key '2003'"):
        read_ictpl(TEMPLATE_4X).for_os("2003")


def test_suite_list_variants_per_minimum_os():
    text = _template(extra="<cipherSuites>"
                           "<templateItem name='Configured Cipher Suites' value='TLS_RSA_WITH_AES_128_CBC_SHA'/>"
                           "<templateItem name='Configured Cipher Suites' minimumOSVersion='Windows2022' "
                           "value='TLS_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_128_CBC_SHA'/></cipherSuites>")
    template = read_ictpl(text)
    assert template.findings == []
    assert template.for_os("2019") == ({"cipher_suites": ["TLS_RSA_WITH_AES_128_CBC_SHA"]}, [])
    assert template.for_os("2022") == (
        {"cipher_suites": ["TLS_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA"]}, [])


def test_4x_template_on_2016_skips_windows2022_items_with_a_warning():
    settings, findings = parse_ictpl(TEMPLATE_4X, "2016")
    assert "TLS 1.3" not in settings["protocols"]
    assert {f.code for f in findings} == {"ictpl-os-skipped"}
    assert findings[0] == Finding(
        WARNING, "ictpl-os-skipped", 'serverProtocols/templateItem[@name="TLS 1.3"]',
        'skipped on Windows Server 2016: the template applies it from Windows Server 2022 on '
        '(minimumOSVersion="Windows2022")',
    )


def test_valueless_items_are_not_set():
    text = _template("<ciphers><templateItem name='NULL'/><templateItem name='AES 128/128' value='-1'/></ciphers>",
                     extra="<advanced><templateItem name='Enable HTTP3' minimumOSVersion='Windows2022'/>"
                           "</advanced>")
    assert parse_ictpl(text) == ({"ciphers": {"AES 128/128": "enabled"}}, [])
    assert parse_ictpl(text, "2016") == ({"ciphers": {"AES 128/128": "enabled"}}, [])


def test_turned_on_http3_is_reported_as_unmanaged():
    text = _template("<ciphers><templateItem name='NULL' value='0'/></ciphers>",
                     extra="<advanced><templateItem name='Enable HTTP3' value='1'/></advanced>")
    assert parse_ictpl(text)[1] == [
        Finding(WARNING, "ictpl-unmanaged", 'advanced/templateItem[@name="Enable HTTP3"]',
                "'Enable HTTP3' is not a Schannel setting and is not applied by win_schannel: set it on the host "
                "separately"),
    ]


NO_SETTINGS = Finding(
    ERROR, "ictpl-no-settings", "iisCryptoTemplate",
    "the template holds no setting win_schannel can apply (no <templateItem name=... value=...> in "
    "<clientProtocols>, <serverProtocols>, <ciphers>, <hashes>, <keyExchanges>, <advanced> or <cipherSuites>): "
    "applying it would change nothing; export it again from IIS Crypto",
)


def test_template_in_the_old_item_spelling_is_refused_not_an_empty_success():
    # The spelling this reader used to take; IIS Crypto writes <templateItem> (no source for <item>).
    old = TEMPLATE_33.replace("<templateItem ", "<item ")
    settings, findings = parse_ictpl(old)
    assert settings == {}
    assert findings[-1] == NO_SETTINGS
    assert {f.code for f in findings[:-1]} == {"ictpl-unknown-element"}


@pytest.mark.parametrize("extra", [
    "",
    "<advanced><templateItem name='Enable HTTP3' value='1'/><templateItem name='DHE Minimum Key Length' "
    "value='0'/></advanced>",
    "<cipherSuites><templateItem name='Configured Cipher Suites'/></cipherSuites>",
])
def test_template_without_any_setting_is_an_error(extra):
    settings, findings = parse_ictpl(_template(extra=extra))
    assert settings == {}
    assert findings[-1] == NO_SETTINGS


@pytest.mark.parametrize(("text", "got"), [(None, "nothing (None)"), (42, "a int"), (["<x/>"], "a list")])
def test_not_a_text_is_a_clear_error(text, got):
    assert parse_ictpl(text) == ({}, [Finding(
        ERROR, "ictpl-input", "iisCryptoTemplate",
        "the template must be the text of an .ictpl file (str or bytes), got %s: read the file first" % got)])


def test_bytes_with_bom_are_accepted():
    settings, findings = parse_ictpl(b"\xef\xbb\xbf" + TEMPLATE_33.encode("utf-8"))
    assert findings == []
    assert settings["protocols"]["TLS 1.2"] == "enabled"
    utf16 = TEMPLATE_33.replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16")
    assert parse_ictpl(utf16)[0] == settings


def test_protocol_in_one_list_only_manages_that_side():
    text = _template("<serverProtocols><templateItem name='TLS 1.0' value='0'/></serverProtocols>")
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
        (_template("<ciphers><templateItem name='RC4 128' value='0'/></ciphers>"),
         Finding(ERROR, "ictpl-unknown-item", 'ciphers/templateItem[@name="RC4 128"]',
                 "unknown cipher 'RC4 128': did you mean 'RC4 128/128'?: fix the name in the template or remove the "
                 "item")),
        (_template("<hashes><templateItem name='SHA 256' value='2'/></hashes>"),
         Finding(ERROR, "ictpl-bad-value", 'hashes/templateItem[@name="SHA 256"]',
                 "value '2' is not an IIS Crypto item state: use -1 or 1 (enabled) or 0 (disabled)")),
        (_template("<hashes><templateItem value='0'/></hashes>"),
         Finding(ERROR, "ictpl-bad-item", "hashes/templateItem",
                 '<templateItem> without a name attribute: give it name="..." or remove it')),
        (_template("<hashes><templateItem name='SHA 256' value='0'/><templateItem name='SHA256' value='-1'/></hashes>"),
         Finding(ERROR, "ictpl-duplicate", 'hashes/templateItem[@name="SHA256"]',
                 "names the same hash as another item ('SHA256'): keep one")),
        (_template("<ciphers><templateItem name='NULL' value='0'/><templateItem name='null' value='0'/></ciphers>"),
         Finding(ERROR, "ictpl-duplicate", 'ciphers/templateItem[@name="null"]', "appears twice in <ciphers>: keep one "
                 "<templateItem> per name")),
        (_template(extra="<advanced><templateItem name='DHE Minimum Key Length' value='big'/></advanced>"),
         Finding(ERROR, "ictpl-bad-value", 'advanced/templateItem[@name="DHE Minimum Key Length"]',
                 "value 'big' is not a key length: use 1024, 2048, 3072 or 4096")),
        (_template(extra="<advanced><templateItem name='Turbo' value='1'/></advanced>"),
         Finding(ERROR, "ictpl-unknown-item", 'advanced/templateItem[@name="Turbo"]',
                 "unknown advanced setting 'Turbo': known are DHE Minimum Key Length, FIPS Algorithm Policy, "
                 "Override Enabled, Enable HTTP3, Enable AltSvc; remove the item")),
        (_template(extra="<cipherSuites><templateItem name='Suites' value='A'/></cipherSuites>"),
         Finding(ERROR, "ictpl-unknown-item", 'cipherSuites/templateItem[@name="Suites"]',
                 "unknown cipher suite setting 'Suites': the list belongs in <templateItem "
                 "name=\"Configured Cipher Suites\" value=\"A,B\"/>")),
        (_template("<ciphers><templateItem name='NULL' value='0' minimumOSVersion='Vista'/></ciphers>"),
         Finding(ERROR, "ictpl-bad-os-version", 'ciphers/templateItem[@name="NULL"]',
                 'minimumOSVersion="Vista" is not a Windows Server version: use e.g. "Windows2022" or '
                 '"Windows2012R2"')),
    ],
)
def test_bad_templates_give_findings_not_tracebacks(text, finding):
    _ignored, findings = parse_ictpl(text)
    assert findings == [finding]


def test_template_with_only_unknown_elements_is_refused():
    # Only unknown elements: refused (ictpl-no-settings), never an empty success.
    text = _template("<ciphers><cipher name='NULL'/></ciphers><extras/>", version='version="4"')
    settings, findings = parse_ictpl(text)
    assert settings == {}
    assert findings == [
        Finding(WARNING, "ictpl-version", "iisCryptoTemplate",
                "template format version '4'; this reader knows version=\"3\" and reads it as such"),
        Finding(WARNING, "ictpl-unknown-element", "extras",
                "element <extras> is not part of an IIS Crypto template: ignored"),
        Finding(WARNING, "ictpl-unknown-element", "ciphers/cipher",
                "element <cipher> is not part of an IIS Crypto template section (settings are <templateItem> "
                "elements): ignored"),
        NO_SETTINGS,
    ]


def test_minimum_os_version_r2_and_unknown_os_key():
    text = _template("<ciphers><templateItem name='NULL' value='0' minimumOSVersion='Windows2012R2'/></ciphers>")
    assert parse_ictpl(text, "2008r2") == (
        {},
        [Finding(WARNING, "ictpl-os-skipped", 'ciphers/templateItem[@name="NULL"]',
                 'skipped on Windows Server 2008 R2: the template applies it from Windows Server 2012 R2 on '
                 '(minimumOSVersion="Windows2012R2")')],
    )
    assert parse_ictpl(text, "2012r2") == ({"ciphers": {"NULL": "disabled"}}, [])
    assert parse_ictpl(text, "2003") == ({}, [
        Finding(ERROR, "ictpl-bad-os", "os_key",
                "unknown OS key '2003': use one of 2008r2, 2012r2, 2016, 2019, 2022, 2025")])


def test_empty_suite_list_means_no_policy_and_fips_on():
    text = _template(extra="<advanced><templateItem name='FIPS Algorithm Policy' value='1'/>"
                           "<templateItem name='DHE Minimum Key Length' value='0'/></advanced>"
                           "<cipherSuites><templateItem name='Configured Cipher Suites' value=''/></cipherSuites>")
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
