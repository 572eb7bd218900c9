# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one source of truth for Schannel names and per-OS Windows facts.

Names are the SCHANNEL registry key names (``TLS 1.2``, ``Triple DES 168``, ``SHA256``, ``ECDH``); labels other
tools use (IIS Crypto's ``SHA 256``, ``Triple DES 168/168``) are aliases that ``resolve`` maps to the key name.
Cipher suites are keyed by their unsuffixed IANA name; ``os_suites`` gives each OS's own spelling and order, and
``os_suite_variants`` decides how an OS spells a suite someone named (with or without curve suffix).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from ansible_collections.fleetsec.schannel.plugins.module_utils.suites import (
    CURVE_SUFFIXES,
    SUITES,
    CipherSuite,
    OsSuite,
    os_suites,
    split_curve_suffix,
)

__all__ = [
    "ALGORITHMS",
    "CIPHERS",
    "CURVE_SUFFIXES",
    "ECC_CURVES",
    "HASHES",
    "KEY_EXCHANGES",
    "KINDS",
    "OS_INFO",
    "OS_KEYS",
    "PROTOCOLS",
    "SCHANNEL_KEY",
    "SIDES",
    "SUITES",
    "SUITE_FUNCTIONS_MAX_CHARS",
    "SUITE_LOCAL_KEY",
    "SUITE_POLICY_KEY",
    "AlgorithmInfo",
    "CipherSuite",
    "CurveInfo",
    "OsInfo",
    "OsSuite",
    "ProtocolInfo",
    "SideDefaults",
    "UnknownNameError",
    "algorithm_key",
    "curve_for_suffix",
    "curve_order_supported",
    "default_curve_order",
    "default_suite_order",
    "os_key_for",
    "os_label",
    "os_suite_forms",
    "os_suite_names",
    "os_suite_variants",
    "os_suites",
    "protocol_key",
    "protocol_not_yet_available",
    "protocol_supported",
    "resolve",
    "split_curve_suffix",
    "strong_crypto_refuses",
]

# MailStore Server's TLS ports: 8460 (MailStore Client, always TLS; MailStore help "MailStore Server Service
# Configuration"), 8462 (Web Access / Outlook add-in over HTTPS, its usual port), 8463 (Administration API over
# HTTPS; MailStore help "Administration API - Using the API"). The role's schannel_tls_ports says it again.
MAILSTORE_TLS_PORTS: tuple[int, ...] = (8460, 8462, 8463)

# --------------------------------------------------------------------------------------------------------------
# Operating systems. Captions/versions/builds as Win32_OperatingSystem reports them (the 2008 R2 caption really
# ends with a space).

OS_KEYS: tuple[str, ...] = ("2008r2", "2012r2", "2016", "2019", "2022", "2025")


@dataclass(frozen=True)
class OsInfo:
    key: str
    caption: str
    version: str
    build: int
    label: str


OS_INFO: dict[str, OsInfo] = {
    "2008r2": OsInfo("2008r2", "Microsoft Windows Server 2008 R2 Standard ", "6.1.7601", 7601,
                     "Windows Server 2008 R2"),
    "2012r2": OsInfo("2012r2", "Microsoft Windows Server 2012 R2 Standard", "6.3.9600", 9600,
                     "Windows Server 2012 R2"),
    "2016": OsInfo("2016", "Microsoft Windows Server 2016 Standard", "10.0.14393", 14393, "Windows Server 2016"),
    "2019": OsInfo("2019", "Microsoft Windows Server 2019 Standard", "10.0.17763", 17763, "Windows Server 2019"),
    "2022": OsInfo("2022", "Microsoft Windows Server 2022 Standard", "10.0.20348", 20348, "Windows Server 2022"),
    "2025": OsInfo("2025", "Microsoft Windows Server 2025 Standard", "10.0.26100", 26100, "Windows Server 2025"),
}

# 6.x kernels are told apart by major.minor alone; all 10.0 servers by build number.
_BY_MAJOR_MINOR = {(6, 1): "2008r2", (6, 3): "2012r2"}
_BY_BUILD_10 = {info.build: key for key, info in OS_INFO.items() if info.version.startswith("10.")}


def os_key_for(version: str, build: int | None = None) -> str:
    """OS key for a Win32_OperatingSystem ``Version`` ("10.0.17763") and optional ``BuildNumber``.

    Raises ValueError for versions outside the supported set (e.g. 6.2 = Server 2012, or a Windows 10 client
    build), naming the supported ones.
    """
    parts = str(version).strip().split(".")
    try:
        major, minor = int(parts[0]), int(parts[1])
        if build is None and len(parts) > 2:
            build = int(parts[2])
    except (IndexError, ValueError):
        raise ValueError("cannot parse Windows version %r (expected e.g. '10.0.17763')" % (version,)) from None
    key = _BY_MAJOR_MINOR.get((major, minor))
    if key is None and (major, minor) == (10, 0) and build is not None:
        key = _BY_BUILD_10.get(int(build))
    if key is None:
        supported = ", ".join("%s (%s)" % (i.label, i.version) for i in OS_INFO.values())
        shown = version if build is None else "%s build %s" % (version, build)
        raise ValueError("unsupported Windows version %s; supported: %s" % (shown, supported))
    return key


def os_label(os_key: str) -> str:
    """``"Windows Server 2019"`` for ``"2019"``: how messages name an OS."""
    return OS_INFO[os_key].label


# --------------------------------------------------------------------------------------------------------------
# Registry locations. TRS = "Transport Layer Security (TLS) registry settings", MicrosoftDocs/windowsserverdocs
# WindowsServerDocs/security/tls/tls-registry-settings.md (@0370b00e, @fce32208 and the 04/10/2023 version);
# KB245030 as cited at CIPHERS below; the suite order keys: manage-tls.md (below), SChannelDsc DSC_CipherSuites.

SCHANNEL_KEY = r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL"
# GPO "SSL Cipher Suite Order" / IIS Crypto: REG_SZ, comma separated. Local key: the OS list, REG_MULTI_SZ.
SUITE_POLICY_KEY = r"SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002"
SUITE_LOCAL_KEY = r"SYSTEM\CurrentControlSet\Control\Cryptography\Configuration\Local\SSL\00010002"
# "The cipher suite priority list ... is limited to 1,023 characters" — Source: manage-tls.md
# (MicrosoftDocs/windowsserverdocs@030ee582:WindowsServerDocs/security/tls/manage-tls.md).
SUITE_FUNCTIONS_MAX_CHARS = 1023

# --------------------------------------------------------------------------------------------------------------
# Protocols.


@dataclass(frozen=True)
class SideDefaults:
    """Whether the protocol is enabled by default on the Client / Server side."""

    client: bool
    server: bool


@dataclass(frozen=True)
class ProtocolInfo:
    """A ``Protocols\\<name>`` key. ``defaults[os]`` is None where that OS does not support the protocol.

    ``wire_version`` is the record version (0x0303 = TLS 1.2, 0xFEFD = DTLS 1.2); None for the two pseudo
    protocols, which have no SSL/TLS version number of their own.
    """

    name: str
    aliases: tuple[str, ...]
    wire_version: int | None
    dtls: bool
    defaults: dict[str, SideDefaults | None]


def _defaults(**by_os: tuple[bool, bool] | None) -> dict[str, SideDefaults | None]:
    """Per-OS (client, server) defaults; keyword names are ``o<os_key>``; missing OSes = not supported."""
    out: dict[str, SideDefaults | None] = {}
    for os_key in OS_KEYS:
        pair = by_os.get("o" + os_key)
        out[os_key] = SideDefaults(*pair) if pair is not None else None
    return out


_EN = (True, True)
_DIS = (False, False)
_ALL_EN = {"o" + k: _EN for k in OS_KEYS}

# Key names: TRS, 04/10/2023 version (format "<SSL/TLS/DTLS> <major>.<minor>"); MPUH and PCT 1.0 from IIS Crypto
# templates/backups and SChannelDsc's DSC_Protocol ValueMap (f1cc955f^ DSC_Protocol.schema.mof).
# Defaults per side: "Protocols in TLS/SSL (Schannel SSP)", MicrosoftDocs/win32
# desktop-src/SecAuthN/protocols-in-tls-ssl--schannel-ssp-.md, ms.date 03/20/2025 version (rows up to Server 2025
# and TLS 1.3); its 05/31/2018 version @0180b6dbcaa133e58745702bf0ebefa871ee151b has the same rows up to 1703.
# - MPUH, PCT 1.0: not supported on any OS here (PCT "Not supported" everywhere; MPUH is no protocol of the
#   page: "All versions of Windows will accept a unified format ClientHello"), but valid key names.
# - SSL 2.0: 7/2008 R2 client Disabled, server Enabled; 8.1/2012 R2 both Disabled; from 1607/2016 "SSL 2.0 has
#   been removed and is no longer supported".
# - SSL 3.0: Enabled on 2008 R2 / 2012 R2, Disabled from 1607/2016 on.
# - TLS 1.1/1.2: Disabled on 7/2008 R2 (KB245030: set DisabledByDefault=0 to use them).
# - TLS 1.3: "supported starting in Windows 11 and Windows Server 2022" (Server 2022, Server 2025 rows).
# - DTLS 1.0 from 7/2008 R2, DTLS 1.2 from 1607/2016, Enabled on both sides.
# - TLS 1.0/1.1 stay Enabled on 2025: the 2024 Insider-build deprecation "won't impact in-market operating system
#   versions" (same page; tls-10-11-deprecation-in-windows.md @61d79c6c).
# Aliases: .NET SslProtocols names as SChannelDsc maps them to key names (ConvertTo-TlsProtocolRegistryKeyName.ps1:
# Ssl2 Ssl3 Tls Tls11 Tls12 Tls13, and DTls1 DTls12 from its SChannelSslProtocols enum) and the protocol names
# OpenSSL reports (SSL_get_version: SSLv2, SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3, DTLSv1, DTLSv1.2).
PROTOCOLS: dict[str, ProtocolInfo] = {
    p.name: p
    for p in (
        ProtocolInfo("Multi-Protocol Unified Hello", (), None, False, _defaults()),
        ProtocolInfo("PCT 1.0", (), None, False, _defaults()),
        ProtocolInfo("SSL 2.0", ("Ssl2", "SSLv2"), 0x0002, False,
                     _defaults(o2008r2=(False, True), o2012r2=_DIS)),
        ProtocolInfo("SSL 3.0", ("Ssl3", "SSLv3"), 0x0300, False,
                     _defaults(o2008r2=_EN, o2012r2=_EN, o2016=_DIS, o2019=_DIS, o2022=_DIS, o2025=_DIS)),
        ProtocolInfo("TLS 1.0", ("Tls", "TLSv1"), 0x0301, False, _defaults(**_ALL_EN)),
        ProtocolInfo("TLS 1.1", ("Tls11", "TLSv1.1"), 0x0302, False,
                     _defaults(**dict(_ALL_EN, o2008r2=_DIS))),
        ProtocolInfo("TLS 1.2", ("Tls12", "TLSv1.2"), 0x0303, False,
                     _defaults(**dict(_ALL_EN, o2008r2=_DIS))),
        ProtocolInfo("TLS 1.3", ("Tls13", "TLSv1.3"), 0x0304, False, _defaults(o2022=_EN, o2025=_EN)),
        ProtocolInfo("DTLS 1.0", ("DTls1", "DTLSv1"), 0xFEFF, True, _defaults(**_ALL_EN)),
        ProtocolInfo("DTLS 1.2", ("DTls12", "DTLSv1.2"), 0xFEFD, True,
                     _defaults(o2016=_EN, o2019=_EN, o2022=_EN, o2025=_EN)),
    )
}

SIDES = ("Client", "Server")


def protocol_supported(name: str, os_key: str) -> bool:
    """True when ``os_key`` supports the protocol (name or alias); raises UnknownNameError for unknown names."""
    return PROTOCOLS[resolve("protocol", name)].defaults[os_key] is not None


def protocol_not_yet_available(name: str, os_key: str) -> bool:
    """True when ``os_key`` lacks the protocol but a later OS here has it (TLS 1.3 before 2022, DTLS 1.2 before
    2016): a protocol that came after the OS, unlike one the OS removed (SSL 2.0 from 2016 on)."""
    defaults = PROTOCOLS[resolve("protocol", name)].defaults
    later = OS_KEYS[OS_KEYS.index(os_key) + 1:]
    return defaults[os_key] is None and any(defaults[k] is not None for k in later)


def protocol_key(name: str, side: str) -> str:
    r"""``SCHANNEL\Protocols\<name>\<Client|Server>`` for a protocol name or alias and a side (any case)."""
    sides = {s.casefold(): s for s in SIDES}
    if side.casefold() not in sides:
        raise ValueError("side must be Client or Server, not %r" % (side,))
    return "%s\\Protocols\\%s\\%s" % (SCHANNEL_KEY, resolve("protocol", name), sides[side.casefold()])


# --------------------------------------------------------------------------------------------------------------
# Ciphers, hashes, key exchanges.


@dataclass(frozen=True)
class AlgorithmInfo:
    """A ``Ciphers``/``Hashes``/``KeyExchangeAlgorithms`` subkey.

    ``registry_key[os]`` is the key name to write on that OS (the place where a per-OS spelling would live);
    ``supported`` the OSes for which the key name is documented (KB245030 and TRS list them without OS limits;
    a key no shipped suite uses, like the RC2 ones, is still a valid key).
    """

    name: str
    aliases: tuple[str, ...]
    kind: str
    registry_key: dict[str, str]
    supported: frozenset[str]


_PARENT_KEY = {"cipher": "Ciphers", "hash": "Hashes", "key_exchange": "KeyExchangeAlgorithms"}


def _algorithms(kind: str, names: Iterable[str], aliases: dict[str, tuple[str, ...]] | None = None,
                ) -> dict[str, AlgorithmInfo]:
    aliases = aliases or {}
    return {
        name: AlgorithmInfo(name, aliases.get(name, ()), kind, {k: name for k in OS_KEYS}, frozenset(OS_KEYS))
        for name in names
    }


# Cipher key names: KB245030 (MicrosoftDocs/SupportArticles-docs@ac19f31e:support/windows-server/
# windows-security/restrict-cryptographic-algorithms-protocols-schannel.md) and the IIS Crypto template/backup
# lists (IIS Crypto 3.3/4.x user templates; a real IIS Crypto 3.x /backup .reg file, BanterBoy/PSNartacIISCrypto
# RegBackupHOTH.reg), in IIS Crypto's order.
# 3DES: the key is "Triple DES 168" on every OS here. KB245030: "For the versions of Windows that releases before
# Windows Vista, the key should be Triple DES 168/168"; 2008 R2 .. 2025 are all Vista-derived. Conflicting
# claims: the Hass v1.10 script (ridercz/Scripts@a2fa7230 IIS/_schannel_config.ps1) says Vista and before used
# "168/168"; the deekayen Ansible role (deekayen/ansible-role-schannel@37475f15 tasks/windows/ciphers.yml) writes
# "Triple DES 168/168" on 2008/Windows 7 hosts; Crosse/SchannelGroupPolicy issue #2 fixed its ADMX to
# "Triple DES 168" citing KB245030; IIS Crypto 3.x and SChannelDsc write "Triple DES 168". We follow KB245030
# and accept "Triple DES 168/168" (IIS Crypto 2.x / MailStore wording) as an alias; registry_key is the one
# place to change should an OS ever need the other spelling.
# Not Schannel keys (third-party scripts only, no Microsoft source): "IDEA 128/128", "RC2 64/128", "RC2 56/56".
CIPHERS: dict[str, AlgorithmInfo] = _algorithms(
    "cipher",
    ("NULL", "DES 56/56", "RC2 40/128", "RC2 56/128", "RC2 128/128", "RC4 40/128", "RC4 56/128", "RC4 64/128",
     "RC4 128/128", "Triple DES 168", "AES 128/128", "AES 256/256"),
    {"Triple DES 168": ("Triple DES 168/168",)},
)

# Hash key names have no space (IIS Crypto backup, SChannelDsc DSC_Hash ValueMap, HardeningKitty list
# 0x6d69636b/windows_hardening@e8bcd1a1 lists/finding_list_microsoft_windows_tls.csv); "SHA 256"/"SHA 384"/
# "SHA 512" are IIS Crypto template display labels (IIS Crypto 3.3/4.x user templates). "SHA" is SHA-1.
HASHES: dict[str, AlgorithmInfo] = _algorithms(
    "hash",
    ("MD5", "SHA", "SHA256", "SHA384", "SHA512"),
    {"SHA256": ("SHA 256",), "SHA384": ("SHA 384",), "SHA512": ("SHA 512",)},
)

# Key exchange key names: KB245030 documents PKCS and says it "refers to the RSA as the key
# exchange and authentication algorithms" (hence the alias "RSA"); Diffie-Hellman and ECDH from IIS Crypto
# backups/templates and SChannelDsc's DSC_KeyExchangeAlgorithm ValueMap. No source spells them otherwise.
KEY_EXCHANGES: dict[str, AlgorithmInfo] = _algorithms(
    "key_exchange",
    ("Diffie-Hellman", "PKCS", "ECDH"),
    {"PKCS": ("RSA",)},
)


# kind -> table, for code that handles the three kinds alike.
ALGORITHMS: dict[str, dict[str, AlgorithmInfo]] = {"cipher": CIPHERS, "hash": HASHES, "key_exchange": KEY_EXCHANGES}


# What SCH_USE_STRONG_CRYPTO (the flag .NET passes to Schannel when SchUseStrongCrypto=1) refuses, per OS.
# Ciphers: the "Allowed by SCH_USE_STRONG_CRYPTO" column of MicrosoftDocs/win32 desktop-src/SecAuthN/
# tls-cipher-suites-in-windows-{7,8-1}.md (RC4 filtered; DES, NULL and 3DES still allowed),
# -windows-10-v1607.md / -v1903.md (RC4, DES, export, NULL filtered; 3DES allowed) and
# -windows-server-2022.md / -windows-11.md (3DES "No" as well; MicrosoftDocs/win32 PR #750 "3DES now prohibited by
# USE_STRONG_CRYPTO"). Export suites are RC4/RC2 40/56-bit and fall under the RC4 row or have no suite left.
# Protocols: .NET with SchUseStrongCrypto=1 offers TLS 1.0-1.2 instead of SSL 3.0 + TLS 1.0
# (microsoft/referencesource@1acafe20 System/net/System/Net/ServicePointManager.cs), and SCHANNEL_CRED documents
# the flag as disabling "known weak ... SSL/TLS protocol versions" (SCH_USE_STRONG_CRYPTO, 0x00400000).
_STRONG_RC4 = frozenset({"RC4 40/128", "RC4 56/128", "RC4 64/128", "RC4 128/128"})
_STRONG_10 = _STRONG_RC4 | {"DES 56/56", "NULL"}
_STRONG_CRYPTO_CIPHERS: dict[str, frozenset[str]] = {
    "2008r2": _STRONG_RC4,
    "2012r2": _STRONG_RC4,
    "2016": _STRONG_10,
    "2019": _STRONG_10,
    "2022": _STRONG_10 | {"Triple DES 168"},
    "2025": _STRONG_10 | {"Triple DES 168"},
}
_STRONG_CRYPTO_PROTOCOLS = frozenset({"SSL 2.0", "SSL 3.0"})


def strong_crypto_refuses(os_key: str) -> tuple[frozenset[str], frozenset[str]]:
    """(protocols, ciphers) that a process passing SCH_USE_STRONG_CRYPTO cannot use on ``os_key``, however the
    SCHANNEL keys are set (a .NET process with SchUseStrongCrypto=1, MailStore Server's listener among them)."""
    return _STRONG_CRYPTO_PROTOCOLS, _STRONG_CRYPTO_CIPHERS[os_key]


def algorithm_key(kind: str, name: str, os_key: str) -> str:
    r"""Full key path (``SCHANNEL\Ciphers\AES 128/128``) for a cipher/hash/key_exchange name or alias on an OS."""
    if kind not in _PARENT_KEY:
        raise ValueError("kind must be one of %s, not %r" % (", ".join(_PARENT_KEY), kind))
    info = ALGORITHMS[kind][resolve(kind, name)]
    return "%s\\%s\\%s" % (SCHANNEL_KEY, _PARENT_KEY[kind], info.registry_key[os_key])


# --------------------------------------------------------------------------------------------------------------
# Cipher suites per OS (tables in suites.py).


def os_suite_names(os_key: str, enabled_only: bool = False) -> tuple[str, ...]:
    """The suite names ``os_key`` knows, as it spells them, in default priority order (enabled ones first)."""
    return tuple(s.windows_name for s in os_suites(os_key) if s.enabled_by_default or not enabled_only)


def default_suite_order(os_key: str) -> tuple[str, ...]:
    """The enabled-by-default suites of ``os_key`` in priority order, as that OS spells them.

    Includes the NULL suites the pages list as enabled but "Only used when application explicitly requests"
    (``OsSuite.explicit_only``).
    """
    return os_suite_names(os_key, enabled_only=True)


def os_suite_variants(os_key: str, name: str, curve: str | None = None) -> tuple[OsSuite, ...]:
    """The rows of ``os_key``'s suite table that stand for suite ``name`` (canonical, unsuffixed) with ``curve``.

    This is the one place that decides how an OS spells a suite someone named (suite_order writes what it returns):

    - 2016 and later have no curve-suffixed names ("the elliptic curve suffix is not required and is overridden by
      the new elliptic curve priority order", cipher-suites-in-schannel.md), so ``curve`` is ignored there and the
      one unsuffixed row is returned.
    - 2008 R2 / 2012 R2 with ``curve``: that variant, or nothing when the OS lacks it (Windows 8.1 has
      TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 only as _P384 and _P521).
    - 2008 R2 / 2012 R2 without ``curve`` (an ECDHE suite given unsuffixed): the variants the OS *enables by
      default*, in its default order, i.e. the suite "as Windows would use it". For
      TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 that is _P256, _P384; the _P521 variants are "supported ... but not
      enabled by default" (tls-cipher-suites-in-windows-7.md, -8-1.md), so whoever wants P-521 there names it.
      Should no variant be enabled by default, every supported one is returned (no such suite on these pages).

    () when the OS does not have the suite. Raises KeyError for an unknown OS key.
    """
    variants = [s for s in os_suites(os_key) if s.suite.name == name]
    if not any(v.curve for v in variants):
        return tuple(variants)
    if curve is not None:
        return tuple(v for v in variants if v.curve == curve.upper())
    return tuple(v for v in variants if v.enabled_by_default) or tuple(variants)


def os_suite_forms(os_key: str, name: str) -> tuple[str, ...]:
    """How ``os_key`` spells a suite given by name, with or without curve suffix (rules: ``os_suite_variants``).

    Raises UnknownNameError for names that are no Schannel suite at all.
    """
    base = resolve("suite", name)
    curve = split_curve_suffix(name.strip())[1]
    return tuple(s.windows_name for s in os_suite_variants(os_key, base, curve))


# --------------------------------------------------------------------------------------------------------------
# ECC curves.


@dataclass(frozen=True)
class CurveInfo:
    """An elliptic curve name as Schannel's ``EccCurves`` list / ``certutil -displayEccCurve`` knows it.

    ``iana_group`` is the TLS NamedGroup code point; ``suffix`` the suite suffix that selects the curve on
    2008 R2 / 2012 R2. ``supported`` / ``enabled_by_default``: OS keys.
    """

    name: str
    iana_group: int | None
    suffix: str | None
    supported: frozenset[str]
    enabled_by_default: frozenset[str]


_WIN10 = frozenset({"2016", "2019", "2022", "2025"})
_SUFFIX_OSES = frozenset({"2008r2", "2012r2"})

# Source: "TLS Elliptic Curves in Windows 10 version 1607 and later" (MicrosoftDocs/win32
# desktop-src/SecAuthN/tls-elliptic-curves-in-windows-10-1607-and-later.md
# @064ccf15d1de6ffc3d5ce6f0ece05dacfbab7f7a, ms.date 06/10/2020): enabled in
# this order: curve25519, NistP256, NistP384; supported but not enabled: the rest below, page order. The page
# spells the latter in lower camel case ("nistP521"); names compare case-insensitively (resolve), we keep the
# Nist- capitalisation of the enabled ones throughout. secP192r1/secP256r1/secP384r1/secP521r1 are separate Windows
# names (same curves as NistP192/256/384/521; secP192r1 is listed at @85aabcb3), so SECG names are not aliases of the
# Nist names.
# 2008 R2 / 2012 R2: no curve order setting; curves come only from suite suffixes _P256/_P384/_P521, of which the
# P521 variants are "supported but not enabled by default" (Windows 7 / 8.1 suite pages).
# IANA group codes: RFC 8422 / RFC 4492 (secp*, x25519), RFC 7027 (brainpool); testssl/testssl.sh@9fdf8028
# etc/curves-mapping.txt.
_CURVE_ROWS = (
    # name, IANA group, suite suffix, supported on, enabled by default on
    ("curve25519", 0x001D, None, _WIN10, _WIN10),
    ("NistP256", 0x0017, "P256", _WIN10 | _SUFFIX_OSES, _WIN10 | _SUFFIX_OSES),
    ("NistP384", 0x0018, "P384", _WIN10 | _SUFFIX_OSES, _WIN10 | _SUFFIX_OSES),
    ("brainpoolP256r1", 0x001A, None, _WIN10, frozenset()),
    ("brainpoolP384r1", 0x001B, None, _WIN10, frozenset()),
    ("brainpoolP512r1", 0x001C, None, _WIN10, frozenset()),
    ("NistP192", 0x0013, None, _WIN10, frozenset()),
    ("NistP224", 0x0015, None, _WIN10, frozenset()),
    ("NistP521", 0x0019, "P521", _WIN10 | _SUFFIX_OSES, frozenset()),
    ("secP160k1", 0x000F, None, _WIN10, frozenset()),
    ("secP160r1", 0x0010, None, _WIN10, frozenset()),
    ("secP160r2", 0x0011, None, _WIN10, frozenset()),
    ("secP192k1", 0x0012, None, _WIN10, frozenset()),
    ("secP192r1", 0x0013, None, _WIN10, frozenset()),
    ("secP224k1", 0x0014, None, _WIN10, frozenset()),
    ("secP224r1", 0x0015, None, _WIN10, frozenset()),
    ("secP256k1", 0x0016, None, _WIN10, frozenset()),
    ("secP256r1", 0x0017, None, _WIN10, frozenset()),
    ("secP384r1", 0x0018, None, _WIN10, frozenset()),
    ("secP521r1", 0x0019, None, _WIN10, frozenset()),
)
ECC_CURVES: dict[str, CurveInfo] = {row[0]: CurveInfo(*row) for row in _CURVE_ROWS}


def curve_order_supported(os_key: str) -> bool:
    """Whether ``os_key`` has the ECC curve order setting (Windows 10 1607 / Server 2016 and later)."""
    if os_key not in OS_INFO:
        raise KeyError(os_key)
    return os_key in _WIN10


def default_curve_order(os_key: str) -> tuple[str, ...]:
    """Curves enabled by default on ``os_key`` in priority order (pre-2016: as the default suite order implies)."""
    return tuple(c.name for c in ECC_CURVES.values() if os_key in c.enabled_by_default)


def curve_for_suffix(suffix: str) -> str:
    """``"P384"`` -> ``"NistP384"``; raises KeyError for anything else."""
    for curve in ECC_CURVES.values():
        if curve.suffix is not None and curve.suffix == suffix.upper():
            return curve.name
    raise KeyError(suffix)


# --------------------------------------------------------------------------------------------------------------
# Name resolution.

KINDS = ("protocol", "cipher", "hash", "key_exchange", "suite", "curve")
_KIND_LABEL = {"key_exchange": "key exchange", "suite": "cipher suite", "curve": "ECC curve"}


class UnknownNameError(ValueError):
    """A name that is neither a key name nor an alias of ``kind``; ``suggestions`` are canonical names."""

    def __init__(self, kind: str, name: str, suggestions: Iterable[str] = ()) -> None:
        self.kind = kind
        self.name = name
        self.suggestions: tuple[str, ...] = tuple(suggestions)
        message = "unknown %s '%s'" % (_KIND_LABEL.get(kind, kind), name)
        if self.suggestions:
            quoted = ["'%s'" % s for s in self.suggestions]
            choice = quoted[0] if len(quoted) == 1 else "%s or %s" % (", ".join(quoted[:-1]), quoted[-1])
            message += ": did you mean %s?" % choice
        super().__init__(message)


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def _index(names_with_aliases: Iterable[tuple[str, tuple[str, ...]]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, aliases in names_with_aliases:
        for spelling in (canonical, *aliases):
            index[_norm(spelling)] = canonical
    return index


_INDEX: dict[str, dict[str, str]] = {
    "protocol": _index((p.name, p.aliases) for p in PROTOCOLS.values()),
    "cipher": _index((a.name, a.aliases) for a in CIPHERS.values()),
    "hash": _index((a.name, a.aliases) for a in HASHES.values()),
    "key_exchange": _index((a.name, a.aliases) for a in KEY_EXCHANGES.values()),
    "suite": _index((s, ()) for s in SUITES),
    "curve": _index((c, ()) for c in ECC_CURVES),
}


def _suggest(kind: str, key: str) -> tuple[str, ...]:
    """Canonical names close to ``key``: names that start with it first, else difflib's closest three."""
    index = _INDEX[kind]
    spellings = [s for s in index if s.startswith(key)] if key else []
    if not spellings:
        spellings = difflib.get_close_matches(key, list(index), n=3, cutoff=0.6)
    out = []
    for spelling in spellings:
        if index[spelling] not in out:
            out.append(index[spelling])
    return tuple(out[:3])


def resolve(kind: str, name: str) -> str:
    """Canonical name for a key name or alias of ``kind`` (protocol|cipher|hash|key_exchange|suite|curve).

    Case-insensitive; runs of whitespace count as one space. Suites may carry a ``_P256/_P384/_P521`` curve
    suffix; the unsuffixed base name is returned (``os_suite_forms`` gives an OS's spelling).
    Raises UnknownNameError (a ValueError) with "did you mean" suggestions, ValueError for an unknown kind.
    """
    if kind not in _INDEX:
        raise ValueError("kind must be one of %s, not %r" % (", ".join(KINDS), kind))
    if not isinstance(name, str):
        raise UnknownNameError(kind, str(name))
    key = _norm(name)
    if kind == "suite":
        key = _norm(split_curve_suffix(name.strip())[0])
    found = _INDEX[kind].get(key)
    if found is None:
        raise UnknownNameError(kind, name, _suggest(kind, key))
    return found
