# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS cipher suites Schannel knows, and each supported OS's suite list in its default priority order.

Import these names through ``catalog`` (which re-exports them); this module only holds the tables.

Every per-OS table below is transcribed from Microsoft's "TLS Cipher Suites in Windows <version>" page
(MicrosoftDocs/win32, ``desktop-src/SecAuthN/``; repository path and commit above each table). Each page has
up to three tables: suites "enabled and in this priority order by default", suites "supported ... but not
enabled by default", and (Windows 10 1607 and later) PSK suites, of which "No PSK cipher suites are enabled by
default. Applications need to request PSK using SCH_USE_PRESHAREDKEY_ONLY". ``os_suites`` returns the three in
that order, so the enabled-by-default suites come first, in priority order.

Curve suffixes: "Prior to Windows 10, cipher suite strings were appended with the elliptic curve to determine the
curve priority. Windows 10 supports an elliptic curve priority order setting so the elliptic curve suffix is not
required" (same pages; MicrosoftDocs/win32@27a9dfa3:desktop-src/SecAuthN/cipher-suites-in-schannel.md). Hence
2008 R2 / 2012 R2 spell ECDHE suites ``..._P256``/``_P384``/``_P521``; 2016 and later never do. ``SUITES`` is keyed
by the unsuffixed (IANA) name; the suffix is the same suite on the wire, it only selects the curve.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CipherSuite:
    """One cipher suite, independent of OS.

    ``key_exchange``/``cipher``/``hash`` are the SCHANNEL registry key names (``KeyExchangeAlgorithms``,
    ``Ciphers``, ``Hashes`` subkeys) whose ``Enabled`` value governs the suite; ``None`` where no such key exists
    (TLS 1.3 suites negotiate the key exchange separately; PSK has no KeyExchangeAlgorithms key; ChaCha20 has no
    Ciphers key; AEAD suites have no MAC, so no Hashes key governs them -- see the note above ``_SUITE_ROWS``).
    ``hash`` is the suite's MAC hash (``SHA`` = HMAC-SHA1), not the PRF hash an AEAD suite's name ends with.
    ``authentication`` is "RSA", "ECDSA", "DSS", "PSK", or "ANY" for TLS 1.3 suites, which do not fix the
    certificate type (OpenSSL prints ``Au=any`` for them).
    """

    name: str
    code: int
    openssl_name: str | None
    protocols: frozenset[str]
    key_exchange: str | None
    cipher: str | None
    hash: str | None
    authentication: str


@dataclass(frozen=True)
class OsSuite:
    """A suite as one OS ships it.

    ``windows_name`` is the spelling that OS uses (curve-suffixed on 2008 R2 / 2012 R2), ``curve`` the suffix
    ("P256", "P384", "P521") or None. ``strong_crypto`` is the page's "Allowed by SCH_USE_STRONG_CRYPTO" column;
    ``explicit_only`` marks rows noted "Only used when application explicitly requests" (NULL-cipher suites).
    """

    windows_name: str
    suite: CipherSuite
    curve: str | None
    enabled_by_default: bool
    strong_crypto: bool = True
    explicit_only: bool = False


CURVE_SUFFIXES = ("P256", "P384", "P521")


def split_curve_suffix(name: str) -> tuple[str, str | None]:
    """``"X_P384"`` -> ``("X", "P384")``; a name without a curve suffix -> ``(name, None)``."""
    head, sep, tail = name.rpartition("_")
    if sep and head and tail.upper() in CURVE_SUFFIXES:
        return head, tail.upper()
    return name, None


# Protocol sets, as the "TLS/SSL Protocol versions" column of the Microsoft tables lists them.
_TLS13 = frozenset({"TLS 1.3"})
_TLS12 = frozenset({"TLS 1.2"})
_TLS10_12 = frozenset({"TLS 1.0", "TLS 1.1", "TLS 1.2"})
_SSL3_TLS12 = frozenset({"SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2"})
_SSL2 = frozenset({"SSL 2.0"})

_AES128, _AES256, _3DES = "AES 128/128", "AES 256/256", "Triple DES 168"
_RC4_128, _RC4_56, _RC4_40, _DES, _NULL = "RC4 128/128", "RC4 56/128", "RC4 40/128", "DES 56/56", "NULL"
_ECDH, _DH, _PKCS = "ECDH", "Diffie-Hellman", "PKCS"

# Code points and OpenSSL names: testssl/testssl.sh@9fdf8028 etc/cipher-mapping.txt (joined with the Microsoft
# lists below; PSK names also confirmed with ``openssl ciphers -V PSK``, OpenSSL 3.0).
# KB245030 (MicrosoftDocs/SupportArticles-docs@ac19f31e) confirms 0x0003-0x000A, 0x0062 and 0x0064.
# openssl_name is None for the EXPORT1024 suites: they come from an expired export draft
# (draft-ietf-tls-56-bit-ciphersuites-00, cited by KB245030), current OpenSSL and sslyze do not know them.
# SSL 2.0 "CK" codes are the 3-byte SSLv2 cipher kinds.
# Registry keys per suite: KB245030 lists which suites each Ciphers/Hashes key "effectively disallows"
# (e.g. "RC4 56/128" -> TLS_RSA_EXPORT1024_WITH_RC4_56_SHA, "Triple DES 168" -> *_3DES_EDE_CBC_SHA) and that
# PKCS "refers to the RSA as the key exchange and authentication algorithms"; the rest follows the suite name.
# - hash is the MAC algorithm. KB245030 lists under Hashes\MD5 and Hashes\SHA only suites whose MAC is that hash.
#   AEAD suites (every *_GCM_* suite, the TLS 1.3 suites) have no MAC: CNG reports them with an empty Hash and
#   HashLength 0 (Get-TlsCipherSuite examples 1 and 2 show TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 and
#   TLS_ECDHE_ECDSA_WITH_AES_*_GCM_* with "Hash :" empty, SSL_CK_RC4_128_WITH_MD5 with "Hash : MD5";
#   MicrosoftDocs/windows-powershell-docs@32e243ec:docset/winserver2022-ps/tls/Get-TlsCipherSuite.md). The
#   SHA256/SHA384 ending a GCM suite's name is its PRF hash, which no Hashes key is documented to govern, so
#   their hash is None and disabling Hashes\SHA384 does not make the engine declare a GCM suite dead.
# - key_exchange PKCS is set for the TLS_RSA_* and SSL 2.0 suites, whose key exchange is RSA. KB245030's
#   "as the key exchange and authentication algorithms" was written for NT4 SP6, whose suites all used RSA for
#   both; no Microsoft page says whether PKCS Enabled=0 also refuses RSA *authentication* in ECDHE_RSA/DHE_RSA
#   suites, so the table does not claim it. The profiles keep PKCS enabled, so the question decides nothing there
#   (roles/schannel/defaults/main.yml).
_SUITE_ROWS = (
    # name, code, OpenSSL name, protocols, key exchange, cipher, hash, authentication
    ("TLS_AES_256_GCM_SHA384", 0x1302, "TLS_AES_256_GCM_SHA384", _TLS13, None, _AES256, None, "ANY"),
    ("TLS_AES_128_GCM_SHA256", 0x1301, "TLS_AES_128_GCM_SHA256", _TLS13, None, _AES128, None, "ANY"),
    ("TLS_CHACHA20_POLY1305_SHA256", 0x1303, "TLS_CHACHA20_POLY1305_SHA256", _TLS13, None, None, None, "ANY"),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xC02C, "ECDHE-ECDSA-AES256-GCM-SHA384", _TLS12, _ECDH, _AES256,
     None, "ECDSA"),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xC02B, "ECDHE-ECDSA-AES128-GCM-SHA256", _TLS12, _ECDH, _AES128,
     None, "ECDSA"),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", 0xC024, "ECDHE-ECDSA-AES256-SHA384", _TLS12, _ECDH, _AES256,
     "SHA384", "ECDSA"),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", 0xC023, "ECDHE-ECDSA-AES128-SHA256", _TLS12, _ECDH, _AES128,
     "SHA256", "ECDSA"),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", 0xC00A, "ECDHE-ECDSA-AES256-SHA", _TLS10_12, _ECDH, _AES256, "SHA",
     "ECDSA"),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xC009, "ECDHE-ECDSA-AES128-SHA", _TLS10_12, _ECDH, _AES128, "SHA",
     "ECDSA"),
    ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0xC030, "ECDHE-RSA-AES256-GCM-SHA384", _TLS12, _ECDH, _AES256,
     None, "RSA"),
    ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xC02F, "ECDHE-RSA-AES128-GCM-SHA256", _TLS12, _ECDH, _AES128,
     None, "RSA"),
    ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", 0xC028, "ECDHE-RSA-AES256-SHA384", _TLS12, _ECDH, _AES256, "SHA384",
     "RSA"),
    ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", 0xC027, "ECDHE-RSA-AES128-SHA256", _TLS12, _ECDH, _AES128, "SHA256",
     "RSA"),
    ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", 0xC014, "ECDHE-RSA-AES256-SHA", _TLS10_12, _ECDH, _AES256, "SHA", "RSA"),
    ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0xC013, "ECDHE-RSA-AES128-SHA", _TLS10_12, _ECDH, _AES128, "SHA", "RSA"),
    ("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", 0x009F, "DHE-RSA-AES256-GCM-SHA384", _TLS12, _DH, _AES256, None,
     "RSA"),
    ("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", 0x009E, "DHE-RSA-AES128-GCM-SHA256", _TLS12, _DH, _AES128, None,
     "RSA"),
    ("TLS_DHE_RSA_WITH_AES_256_CBC_SHA", 0x0039, "DHE-RSA-AES256-SHA", _TLS10_12, _DH, _AES256, "SHA", "RSA"),
    ("TLS_DHE_RSA_WITH_AES_128_CBC_SHA", 0x0033, "DHE-RSA-AES128-SHA", _TLS10_12, _DH, _AES128, "SHA", "RSA"),
    ("TLS_RSA_WITH_AES_256_GCM_SHA384", 0x009D, "AES256-GCM-SHA384", _TLS12, _PKCS, _AES256, None, "RSA"),
    ("TLS_RSA_WITH_AES_128_GCM_SHA256", 0x009C, "AES128-GCM-SHA256", _TLS12, _PKCS, _AES128, None, "RSA"),
    ("TLS_RSA_WITH_AES_256_CBC_SHA256", 0x003D, "AES256-SHA256", _TLS12, _PKCS, _AES256, "SHA256", "RSA"),
    ("TLS_RSA_WITH_AES_128_CBC_SHA256", 0x003C, "AES128-SHA256", _TLS12, _PKCS, _AES128, "SHA256", "RSA"),
    ("TLS_RSA_WITH_AES_256_CBC_SHA", 0x0035, "AES256-SHA", _TLS10_12, _PKCS, _AES256, "SHA", "RSA"),
    ("TLS_RSA_WITH_AES_128_CBC_SHA", 0x002F, "AES128-SHA", _TLS10_12, _PKCS, _AES128, "SHA", "RSA"),
    ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", 0x000A, "DES-CBC3-SHA", _TLS10_12, _PKCS, _3DES, "SHA", "RSA"),
    ("TLS_RSA_WITH_RC4_128_SHA", 0x0005, "RC4-SHA", _SSL3_TLS12, _PKCS, _RC4_128, "SHA", "RSA"),
    ("TLS_RSA_WITH_RC4_128_MD5", 0x0004, "RC4-MD5", _SSL3_TLS12, _PKCS, _RC4_128, "MD5", "RSA"),
    ("TLS_RSA_WITH_DES_CBC_SHA", 0x0009, "DES-CBC-SHA", _SSL3_TLS12, _PKCS, _DES, "SHA", "RSA"),
    ("TLS_RSA_WITH_NULL_SHA256", 0x003B, "NULL-SHA256", _TLS12, _PKCS, _NULL, "SHA256", "RSA"),
    ("TLS_RSA_WITH_NULL_SHA", 0x0002, "NULL-SHA", _SSL3_TLS12, _PKCS, _NULL, "SHA", "RSA"),
    ("TLS_RSA_WITH_NULL_MD5", 0x0001, "NULL-MD5", _SSL3_TLS12, _PKCS, _NULL, "MD5", "RSA"),
    ("TLS_RSA_EXPORT1024_WITH_RC4_56_SHA", 0x0064, None, _SSL3_TLS12, _PKCS, _RC4_56, "SHA", "RSA"),
    ("TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA", 0x0062, None, _SSL3_TLS12, _PKCS, _DES, "SHA", "RSA"),
    ("TLS_RSA_EXPORT_WITH_RC4_40_MD5", 0x0003, "EXP-RC4-MD5", _SSL3_TLS12, _PKCS, _RC4_40, "MD5", "RSA"),
    ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA256", 0x006A, "DHE-DSS-AES256-SHA256", _TLS12, _DH, _AES256, "SHA256", "DSS"),
    ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA256", 0x0040, "DHE-DSS-AES128-SHA256", _TLS12, _DH, _AES128, "SHA256", "DSS"),
    ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA", 0x0038, "DHE-DSS-AES256-SHA", _TLS10_12, _DH, _AES256, "SHA", "DSS"),
    ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA", 0x0032, "DHE-DSS-AES128-SHA", _TLS10_12, _DH, _AES128, "SHA", "DSS"),
    ("TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", 0x0013, "EDH-DSS-DES-CBC3-SHA", _SSL3_TLS12, _DH, _3DES, "SHA", "DSS"),
    ("TLS_DHE_DSS_WITH_DES_CBC_SHA", 0x0012, "EDH-DSS-DES-CBC-SHA", _SSL3_TLS12, _DH, _DES, "SHA", "DSS"),
    ("TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA", 0x0063, None, _SSL3_TLS12, _DH, _DES, "SHA", "DSS"),
    ("TLS_PSK_WITH_AES_256_GCM_SHA384", 0x00A9, "PSK-AES256-GCM-SHA384", _TLS12, None, _AES256, None, "PSK"),
    ("TLS_PSK_WITH_AES_128_GCM_SHA256", 0x00A8, "PSK-AES128-GCM-SHA256", _TLS12, None, _AES128, None, "PSK"),
    ("TLS_PSK_WITH_AES_256_CBC_SHA384", 0x00AF, "PSK-AES256-CBC-SHA384", _TLS12, None, _AES256, "SHA384", "PSK"),
    ("TLS_PSK_WITH_AES_128_CBC_SHA256", 0x00AE, "PSK-AES128-CBC-SHA256", _TLS12, None, _AES128, "SHA256", "PSK"),
    ("TLS_PSK_WITH_NULL_SHA384", 0x00B1, "PSK-NULL-SHA384", _TLS12, None, _NULL, "SHA384", "PSK"),
    ("TLS_PSK_WITH_NULL_SHA256", 0x00B0, "PSK-NULL-SHA256", _TLS12, None, _NULL, "SHA256", "PSK"),
    ("SSL_CK_RC4_128_WITH_MD5", 0x010080, "RC4-MD5", _SSL2, _PKCS, _RC4_128, "MD5", "RSA"),
    ("SSL_CK_DES_192_EDE3_CBC_WITH_MD5", 0x0700C0, "DES-CBC3-MD5", _SSL2, _PKCS, _3DES, "MD5", "RSA"),
    ("SSL_CK_DES_64_CBC_WITH_MD5", 0x060040, "DES-CBC-MD5", _SSL2, _PKCS, _DES, "MD5", "RSA"),
    ("SSL_CK_RC4_128_EXPORT40_WITH_MD5", 0x020080, "EXP-RC4-MD5", _SSL2, _PKCS, _RC4_40, "MD5", "RSA"),
)

SUITES: dict[str, CipherSuite] = {row[0]: CipherSuite(*row) for row in _SUITE_ROWS}

# Per-OS rows: (Windows name, flags). Flags: "Y"/"N" = "Allowed by SCH_USE_STRONG_CRYPTO" Yes/No;
# a trailing "x" = "Only used when application explicitly requests".
_Row = tuple[str, str]
_OsTable = tuple[tuple[_Row, ...], tuple[_Row, ...], tuple[_Row, ...]]  # enabled, not enabled, PSK (not enabled)

# Windows Server 2008 R2 = "TLS Cipher Suites in Windows 7"
# Source: MicrosoftDocs/win32 desktop-src/SecAuthN/tls-cipher-suites-in-windows-7.md
#   @3c3df8c89c4236915080e87b76460059a68b2651
# (ms.date 05/31/2018; order as changed by update 3042058). The page has no PSK table.
# The Windows 8.1 page (2012 R2, below) lists the same suites, flags and order.
_WIN7_ENABLED: tuple[_Row, ...] = (
    ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P256", "Y"),
    ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384", "Y"),
    ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256_P256", "Y"),
    ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256_P384", "Y"),
    ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA_P256", "Y"),
    ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA_P384", "Y"),
    ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA_P256", "Y"),
    ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA_P384", "Y"),
    ("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "Y"),
    ("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "Y"),
    ("TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "Y"),
    ("TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "Y"),
    ("TLS_RSA_WITH_AES_256_GCM_SHA384", "Y"),
    ("TLS_RSA_WITH_AES_128_GCM_SHA256", "Y"),
    ("TLS_RSA_WITH_AES_256_CBC_SHA256", "Y"),
    ("TLS_RSA_WITH_AES_128_CBC_SHA256", "Y"),
    ("TLS_RSA_WITH_AES_256_CBC_SHA", "Y"),
    ("TLS_RSA_WITH_AES_128_CBC_SHA", "Y"),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384_P384", "Y"),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256_P256", "Y"),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256_P384", "Y"),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384_P384", "Y"),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256_P256", "Y"),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256_P384", "Y"),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA_P256", "Y"),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA_P384", "Y"),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA_P256", "Y"),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA_P384", "Y"),
    ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA256", "Y"),
    ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA256", "Y"),
    ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA", "Y"),
    ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA", "Y"),
    ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "Y"),
    ("TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", "Y"),
    ("TLS_RSA_WITH_RC4_128_SHA", "N"),
    ("TLS_RSA_WITH_RC4_128_MD5", "N"),
    ("TLS_RSA_WITH_NULL_SHA256", "Yx"),
    ("TLS_RSA_WITH_NULL_SHA", "Yx"),
    ("SSL_CK_RC4_128_WITH_MD5", "Nx"),
    ("SSL_CK_DES_192_EDE3_CBC_WITH_MD5", "Yx"),
)
_WIN7_NOT_ENABLED: tuple[_Row, ...] = (
    ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P521", "Y"),
    ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256_P521", "Y"),
    ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA_P521", "Y"),
    ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA_P521", "Y"),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384_P521", "Y"),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256_P521", "Y"),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384_P521", "Y"),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256_P521", "Y"),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA_P521", "Y"),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA_P521", "Y"),
    ("TLS_RSA_WITH_DES_CBC_SHA", "Y"),
    ("TLS_RSA_EXPORT1024_WITH_RC4_56_SHA", "N"),
    ("TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA", "Y"),
    ("TLS_RSA_EXPORT_WITH_RC4_40_MD5", "N"),
    ("TLS_RSA_WITH_NULL_MD5", "Y"),
    ("TLS_DHE_DSS_WITH_DES_CBC_SHA", "Y"),
    ("TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA", "Y"),
    ("SSL_CK_DES_64_CBC_WITH_MD5", "Y"),
    ("SSL_CK_RC4_128_EXPORT40_WITH_MD5", "N"),
)
_WIN7: _OsTable = (_WIN7_ENABLED, _WIN7_NOT_ENABLED, ())

# Windows Server 2012 R2 = "TLS Cipher Suites in Windows 8.1"
# Source: MicrosoftDocs/win32 desktop-src/SecAuthN/tls-cipher-suites-in-windows-8-1.md
#   @0180b6dbcaa133e58745702bf0ebefa871ee151b
# (ms.date 05/31/2018; "updated by ... update 2919355 ... which adds the new cipher suites and changes the
# priority order"). Row for row identical to the Windows 7 page above (same names, flags and order), so the
# rows are shared rather than copied. No PSK table.
_WIN81: _OsTable = (_WIN7_ENABLED, _WIN7_NOT_ENABLED, ())

# Windows 10 1607 and later: the PSK table is identical on the 1607, 1809, Server 2022 and Server 2025 pages.
_PSK: tuple[_Row, ...] = (
    ("TLS_PSK_WITH_AES_256_GCM_SHA384", "Y"),
    ("TLS_PSK_WITH_AES_128_GCM_SHA256", "Y"),
    ("TLS_PSK_WITH_AES_256_CBC_SHA384", "Y"),
    ("TLS_PSK_WITH_AES_128_CBC_SHA256", "Y"),
    ("TLS_PSK_WITH_NULL_SHA384", "N"),
    ("TLS_PSK_WITH_NULL_SHA256", "N"),
)

# Windows Server 2016 = "TLS Cipher Suites in Windows 10 v1607"
# Source: MicrosoftDocs/win32 desktop-src/SecAuthN/tls-cipher-suites-in-windows-10-v1607.md
#   @45a00f1945d029969d3951e6d55d3f1f36d7c004
# (ms.date 05/31/2018: "For Windows 10, version 1607 and Windows Server 2016 ...").
_W1607: _OsTable = (
    (
        ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "Y"),
        ("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "Y"),
        ("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_RSA_WITH_AES_256_GCM_SHA384", "Y"),
        ("TLS_RSA_WITH_AES_128_GCM_SHA256", "Y"),
        ("TLS_RSA_WITH_AES_256_CBC_SHA256", "Y"),
        ("TLS_RSA_WITH_AES_128_CBC_SHA256", "Y"),
        ("TLS_RSA_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_RSA_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "Y"),
        ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA256", "Y"),
        ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA256", "Y"),
        ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", "Y"),
        ("TLS_RSA_WITH_RC4_128_SHA", "N"),
        ("TLS_RSA_WITH_RC4_128_MD5", "N"),
        ("TLS_RSA_WITH_NULL_SHA256", "Nx"),
        ("TLS_RSA_WITH_NULL_SHA", "Nx"),
    ),
    (
        ("TLS_RSA_WITH_DES_CBC_SHA", "N"),
        ("TLS_RSA_EXPORT1024_WITH_RC4_56_SHA", "N"),
        ("TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA", "N"),
        ("TLS_RSA_EXPORT_WITH_RC4_40_MD5", "N"),
        ("TLS_RSA_WITH_NULL_MD5", "Nx"),
        ("TLS_DHE_DSS_WITH_DES_CBC_SHA", "N"),
        ("TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA", "N"),
    ),
    _PSK,
)

# Windows Server 2019 = "TLS Cipher Suites in Windows 10 v1809"
# Source: MicrosoftDocs/win32 desktop-src/SecAuthN/tls-cipher-suites-in-windows-10-v1809.md
#   @2a1e36010e31a541470c0d5e3fe7d5b9afbcc5aa
# (ms.date 10/09/2018). Differences from 1607: DHE_RSA CBC and all DHE_DSS suites moved to "not enabled",
# and RC4 is no longer enabled by default.
_W1809: _OsTable = (
    (
        ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "Y"),
        ("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "Y"),
        ("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_RSA_WITH_AES_256_GCM_SHA384", "Y"),
        ("TLS_RSA_WITH_AES_128_GCM_SHA256", "Y"),
        ("TLS_RSA_WITH_AES_256_CBC_SHA256", "Y"),
        ("TLS_RSA_WITH_AES_128_CBC_SHA256", "Y"),
        ("TLS_RSA_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_RSA_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "Y"),
        ("TLS_RSA_WITH_NULL_SHA256", "Nx"),
        ("TLS_RSA_WITH_NULL_SHA", "Nx"),
    ),
    (
        ("TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA256", "Y"),
        ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA256", "Y"),
        ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", "Y"),
        ("TLS_RSA_WITH_RC4_128_SHA", "N"),
        ("TLS_RSA_WITH_RC4_128_MD5", "N"),
        ("TLS_RSA_WITH_DES_CBC_SHA", "N"),
        ("TLS_DHE_DSS_WITH_DES_CBC_SHA", "N"),
        ("TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA", "N"),
        ("TLS_RSA_WITH_NULL_MD5", "Nx"),
        ("TLS_RSA_EXPORT1024_WITH_RC4_56_SHA", "N"),
        ("TLS_RSA_EXPORT_WITH_RC4_40_MD5", "N"),
        ("TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA", "N"),
    ),
    _PSK,
)

# Windows Server 2022 = "TLS Cipher Suites in Windows Server 2022"
# Source: MicrosoftDocs/win32 desktop-src/SecAuthN/tls-cipher-suites-in-windows-server-2022.md
#   @0c438d8f4f6245cac3daac533a9fd72ea5403b33
# (ms.date 02/16/2021). TLS 1.3 suites first; TLS_CHACHA20_POLY1305_SHA256 supported but not enabled; 3DES no
# longer allowed by SCH_USE_STRONG_CRYPTO. TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 is "No" in that column at @0c438d8f
# but "Yes" since @94fe2fe3 (2022-10-31, "Update tls-cipher-suites-in-windows-server-2022.md") and still at
# @35fe790928ff4329d6d64c5b25099bc1bc9b58b8 (ms.date 08/18/2025), the current page: its value is kept. The page's row
# "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA No TLS 1.2, TLS 1.1, TLS 1.0, SSL 3.0" has its columns run into the
# name cell (a typo in the page); the suite is TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA, strong crypto "No".
_W2022: _OsTable = (
    (
        ("TLS_AES_256_GCM_SHA384", "Y"),
        ("TLS_AES_128_GCM_SHA256", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "Y"),
        ("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "Y"),
        ("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_RSA_WITH_AES_256_GCM_SHA384", "Y"),
        ("TLS_RSA_WITH_AES_128_GCM_SHA256", "Y"),
        ("TLS_RSA_WITH_AES_256_CBC_SHA256", "Y"),
        ("TLS_RSA_WITH_AES_128_CBC_SHA256", "Y"),
        ("TLS_RSA_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_RSA_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "N"),
        ("TLS_RSA_WITH_NULL_SHA256", "Nx"),
        ("TLS_RSA_WITH_NULL_SHA", "Nx"),
    ),
    (
        ("TLS_CHACHA20_POLY1305_SHA256", "Y"),
        ("TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA256", "Y"),
        ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA256", "Y"),
        ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", "N"),
        ("TLS_RSA_WITH_RC4_128_SHA", "N"),
        ("TLS_RSA_WITH_RC4_128_MD5", "N"),
        ("TLS_RSA_WITH_DES_CBC_SHA", "N"),
        ("TLS_DHE_DSS_WITH_DES_CBC_SHA", "N"),
        ("TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA", "N"),
        ("TLS_RSA_WITH_NULL_MD5", "Nx"),
        ("TLS_RSA_EXPORT1024_WITH_RC4_56_SHA", "N"),
        ("TLS_RSA_EXPORT_WITH_RC4_40_MD5", "N"),
        ("TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA", "N"),
    ),
    _PSK,
)

# Windows Server 2025 = "TLS Cipher Suites in Windows Server 2025 and later" (a page of its own exists)
# Source: MicrosoftDocs/win32 desktop-src/SecAuthN/tls-cipher-suites-in-windows-server-2025.md
#   @3630e3685e83afde698680384a45e0e8244d5c68
# (ms.date 08/18/2025). Differences from 2022: DHE_RSA GCM and TLS_RSA_WITH_3DES_EDE_CBC_SHA are no longer
# enabled by default; they head the "not enabled" table.
_W2025: _OsTable = (
    (
        ("TLS_AES_256_GCM_SHA384", "Y"),
        ("TLS_AES_128_GCM_SHA256", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_RSA_WITH_AES_256_GCM_SHA384", "Y"),
        ("TLS_RSA_WITH_AES_128_GCM_SHA256", "Y"),
        ("TLS_RSA_WITH_AES_256_CBC_SHA256", "Y"),
        ("TLS_RSA_WITH_AES_128_CBC_SHA256", "Y"),
        ("TLS_RSA_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_RSA_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_RSA_WITH_NULL_SHA256", "Nx"),
        ("TLS_RSA_WITH_NULL_SHA", "Nx"),
    ),
    (
        ("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "N"),
        ("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "Y"),
        ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "N"),
        ("TLS_CHACHA20_POLY1305_SHA256", "Y"),
        ("TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA256", "Y"),
        ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA256", "Y"),
        ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA", "Y"),
        ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA", "Y"),
        ("TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", "N"),
        ("TLS_RSA_WITH_RC4_128_SHA", "N"),
        ("TLS_RSA_WITH_RC4_128_MD5", "N"),
        ("TLS_RSA_WITH_DES_CBC_SHA", "N"),
        ("TLS_DHE_DSS_WITH_DES_CBC_SHA", "N"),
        ("TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA", "N"),
        ("TLS_RSA_WITH_NULL_MD5", "Nx"),
        ("TLS_RSA_EXPORT1024_WITH_RC4_56_SHA", "N"),
        ("TLS_RSA_EXPORT_WITH_RC4_40_MD5", "N"),
        ("TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA", "N"),
    ),
    _PSK,
)

_OS_TABLES: dict[str, _OsTable] = {
    "2008r2": _WIN7,
    "2012r2": _WIN81,
    "2016": _W1607,
    "2019": _W1809,
    "2022": _W2022,
    "2025": _W2025,
}


def _build(table: _OsTable) -> tuple[OsSuite, ...]:
    enabled, not_enabled, psk = table
    out = []
    for rows, on in ((enabled, True), (not_enabled, False), (psk, False)):
        for windows_name, flags in rows:
            base, curve = split_curve_suffix(windows_name)
            out.append(OsSuite(windows_name, SUITES[base], curve, on, flags[0] == "Y", flags.endswith("x")))
    return tuple(out)


_OS_SUITES: dict[str, tuple[OsSuite, ...]] = {os_key: _build(table) for os_key, table in _OS_TABLES.items()}


def os_suites(os_key: str) -> tuple[OsSuite, ...]:
    """Every suite ``os_key`` supports, enabled-by-default ones first in default priority order.

    Raises KeyError for an unknown OS key (callers validate OS keys through ``catalog.OS_INFO``).
    """
    return _OS_SUITES[os_key]
