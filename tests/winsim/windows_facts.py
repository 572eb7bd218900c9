"""What each simulated Windows Server version ships and offers: the simulator's own transcription of Microsoft's pages.

The simulator is a witness for the collection, so it keeps its own copy of the Windows facts it models and imports
nothing from the collection. Every table cites the page it comes from; ``tests/unit/test_transcriptions.py``
compares this transcription with the collection's catalog and fails on any difference not listed there with its
resolution.

- Suites per OS (names as the OS spells them, default priority order, "Allowed by SCH_USE_STRONG_CRYPTO", protocol
  versions, "Only used when application explicitly requests"): ``data/windows_suites.json`` ``suite_pages``,
  transcribed row by row from the "TLS Cipher Suites in Windows <version>" pages by ``transcribe.py`` (page path and
  commit in each table's ``source``). Code points and OpenSSL names: ``suite_codes`` (testssl.sh's mapping).
- The Server 2022 page notes that TLS_RSA_WITH_3DES_EDE_CBC_SHA and the two TLS_DHE_RSA GCM suites "are not
  enabled by default in Windows Server 2022 23H2 and later"; the simulated 2022 is build 20348 (21H2, the LTSC
  release), to which the page's enabled table applies as is.
- Which registry keys govern a suite follows from its name (KB245030, "How to restrict the use of certain
  cryptographic algorithms and protocols in Schannel.dll", MicrosoftDocs/SupportArticles-docs
  support/windows-server/windows-security/restrict-cryptographic-algorithms-protocols-schannel.md: each
  ``Ciphers``/``Hashes``/``KeyExchangeAlgorithms`` key disables the suites using that algorithm; ``PKCS`` is RSA key
  exchange). AEAD suites (GCM, TLS 1.3) have no MAC (RFC 5288 section 3, RFC 8446 appendix B.4), so no ``Hashes``
  key governs them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# Registry value types (winnt.h REG_*; MS docs "Registry value types") and HKEY_LOCAL_MACHINE as StdRegProv's
# hDefKey (MS docs "StdRegProv class": HKEY_LOCAL_MACHINE 2147483650 = 0x80000002).
REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD, REG_MULTI_SZ, REG_QWORD = 1, 2, 3, 4, 7, 11
HKLM = 0x80000002

# --- Operating systems ----------------------------------------------------------------------------------------
# Versions/builds: "Operating System Version" (learn.microsoft.com/windows/win32/sysinfo/operating-system-version:
# 6.1 = Server 2008 R2, 6.3 = Server 2012 R2, 10.0 = Server 2016 and later) and "Windows Server release
# information" (learn.microsoft.com/windows/release-health/windows-server-release-info: builds 14393, 17763,
# 20348, 26100; 7601 = 2008 R2 Service Pack 1). Captions as Win32_OperatingSystem.Caption reports them for the
# Standard edition ("Microsoft Windows Server 2008 R2 Standard " ends with a space on a real 2008 R2 host, as WMI
# output quoted in scripts that trim it shows).


@dataclass(frozen=True)
class WindowsVersion:
    key: str
    caption: str
    version: str
    build: int


WINDOWS_VERSIONS: dict[str, WindowsVersion] = {v.key: v for v in (
    WindowsVersion("2008r2", "Microsoft Windows Server 2008 R2 Standard ", "6.1.7601", 7601),
    WindowsVersion("2012r2", "Microsoft Windows Server 2012 R2 Standard", "6.3.9600", 9600),
    WindowsVersion("2016", "Microsoft Windows Server 2016 Standard", "10.0.14393", 14393),
    WindowsVersion("2019", "Microsoft Windows Server 2019 Standard", "10.0.17763", 17763),
    WindowsVersion("2022", "Microsoft Windows Server 2022 Standard", "10.0.20348", 20348),
    WindowsVersion("2025", "Microsoft Windows Server 2025 Standard", "10.0.26100", 26100),
)}
# Windows 10 / Server 2016 and later: curve priority order setting, no curve suffixes
# (MicrosoftDocs/win32 desktop-src/SecAuthN/tls-elliptic-curves-in-windows-10-1607-and-later.md).
WINDOWS_10_FAMILY = frozenset({"2016", "2019", "2022", "2025"})

# --- Registry locations ---------------------------------------------------------------------------------------
# "Transport Layer Security (TLS) registry settings" (MicrosoftDocs/windowsserverdocs
# WindowsServerDocs/security/tls/tls-registry-settings.md) and KB245030 (above).
SCHANNEL_KEY = r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL"
# "Manage Transport Layer Security (TLS)" (MicrosoftDocs/windowsserverdocs WindowsServerDocs/security/tls/
# manage-tls.md): the Group Policy "SSL Cipher Suite Order" writes Functions (comma separated) and "ECC Curve Order"
# EccCurves (multi-string) under the policy key; the OS's own list is the CNG local configuration;
# "The cipher suite priority list ... is limited to 1,023 characters".
SUITE_POLICY_KEY = r"SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002"
SUITE_LOCAL_KEY = r"SYSTEM\CurrentControlSet\Control\Cryptography\Configuration\Local\SSL\00010002"
FUNCTIONS_MAX_CHARS = 1023

# --- Protocols ------------------------------------------------------------------------------------------------
# "Protocols in TLS/SSL (Schannel SSP)", MicrosoftDocs/win32@508eb2ac5350943bcb102a5ecefd9c9a9719942d
# desktop-src/SecAuthN/protocols-in-tls-ssl--schannel-ssp-.md (ms.date 03/20/2025): (client, server) enabled by
# default; a protocol missing from an OS's row is "Not supported" there. Rows: "Windows 7/Windows Server 2008 R2",
# "Windows 8.1/Windows Server 2012 R2", "Windows 10, version 1607/Windows Server 2016 Standard", "Windows 10,
# version 1809/Windows Server 2019", "Windows Server 2022", "Windows Server 2025". Key names as TRS spells them
# ("SSL 3.0", "TLS 1.2", "DTLS 1.2").
_E, _D = (True, True), (False, False)
PROTOCOL_DEFAULTS: dict[str, dict[str, tuple[bool, bool]]] = {
    "2008r2": {"SSL 2.0": (False, True), "SSL 3.0": _E, "TLS 1.0": _E, "TLS 1.1": _D, "TLS 1.2": _D,
               "DTLS 1.0": _E},
    "2012r2": {"SSL 2.0": _D, "SSL 3.0": _E, "TLS 1.0": _E, "TLS 1.1": _E, "TLS 1.2": _E, "DTLS 1.0": _E},
    "2016": {"SSL 3.0": _D, "TLS 1.0": _E, "TLS 1.1": _E, "TLS 1.2": _E, "DTLS 1.0": _E, "DTLS 1.2": _E},
    "2019": {"SSL 3.0": _D, "TLS 1.0": _E, "TLS 1.1": _E, "TLS 1.2": _E, "DTLS 1.0": _E, "DTLS 1.2": _E},
    "2022": {"SSL 3.0": _D, "TLS 1.0": _E, "TLS 1.1": _E, "TLS 1.2": _E, "TLS 1.3": _E, "DTLS 1.0": _E,
             "DTLS 1.2": _E},
    "2025": {"SSL 3.0": _D, "TLS 1.0": _E, "TLS 1.1": _E, "TLS 1.2": _E, "TLS 1.3": _E, "DTLS 1.0": _E,
             "DTLS 1.2": _E},
}
# The stream protocols a TLS listener speaks, ascending (DTLS is datagram-only).
STREAM_PROTOCOLS = ("SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3")

# --- Elliptic curves ------------------------------------------------------------------------------------------
# "TLS Elliptic Curves in Windows 10 version 1607 and later", MicrosoftDocs/win32@85aabcb32ecc444e04519aae583de2236
# 82188e9 desktop-src/SecAuthN/tls-elliptic-curves-in-windows-10-1607-and-later.md: enabled in this order:
# curve25519, NistP256, NistP384; supported, not enabled: the rest, in page order and spelling. TLS group codes:
# RFC 8422 section 5.1.1 / RFC 7027 / IANA TLS Supported Groups.
DEFAULT_CURVES_WIN10 = ("curve25519", "NistP256", "NistP384")
SUPPORTED_CURVES_WIN10 = (*DEFAULT_CURVES_WIN10, "brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1",
                          "nistP192", "nistP224", "nistP521", "secP160k1", "secP160r1", "secP160r2", "secP192k1",
                          "secP192r1", "secP224k1", "secP224r1", "secP256k1", "secP256r1", "secP384r1", "secP521r1")
CURVE_GROUPS = {
    "curve25519": 0x001D, "nistp256": 0x0017, "nistp384": 0x0018, "nistp521": 0x0019, "nistp192": 0x0013,
    "nistp224": 0x0015, "brainpoolp256r1": 0x001A, "brainpoolp384r1": 0x001B, "brainpoolp512r1": 0x001C,
    "secp160k1": 0x000F, "secp160r1": 0x0010, "secp160r2": 0x0011, "secp192k1": 0x0012, "secp192r1": 0x0013,
    "secp224k1": 0x0014, "secp224r1": 0x0015, "secp256k1": 0x0016, "secp256r1": 0x0017, "secp384r1": 0x0018,
    "secp521r1": 0x0019,
}
# Before Windows 10 the curve is the suite string's suffix ("cipher suite strings were appended with the elliptic
# curve to determine the curve priority", same page); the Windows 7 / 8.1 pages use _P256, _P384, _P521.
SUFFIX_CURVES = {"P256": "NistP256", "P384": "NistP384", "P521": "NistP521"}

# --- Suites ---------------------------------------------------------------------------------------------------
# Name parts -> SCHANNEL key names (KB245030): key exchange, cipher; the MAC names the Hashes key.
_KEY_EXCHANGE = {"RSA": "PKCS", "DHE": "Diffie-Hellman", "ECDHE": "ECDH"}
_CIPHERS = (
    ("AES_128", "AES 128/128"), ("AES_256", "AES 256/256"), ("3DES_EDE", "Triple DES 168"),
    ("DES_192_EDE3", "Triple DES 168"), ("RC4_128_EXPORT40", "RC4 40/128"), ("RC4_128", "RC4 128/128"),
    ("RC4_56", "RC4 56/128"), ("RC4_40", "RC4 40/128"), ("DES_64", "DES 56/56"), ("DES_CBC", "DES 56/56"),
    ("CHACHA20", None), ("NULL", "NULL"),
)
_MACS = {"SHA": "SHA", "SHA256": "SHA256", "SHA384": "SHA384", "MD5": "MD5"}


@dataclass(frozen=True)
class WindowsSuite:
    """One row of an OS's suite page, with what the name says about the suite."""

    windows_name: str  # as the OS spells it (curve-suffixed on 2008 R2 / 2012 R2)
    name: str  # IANA name, without curve suffix
    curve: str | None  # "P256" | "P384" | "P521"
    code: int
    openssl_name: str
    protocols: tuple[str, ...]  # page's "TLS/SSL Protocol versions", ascending
    key_exchange: str | None  # KeyExchangeAlgorithms key; None for TLS 1.3 and PSK
    cipher: str | None  # Ciphers key; None for ChaCha20 (no key)
    hash: str | None  # Hashes key of the MAC; None for AEAD suites
    authentication: str  # RSA | ECDSA | DSS | PSK | ANY (TLS 1.3)
    enabled_by_default: bool
    strong_crypto: bool
    explicit_only: bool
    psk: bool


def split_curve(name: str) -> tuple[str, str | None]:
    base, sep, tail = name.rpartition("_")
    return (base, tail) if sep and tail in SUFFIX_CURVES else (name, None)


def _parts(name: str) -> tuple[str | None, str | None, str | None, str]:
    """(key exchange, cipher, hash, authentication) from an IANA suite name."""
    cipher = next((key for token, key in _CIPHERS if f"_{token}" in name), None)
    mac = name.rpartition("_")[2]
    aead = "_GCM_" in name or "CHACHA20_POLY1305" in name
    hash_key = None if aead else _MACS.get(mac)
    if name.startswith("SSL_CK_"):  # SSL 2.0 cipher kinds: RSA key exchange, MD5 MAC
        return "PKCS", cipher, "MD5", "RSA"
    if "_WITH_" not in name:  # TLS 1.3: key exchange and certificate are negotiated separately
        return None, cipher, None, "ANY"
    kx = name[len("TLS_"):name.index("_WITH_")]
    if kx == "PSK":
        return None, cipher, hash_key, "PSK"
    family, _sep, auth = kx.partition("_")
    if family == "RSA":  # RSA, RSA_EXPORT, RSA_EXPORT1024
        auth = "RSA"
    auth = auth.partition("_")[0]  # DSS_EXPORT1024 -> DSS
    return _KEY_EXCHANGE[family], cipher, hash_key, {"DSS": "DSS", "ECDSA": "ECDSA"}.get(auth, "RSA")


@cache
def _data() -> dict:
    return json.loads((Path(__file__).parent / "data" / "windows_suites.json").read_text(encoding="utf-8"))


def suite_page_source(os_key: str) -> str:
    return _data()["suite_pages"][os_key]["source"]


@cache
def os_suites(os_key: str) -> tuple[WindowsSuite, ...]:
    """Every suite of ``os_key``'s page: enabled-by-default ones first, in default priority order."""
    page = _data()["suite_pages"][os_key]
    codes = _data()["suite_codes"]["suites"]
    out = []
    for table in ("enabled", "not_enabled", "psk"):
        for windows_name, strong, protocols, explicit in page[table]:
            name, curve = split_curve(windows_name)
            code, openssl_name = codes[name]
            kx, cipher, hash_key, auth = _parts(name)
            ordered = tuple(p for p in STREAM_PROTOCOLS if p in protocols)
            out.append(WindowsSuite(windows_name, name, curve, code, openssl_name, ordered, kx, cipher, hash_key,
                                    auth, table == "enabled", strong, explicit, table == "psk"))
    return tuple(out)


def default_suite_order(os_key: str) -> list[str]:
    """What a fresh install lists as its cipher suite order: the page's enabled-by-default table."""
    return [s.windows_name for s in os_suites(os_key) if s.enabled_by_default]


def default_curves(os_key: str) -> tuple[str, ...]:
    """Windows 10 family: the page's default curve order; before: the curves of the default suites' suffixes."""
    if os_key in WINDOWS_10_FAMILY:
        return DEFAULT_CURVES_WIN10
    out: list[str] = []
    for suite in os_suites(os_key):
        if suite.enabled_by_default and suite.curve and SUFFIX_CURVES[suite.curve] not in out:
            out.append(SUFFIX_CURVES[suite.curve])
    return tuple(out)
