"""What Schannel offers on a host's TLS listeners, computed from the registry at boot.

Schannel reads its configuration when it starts: suite order and curve order "take effect on the next boot"
(manage-tls.md @030ee582; prioritizing-schannel-cipher-suites.md @0180b6db), and "For the Schannel.dll file to
recognize any changes under the SCHANNEL registry key, you must restart the computer" (KB245030 @ac19f31e). The
simulator therefore computes this view only in ``SimulatedWindows.boot()`` and persists it with the boot state.

Rules (server side only: the listeners are MailStore's .NET SslStream servers using the system defaults):
- Protocol P is offered iff P is supported on the OS (windows_facts.PROTOCOL_DEFAULTS; an unsupported protocol is never
  offered whatever the registry says — "Enabling TLS 1.3 on earlier versions of Windows is not a safe system
  configuration", protocols-in-tls-ssl--schannel-ssp-.md) and, under ``Protocols\\P\\Server``,
  (``Enabled`` present ? Enabled != 0 : OS default) and (``DisabledByDefault`` present ? == 0 : OS default).
  TRS @0370b00e defines three states: enabled, disabled by default (not used unless the application asks for it
  explicitly), disabled; an application using the system defaults (SslStream with SslProtocols.None) never asks,
  so a disabled-by-default protocol is not offered. DTLS and the pseudo protocols (MPUH, PCT) are not TLS listener
  protocols and are ignored.
- Suite order: the policy ``Functions`` (REG_SZ, comma separated, only the first 1,023 characters are read —
  manage-tls.md) if present, else the local ``Functions`` (REG_MULTI_SZ), else the OS default order
  ("Default priority order is overridden when a priority list is configured. Cipher suites not in the priority
  list will not be used." — every "TLS Cipher Suites in Windows X" page). Names the OS does not know are ignored;
  names compare case-insensitively (choice); duplicates count once. A listed suite is used even when it is
  "supported but not enabled by default" (that is how such suites are enabled).
- A suite is kept only if its cipher, hash and key exchange are enabled: ``Ciphers\\X``, ``Hashes\\X``,
  ``KeyExchangeAlgorithms\\X`` ``Enabled`` != 0; absent = enabled, except the NULL cipher ("By default, it is
  turned off", KB245030). A value of another type than REG_DWORD counts as absent (choice).
- NULL-cipher suites are "Only used when application explicitly requests" and PSK suites need
  SCH_USE_PRESHAREDKEY_ONLY (suite pages; windows_facts ``explicit_only`` / ``psk``): never offered here.
- A kept suite is offered on the enabled protocols its OS's page lists for it (windows_facts ``protocols``).
- Curves: on 2016+ the policy ``EccCurves`` (REG_MULTI_SZ) if present, else the OS default order (manage-tls.md;
  tls-elliptic-curves-in-windows-10-1607-and-later.md); unknown names are ignored. On 2008 R2 / 2012 R2 the curves
  are the suffixes of the offered ECDHE suites in order of first appearance (cipher-suites-in-schannel.md: "cipher
  suite strings were appended with the elliptic curve to determine the curve priority"). Without any curve no
  ECDHE suite and no TLS 1.3 suite can be negotiated (choice: Windows has no FFDHE groups in TLS 1.3).
- Renegotiation strict mode: ``SCHANNEL`` ``AllowInsecureRenegoClients`` = 0 (REG_DWORD): "the server allows only
  those clients to which this security update [MS10-049] is applied to set up and renegotiate TLS sessions ... the
  server terminates such requests from the clients" (Microsoft's Exchange TLS guide, "Configure client and server
  TLS renegotiation strict mode"; Exchange 2019 sets it). Absent or another value: compatible mode (choice: the
  guide sets the value to turn strict mode on, and SSL Labs saw IE 8 / XP pass once it allowed insecure clients,
  ssllabs-scan issue 89). legacy_tls.py refuses the hellos strict mode refuses.
- DHE group size: ``KeyExchangeAlgorithms\\Diffie-Hellman`` ``ServerMinKeyBitLength``; default 2048 on 2016+
  (TRS: "server default 2048 if absent", added in Windows 10 1507 / Server 2016), 1024 before (Security Advisory
  3174644 introduced the value on older OSes, as cited by Hass v1.10).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from . import windows_facts as windows
from .registry_store import Registry
from .windows_facts import REG_DWORD, REG_MULTI_SZ, REG_SZ, WindowsSuite

_ALGORITHM_PARENTS = {"cipher": "Ciphers", "hash": "Hashes", "key_exchange": "KeyExchangeAlgorithms"}
DH_KEY = f"{windows.SCHANNEL_KEY}\\KeyExchangeAlgorithms\\Diffie-Hellman"


@dataclass
class OfferedSuite:
    """A suite the listener offers: Windows spelling, IANA name, code point, OpenSSL name and protocols."""

    windows_name: str
    name: str
    code: int
    openssl_name: str | None
    authentication: str
    protocols: list[str]  # protocol key names, ascending


@dataclass
class SchannelView:
    os_key: str
    protocols: list[str]  # offered protocol key names, ascending ("TLS 1.0", "TLS 1.2")
    suites: list[OfferedSuite]  # offered suites in Windows priority order
    curves: list[str]  # Windows curve names in priority order
    dh_bits: int
    order_source: str  # "policy" | "local" | "default"
    dropped: list[dict] = field(default_factory=list)  # [{"suite": name, "reason": text}] listed but not offered
    ignored_names: list[str] = field(default_factory=list)  # order entries the OS does not know
    strict_renegotiation: bool = False  # AllowInsecureRenegoClients = 0 (module docstring)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict) -> SchannelView:
        data = dict(raw)
        data["suites"] = [OfferedSuite(**s) for s in raw["suites"]]
        return cls(**data)


def _dword(reg: Registry, key: str, name: str) -> int | None:
    value = reg.get_value(key, name)
    return value.data if value is not None and value.type == REG_DWORD else None  # type: ignore[return-value]


def _flag(value: int | None, default: bool) -> bool:
    return default if value is None else value != 0


def offered_protocols(reg: Registry, os_key: str) -> list[str]:
    out = []
    for name, (_client, server_default) in windows.PROTOCOL_DEFAULTS[os_key].items():
        if name not in windows.STREAM_PROTOCOLS:
            continue
        key = f"{windows.SCHANNEL_KEY}\\Protocols\\{name}\\Server"
        enabled = _flag(_dword(reg, key, "Enabled"), server_default)
        dbd = _dword(reg, key, "DisabledByDefault")
        not_disabled_by_default = server_default if dbd is None else dbd == 0
        if enabled and not_disabled_by_default:
            out.append(name)
    return sorted(out, key=windows.STREAM_PROTOCOLS.index)


def _algorithm_enabled(reg: Registry, kind: str, name: str | None) -> bool:
    if name is None:  # no registry key governs this part of the suite (windows_facts module docstring)
        return True
    key = f"{windows.SCHANNEL_KEY}\\{_ALGORITHM_PARENTS[kind]}\\{name}"
    return _flag(_dword(reg, key, "Enabled"), default=name != "NULL")


def suite_order(reg: Registry, os_key: str) -> tuple[list[str], str]:
    """The configured priority list (raw names) and where it came from."""
    policy = reg.get_value(windows.SUITE_POLICY_KEY, "Functions")
    if policy is not None and policy.type == REG_SZ:
        return str(policy.data)[: windows.FUNCTIONS_MAX_CHARS].split(","), "policy"
    local = reg.get_value(windows.SUITE_LOCAL_KEY, "Functions")
    if local is not None and local.type == REG_MULTI_SZ:
        return [str(n) for n in local.data], "local"  # type: ignore[union-attr]
    return windows.default_suite_order(os_key), "default"


def _curves(reg: Registry, os_key: str, suites: list[tuple[WindowsSuite, list[str]]]) -> list[str]:
    if os_key in windows.WINDOWS_10_FAMILY:
        by_fold = {c.casefold(): c for c in windows.SUPPORTED_CURVES_WIN10}
        policy = reg.get_value(windows.SUITE_POLICY_KEY, "EccCurves")
        if policy is None or policy.type != REG_MULTI_SZ:
            return list(windows.DEFAULT_CURVES_WIN10)
        out: list[str] = []
        for name in policy.data:  # type: ignore[union-attr]
            curve = by_fold.get(str(name).casefold())
            if curve is not None and curve not in out:
                out.append(curve)
        return out
    out = []
    for os_suite, _ignored in suites:
        if os_suite.curve is not None:
            curve = windows.SUFFIX_CURVES[os_suite.curve]
            if curve not in out:
                out.append(curve)
    return out


def compute_view(reg: Registry, os_key: str) -> SchannelView:
    """The effective server-side Schannel configuration of ``reg`` on ``os_key`` (rules: module docstring)."""
    protocols = offered_protocols(reg, os_key)
    names, source = suite_order(reg, os_key)
    known = {s.windows_name.casefold(): s for s in windows.os_suites(os_key)}
    seen: set[str] = set()
    ignored: list[str] = []
    dropped: list[dict] = []
    kept = []
    for raw in names:
        os_suite = known.get(raw.casefold())
        if os_suite is None:
            if raw:
                ignored.append(raw)
            continue
        if os_suite.windows_name in seen:
            continue
        seen.add(os_suite.windows_name)
        suite = os_suite
        reason = None
        if os_suite.explicit_only:
            reason = "only used when the application explicitly requests it"
        elif suite.psk:
            reason = "PSK suites need SCH_USE_PRESHAREDKEY_ONLY"
        else:
            for kind, algorithm in (("cipher", suite.cipher), ("hash", suite.hash),
                                    ("key_exchange", suite.key_exchange)):
                if not _algorithm_enabled(reg, kind, algorithm):
                    reason = f"{kind.replace('_', ' ')} {algorithm} disabled"
                    break
        suite_protocols = [p for p in protocols if p in suite.protocols]
        if reason is None and not suite_protocols:
            reason = "none of its protocols is enabled"
        if reason is not None:
            dropped.append({"suite": os_suite.windows_name, "reason": reason})
        else:
            kept.append((os_suite, suite_protocols))
    curves = _curves(reg, os_key, kept)
    offered = []
    for os_suite, suite_protocols in kept:
        suite = os_suite
        if not curves and (suite.key_exchange == "ECDH" or "TLS 1.3" in suite.protocols):
            dropped.append({"suite": os_suite.windows_name, "reason": "no ECC curve enabled"})
            continue
        offered.append(OfferedSuite(os_suite.windows_name, suite.name, suite.code, suite.openssl_name,
                                    suite.authentication, suite_protocols))
    dh_default = 2048 if os_key in windows.WINDOWS_10_FAMILY else 1024  # 2016+ vs before (module docstring)
    dh_bits = _dword(reg, DH_KEY, "ServerMinKeyBitLength") or dh_default
    strict = _dword(reg, windows.SCHANNEL_KEY, "AllowInsecureRenegoClients") == 0
    return SchannelView(os_key, protocols, offered, curves, dh_bits, source, dropped, ignored, strict)


# SCH_USE_STRONG_CRYPTO (SCHANNEL_CRED: "disables known weak cryptographic algorithms, cipher suites, and SSL/TLS
# protocol versions"). Suites: the "Allowed by SCH_USE_STRONG_CRYPTO" column of the OS's own suite page
# (windows_facts: RC4 on 2008 R2 / 2012 R2; RC4, DES, export and NULL on Windows 10 / 2016+; 3DES too on 2022 and
# 2025). Protocols: a .NET app with strong crypto "uses more secure network protocols (TLS 1.2, TLS 1.1, and TLS
# 1.0) and blocks protocols that are not secure" (dotnet/docs@0354eda3 docs/framework/network-programming/tls.md,
# "SchUseStrongCrypto"), so SSL 2.0 and SSL 3.0 are not offered.
_WEAK_PROTOCOLS = frozenset({"SSL 2.0", "SSL 3.0"})


def strong_crypto_view(view: SchannelView) -> SchannelView:
    """``view`` as a listener that passes SCH_USE_STRONG_CRYPTO serves it."""
    allowed = {s.windows_name for s in windows.os_suites(view.os_key) if s.strong_crypto}
    protocols = [p for p in view.protocols if p not in _WEAK_PROTOCOLS]
    suites: list[OfferedSuite] = []
    dropped = list(view.dropped)
    for suite in view.suites:
        on = [p for p in suite.protocols if p in protocols]
        if suite.windows_name not in allowed:
            dropped.append({"suite": suite.windows_name, "reason": "not allowed by SCH_USE_STRONG_CRYPTO"})
        elif not on:
            dropped.append({"suite": suite.windows_name, "reason": "none of its protocols is allowed by "
                                                                   "SCH_USE_STRONG_CRYPTO"})
        else:
            suites.append(OfferedSuite(suite.windows_name, suite.name, suite.code, suite.openssl_name,
                                       suite.authentication, on))
    return SchannelView(view.os_key, protocols, suites, list(view.curves), view.dh_bits, view.order_source, dropped,
                        list(view.ignored_names), view.strict_renegotiation)
