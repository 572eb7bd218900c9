# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The TLS clients that reach MailStore Server, as data: what each one offers in its ClientHello, with a source.

One row per client: the protocol versions it offers (SCHANNEL key names), its cipher suites in its own order (IANA
names), its key exchange groups in its own order (IANA TLS Supported Groups names), where the outcome can depend on
it the TLS signature algorithms it accepts, which MailStore service it is used for, the source of the row, and
what the sources leave open (``unsettled``).

Windows rows reuse the policy engine's per-version suite tables (``catalog.os_suites``, each transcribed from
Microsoft's "TLS Cipher Suites in Windows <version>" page, which covers the client and the server of that version
alike): Windows 7 = the Server 2008 R2 table, 8.1 = 2012 R2, 10 1607 = 2016, 10 1809 = 2019, 11 21H2 = 2022,
11 24H2 = 2025. Their protocols are the *client* defaults of that version (``catalog.PROTOCOLS``, from
"Protocols in TLS/SSL (Schannel SSP)"). XP and Vista have no server counterpart here and are written out.

Suites a client offers that Schannel has no implementation of (Camellia, SEED, ARIA, PSK, SRP, static ECDH) are
left out of the abridged rows (Java, OpenSSL): a server can only choose a suite it knows, so they cannot change
the outcome against a Windows host. Where a row is abridged the note says so.

Sources, short names (full paths in each row):
- MSW: MicrosoftDocs/win32 desktop-src/SecAuthN/ (the commit is given per row).
- dotnet tls.md: dotnet/docs@8417924a docs/framework/network-programming/tls.md; mitigation-tls-protocols.md:
  dotnet/docs@06bfeade docs/framework/migration-guide/mitigation-tls-protocols.md; ServicePointManager.cs:
  microsoft/referencesource@1acafe20 System/net/System/Net/ServicePointManager.cs.
- Cross-check of every non-Windows row: testssl/testssl.sh@9fdf8028 etc/client-simulation.txt (data credited to
  Qualys SSL Labs, CC BY 3.0 US), used to compare with, never copied from.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.tls_codes import PROTOCOL_ORDER, group_name

# Code points of suites clients offer that the policy engine's suite table (catalog.SUITES) does not hold, because
# no Windows version implements them. IANA TLS Cipher Suites registry: RFC 7905 (ChaCha20-Poly1305), RFC 5246
# (DHE AES SHA-256), RFC 5288 (DHE GCM), RFC 4492 (ECDHE 3DES/RC4), RFC 2246 (DHE_RSA 3DES), RFC 4346 (export RC2).
EXTRA_SUITE_CODES: dict[str, int] = {
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCA8,
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCA9,
    "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCAA,
    "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256": 0x0067,
    "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256": 0x006B,
    "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256": 0x00A2,
    "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384": 0x00A3,
    "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA": 0x0016,
    "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA": 0xC012,
    "TLS_ECDHE_RSA_WITH_RC4_128_SHA": 0xC011,
    "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5": 0x0006,
}


def suite_code(name: str) -> int:
    """IANA code point of a suite name a client row uses; KeyError for a name neither table knows."""
    if name in catalog.SUITES:
        return catalog.SUITES[name].code
    return EXTRA_SUITE_CODES[name]


@dataclass(frozen=True)
class Client:
    """One client's TLS capabilities as its ClientHello shows them.

    ``protocols`` ascending, SCHANNEL key names. ``suites`` and ``groups`` in the client's order (a Schannel
    server ignores that order and picks by its own, but the proof sends the hello as the client does).
    ``strong_crypto``: a Schannel-based client whose process passes SCH_USE_STRONG_CRYPTO (its suites are already
    filtered here). ``uses``: which MailStore services the client is used with. ``unsettled``: what the sources
    leave open; empty when nothing.
    """

    id: str
    name: str
    stack: str
    protocols: tuple[str, ...]
    suites: tuple[str, ...]
    groups: tuple[str, ...]
    uses: str
    source: str
    note: str = ""
    unsettled: str = ""
    signature_algorithms: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "id": self.id, "name": self.name, "stack": self.stack, "protocols": list(self.protocols),
            "suites": list(self.suites), "groups": list(self.groups), "uses": self.uses, "source": self.source,
            "note": self.note, "unsettled": self.unsettled, "signature_algorithms": list(self.signature_algorithms),
        }


def _schannel_client(os_key: str, *, protocols: tuple[str, ...] | None = None,
                     strong_crypto: bool = False) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(protocols, suites, groups) a Schannel client of the Windows version that shares ``os_key``'s tables offers.

    Suites: that version's enabled-by-default list in order, without the NULL suites ("Only used when application
    explicitly requests") and PSK suites (need SCH_USE_PRESHAREDKEY_ONLY), curve-suffixed variants folded into one
    wire suite at its first place; ``strong_crypto`` drops the suites the page marks "not allowed by
    SCH_USE_STRONG_CRYPTO". Groups: the curves that version enables by default (catalog.default_curve_order).
    """
    if protocols is None:
        protocols = tuple(
            p for p in PROTOCOL_ORDER
            if catalog.PROTOCOLS[p].defaults[os_key] is not None and catalog.PROTOCOLS[p].defaults[os_key].client
            and p != "SSL 2.0"  # no host here serves SSL 2.0 and the probe cannot send an SSL 2.0 hello
        )
    suites: list[str] = []
    for os_suite in catalog.os_suites(os_key):
        if not os_suite.enabled_by_default or os_suite.explicit_only or os_suite.suite.authentication == "PSK":
            continue
        if strong_crypto and not os_suite.strong_crypto:
            continue
        if not set(os_suite.suite.protocols) & set(protocols) or os_suite.suite.name in suites:
            continue
        suites.append(os_suite.suite.name)
    groups = tuple(group_name(catalog.ECC_CURVES[c].iana_group) for c in catalog.default_curve_order(os_key))
    return protocols, tuple(suites), groups


_MSW_7 = "MSW tls-cipher-suites-in-windows-7.md @3c3df8c8 (order after update 3042058)"
_MSW_81 = "MSW tls-cipher-suites-in-windows-8-1.md @0180b6db"
_MSW_1607 = ("MSW tls-cipher-suites-in-windows-10-v1607.md @45a00f19; "
             "tls-elliptic-curves-in-windows-10-1607-and-later.md")
_MSW_1809 = "MSW tls-cipher-suites-in-windows-10-v1809.md @2a1e3601"
_MSW_11 = "MSW tls-cipher-suites-in-windows-server-2022.md @0c438d8f (Windows 11 21H2 shares the list: -windows-11.md)"
_MSW_24H2 = ("MSW tls-cipher-suites-in-windows-server-2025.md @3630e368 (Windows 11 24H2 shares the list); "
             "tls-supported-groups-in-windows-11-24h2-and-later.md")
_PROTOCOLS_DOC = "MSW protocols-in-tls-ssl--schannel-ssp-.md (client defaults per version)"
_MAILSTORE_CLIENT = "MailStore Client and the Outlook add-in (port 8460), Outlook over IMAP/POP3"

# XP / Server 2003: "TLS Cipher Suites" (MSW@c6ab3def tls-cipher-suites.md, later deleted in c543d1ee; same list
# at MicrosoftDocs/win32 desktop-src/SecAuthN/tls-cipher-suites.md ms.date 05/31/2018): "listed in the default
# order in which they are chosen". NULL suites left out (never offered unless the application asks for them).
_XP_SUITES = (
    "TLS_RSA_WITH_RC4_128_MD5",
    "TLS_RSA_WITH_RC4_128_SHA",
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA",
    "TLS_RSA_WITH_DES_CBC_SHA",
    "TLS_DHE_DSS_WITH_DES_CBC_SHA",
    "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA",
    "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA",
    "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA",
    "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
    "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5",
)

# Vista / Server 2008: "TLS Cipher Suites in Windows Vista" (MSW@0180b6db schannel-cipher-suites-in-windows-vista.md),
# enabled list in default order; _P256/_P384/_P521 variants folded into one wire suite; SSL 2.0 and NULL left out.
_VISTA_SUITES = (
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_RC4_128_SHA",
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_DHE_DSS_WITH_AES_128_CBC_SHA",
    "TLS_DHE_DSS_WITH_AES_256_CBC_SHA",
    "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA",
    "TLS_RSA_WITH_RC4_128_MD5",
)

# Chrome / Edge (BoringSSL): chromium/chromium@c287137f net/socket/ssl_client_socket_impl.cc (TLS 1.2-1.3, post-
# quantum hybrid first); google/boringssl@a0689af2 ssl/ssl_cipher.cc: no CBC suite with SHA-256/384 MAC at all
# (removed in boringssl-review change 27944), no DHE, no 3DES in the default list.
_CHROME_SUITES = (
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
)

# Firefox and Thunderbird (NSS): mozilla/gecko-dev@27ffe13b security/manager/ssl/nsNSSComponent.cpp (which suites
# are on), nss-dev/nss@9d75dfde lib/ssl/ssl3con.c (their order); no CBC-SHA256/384, no DHE (off since Firefox 78),
# no 3DES.
_NSS_SUITES = (
    "TLS_AES_128_GCM_SHA256",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
)
_NSS_GROUPS = ("X25519MLKEM768", "x25519", "secp256r1", "secp384r1", "secp521r1", "ffdhe2048", "ffdhe3072")
_NSS_SOURCE = ("mozilla/gecko-dev@27ffe13b security/manager/ssl/nsNSSComponent.cpp; "
               "nss-dev/nss@9d75dfde lib/ssl/ssl3con.c")

# Safari (Apple's TLS stack): no primary source with the list was found; the row follows the Safari entries of the
# testssl.sh client simulation (SSL Labs data), hence "unsettled".
_SAFARI_SUITES = (
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
)

# JDK 11 and later (JSSE): openjdk/jdk@158714cf src/java.base/share/classes/sun/security/ssl/CipherSuite.java, the
# enum's order of default-enabled suites; java.security jdk.tls.disabledAlgorithms (SSLv3, TLSv1, TLSv1.1 from
# JDK 16 / JDK-8254713 and in 11.0.11+, RC4, DES, 3DES_EDE_CBC, anon, NULL). Abridged: DHE_DSS GCM/CBC-SHA256 kept,
# static ECDH suites left out (Schannel has none).
_JAVA11_SUITES = (
    "TLS_AES_256_GCM_SHA384",
    "TLS_AES_128_GCM_SHA256",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
    "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256",
    "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_DHE_DSS_WITH_AES_256_CBC_SHA",
    "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_DHE_DSS_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_CBC_SHA256",
    "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
)
# JDK 8u: openjdk/jdk8u-dev@e0deb1f4 sun/security/ssl/CipherSuite.java (the TLS 1.3 backport of 8u261 brought the
# JDK 11 order, without ChaCha20, which 8u does not have); TLS 1.3 is off by default in 8u clients
# (jdk.tls.client.protocols). jdk8u-dev@fd212587 java.security-windows jdk.tls.disabledAlgorithms as above.
_JAVA8_SUITES = tuple(s for s in _JAVA11_SUITES if "CHACHA20" not in s and not s.startswith("TLS_AES_"))

# OpenSSL 1.1.1 / 3.x clients: "ALL:!COMPLEMENTOFDEFAULT:!eNULL" in OpenSSL's order (openssl/openssl@9d978ac3
# include/openssl/ssl.h; the same list `openssl ciphers -V DEFAULT` prints on 3.0), TLS 1.3 suites AES-256, ChaCha20,
# AES-128. Abridged: PSK and SRP suites (only sent with a PSK/SRP callback) and Camellia/ARIA left out.
_OPENSSL_SUITES = (
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_CBC_SHA256",
    "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
)
_OPENSSL_GROUPS = ("x25519", "secp256r1", "x448", "secp521r1", "secp384r1")
# OpenSSL 1.0.2: "ALL:!EXPORT:!LOW:!aNULL:!eNULL:!SSLv2" (openssl/openssl OpenSSL_1_0_2 branch ssl/ssl.h
# SSL_DEFAULT_CIPHER_LIST), which still holds RC4 and 3DES; no TLS 1.3, no ChaCha20. Abridged as above.
_OPENSSL_102_SUITES = (
    *(s for s in _OPENSSL_SUITES if "CHACHA20" not in s and not s.startswith("TLS_AES_")),
    "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
    "TLS_RSA_WITH_RC4_128_SHA",
    "TLS_RSA_WITH_RC4_128_MD5",
)


def _build() -> tuple[Client, ...]:
    w7 = _schannel_client("2008r2")
    w7_tls12 = _schannel_client("2008r2", protocols=("SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2"))
    w81 = _schannel_client("2012r2")
    w1607 = _schannel_client("2016")
    w1809 = _schannel_client("2019")
    w11 = _schannel_client("2022")
    w24h2 = _schannel_client("2025")
    dotnet_legacy = _schannel_client("2008r2", protocols=("SSL 3.0", "TLS 1.0"))
    dotnet_strong = _schannel_client("2008r2", protocols=("TLS 1.0", "TLS 1.1", "TLS 1.2"), strong_crypto=True)
    dotnet_sysdefault = _schannel_client("2019", strong_crypto=True)
    rows = [
        Client("windows_xp", "Windows XP SP3 (Schannel)", "schannel", ("SSL 3.0", "TLS 1.0"), _XP_SUITES, (),
               _MAILSTORE_CLIENT,
               "MSW@c6ab3def tls-cipher-suites.md and secure-sockets-layer-protocol.md (XP / Server 2003)",
               note="No AES, no elliptic curves; SSL 2.0 is also on in XP's client but no host here serves it."),
        Client("windows_vista", "Windows Vista / Server 2008 (Schannel)", "schannel", ("SSL 3.0", "TLS 1.0"),
               _VISTA_SUITES, ("secp256r1", "secp384r1", "secp521r1"), _MAILSTORE_CLIENT,
               "MSW@0180b6db schannel-cipher-suites-in-windows-vista.md; " + _PROTOCOLS_DOC,
               note="TLS 1.1/1.2 came to Server 2008 SP2 only by update, off by default."),
        Client("windows_7", "Windows 7 SP1, defaults (Schannel, TLS 1.0 only)", "schannel", *w7, _MAILSTORE_CLIENT,
               _MSW_7 + "; " + _PROTOCOLS_DOC,
               note="TLS 1.1 and 1.2 are supported but off on the client side until enabled in the registry "
                    "(Protocols\\TLS 1.2\\Client); see windows_7_tls12."),
        Client("windows_7_tls12", "Windows 7 SP1 with TLS 1.1/1.2 enabled on the client (Schannel)", "schannel",
               *w7_tls12, _MAILSTORE_CLIENT,
               _MSW_7 + "; tls-registry-settings.md (windowsserverdocs@fce32208); KB3140245 for WinHTTP",
               note="Needs SCHANNEL\\Protocols\\TLS 1.2\\Client Enabled=1, DisabledByDefault=0 (and KB3140245 with "
                    "DefaultSecureProtocols for WinHTTP applications)."),
        Client("windows_8_1", "Windows 8.1 (Schannel)", "schannel", *w81, _MAILSTORE_CLIENT,
               _MSW_81 + "; " + _PROTOCOLS_DOC),
        Client("windows_10_1607", "Windows 10 1607 (Schannel)", "schannel", *w1607, _MAILSTORE_CLIENT,
               _MSW_1607 + "; " + _PROTOCOLS_DOC),
        Client("windows_10", "Windows 10 1809 to 21H2 (Schannel)", "schannel", *w1809, _MAILSTORE_CLIENT,
               _MSW_1809 + "; " + _PROTOCOLS_DOC,
               unsettled="Windows 10 22H2 drops DHE and 3DES from the default list (MSW ...-v22H2.md); not "
                         "modelled as a row of its own."),
        Client("windows_11", "Windows 11 21H2 (Schannel)", "schannel", *w11, _MAILSTORE_CLIENT,
               _MSW_11 + "; " + _PROTOCOLS_DOC),
        Client("windows_11_24h2", "Windows 11 24H2 (Schannel)", "schannel", *w24h2, _MAILSTORE_CLIENT,
               _MSW_24H2 + "; " + _PROTOCOLS_DOC,
               unsettled="Whether 24H2 still enables TLS 1.0/1.1 on the client side (reference: unsettled)."),
        Client("dotnet_legacy_win7", ".NET Framework app targeting 4.5.2 or older on Windows 7, no registry "
               "switches", "dotnet", *dotnet_legacy, "MailStore Client (port 8460) when built that way",
               "microsoft/referencesource@ec9fa9ae System/sys/AppContextDefaultValues.Defaults.cs; "
               "ServicePointManager.cs @1acafe20 (SSL 3.0 | TLS 1.0 without SchUseStrongCrypto); " + _MSW_7,
               unsettled="Which .NET Framework MailStore Client and the Outlook add-in target."),
        Client("dotnet_strong_win7", ".NET Framework 4.x app on Windows 7 with SchUseStrongCrypto=1", "dotnet",
               *dotnet_strong, "MailStore Client (port 8460)",
               "ServicePointManager.cs @1acafe20 (TLS 1.0-1.2 with SchUseStrongCrypto); dotnet tls.md; " + _MSW_7 +
               " (RC4 not allowed by SCH_USE_STRONG_CRYPTO)",
               note="TLS 1.1/1.2 are asked for explicitly, which Schannel honours even when they are disabled by "
                    "default on Windows 7 (tls-registry-settings.md)."),
        Client("dotnet_systemdefault_win10", ".NET Framework 4.7+ app on Windows 10 1809+ (SystemDefault, strong "
               "crypto by default)", "dotnet", *dotnet_sysdefault, "MailStore Client (port 8460)",
               "dotnet tls.md (SystemDefault: the OS decides; 4.6+ targets get SCH_USE_STRONG_CRYPTO); "
               + _MSW_1809),
        Client("chrome", "Chrome / Edge (current)", "boringssl", ("TLS 1.2", "TLS 1.3"), _CHROME_SUITES,
               ("X25519MLKEM768", "x25519", "secp256r1", "secp384r1"), "MailStore Web Access (port 8462)",
               "chromium/chromium@c287137f net/socket/ssl_client_socket_impl.cc; google/boringssl@a0689af2 "
               "ssl/ssl_cipher.cc",
               note="No TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384: BoringSSL has no CBC suite with a SHA-2 MAC."),
        Client("firefox", "Firefox (current)", "nss", ("TLS 1.2", "TLS 1.3"), _NSS_SUITES, _NSS_GROUPS,
               "MailStore Web Access (port 8462)", _NSS_SOURCE),
        Client("safari", "Safari (current)", "securetransport", ("TLS 1.2", "TLS 1.3"), _SAFARI_SUITES,
               ("X25519MLKEM768", "x25519", "secp256r1", "secp384r1", "secp521r1"),
               "MailStore Web Access (port 8462)", "testssl/testssl.sh@9fdf8028 etc/client-simulation.txt (Safari "
               "entries, SSL Labs data, CC BY 3.0 US)",
               unsettled="No primary source for Apple's list; cross-check data only."),
        Client("thunderbird", "Thunderbird (current, NSS)", "nss", ("TLS 1.2", "TLS 1.3"), _NSS_SUITES, _NSS_GROUPS,
               "IMAP/POP3 over TLS", _NSS_SOURCE + " (Thunderbird uses the same NSS and preferences)"),
        Client("java_8", "Java 8 (8u261 and later)", "jsse", ("TLS 1.2",), _JAVA8_SUITES,
               ("secp256r1", "secp384r1", "secp521r1", "ffdhe2048", "ffdhe3072"), "archiving integrations, API",
               "openjdk/jdk8u-dev@e0deb1f4 sun/security/ssl/CipherSuite.java; @fd212587 "
               "jdk/src/share/lib/security/java.security-windows",
               note="Abridged: static-ECDH suites left out.",
               unsettled="Which 8u update disables TLS 1.0/1.1 (JDK-8254713 backport version)."),
        Client("java_11", "Java 11 and later", "jsse", ("TLS 1.2", "TLS 1.3"), _JAVA11_SUITES,
               ("x25519", "secp256r1", "secp384r1", "secp521r1", "x448", "ffdhe2048", "ffdhe3072"),
               "archiving integrations, API",
               "openjdk/jdk@158714cf src/java.base/share/classes/sun/security/ssl/CipherSuite.java; JDK-8254713",
               note="Abridged: static-ECDH suites left out."),
        Client("openssl_1_0_2", "OpenSSL 1.0.2 client", "openssl", ("TLS 1.0", "TLS 1.1", "TLS 1.2"),
               _OPENSSL_102_SUITES, ("secp256r1", "secp521r1", "secp384r1"), "scripts, curl, integrations",
               "openssl/openssl OpenSSL_1_0_2 ssl/ssl.h SSL_DEFAULT_CIPHER_LIST",
               note="Abridged: Camellia, SEED, IDEA, PSK and SRP suites left out.",
               unsettled="Distributions change the default list and the SSL 3.0 switch."),
        Client("openssl_1_1_1", "OpenSSL 1.1.1 client", "openssl", ("TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"),
               _OPENSSL_SUITES, _OPENSSL_GROUPS, "scripts, curl, integrations",
               "openssl/openssl@9d978ac3 include/openssl/ssl.h (security level 1)",
               note="Abridged: PSK, SRP, Camellia and ARIA suites left out."),
        Client("openssl_3", "OpenSSL 3.x client", "openssl", ("TLS 1.2", "TLS 1.3"), _OPENSSL_SUITES,
               (*_OPENSSL_GROUPS, "ffdhe2048", "ffdhe3072"), "scripts, curl, integrations",
               "openssl/openssl@32bb7054 NEWS.md (TLS 1.0/1.1 only at security level 0)",
               note="Abridged as OpenSSL 1.1.1. 3.2 and later default to security level 2 (RSA/DH >= 2048)."),
    ]
    return tuple(rows)


CLIENTS: dict[str, Client] = {c.id: c for c in _build()}
