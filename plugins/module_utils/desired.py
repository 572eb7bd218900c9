# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Settings -> the registry values Windows expects on one OS version.

What each option writes (HKLM; SCHANNEL = SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL):

- protocols: SCHANNEL\\Protocols\\<name>\\{Server,Client} (per side managed): enabled -> Enabled=1 +
  DisabledByDefault=0; disabled -> Enabled=0 + DisabledByDefault=1; default -> both values absent.
  Source: AD FS Manage-SSL-Protocols-in-AD-FS.md; TRS @0370b00e; SChannelDsc 1.5.0 writes 1, not 0xffffffff.
- ciphers / hashes / key_exchanges: SCHANNEL\\{Ciphers,Hashes,KeyExchangeAlgorithms}\\<key name for the OS>
  Enabled=0xffffffff / 0; default -> absent. Source: KB245030.
- cipher_suites: policy key SSL\\00010002 Functions, REG_SZ, comma-separated, in the OS's spelling
  (suite_order.py); [] -> absent. Source: manage-tls.md @030ee582; IIS Crypto backup
  (BanterBoy/PSNartacIISCrypto RegBackupHOTH.reg).
- ecc_curves: same policy key, EccCurves REG_MULTI_SZ (2016+); [] -> absent. Source: manage-tls.md;
  HardeningKitty finding_list_microsoft_windows_tls.csv @e8bcd1a1 (REG_MULTI_SZ).
- dh_min_key_bits: SCHANNEL\\KeyExchangeAlgorithms\\Diffie-Hellman Server/ClientMinKeyBitLength; default ->
  absent. Source: TRS "KeyExchangeAlgorithm key sizes".
- dotnet_strong_crypto: SchUseStrongCrypto 1/0 under .NETFramework\\v2.0.50727 and v4.0.30319, 64- and
  32-bit views; dotnet_system_default_tls_versions: SystemDefaultTlsVersions 1/0 under the same four keys. Two
  options because they do different things: SchUseStrongCrypto makes .NET pass SCH_USE_STRONG_CRYPTO, which
  drops RC4, SSL 3.0 and (from Server 2022) 3DES for the process (MicrosoftDocs/win32 tls-cipher-suites-in-*.md
  "Allowed by SCH_USE_STRONG_CRYPTO"; microsoft/referencesource ServicePointManager.cs), while
  SystemDefaultTlsVersions lets .NET use the protocols the OS allows, TLS 1.2 included (dotnet/docs
  docs/framework/network-programming/tls.md). Source for the keys: SChannelDsc TLS12State
  (DSC_SChannelSettings.psm1 @b918a682), which sets both.
- winhttp_secure_protocols: WinHttp DefaultSecureProtocols bitmask, both views; [] -> absent. Source: Hass v1.10,
  SChannelDsc WinHttpDefaultSecureProtocols.
- dotnet_*, fips_algorithm_policy: ``default`` -> the values absent.
- fips_algorithm_policy: Lsa\\FipsAlgorithmPolicy Enabled 1/0. Source: TRS; SChannelDsc EnableFIPSAlgorithmPolicy.

What an OS does not have is skipped with a warning and nothing is written for it:

| code | when |
| --- | --- |
| protocol-unsupported | a protocol the OS lacks is *enabled* (TLS 1.3 before 2022, DTLS 1.2 before 2016, SSL 2.0 |
|  | on 2016+), or one that came after the OS is *disabled* (TLS 1.3 before 2022, DTLS 1.2 before 2016) |
| algorithm-unsupported | a cipher/hash/key exchange the OS lacks is enabled, or the OS has no key name for it |
| suite-unavailable, suite-duplicate, suites-none-available | see suite_order.py |
| ecc-curves-unsupported | a curve order on 2008 R2 / 2012 R2 (it came with Windows 10 / 2016, manage-tls.md); ``[]`` |
|  | is skipped there silently |
| curve-unavailable | a curve the OS does not support: left out of EccCurves |
| winhttp-protocol-unsupported | a WinHTTP protocol the OS lacks: its flag is left out of the mask |

One error is raised here too, because the value itself cannot exist: suite-order-too-long, the ``Functions``
string in the OS's spelling is over the 1,023 characters the policy list allows (manage-tls.md); nothing is
rendered for ``Functions`` then.

"Enabling TLS 1.3 on earlier versions of Windows is not a safe system configuration"
(protocols-in-tls-ssl--schannel-ssp-.md). A protocol that came *after* the OS (TLS 1.3 before 2022, DTLS 1.2
before 2016) is not written when disabled either, with the same warning code: IIS Crypto marks its TLS 1.3
items ``minimumOSVersion="Windows2022"`` and skips them on older versions (IIS Crypto 3.3/4.x user templates),
and a disabled TLS 1.3 key left on 2019 would silently turn TLS 1.3 off after an in-place upgrade to 2022.
``default`` still deletes our values there (clean-up of what earlier runs wrote). *Disabling* (or resetting) a
protocol the OS has *removed* (SSL 2.0 from 2016 on) is still written, without a warning: Schannel ignores the
key, compliance scanners look for it (STIG IIST-SV-000153 wants SSL 2.0 Server Enabled=0 on IIS 10 hosts), and
IIS Crypto writes it too.
"""

from __future__ import annotations

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import ERROR, WARNING, Finding
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import (
    REG_DWORD,
    REG_MULTI_SZ,
    REG_SZ,
    DesiredState,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import (
    ALGORITHM_OPTIONS,
    WINHTTP_FLAGS,
    Settings,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.suite_order import translate_suites

# Source: KB245030 (MicrosoftDocs/SupportArticles-docs@ac19f31e): ciphers/hashes/key exchanges "change the
# Enabled value data to 0xffffffff ... otherwise, change ... to 0x0".
ALGORITHM_ON = 0xFFFFFFFF
# Source: TRS (tls-registry-settings.md @0370b00e, 2023 version): protocol Enabled "1" / "0"; AD FS
# Manage-SSL-Protocols-in-AD-FS.md: enable = Enabled 1 + DisabledByDefault 0, disable = Enabled 0 +
# DisabledByDefault 1. SChannelDsc 1.5.0 CHANGELOG "exclusively uses '1'"; STIG and HealthChecker accept only 0/1.
PROTOCOL_VALUES = {"enabled": (1, 0), "disabled": (0, 1)}

# Source: SChannelDsc@b918a682 DSC_SChannelSettings.psm1 (TLS12State sets both values for v2.0.50727 and
# v4.0.30319 in the 64- and 32-bit views); AD FS Manage-SSL-Protocols-in-AD-FS.md; Hass v1.10
# (ridercz/Scripts@a2fa7230 IIS/_schannel_config.ps1).
DOTNET_KEYS = tuple(
    "SOFTWARE\\%sMicrosoft\\.NETFramework\\%s" % (view, version)
    for view in ("", "Wow6432Node\\")
    for version in ("v2.0.50727", "v4.0.30319")
)
# option -> the value it sets under each of DOTNET_KEYS (dotnet/docs docs/framework/network-programming/tls.md).
DOTNET_VALUES = {
    "dotnet_strong_crypto": "SchUseStrongCrypto",
    "dotnet_system_default_tls_versions": "SystemDefaultTlsVersions",
}
# Source: Hass v1.10 (ridercz/Scripts@a2fa7230 IIS/_schannel_config.ps1), both views; needs KB3140245 on
# 2008 R2, which is not detectable from the registry values alone.
WINHTTP_KEYS = tuple(
    "SOFTWARE\\%sMicrosoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp" % view
    for view in ("", "Wow6432Node\\")
)
WINHTTP_VALUE = "DefaultSecureProtocols"
# Source: TRS (FIPSAlgorithmPolicy, default 0); IIS Crypto backup writes Lsa\FipsAlgorithmPolicy "Enabled".
FIPS_KEY = "SYSTEM\\CurrentControlSet\\Control\\Lsa\\FipsAlgorithmPolicy"
# Source: TRS "KeyExchangeAlgorithm key sizes" (added in Windows 10 1507 / 2016; earlier via Security Advisory
# 3174644): Diffie-Hellman ServerMinKeyBitLength / ClientMinKeyBitLength.
DH_VALUES = {"server": "ServerMinKeyBitLength", "client": "ClientMinKeyBitLength"}


def _protocols(settings: Settings, os_key: str, state: DesiredState, findings: list[Finding]) -> None:
    for name, managed in (settings.protocols or {}).items():
        sides = dict(managed)
        if "enabled" in sides.values() and not catalog.protocol_supported(name, os_key):
            findings.append(
                Finding(
                    WARNING,
                    "protocol-unsupported",
                    settings.field_of("protocols", name),
                    "%s is not available on %s: it cannot be enabled there, so nothing is written for it"
                    % (name, catalog.os_label(os_key)),
                )
            )
            continue
        if "disabled" in sides.values() and catalog.protocol_not_yet_available(name, os_key):
            findings.append(
                Finding(
                    WARNING,
                    "protocol-unsupported",
                    settings.field_of("protocols", name),
                    "%s is not available on %s: nothing is written for it there (IIS Crypto skips it too), so an "
                    "in-place upgrade to a version that has it does not inherit it disabled"
                    % (name, catalog.os_label(os_key)),
                )
            )
            sides = {side: value for side, value in managed.items() if value == "default"}
        for side, value in sides.items():
            key = catalog.protocol_key(name, side)
            if value == "default":
                state.absent(key, "Enabled")
                state.absent(key, "DisabledByDefault")
            else:
                enabled, disabled_by_default = PROTOCOL_VALUES[value]
                state.set(key, "Enabled", REG_DWORD, enabled)
                state.set(key, "DisabledByDefault", REG_DWORD, disabled_by_default)


def _algorithms(settings: Settings, os_key: str, state: DesiredState, findings: list[Finding]) -> None:
    for option, kind in ALGORITHM_OPTIONS:
        for name, value in (getattr(settings, option) or {}).items():
            info = catalog.ALGORITHMS[kind][name]
            if os_key not in info.registry_key or (value == "enabled" and os_key not in info.supported):
                if value != "default":
                    findings.append(
                        Finding(
                            WARNING,
                            "algorithm-unsupported",
                            settings.field_of(option, name),
                            "%s %s is not available on %s: nothing is written for it"
                            % (kind.replace("_", " "), name, catalog.os_label(os_key)),
                        )
                    )
                continue
            # The key name comes from the catalog per OS (e.g. "Triple DES 168" for the IIS Crypto label
            # "Triple DES 168/168", KB245030).
            key = catalog.algorithm_key(kind, name, os_key)
            if value == "default":
                state.absent(key, "Enabled")
            else:
                state.set(key, "Enabled", REG_DWORD, ALGORITHM_ON if value == "enabled" else 0)


def _suites(settings: Settings, os_key: str, state: DesiredState, findings: list[Finding]) -> None:
    if settings.cipher_suites is None:
        return
    if not settings.cipher_suites:
        # [] = remove the policy: the OS default order applies again (IIS Crypto backup restores "Functions"=-).
        state.absent(catalog.SUITE_POLICY_KEY, "Functions")
        return
    order = translate_suites(settings, os_key)
    findings.extend(order.findings)
    if len(order.functions) > catalog.SUITE_FUNCTIONS_MAX_CHARS:
        # "The cipher suite priority list ... is limited to 1,023 characters" (manage-tls.md): a longer value is
        # not rendered at all, so no caller can write it.
        findings.append(
            Finding(
                ERROR,
                "suite-order-too-long",
                "cipher_suites",
                f"the suite order is {len(order.functions):,} characters long as written for "
                f"{catalog.os_label(os_key)}, over the limit of {catalog.SUITE_FUNCTIONS_MAX_CHARS:,} characters "
                "for the cipher suite policy (manage-tls.md): remove suites",
            )
        )
        return
    if order.suites:
        # Source: manage-tls.md — the policy list is REG_SZ in "strict comma delimited format"; SChannelDsc
        # DSC_CipherSuites.psm1 @b918a682 and IIS Crypto (its /backup restores "Functions") write the same value.
        state.set(catalog.SUITE_POLICY_KEY, "Functions", REG_SZ, order.functions)


def _curves(settings: Settings, os_key: str, state: DesiredState, findings: list[Finding]) -> None:
    if settings.ecc_curves is None:
        return
    if not catalog.curve_order_supported(os_key):
        if not settings.ecc_curves:
            # [] removes a policy the OS cannot have: nothing to do and nothing to warn about (every profile
            # governs ecc_curves, most as []).
            return
        findings.append(
            Finding(
                WARNING,
                "ecc-curves-unsupported",
                "ecc_curves",
                "%s has no curve order setting (it came with Windows Server 2016): ecc_curves is skipped there; "
                "on that OS the _P256/_P384/_P521 suffix of each cipher suite picks the curve"
                % catalog.os_label(os_key),
            )
        )
        return
    if not settings.ecc_curves:
        state.absent(catalog.SUITE_POLICY_KEY, "EccCurves")
        return
    curves = []
    for name in settings.ecc_curves:
        if os_key in catalog.ECC_CURVES[name].supported:
            curves.append(name)
        else:
            findings.append(
                Finding(
                    WARNING,
                    "curve-unavailable",
                    settings.field_of("ecc_curves", name),
                    "curve %s is not available on %s: it is left out of the curve order there"
                    % (name, catalog.os_label(os_key)),
                )
            )
    if curves:
        # Source: manage-tls.md (GPO "ECC Curve Order"); policy EccCurves is REG_MULTI_SZ (HardeningKitty
        # finding_list_microsoft_windows_tls.csv @e8bcd1a1).
        state.set(catalog.SUITE_POLICY_KEY, "EccCurves", REG_MULTI_SZ, tuple(curves))


def _dh(settings: Settings, os_key: str, state: DesiredState) -> None:
    key = catalog.algorithm_key("key_exchange", "Diffie-Hellman", os_key)
    for side, bits in (settings.dh_min_key_bits or {}).items():
        state.set(key, DH_VALUES[side], REG_DWORD, bits)
    for side, name in DH_VALUES.items():
        if "dh_min_key_bits.%s" % side in settings.reset:
            state.absent(key, name)


def _dotnet(settings: Settings, state: DesiredState) -> None:
    for option, name in DOTNET_VALUES.items():
        flag = getattr(settings, option)
        for key in DOTNET_KEYS:
            if flag is not None:
                state.set(key, name, REG_DWORD, 1 if flag else 0)
            elif option in settings.reset:
                state.absent(key, name)


def _winhttp(settings: Settings, os_key: str, state: DesiredState, findings: list[Finding]) -> None:
    if settings.winhttp_secure_protocols is None:
        return
    if not settings.winhttp_secure_protocols:
        for key in WINHTTP_KEYS:
            state.absent(key, WINHTTP_VALUE)
        return
    mask = 0
    for name in settings.winhttp_secure_protocols:
        if catalog.protocol_supported(name, os_key):
            mask |= WINHTTP_FLAGS[name]
        else:
            findings.append(
                Finding(
                    WARNING,
                    "winhttp-protocol-unsupported",
                    settings.field_of("winhttp_secure_protocols", name),
                    "%s is not available on %s: its flag is left out of WinHTTP DefaultSecureProtocols there"
                    % (name, catalog.os_label(os_key)),
                )
            )
    if mask:
        for key in WINHTTP_KEYS:
            state.set(key, WINHTTP_VALUE, REG_DWORD, mask)


def _fips(settings: Settings, state: DesiredState) -> None:
    if settings.fips_algorithm_policy is not None:
        state.set(FIPS_KEY, "Enabled", REG_DWORD, 1 if settings.fips_algorithm_policy else 0)
    elif "fips_algorithm_policy" in settings.reset:
        state.absent(FIPS_KEY, "Enabled")


def desired_state(settings: Settings, os_key: str) -> tuple[DesiredState, list[Finding]]:
    """Registry values for ``settings`` on ``os_key``; warnings for what that OS does not have (skipped).

    Raises KeyError for an OS key the catalog does not know.
    """
    if os_key not in catalog.OS_INFO:
        raise KeyError("unknown OS key %r: use one of %s" % (os_key, ", ".join(catalog.OS_KEYS)))
    state = DesiredState()
    findings: list[Finding] = []
    _protocols(settings, os_key, state, findings)
    _algorithms(settings, os_key, state, findings)
    _suites(settings, os_key, state, findings)
    _curves(settings, os_key, state, findings)
    _dh(settings, os_key, state)
    _dotnet(settings, state)
    _winhttp(settings, os_key, state, findings)
    _fips(settings, state)
    return state, findings
