"""The ClientHellos the probe builds (tlslite-ng messages, read back with tlslite-ng's parser)."""

from __future__ import annotations

import pytest
from tlslite.constants import ExtensionType
from tlslite.messages import ClientHello as TlsliteClientHello
from tlslite.utils.codec import Parser

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.handshake import (
    ClientHello,
    build_client_hello,
    suite_name,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.compliance import universe
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.probe import PortDeadline
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.sweep import suite_code


def wire(hello: ClientHello) -> TlsliteClientHello:
    data = build_client_hello(hello).write()
    parser = Parser(data)
    assert parser.get(1) == 1  # handshake type client_hello
    return TlsliteClientHello().parse(parser)


def test_tls13_hello_carries_supported_versions_and_one_key_share():
    parsed = wire(ClientHello(("TLS 1.3", "TLS 1.2"), (0x1302, 0xC030), (0x001D, 0x0017)))
    assert parsed.client_version == (3, 3)  # legacy_version, RFC 8446 4.1.2
    assert parsed.getExtension(ExtensionType.supported_versions).versions == [(3, 4), (3, 3)]
    shares = parsed.getExtension(ExtensionType.key_share).client_shares
    assert [s.group for s in shares] == [0x001D]
    assert len(shares[0].key_exchange) == 32
    assert parsed.cipher_suites == [0x1302, 0xC030, 0x00FF]  # + TLS_EMPTY_RENEGOTIATION_INFO_SCSV
    assert len(parsed.session_id) == 32


def test_tls12_hello_is_a_plain_legacy_hello_in_the_clients_order():
    parsed = wire(ClientHello(("TLS 1.0", "TLS 1.2"), (0x002F, 0xC028), (0x0018,), server_name="ms001"))
    assert parsed.client_version == (3, 3)
    assert parsed.getExtension(ExtensionType.supported_versions) is None
    assert parsed.getExtension(ExtensionType.supported_groups).groups == [0x0018]
    assert parsed.server_name == bytearray(b"ms001")
    assert parsed.cipher_suites == [0x002F, 0xC028, 0x00FF]
    assert parsed.getExtension(ExtensionType.renegotiation_info) is not None


def test_every_hello_satisfies_a_strict_renegotiation_server():
    """RFC 5746: the SCSV on every hello, as sslscan sends it since Server 2019 refused hellos without it (rbsec/
    sslscan PR 280); an SSL 3.0 hello has no extensions, so the SCSV is its only way to signal."""
    for versions in (("SSL 3.0",), ("TLS 1.0",), ("TLS 1.2",), ("TLS 1.3",)):
        assert wire(ClientHello(versions, (0x0005,))).cipher_suites[-1] == 0x00FF
    assert wire(ClientHello(("TLS 1.2",), (0x00FF, 0x002F))).cipher_suites == [0x00FF, 0x002F]  # never twice


def test_ssl3_hello_has_no_extensions():
    parsed = wire(ClientHello(("SSL 3.0",), (0x0005,)))
    assert parsed.client_version == (3, 0)
    assert parsed.extensions is None
    assert parsed.cipher_suites == [0x0005, 0x00FF]


def test_bad_hellos_are_refused_by_name():
    with pytest.raises(InputError, match=r"versions must be among SSL 3\.0, TLS 1\.0"):
        ClientHello(("TLS 1.4",), (0xC030,))
    with pytest.raises(InputError, match="at least one cipher suite"):
        ClientHello(("TLS 1.2",), ())


def test_suite_names_come_from_the_catalog_first():
    assert suite_name(0x0003) == "TLS_RSA_EXPORT_WITH_RC4_40_MD5"
    assert suite_name(0xC028) == "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"
    assert suite_name(0x0084) == "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA"  # IANA registry (iana.py)
    assert suite_name(0xC05A) == "TLS_DH_anon_WITH_ARIA_128_GCM_SHA256"
    assert suite_name(0x0A0B) == "0x0A0B"  # unassigned: named by its code


def test_the_compliance_universe_leaves_no_suite_code_a_server_could_pick_untried():
    """Besides the catalog's suites: every IANA code (CAMELLIA, ARIA, anon, ...) and the unassigned rest of the
    blocks suites come from, without signalling values or GREASE, in one hello well under Schannel's 16 KB."""
    tls12, tls13 = universe("TLS 1.2"), universe("TLS 1.3")
    assert {0x0084, 0xC050, 0x0034, 0xC0A3, 0xCCA8, 0x00C6, 0xFF85} <= set(tls12)  # named and unnamed alike
    assert not {0x00FF, 0x5600, 0x0A0A, 0xCACA} & set(tls12)
    assert not any(0x1300 <= c < 0x1400 for c in tls12)
    assert {0x1301, 0x1305, 0x13FF, 0xC0B4} <= set(tls13)
    assert len(build_client_hello(ClientHello(("TLS 1.2",), tuple(tls12))).write()) < 0x4000
    assert universe("TLS 1.2")[0] in {s.code for s in catalog.SUITES.values()}  # Windows' suites first


def test_sslyze_names_map_to_codes_and_unknown_ones_make_the_scan_incomplete():
    assert suite_code("TLS_RSA_WITH_CAMELLIA_256_CBC_SHA", "CAMELLIA256-SHA", 1) == 0x0084
    assert suite_code("TLS_DH_anon_WITH_AES_128_CBC_SHA", "ADH-AES128-SHA", 1) == 0x0034
    assert suite_code("OLD_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305-OLD", 1) == 0xCC13
    with pytest.raises(PortDeadline, match="no known code point"):
        suite_code("TLS_MADE_UP", "MADE-UP", 1)


def test_tls13_hellos_offer_only_tls13_groups():
    """RFC 8446 4.2.7: the other curves "MUST NOT be offered" in TLS 1.3 (tlslite-ng answers illegal_parameter)."""
    parsed = wire(ClientHello(("TLS 1.3",), (0x1301,), (0x0013, 0x001A, 0x0017, 0x001D)))
    assert parsed.getExtension(ExtensionType.supported_groups).groups == [0x0017, 0x001D]
    assert [s.group for s in parsed.getExtension(ExtensionType.key_share).client_shares] == [0x0017]
    parsed = wire(ClientHello(("TLS 1.2",), (0xC030,), (0x0013, 0x0017)))
    assert parsed.getExtension(ExtensionType.supported_groups).groups == [0x0013, 0x0017]
