# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The policy a host task is given: one of its ways (settings, settings per version, a resolved plan), parsed.

win_schannel and tls_scan take the policy this way; settings that fail the engine raise SettingsError before any
host is read or written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import ERROR, Finding
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import Settings, parse_settings
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError


def settings_for_os(by_os: Mapping[str, Any], os_key: str) -> Any:
    """The entry of a host's Windows version in settings given per version; InputError naming it when missing."""
    if os_key not in by_os:
        raise InputError("settings_by_os has no entry for %s (%s): add one (with the role, add the key to "
                         "schannel_os_keys)" % (catalog.os_label(os_key), os_key), code="settings-by-os")
    return by_os[os_key]


# The ways a task is given the policy, one at a time: the options as one mapping, one mapping per Windows version, or
# the name of the variable holding schannel_resolve's result.
POLICY_SOURCES = ("settings", "settings_by_os", "settings_from")


def given_policy(args: Mapping[str, Any], task_vars: Mapping[str, Any] | None = None) -> tuple[Any, Any]:
    """``(settings, settings_by_os)`` as a task was given them (``settings_from`` read from ``task_vars``); InputError
    when more than one way is used or a value is not a mapping. win_schannel and tls_scan take the policy this way."""
    given = [name for name in POLICY_SOURCES if args.get(name) is not None]
    if len(given) > 1:
        raise InputError("%s are mutually exclusive: give the policy one way" % " and ".join(given), code="settings")
    settings, by_os = args.get("settings"), args.get("settings_by_os")
    if args.get("settings_from") is not None:
        settings, by_os = resolved_settings(task_vars or {}, args["settings_from"])
    if settings is not None and not isinstance(settings, Mapping):
        raise InputError("settings must be a mapping of win_schannel options", code="settings")
    for os_key, entry in (by_os or {}).items():
        # Only a host's entry is parsed, once its version is read (the engine names any bad field then).
        if not isinstance(entry, Mapping):
            raise InputError("settings_by_os.%s must be a mapping of win_schannel options, not %s"
                             % (os_key, type(entry).__name__), code="settings")
    return settings, by_os


def resolved_settings(task_vars: Mapping[str, Any], name: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """``(settings, settings_by_os)`` from the variable ``name`` holding schannel_resolve's result, as stored: a
    registered result is data, and templating its settings again for every host of a fleet was the largest part of
    the per-host task's preparation."""
    plan = task_vars.get(name)
    if not isinstance(plan, Mapping) or not isinstance(plan.get("settings"), Mapping):
        raise InputError("settings_from: the variable %r does not hold the result of "
                         "fleetsec.schannel.schannel_resolve (register it and give its name)" % name,
                         code="settings_from")
    by_os = plan.get("settings_by_os")
    return (None, dict(by_os)) if by_os else (dict(plan["settings"]), None)


class SettingsError(InputError):
    """The settings are invalid independently of any host: nothing may be read or written anywhere.

    The one error for bad settings, whoever parses them (win_schannel, tls_scan, client_impact, schannel_resolve);
    ``findings`` are the engine's errors, each naming its field.
    """

    def __init__(self, findings: list[Finding], message: str | None = None, code: str | None = None) -> None:
        self.findings = findings
        super().__init__(message or "; ".join(str(f) for f in findings), code=code)


def raise_errors(findings: list[Finding], describe: Callable[[Finding], str] | None = None, *, prefix: str = "",
                 code: str | None = None) -> None:
    """SettingsError when ``findings`` hold errors: each said by ``describe`` (default: the finding as text)."""
    errors = [f for f in findings if f.severity == ERROR]
    if errors:
        raise SettingsError(errors, prefix + "; ".join(map(describe or str, errors)), code)


def parse_or_raise(raw: Mapping[str, Any], option: str | None = None, code: str | None = None) -> Settings:
    """Parse win_schannel settings; SettingsError with every error found (host-independent). With ``option`` the
    message names the task option that held them first (``settings: protocols.TLS1.2: ...``)."""
    settings, findings = parse_settings(raw)
    if option:
        raise_errors(findings, lambda f: "%s: %s" % (f.field, f.message), prefix=option + ": ", code=code)
    raise_errors(findings, code=code)
    return settings
