# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether parsed settings make sense on one Windows version. Nothing is "fixed": every finding names the
problem, where it is, and what to change.

``check_settings`` returns, first, the findings ``desired_state`` gives while rendering: warnings for what the
OS does not have (protocol-unsupported, algorithm-unsupported, suite-unavailable, suite-duplicate,
suites-none-available, ecc-curves-unsupported, curve-unavailable, winhttp-protocol-unsupported) and the error
suite-order-too-long (a ``Functions`` value over the 1,023 characters the policy allows, manage-tls.md; see
desired.py and suite_order.py), so a caller that runs both reports this list only; then the rules below.

Rules (code, severity, when, why that severity):

- no-usable-suite, warning or error: an enabled SSL/TLS protocol has no usable suite. Warning while another
  enabled protocol still has one (clients fall back to it); error when none has (every handshake fails). A
  protocol the settings neither enable nor affect (same result with no settings at all) is the OS's own business
  and not reported.
- tls13-no-suite, error: TLS 1.3 is enabled (by the settings or by default) and no TLS 1.3 suite is usable.
  Schannel still negotiates 1.3 and the handshake fails, no fallback (diyan/pywinrm#363).
- server-all-disabled, error: the settings leave no SSL/TLS protocol enabled on the server side: nothing can
  connect, WinRM over HTTPS included.
- sides-disagree, warning: the Client and Server sides of a managed protocol end up different. Exchange
  HealthChecker reports that as "Misconfigured" (microsoft/CSS-Exchange HealthChecker "TLS Configuration Check"); it
  may be intended, so not an error.
- suite-never-negotiated, warning: a configured suite needs a cipher/hash/key exchange that is disabled. Harmless
  dead weight; the message names the setting that kills it.
- suite-relies-on-default, warning: a configured suite needs an algorithm that the managed option (e.g. hashes)
  leaves out. It works only while Windows keeps its default; IIS Crypto, whose templates list every algorithm,
  would have disabled it.
- strong-crypto-refuses, warning: the settings enable SSL 3.0, RC4, 3DES, DES or NULL (a cipher also counts when
  a suite using it is in ``cipher_suites`` and the cipher is not disabled) while
  ``dotnet_strong_crypto: true`` makes .NET processes refuse them on that OS (``catalog.strong_crypto_refuses``:
  RC4 and SSL 3.0 everywhere, DES and NULL from 2016, 3DES from 2022). MailStore Server is a .NET application,
  so the clients those settings are for (Windows XP) still cannot reach it. Native Schannel users (IIS, RDP,
  WinRM's HTTP.sys) do follow the settings, hence a warning and not an error.

"Usable suites" of a protocol: the configured order as that OS spells it (``cipher_suites`` managed and not
empty), else the suites the OS enables by default, in both cases without NULL-cipher suites that are "only used
when application explicitly requests" (Microsoft suite tables), filtered by the suite's protocol versions and by
the ciphers, hashes and key exchanges in effect: the settings' state where managed, else the OS default. The
catalog records no per-OS defaults for these keys, so the default is "enabled" except ``NULL`` (KB245030: "By
default, it is turned off").

DTLS is left out of the suite rules: Microsoft's suite tables list SSL/TLS versions only, so there is no source
for which suites a DTLS version may use; the two pseudo protocols (Multi-Protocol Unified Hello, PCT 1.0) are
left out everywhere.
"""

from __future__ import annotations

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.desired import desired_state
from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import ERROR, WARNING, Finding
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import SIDES, Settings
from ansible_collections.fleetsec.schannel.plugins.module_utils.suite_order import translate_suites

# Source: KB245030 — NULL cipher: "By default, it is turned off."
DISABLED_BY_DEFAULT = {"ciphers": frozenset({"NULL"}), "hashes": frozenset(), "key_exchanges": frozenset()}
_NEEDS = (
    ("key_exchanges", "key exchange", "key_exchange"),
    ("ciphers", "cipher", "cipher"),
    ("hashes", "hash", "hash"),
)


def tls_protocols(os_key: str) -> list[str]:
    """SSL/TLS protocols ``os_key`` supports (no DTLS, no pseudo protocols), in catalog order."""
    return [
        p.name
        for p in catalog.PROTOCOLS.values()
        if not p.dtls and p.wire_version is not None and p.defaults.get(os_key) is not None
    ]


def side_enabled(settings: Settings, name: str, side: str, os_key: str) -> bool:
    """Whether ``name`` will be enabled on ``side`` (server|client): the setting, else the OS default."""
    defaults = catalog.PROTOCOLS[name].defaults.get(os_key)
    if defaults is None:
        return False
    state = (settings.protocols or {}).get(name, {}).get(side)
    if state in ("enabled", "disabled"):
        return state == "enabled"
    return bool(getattr(defaults, side))


def suites_in_effect(settings: Settings, os_key: str) -> list[tuple[catalog.OsSuite, list[str]]]:
    """The "usable suites" candidates of the module docstring, in priority order, each with what disables it
    (empty = usable): for callers outside the rules, such as the client impact prediction."""
    checker = _Checker(settings, os_key)
    return [(s, checker.blockers(s.suite)[0]) for s in checker.suites]


def _explicit(settings: Settings, name: str, side: str) -> bool:
    return (settings.protocols or {}).get(name, {}).get(side) in ("enabled", "disabled")


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else "%s and %s" % (", ".join(items[:-1]), items[-1])


def _shorten(names: list[str], limit: int = 3) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    return "%s and %d more" % (", ".join(names[:limit]), len(names) - limit)


class _Checker:
    def __init__(self, settings: Settings, os_key: str) -> None:
        self.settings = settings
        self.os_key = os_key
        self.label = catalog.os_label(os_key)
        self.findings: list[Finding] = []
        self.configured = bool(settings.cipher_suites)
        order = translate_suites(settings, os_key)
        self.order = order.suites
        suites = order.suites if self.configured else [s for s in catalog.os_suites(os_key) if s.enabled_by_default]
        self.suites = [s for s in suites if not s.explicit_only]

    def add(self, severity: str, code: str, field: str, message: str) -> None:
        self.findings.append(Finding(severity, code, field, message))

    # -- algorithms a suite needs -------------------------------------------------------------------

    def blockers(self, suite: catalog.CipherSuite) -> tuple[list[str], list[str]]:
        """(what disables the suite, what it needs that the managed options leave at the default)."""
        blocked: list[str] = []
        unset: list[str] = []
        for option, label, attr in _NEEDS:
            name = getattr(suite, attr)
            if name is None:
                continue
            managed = getattr(self.settings, option)
            state = (managed or {}).get(name)
            if state == "disabled":
                blocked.append("%s %s (disabled in %s)" % (label, name, option))
            elif state != "enabled" and name in DISABLED_BY_DEFAULT[option]:
                blocked.append("%s %s (off by default on %s)" % (label, name, self.label))
            elif state is None and managed is not None:
                unset.append("%s %s" % (label, name))
        return blocked, unset

    def why_unusable(self, os_suite: catalog.OsSuite, protocol: str) -> str | None:
        """Why ``os_suite`` cannot serve ``protocol`` (short phrase), or None when it can."""
        suite = os_suite.suite
        if protocol not in suite.protocols:
            return "%s only" % _join([p for p in catalog.PROTOCOLS if p in suite.protocols])
        blocked, _ignored = self.blockers(suite)
        if blocked:
            return "needs %s" % _join(blocked)
        return None

    # -- rules --------------------------------------------------------------------------------------

    def suites_never_negotiated(self) -> None:
        if not self.configured:
            return
        for os_suite in self.order:
            ref_field = self._suite_field(os_suite)
            blocked, unset = self.blockers(os_suite.suite)
            if blocked:
                self.add(
                    WARNING,
                    "suite-never-negotiated",
                    ref_field,
                    "%s needs %s: it will never be negotiated; enable what it needs or drop the suite"
                    % (os_suite.windows_name, _join(blocked)),
                )
            elif unset:
                self.add(
                    WARNING,
                    "suite-relies-on-default",
                    ref_field,
                    "%s needs %s, which these settings do not enable: it works only while %s keeps its default "
                    "(enabled); list %s as enabled"
                    % (os_suite.windows_name, _join(unset), self.label, "them" if len(unset) > 1 else "it"),
                )

    def _suite_field(self, os_suite: catalog.OsSuite) -> str:
        for ref in self.settings.cipher_suites or ():
            if ref.name == os_suite.suite.name and (ref.curve is None or os_suite.curve in (None, ref.curve)):
                return self.settings.field_of("cipher_suites", ref.spelled)
        return "cipher_suites"

    def _enabled_phrase(self, name: str) -> str:
        if any(_explicit(self.settings, name, side) for side in SIDES):
            return "%s is enabled" % name
        return "%s is enabled (the %s default)" % (name, self.label)

    def _protocol_field(self, name: str) -> str:
        if self.settings.protocols and name in self.settings.protocols:
            return self.settings.field_of("protocols", name)
        return "protocols.%s" % name

    def unusable(self, protocols: list[str]) -> dict[str, dict[str, list[str]]]:
        """For each of ``protocols`` without a usable suite: {reason: [suite names]}."""
        reasons: dict[str, dict[str, list[str]]] = {}
        for protocol in protocols:
            why: dict[str, list[str]] = {}
            for os_suite in self.suites:
                reason = self.why_unusable(os_suite, protocol)
                if reason is None:
                    break
                why.setdefault(reason, []).append(os_suite.windows_name)
            else:
                reasons[protocol] = why
        return reasons

    def usable_suites(self) -> None:
        enabled = [p for p in tls_protocols(self.os_key)
                   if any(side_enabled(self.settings, p, side, self.os_key) for side in SIDES)]
        reasons = self.unusable(enabled)
        any_usable = any(p not in reasons for p in enabled)
        if reasons:
            # What Windows does with no settings at all is not these settings' doing, unless they enable it.
            baseline = _Checker(Settings(), self.os_key).unusable(enabled)
            for protocol in baseline:
                if not any((self.settings.protocols or {}).get(protocol, {}).get(side) == "enabled" for side in SIDES):
                    reasons.pop(protocol, None)
        if "TLS 1.3" in reasons:
            self.tls13_no_suite(reasons.pop("TLS 1.3"))
        for protocol, why in reasons.items():
            if self.configured:
                source = "none of the suites in cipher_suites can be used with it"
            else:
                source = "none of the suites %s enables by default can be used with it under these settings" % (
                    self.label)
            detail = "; ".join("%s: %s" % (_shorten(names), reason) for reason, names in why.items())
            # The version in the text: Ansible shows a warning text once per run, whichever host said it first.
            message = "%s, but %s (%s): %s connections will fail on %s. Add suites that support %s or disable %s." % (
                self._enabled_phrase(protocol), source, detail or "none of them exists on %s" % self.label, protocol,
                self.label, protocol, protocol)
            if not any_usable:
                message += " No enabled protocol has a usable suite, so every TLS connection would fail."
            self.add(WARNING if any_usable else ERROR, "no-usable-suite", self._protocol_field(protocol), message)

    def tls13_no_suite(self, why: dict[str, list[str]]) -> None:
        wanted = _join([s.windows_name for s in catalog.os_suites(self.os_key)
                        if s.enabled_by_default and "TLS 1.3" in s.suite.protocols])
        has_13 = any("TLS 1.3" in s.suite.protocols for s in self.suites)
        if self.configured and not has_13:
            problem = "cipher_suites has no TLS 1.3 suite"
            field = "cipher_suites"
        else:
            detail = "; ".join("%s: %s" % (_shorten(names), reason) for reason, names in why.items()
                               if not reason.endswith(" only"))
            problem = "no TLS 1.3 suite can be used (%s)" % detail
            field = self._protocol_field("TLS 1.3")
        self.add(
            ERROR,
            "tls13-no-suite",
            field,
            "%s but %s: Schannel would still negotiate TLS 1.3 and then fail the handshake (as after IIS Crypto "
            "Best Practices on Windows Server 2022, pywinrm#363). Add %s to cipher_suites, or disable TLS 1.3."
            % (self._enabled_phrase("TLS 1.3"), problem, wanted),
        )

    def server_side(self) -> None:
        if not self.settings.protocols:
            return
        if any(side_enabled(self.settings, p, "server", self.os_key) for p in tls_protocols(self.os_key)):
            return
        self.add(
            ERROR,
            "server-all-disabled",
            "protocols",
            "every SSL/TLS protocol is disabled on the server side on %s: nothing could connect to this host over "
            "TLS (MailStore Client, browsers, WinRM over HTTPS). Enable at least TLS 1.2 for the server side."
            % self.label,
        )

    def sides(self) -> None:
        for name in self.settings.protocols or {}:
            if catalog.PROTOCOLS[name].defaults.get(self.os_key) is None:
                continue
            state = {side: side_enabled(self.settings, name, side, self.os_key) for side in SIDES}
            if state["server"] == state["client"]:
                continue
            words = {}
            for side in SIDES:
                words[side] = "enabled" if state[side] else "disabled"
                if not _explicit(self.settings, name, side):
                    words[side] += " (the %s default, not managed)" % self.label
            self.add(
                WARNING,
                "sides-disagree",
                self.settings.field_of("protocols", name),
                "%s is %s on the server side but %s on the client side: Exchange HealthChecker reports such a "
                "protocol as misconfigured; set both sides alike unless the difference is intended"
                % (name, words["server"], words["client"]),
            )

    def strong_crypto(self) -> None:
        if self.settings.dotnet_strong_crypto is not True:
            return
        refused_protocols, refused_ciphers = catalog.strong_crypto_refuses(self.os_key)
        weak = [
            name for name in catalog.PROTOCOLS
            if name in refused_protocols and catalog.protocol_supported(name, self.os_key)
            and "enabled" in (self.settings.protocols or {}).get(name, {}).values()
        ]
        # A cipher counts when the settings enable it, or put a suite using it in the order without disabling it.
        ciphers = self.settings.ciphers or {}
        ordered = {s.suite.cipher for s in self.order} if self.configured else set()
        weak += [name for name in catalog.CIPHERS if name in refused_ciphers and (
            ciphers.get(name) == "enabled" or (name in ordered and ciphers.get(name) != "disabled"))]
        if not weak:
            return
        self.add(
            WARNING,
            "strong-crypto-refuses",
            "dotnet_strong_crypto",
            "%s %s enabled, but dotnet_strong_crypto makes .NET applications refuse %s on %s: MailStore Server "
            "(a .NET application) will not accept the clients they are meant for, such as Windows XP. Set "
            "dotnet_strong_crypto to false (dotnet_system_default_tls_versions: true keeps MailStore's outbound "
            "TLS 1.2), or disable %s."
            % (_join(weak), "is" if len(weak) == 1 else "are", "it" if len(weak) == 1 else "them", self.label,
               "it" if len(weak) == 1 else "them"),
        )


def check_settings(settings: Settings, os_key: str) -> list[Finding]:
    """Findings for ``settings`` on ``os_key``: what the OS lacks (skipped), then the consistency rules."""
    findings = list(desired_state(settings, os_key)[1])
    checker = _Checker(settings, os_key)
    checker.usable_suites()
    checker.server_side()
    checker.sides()
    checker.suites_never_negotiated()
    checker.strong_crypto()
    return findings + checker.findings
