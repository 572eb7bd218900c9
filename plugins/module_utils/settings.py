# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed, normalised win_schannel settings parsed from the raw option dict (OS-independent).

``parse_settings`` checks names and shapes only; whether the settings make sense for one Windows version is
``consistency.check_settings``'s job. Every problem is a Finding whose ``field`` is the option path as the user
wrote it (``protocols.TLS1.2.server``, ``cipher_suites[2]``) and whose message says how to fix it.

Rules (codes are stable):

| code | severity | when |
| --- | --- | --- |
| unknown-option | error | an option key that win_schannel does not have (with "did you mean") |
| wrong-type | error | an option or entry of the wrong shape (list instead of mapping, string instead of list, ...) |
| bad-state | error | a state other than enabled/disabled/default (true/false/default for the .NET and FIPS switches) |
| unknown-name | error | a protocol, cipher, hash, key exchange, suite or curve the catalog lacks ("did you mean") |
| duplicate-name | error | the same thing twice once aliases (IIS Crypto labels) are mapped to registry names |
| bad-side | error | a side other than server/client |
| empty-list | error | ``protocol_sides: []`` (nothing to apply protocols to) |
| bad-key-size | error | a ``dh_min_key_bits`` size other than 1024/2048/3072/4096 (or ``default``) |
| bad-curve-suffix | error | a ``_P256/_P384/_P521`` suffix on a suite without ECDHE |
| bad-winhttp-protocol | error | a protocol WinHTTP's DefaultSecureProtocols has no flag for |

Why these are errors: each one makes the intended registry state unknowable, so nothing may be written.

An option left out is not managed: win_schannel used on its own changes only what a task names. A profile or
template is different: it governs every option a profile may govern (each option of ``POLICY_OPTIONS``, each
catalog entry of the protocol and algorithm mappings, each side), and ``complete`` fills what it leaves out with
``default`` ("remove any policy so the OS default applies"), so that switching from any profile to any other
leaves nothing of the previous one behind. ``default`` is spelled per option: the state ``default`` for protocols,
ciphers, hashes and key exchanges (per side for protocols), ``[]`` for the lists (cipher_suites, ecc_curves,
winhttp_secure_protocols), ``default`` for each side of dh_min_key_bits and for the switches dotnet_strong_crypto,
dotnet_system_default_tls_versions and fips_algorithm_policy.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import ERROR, Finding

STATES = ("enabled", "disabled", "default")
SIDES = ("server", "client")

# Source: SChannelDsc SChannelSettings DiffieHellmanMin{Client,Server}KeySize ValueMap {1024, 2048, 3072, 4096}
# (SChannelDsc@b918a682); TRS "KeyExchangeAlgorithm key sizes".
DH_KEY_SIZES = (1024, 2048, 3072, 4096)

# WinHTTP DefaultSecureProtocols flags (Hass v1.10, ridercz/Scripts@a2fa7230 IIS/_schannel_config.ps1; SChannelDsc
# WinHttpDefaultSecureProtocols 8/32/128/512/2048; TLS 1.3 = WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3 0x2000).
WINHTTP_FLAGS = {
    "SSL 2.0": 0x8,
    "SSL 3.0": 0x20,
    "TLS 1.0": 0x80,
    "TLS 1.1": 0x200,
    "TLS 1.2": 0x800,
    "TLS 1.3": 0x2000,
}

DEFAULT = "default"


@dataclass(frozen=True)
class PolicyOption:
    """One win_schannel policy option: the one list the argument specs, win_schannel_info's choices, the report's
    columns and tls_scan's expectation are derived from.

    ``spec`` is its Ansible argument spec (the outer type only: this module checks the rest and names the field);
    ``label`` heads its column in the fleet report (None: no column of its own); ``listener``: it decides what a
    TLS listener offers, so tls_scan reads it (the others are accepted and not read).
    """

    name: str
    spec: dict
    label: str | None
    listener: bool


_STATE_MAP = {"type": "dict"}
POLICY: tuple[PolicyOption, ...] = (
    PolicyOption("protocols", _STATE_MAP, "Protocols", True),
    PolicyOption("protocol_sides", {"type": "list", "elements": "str", "choices": ["server", "client"]}, None, True),
    PolicyOption("ciphers", _STATE_MAP, "Ciphers", True),
    PolicyOption("hashes", _STATE_MAP, "Hashes", True),
    PolicyOption("key_exchanges", _STATE_MAP, "Key exchanges", True),
    PolicyOption("cipher_suites", {"type": "list", "elements": "str"}, "Suite order", True),
    PolicyOption("ecc_curves", {"type": "list", "elements": "str"}, "Curve order", True),
    PolicyOption("dh_min_key_bits", {"type": "raw"}, "DH minimum", True),
    PolicyOption("dotnet_strong_crypto", {"type": "raw"}, ".NET strong crypto", True),
    PolicyOption("dotnet_system_default_tls_versions", {"type": "raw"}, ".NET system TLS", False),
    PolicyOption("winhttp_secure_protocols", {"type": "list", "elements": "str"}, "WinHTTP", False),
    PolicyOption("fips_algorithm_policy", {"type": "raw"}, "FIPS policy", False),
)
POLICY_OPTIONS = tuple(option.name for option in POLICY)
# win_schannel options that steer the module, not the registry: accepted and ignored here so that the
# action plugin can hand over its arguments unchanged.
MODULE_OPTIONS = ("backup", "backup_dir", "allow_lockout")

# option -> catalog kind of the three enabled|disabled|default mappings.
ALGORITHM_OPTIONS = (("ciphers", "cipher"), ("hashes", "hash"), ("key_exchanges", "key_exchange"))
_KIND_LABEL = {
    "protocol": "protocol",
    "cipher": "cipher",
    "hash": "hash",
    "key_exchange": "key exchange",
    "suite": "cipher suite",
    "curve": "curve",
}


@dataclass(frozen=True)
class SuiteRef:
    """One ``cipher_suites`` entry: canonical unsuffixed suite name plus the curve suffix, if one was given."""

    name: str
    curve: str | None
    given: str

    @property
    def spelled(self) -> str:
        """The name with its suffix as normalised (``TLS_..._SHA384_P384``)."""
        return "%s_%s" % (self.name, self.curve) if self.curve else self.name


@dataclass
class Settings:
    """Normalised settings. ``None`` = option not managed (unless named in ``reset``: its policy is removed).

    ``protocols`` maps the protocol's registry key name to the sides it manages, each with its state; a plain
    state in the options is expanded to ``protocol_sides`` here, a ``{server: ..., client: ...}`` mapping manages
    exactly the sides it names.
    """

    protocols: dict[str, dict[str, str]] | None = None
    protocol_sides: tuple[str, ...] = SIDES
    ciphers: dict[str, str] | None = None
    hashes: dict[str, str] | None = None
    key_exchanges: dict[str, str] | None = None
    cipher_suites: tuple[SuiteRef, ...] | None = None
    ecc_curves: tuple[str, ...] | None = None
    dh_min_key_bits: dict[str, int] | None = None
    dotnet_strong_crypto: bool | None = None
    dotnet_system_default_tls_versions: bool | None = None
    winhttp_secure_protocols: tuple[str, ...] | None = None
    fips_algorithm_policy: bool | None = None
    # Options set to ``default`` whose typed field above stays None: "dotnet_strong_crypto",
    # "dotnet_system_default_tls_versions", "fips_algorithm_policy", "dh_min_key_bits.server"/".client".
    # desired_state removes their values; every reader of the typed fields sees the OS default as before.
    reset: frozenset[str] = frozenset()
    # field path of each normalised entry as the user wrote it, for findings raised later (consistency, desired)
    fields: dict[tuple[str, str], str] = field(default_factory=dict, compare=False, repr=False)

    def field_of(self, option: str, name: str) -> str:
        """The option path the user wrote for ``name`` under ``option`` (falls back to the canonical name)."""
        return self.fields.get((option, name), "%s.%s" % (option, name))


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean (%s)" % ("true" if value else "false")
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, str):
        return "the string '%s'" % value
    if isinstance(value, (int, float)):
        return "the number %s" % value
    return "a %s" % type(value).__name__


class _Parser:
    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.fields: dict[tuple[str, str], str] = {}
        self.reset: set[str] = set()

    def error(self, code: str, path: str, message: str) -> None:
        self.findings.append(Finding(ERROR, code, path, message))

    def resolve(self, kind: str, name: Any, path: str) -> str | None:
        if not isinstance(name, str):
            self.error("wrong-type", path, "%s names must be strings, got %s" % (_KIND_LABEL[kind], _type_name(name)))
            return None
        try:
            return catalog.resolve(kind, name)
        except catalog.UnknownNameError as exc:
            self.error("unknown-name", path, str(exc))
            return None

    def state(self, value: Any, path: str) -> str | None:
        if isinstance(value, str) and value.casefold() in STATES:
            return value.casefold()
        hint = ""
        if isinstance(value, str):
            close = difflib.get_close_matches(value.casefold(), STATES, n=1, cutoff=0.5)
            if close:
                hint = "; did you mean '%s'?" % close[0]
        message = "%s is not a state: use enabled, disabled or default%s" % (_type_name(value), hint)
        self.error("bad-state", path, message)
        return None

    def bad_side(self, path: str, value: Any) -> None:
        self.error("bad-side", path, "%s is not a side: use server or client" % _type_name(value))

    def duplicate(self, canonical: str, path: str, first_path: str, label: str) -> None:
        self.error(
            "duplicate-name",
            path,
            "names the same %s as %s ('%s'): give each %s once" % (label, first_path, canonical, label),
        )

    # -- options ------------------------------------------------------------------------------------

    def sides(self, raw: Any) -> tuple[str, ...]:
        if not isinstance(raw, (list, tuple)):
            message = "must be a list of server and/or client, got %s" % _type_name(raw)
            self.error("wrong-type", "protocol_sides", message)
            return SIDES
        if not raw:
            self.error("empty-list", "protocol_sides", "is empty: list server and/or client, or leave it out")
            return SIDES
        sides: list[str] = []
        for i, entry in enumerate(raw):
            path = "protocol_sides[%d]" % i
            side = entry.casefold() if isinstance(entry, str) else None
            if side not in SIDES:
                self.bad_side(path, entry)
            elif side in sides:
                self.error("duplicate-name", path, "'%s' is listed twice: give each side once" % side)
            else:
                sides.append(side)
        return tuple(sides) or SIDES

    def protocols(self, raw: Any, sides: tuple[str, ...]) -> dict[str, dict[str, str]] | None:
        if not isinstance(raw, Mapping):
            self.error(
                "wrong-type",
                "protocols",
                "must be a mapping of protocol name to enabled|disabled|default (or to {server: <state>, "
                "client: <state>}), e.g. {'TLS 1.2': enabled}; got %s" % _type_name(raw),
            )
            return None
        result: dict[str, dict[str, str]] = {}
        first: dict[str, str] = {}
        for given, value in raw.items():
            path = "protocols.%s" % given
            name = self.resolve("protocol", given, path)
            if name is None:
                continue
            if name in first:
                self.duplicate(name, path, first[name], "protocol")
                continue
            first[name] = path
            self.fields[("protocols", name)] = path
            per_side: dict[str, str] = {}
            if isinstance(value, Mapping):
                if not value:
                    self.error("wrong-type", path, "is an empty mapping: give server and/or client with a state")
                for side_given, side_value in value.items():
                    side_path = "%s.%s" % (path, side_given)
                    side = side_given.casefold() if isinstance(side_given, str) else None
                    if side not in SIDES:
                        self.bad_side(side_path, side_given)
                        continue
                    if side in per_side:
                        self.error("duplicate-name", side_path, "side '%s' is given twice: give it once" % side)
                        continue
                    state = self.state(side_value, side_path)
                    if state is not None:
                        per_side[side] = state
            else:
                state = self.state(value, path)
                if state is not None:
                    per_side = {side: state for side in sides}
            if per_side:
                result[name] = per_side
        return result

    def algorithms(self, option: str, kind: str, raw: Any) -> dict[str, str] | None:
        label = _KIND_LABEL[kind]
        if not isinstance(raw, Mapping):
            self.error(
                "wrong-type",
                option,
                "must be a mapping of %s name to enabled|disabled|default; got %s" % (label, _type_name(raw)),
            )
            return None
        result: dict[str, str] = {}
        first: dict[str, str] = {}
        for given, value in raw.items():
            path = "%s.%s" % (option, given)
            name = self.resolve(kind, given, path)
            state = self.state(value, path)
            if name is None:
                continue
            if name in first:
                self.duplicate(name, path, first[name], label)
                continue
            first[name] = path
            self.fields[(option, name)] = path
            if state is not None:
                result[name] = state
        return result

    def string_list(self, option: str, raw: Any, what: str) -> list[tuple[str, str]] | None:
        """(path, entry) pairs of a list of strings; None (with an error) when it is not one."""
        if isinstance(raw, str) or not isinstance(raw, (list, tuple)):
            self.error("wrong-type", option, "must be a list of %ss (strings), got %s" % (what, _type_name(raw)))
            return None
        entries: list[tuple[str, str]] = []
        for i, entry in enumerate(raw):
            path = "%s[%d]" % (option, i)
            if isinstance(entry, str):
                entries.append((path, entry.strip()))
            else:
                message = "must be a %s (a string), got %s" % (what, _type_name(entry))
                self.error("wrong-type", path, message)
        return entries

    def suites(self, raw: Any) -> tuple[SuiteRef, ...] | None:
        entries = self.string_list("cipher_suites", raw, "cipher suite name")
        if entries is None:
            return None
        result: list[SuiteRef] = []
        first: dict[str, str] = {}
        for path, given in entries:
            name = self.resolve("suite", given, path)  # the catalog strips a curve suffix itself
            curve = catalog.split_curve_suffix(given)[1]
            if name is None:
                continue
            curve = curve.upper() if curve else None
            if curve and catalog.SUITES[name].key_exchange != "ECDH":
                self.error(
                    "bad-curve-suffix",
                    path,
                    "'%s' is not an ECDHE suite, so it has no curve variants: write '%s' without '_%s'"
                    % (name, name, curve),
                )
                continue
            ref = SuiteRef(name, curve, given)
            if ref.spelled in first:
                self.duplicate(ref.spelled, path, first[ref.spelled], "cipher suite")
                continue
            first[ref.spelled] = path
            self.fields[("cipher_suites", ref.spelled)] = path
            result.append(ref)
        return tuple(result)

    def curves(self, raw: Any) -> tuple[str, ...] | None:
        entries = self.string_list("ecc_curves", raw, "curve name")
        if entries is None:
            return None
        result: list[str] = []
        first: dict[str, str] = {}
        for path, given in entries:
            name = self.resolve("curve", given, path)
            if name is None:
                continue
            if name in first:
                self.duplicate(name, path, first[name], "curve")
                continue
            first[name] = path
            self.fields[("ecc_curves", name)] = path
            result.append(name)
        return tuple(result)

    def dh_sizes(self, raw: Any) -> dict[str, int] | None:
        if isinstance(raw, str) and raw.casefold() == DEFAULT:
            raw = {side: DEFAULT for side in SIDES}
        if not isinstance(raw, Mapping):
            self.error(
                "wrong-type",
                "dh_min_key_bits",
                "must be a mapping like {server: 2048, client: 2048} (a side may be default), or default; got %s"
                % _type_name(raw),
            )
            return None
        result: dict[str, int] = {}
        for side_given, bits in raw.items():
            path = "dh_min_key_bits.%s" % side_given
            side = side_given.casefold() if isinstance(side_given, str) else None
            if side not in SIDES:
                self.bad_side(path, side_given)
            elif side in result or "dh_min_key_bits.%s" % side in self.reset:
                self.error("duplicate-name", path, "side '%s' is given twice: give it once" % side)
            elif isinstance(bits, str) and bits.casefold() == DEFAULT:
                self.reset.add("dh_min_key_bits.%s" % side)
            elif isinstance(bits, bool) or not isinstance(bits, int) or bits not in DH_KEY_SIZES:
                self.error(
                    "bad-key-size",
                    path,
                    "%s is not a supported Diffie-Hellman key size: use 1024, 2048, 3072, 4096 or default"
                    % _type_name(bits),
                )
            else:
                result[side] = bits
        return result

    def boolean(self, option: str, raw: Any) -> bool | None:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.casefold() == DEFAULT:
            self.reset.add(option)
            return None
        self.error("wrong-type", option, "must be true, false or default (remove the value), got %s" % _type_name(raw))
        return None

    def winhttp(self, raw: Any) -> tuple[str, ...] | None:
        entries = self.string_list("winhttp_secure_protocols", raw, "protocol name")
        if entries is None:
            return None
        result: list[str] = []
        first: dict[str, str] = {}
        for path, given in entries:
            name = self.resolve("protocol", given, path)
            if name is None:
                continue
            if name not in WINHTTP_FLAGS:
                self.error(
                    "bad-winhttp-protocol",
                    path,
                    "WinHTTP has no DefaultSecureProtocols flag for '%s': use %s"
                    % (name, ", ".join(WINHTTP_FLAGS)),
                )
                continue
            if name in first:
                self.duplicate(name, path, first[name], "protocol")
                continue
            first[name] = path
            self.fields[("winhttp_secure_protocols", name)] = path
            result.append(name)
        # Kept in flag order: the bitmask has no order, and a stable order keeps diffs and reports quiet.
        return tuple(sorted(result, key=lambda n: WINHTTP_FLAGS[n]))


def parse_settings(raw: Mapping | None) -> tuple[Settings, list[Finding]]:
    """Parse the win_schannel options into Settings; errors are findings, never exceptions.

    Options whose value is None count as left out (that is how Ansible passes options the user did not set).
    """
    parser = _Parser()
    settings = Settings()
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        parser.error("wrong-type", "", "settings must be a mapping of win_schannel options, got %s" % _type_name(raw))
        return settings, parser.findings
    known = POLICY_OPTIONS + MODULE_OPTIONS
    for key in raw:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            hint = "did you mean '%s'?" % close[0] if close else "valid options are %s" % ", ".join(POLICY_OPTIONS)
            parser.error("unknown-option", str(key), "unknown option '%s': %s" % (key, hint))
    value = raw.get("protocol_sides")
    if value is not None:
        settings.protocol_sides = parser.sides(value)
    value = raw.get("protocols")
    if value is not None:
        settings.protocols = parser.protocols(value, settings.protocol_sides)
    for option, kind in ALGORITHM_OPTIONS:
        value = raw.get(option)
        if value is not None:
            setattr(settings, option, parser.algorithms(option, kind, value))
    if raw.get("cipher_suites") is not None:
        settings.cipher_suites = parser.suites(raw["cipher_suites"])
    if raw.get("ecc_curves") is not None:
        settings.ecc_curves = parser.curves(raw["ecc_curves"])
    if raw.get("dh_min_key_bits") is not None:
        settings.dh_min_key_bits = parser.dh_sizes(raw["dh_min_key_bits"])
    for option in ("dotnet_strong_crypto", "dotnet_system_default_tls_versions", "fips_algorithm_policy"):
        if raw.get(option) is not None:
            setattr(settings, option, parser.boolean(option, raw[option]))
    if raw.get("winhttp_secure_protocols") is not None:
        settings.winhttp_secure_protocols = parser.winhttp(raw["winhttp_secure_protocols"])
    settings.fields = parser.fields
    settings.reset = frozenset(parser.reset)
    return settings, parser.findings


def _canonical(kind: str, given: Any) -> str | None:
    try:
        return catalog.resolve(kind, given) if isinstance(given, str) else None
    except catalog.UnknownNameError:
        return None


def complete(raw: Mapping[str, Any]) -> dict[str, Any]:
    """``raw`` (options as a profile, template or override gives them) with every governed option it leaves out
    set to ``default``, so that applying it leaves nothing of an earlier profile behind.

    What is stated is kept as written (names, spelling, order); only what is missing is added: each catalog
    protocol side, cipher, hash and key exchange not named, each dh_min_key_bits side, the lists as ``[]``, the
    switches as ``default``. A plain protocol state that ``protocol_sides`` limits to one side becomes a mapping
    with the other side ``default``. ``raw`` should already parse without errors (names it cannot resolve are
    left alone for ``parse_settings`` to report).
    """
    out = dict(raw)
    given_sides = raw.get("protocol_sides")
    sides = tuple(s.casefold() for s in given_sides if isinstance(s, str)) if isinstance(
        given_sides, (list, tuple)) and given_sides else SIDES
    protocols: dict[Any, Any] = {}
    stated: set[str] = set()
    for given, value in (raw.get("protocols") or {}).items():
        name = _canonical("protocol", given)
        if name is not None:
            stated.add(name)
        filled = value
        if isinstance(value, Mapping):
            named_sides = {str(k).casefold() for k in value}
            filled = {**value, **{s: DEFAULT for s in SIDES if s not in named_sides}}
        elif set(sides) != set(SIDES):
            filled = {s: (value if s in sides else DEFAULT) for s in SIDES}
        protocols[given] = filled
    protocols.update({name: DEFAULT for name in catalog.PROTOCOLS if name not in stated})
    out["protocols"] = protocols
    for option, kind in ALGORITHM_OPTIONS:
        given_map = dict(raw.get(option) or {})
        named = {_canonical(kind, given) for given in given_map}
        given_map.update({name: DEFAULT for name in catalog.ALGORITHMS[kind] if name not in named})
        out[option] = given_map
    for option in ("cipher_suites", "ecc_curves", "winhttp_secure_protocols"):
        if raw.get(option) is None:
            out[option] = []
    dh = raw.get("dh_min_key_bits")
    if isinstance(dh, Mapping):
        named_sides = {str(k).casefold() for k in dh}
        out["dh_min_key_bits"] = {**dh, **{s: DEFAULT for s in SIDES if s not in named_sides}}
    elif dh is None:
        out["dh_min_key_bits"] = DEFAULT
    for option in ("dotnet_strong_crypto", "dotnet_system_default_tls_versions", "fips_algorithm_policy"):
        if raw.get(option) is None:
            out[option] = DEFAULT
    return out
