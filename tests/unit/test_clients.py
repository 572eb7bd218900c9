"""The client capability table: every row well-formed and sourced, and the facts the client impact rests on.

Expectations come from the sources the rows cite (reference: clients.md), not from the table itself: Microsoft's
suite and protocol pages for the Windows rows, BoringSSL/NSS for the browsers, JDK and OpenSSL sources.
"""

from __future__ import annotations

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.clients import (
    CLIENTS,
    EXTRA_SUITE_CODES,
    suite_code,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.tls_codes import GROUP_CODES

SEED_SUITE = "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"  # 0xC028, the seed's only TLS 1.2 suite on the wire
PROTOCOL_ORDER = ("SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3")
BROWSERS = ("chrome", "firefox", "safari", "thunderbird")
RC4_OR_3DES = {"RC4 128/128", "RC4 56/128", "RC4 40/128", "Triple DES 168"}


@pytest.mark.parametrize("client", list(CLIENTS.values()), ids=list(CLIENTS))
def test_row_is_well_formed_and_sourced(client):
    assert client.source.strip()
    assert client.name
    assert client.uses
    assert client.protocols == tuple(p for p in PROTOCOL_ORDER if p in client.protocols), "ascending, known"
    assert len(set(client.suites)) == len(client.suites)
    for name in client.suites:
        assert isinstance(suite_code(name), int)
        if name in catalog.SUITES:
            assert set(catalog.SUITES[name].protocols) & set(client.protocols), "%s unusable on its protocols" % name
    assert set(client.groups) <= set(GROUP_CODES)
    tls13 = [n for n in client.suites if n in catalog.SUITES and catalog.SUITES[n].protocols == {"TLS 1.3"}]
    assert bool(tls13) == ("TLS 1.3" in client.protocols)


def test_extra_suite_codes_do_not_shadow_the_catalog():
    # IANA code points are unique; a suite Windows knows is taken from the catalog, never from the extra table.
    assert not set(EXTRA_SUITE_CODES) & set(catalog.SUITES)
    codes = [s.code for s in catalog.SUITES.values() if s.code < 0x10000] + list(EXTRA_SUITE_CODES.values())
    assert len(codes) == len(set(codes))


def test_unsettled_rows_say_what_is_open():
    # reference clients.md marks these unsettled; the table must carry it to the prediction.
    for client_id in ("safari", "java_8", "dotnet_legacy_win7", "windows_11_24h2"):
        assert CLIENTS[client_id].unsettled


def test_windows_xp_has_no_aes_and_no_curves():
    # MSW@c6ab3def tls-cipher-suites.md: XP / 2003 suites are RC4, 3DES, DES, export; no ECC.
    xp = CLIENTS["windows_xp"]
    assert xp.protocols == ("SSL 3.0", "TLS 1.0")
    assert xp.suites[:3] == ("TLS_RSA_WITH_RC4_128_MD5", "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA")
    assert not [n for n in xp.suites if "AES" in n]
    assert xp.groups == ()


def test_windows_7_defaults_to_tls10_and_offers_tls12_only_when_enabled():
    # protocols-in-tls-ssl--schannel-ssp-.md: 7 / 2008 R2 client TLS 1.1/1.2 "Disabled" by default.
    assert CLIENTS["windows_7"].protocols == ("SSL 3.0", "TLS 1.0")
    assert CLIENTS["windows_7_tls12"].protocols == ("SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2")
    # tls-cipher-suites-in-windows-7.md (after 3042058): the seed's suite is first; no ECDHE_RSA GCM exists there.
    assert CLIENTS["windows_7_tls12"].suites[0] == SEED_SUITE
    assert "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" not in CLIENTS["windows_7_tls12"].suites
    assert CLIENTS["windows_7"].groups == ("secp256r1", "secp384r1")


@pytest.mark.parametrize("client_id", ["windows_8_1", "windows_10_1607", "windows_10", "windows_11",
                                       "windows_11_24h2"])
def test_later_windows_clients_offer_the_seed_suite_and_tls12(client_id):
    client = CLIENTS[client_id]
    assert SEED_SUITE in client.suites
    assert "TLS 1.2" in client.protocols


def test_windows_11_offers_tls13_first_and_windows_10_has_no_tls13():
    # tls-cipher-suites-in-windows-server-2022.md / -windows-11.md: TLS_AES_256_GCM_SHA384 first.
    assert CLIENTS["windows_11"].suites[:2] == ("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256")
    assert "TLS 1.3" not in CLIENTS["windows_10"].protocols
    # tls-elliptic-curves-in-windows-10-1607-and-later.md: curve25519, NistP256, NistP384.
    assert CLIENTS["windows_10"].groups == ("x25519", "secp256r1", "secp384r1")


@pytest.mark.parametrize("client_id", BROWSERS)
def test_no_browser_offers_the_seed_suite_but_all_offer_ecdhe_rsa_gcm(client_id):
    # google/boringssl@a0689af2 ssl/ssl_cipher.cc; nss-dev/nss@9d75dfde lib/ssl/ssl3con.c; reference clients.md.
    client = CLIENTS[client_id]
    assert SEED_SUITE not in client.suites
    assert not [n for n in client.suites if n.endswith(("_CBC_SHA256", "_CBC_SHA384"))]
    assert {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"} <= set(client.suites)
    assert client.protocols == ("TLS 1.2", "TLS 1.3")


def test_java_and_openssl_offer_the_seed_suite():
    # openjdk CipherSuite.java; OpenSSL "ALL:!COMPLEMENTOFDEFAULT:!eNULL" (reference clients.md section 4).
    for client_id in ("java_8", "java_11", "openssl_1_0_2", "openssl_1_1_1", "openssl_3"):
        assert SEED_SUITE in CLIENTS[client_id].suites, client_id


def test_dotnet_rows_follow_the_framework_switches():
    # ServicePointManager.cs: SSL 3.0 | TLS 1.0 without SchUseStrongCrypto; TLS 1.0-1.2 with it, and strong
    # crypto drops RC4 (tls-cipher-suites-in-windows-7.md "Allowed by SCH_USE_STRONG_CRYPTO": RC4 "No").
    legacy, strong = CLIENTS["dotnet_legacy_win7"], CLIENTS["dotnet_strong_win7"]
    assert legacy.protocols == ("SSL 3.0", "TLS 1.0")
    assert "TLS_RSA_WITH_RC4_128_SHA" in legacy.suites
    assert strong.protocols == ("TLS 1.0", "TLS 1.1", "TLS 1.2")
    assert not [n for n in strong.suites if "RC4" in n]
    # dotnet tls.md: 4.7+ SystemDefault = the OS's own client protocols.
    assert CLIENTS["dotnet_systemdefault_win10"].protocols == CLIENTS["windows_10"].protocols


def test_only_legacy_clients_lack_a_tls12_aead_suite():
    # What `modern` (TLS 1.2+, AEAD only) must cut off: clients without TLS 1.2 or without any GCM/ChaCha suite.
    def aead_tls12(client):
        return "TLS 1.2" in client.protocols and any("_GCM_" in n or "CHACHA20" in n for n in client.suites)

    without = sorted(c.id for c in CLIENTS.values() if not aead_tls12(c))
    assert without == ["dotnet_legacy_win7", "windows_7", "windows_vista", "windows_xp"]


def test_xp_needs_rc4_or_3des():
    weak = {catalog.SUITES[n].cipher for n in CLIENTS["windows_xp"].suites if n in catalog.SUITES}
    assert weak & RC4_OR_3DES
    assert weak <= RC4_OR_3DES | {"DES 56/56", "RC4 56/128", "RC4 40/128"}
