# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The schannel role's input, resolved once per play on the controller: profile or template, plus overrides.

Everything here is checked before any host is touched, so bad input fails the play with one message naming the
role variable to fix (``schannel_overrides.ciphers.RC4 128``, ``schannel_iiscrypto_template``), never a host
half-way through a rollout. Checks that depend on the Windows version (a suite order over 1,023 characters in
that version's spelling, TLS 1.3 left without a suite) are made for every version in ``schannel_os_keys``: a
fleet's versions are not known before its hosts are read, and reading them first would cost a task per host.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.consistency import check_settings
from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import ERROR, Finding
from ansible_collections.fleetsec.schannel.plugins.module_utils.iiscrypto import read_ictpl
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import complete, parse_settings
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.policy import raise_errors

# The rollout variables as the playbooks hand them to Ansible's play keywords (harden.yml, restore.yml fall back to
# a value Ansible can parse when these do not match, so that the role's first task refuses it with this module's
# message): serial items are what ansible-core's pct_to_int reads, a whole number or "N%"; max_fail_percentage a
# number with an optional "%" (ansible-core's "percent" keyword type: the "%" removed, then float()).
SERIAL_RE = re.compile(r"^[0-9]+%?$")
PERCENT_RE = re.compile(r"^[0-9]+([.][0-9]+)?%?$")


@dataclass
class Resolved:
    """The settings every host of the play gets, where they came from, and what the engine warns about."""

    settings: dict[str, Any]
    digest: str
    profile: str | None
    template: str | None
    template_name: str | None = None
    warnings: list[str] = field(default_factory=list)
    # A template whose items carry minimumOSVersion renders per Windows version, as IIS Crypto applies it: an item
    # for a newer version is left out on older ones (a Server 2022 suite list is not written on 2016).
    settings_by_os: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "settings": self.settings,
            "settings_by_os": self.settings_by_os,
            "settings_digest_by_os": {os_key: settings_digest(s) for os_key, s in self.settings_by_os.items()},
            "settings_digest": self.digest,
            "profile": self.profile,
            "template": self.template,
            "template_name": self.template_name,
            "findings": self.warnings,
        }


def merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``overrides`` on top: mappings merged key by key (recursively), anything else replaced.

    The same rule as Ansible's ``combine(recursive=true)``, which the role documents: a list (cipher_suites)
    replaces the profile's list rather than being appended to it.
    """
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def settings_digest(settings: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of the settings as canonical JSON: equal settings, equal digest, on any controller."""
    canonical = json.dumps(settings, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "sha256:" + hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _fail(findings: list[Finding], origin: Callable[[Finding], str]) -> None:
    """SettingsError naming where each error came from (``origin``), with the first error's engine code."""
    raise_errors(findings, origin, code=next((f.code for f in findings if f.severity == ERROR), None))


def _base(profile: str, profiles: Any, template: str | None, template_text: str | bytes | None):
    """The settings before overrides, the variable name they came from, the template's name if any, and the
    template's per-version rendering when its items name a minimum Windows version (else None)."""
    if template:
        if template_text is None:
            raise InputError("schannel_iiscrypto_template: no template text was read from '%s'" % template)
        read = read_ictpl(template_text)
        where = "schannel_iiscrypto_template (%s)" % template
        _fail(read.findings, lambda f: "%s: %s" % (where, f))
        return read.settings, where, read.name or None, (read.for_os if read.minimum_os else None)
    if not isinstance(profiles, Mapping):
        raise InputError("schannel_profiles must be a mapping of profile name to win_schannel options")
    if profile not in profiles:
        raise InputError(
            "schannel_profile '%s' is not a known profile; choose one of: %s (or add it to schannel_profiles)"
            % (profile, ", ".join(sorted(profiles))),
            code="unknown-profile",
        )
    base = profiles[profile]
    if not isinstance(base, Mapping):
        raise InputError("schannel_profiles.%s must be a mapping of win_schannel options" % profile)
    return dict(base), "schannel_profiles.%s" % profile, None, None


def resolve(
    profile: str,
    profiles: Any,
    overrides: Any,
    os_keys: Any,
    *,
    template: str | None = None,
    template_text: str | bytes | None = None,
) -> Resolved:
    """Resolve and check the role's input; InputError naming the role variable when anything is wrong."""
    if not isinstance(os_keys, (list, tuple)) or not os_keys:
        raise InputError("schannel_os_keys must be a non-empty list of: %s" % ", ".join(catalog.OS_KEYS))
    for index, key in enumerate(os_keys):
        if key not in catalog.OS_KEYS:
            raise InputError("schannel_os_keys[%d]: unknown Windows version '%s': use one of %s"
                             % (index, key, ", ".join(catalog.OS_KEYS)))
    if overrides is None:
        overrides = {}
    if not isinstance(overrides, Mapping):
        raise InputError("schannel_overrides must be a mapping of win_schannel options (as in a profile), got a %s"
                         % type(overrides).__name__, code="wrong-type")
    base, base_origin, template_name, for_os = _base(profile, profiles, template, template_text)
    settings = merge(base, overrides)

    def origin(finding: Finding) -> str:
        top = finding.field.split(".", 1)[0].split("[", 1)[0]
        prefix = "schannel_overrides" if top in overrides or not top else base_origin
        return "%s.%s: %s" % (prefix, finding.field, finding.message) if finding.field else "%s: %s" % (
            prefix, finding.message)

    parsed, findings = parse_settings(settings)
    _fail(findings, origin)
    # Checked as written (errors name the user's spelling), then completed: the profile or template governs every
    # option, and what it leaves out is `default` (settings.complete), so no earlier profile's value stays behind.
    settings = complete(settings)
    parsed, _findings = parse_settings(settings)
    warnings: list[str] = []
    by_os: dict[str, dict[str, Any]] = {}
    for os_key in os_keys:
        label = catalog.OS_INFO[os_key].label
        os_parsed = parsed
        if for_os is not None:
            rendered, left_out = for_os(os_key)
            os_settings = merge(rendered, overrides)
            os_parsed, findings = parse_settings(os_settings)
            _fail(findings, lambda f, label=label: "on %s: %s" % (label, origin(f)))
            # An item the template applies only from a later version is `default` here, as on a fresh host of
            # this version: e.g. no suite order for 2012 R2 removes an earlier profile's _P521 suites there.
            by_os[os_key] = complete(os_settings)
            os_parsed, _findings = parse_settings(by_os[os_key])
            warnings += ["%s: %s" % (label, f) for f in left_out]
        os_findings = check_settings(os_parsed, os_key)
        _fail(os_findings, lambda f, label=label: "on %s: %s" % (label, origin(f)))
        warnings += ["%s: %s" % (label, f) for f in os_findings]
    return Resolved(
        settings=settings,
        digest=settings_digest(settings),
        profile=None if template else profile,
        template=template or None,
        template_name=template_name,
        warnings=warnings,
        settings_by_os=by_os,
    )


def check_serial(serial: Any) -> None:
    """InputError unless ``schannel_serial`` is a batch size Ansible's ``serial`` reads and that means what it says:
    a whole number of hosts (0: all at once, as Ansible), a percentage of the targeted hosts up to 100%, or a
    non-empty list of those (Ansible's growing batches)."""
    items = serial if isinstance(serial, list) and serial else [serial]
    for item in items:
        text = str(item)
        if isinstance(item, bool) or not isinstance(item, (int, str)) or not SERIAL_RE.match(text) or (
                text.endswith("%") and int(text[:-1]) > 100):
            raise InputError("schannel_serial %r is not a batch size: give a whole number of hosts (e.g. 5), a "
                             "percentage of the targeted hosts from 0%% to 100%% (e.g. 20%%, the default), or a list "
                             "of them (e.g. [1, \"50%%\"]: one host first, then half the rest)" % (serial,),
                             code="bad-serial")


def max_fail_percentage(value: Any) -> float:
    """``schannel_max_fail_percentage`` as a number from 0 to 100 (a trailing "%" allowed, as Ansible's keyword
    allows it), or InputError."""
    text = str(value).strip()
    if not isinstance(value, bool) and isinstance(value, (int, float, str)) and PERCENT_RE.match(text):
        number = float(text.rstrip("%"))
        if number <= 100:
            return number
    raise InputError("schannel_max_fail_percentage %r is not a percentage: give a number from 0 to 100, with or "
                     "without %% (e.g. 0, the default: the rollout stops after a batch in which any host's change "
                     "failed; 10 or 10%%: after one in which more than a tenth did)" % (value,),
                     code="bad-max-fail-percentage")
