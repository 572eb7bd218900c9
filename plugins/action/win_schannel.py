# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_schannel: thin action plugin; the job is plugin_utils.apply.run_schannel (documentation: modules/)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible_collections.fleetsec.schannel.plugins.plugin_utils.action import WsmanAction, check_arguments
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.apply import Options, run_schannel, settings_from_args
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.connection import Session
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.errors import InputError

STATE_MAP = {"type": "dict"}

POLICY_SPEC: dict[str, Any] = {
    "protocols": STATE_MAP,
    "protocol_sides": {"type": "list", "elements": "str", "choices": ["server", "client"]},
    "ciphers": STATE_MAP,
    "hashes": STATE_MAP,
    "key_exchanges": STATE_MAP,
    "cipher_suites": {"type": "list", "elements": "str"},
    "ecc_curves": {"type": "list", "elements": "str"},
    "dh_min_key_bits": {"type": "dict"},
    "dotnet_strong_crypto": {"type": "bool"},
    "dotnet_system_default_tls_versions": {"type": "bool"},
    "winhttp_secure_protocols": {"type": "list", "elements": "str"},
    "fips_algorithm_policy": {"type": "bool"},
}


class ActionModule(WsmanAction):
    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {
        **POLICY_SPEC,
        # The same options as one mapping (what schannel_resolve returns): one template for the role's task
        # instead of one per option, which each forked worker would compile again.
        "settings": {"type": "dict"},
        # The same mapping per Windows version key (an IIS Crypto template with minimumOSVersion items).
        "settings_by_os": {"type": "dict"},
        "backup": {"type": "bool", "default": True},
        "backup_dir": {"type": "path", "default": "~/.ansible/fleetsec_schannel/backups"},
        "allow_lockout": {"type": "bool", "default": False},
        "pending_reboot_is_change": {"type": "bool", "default": False},
    }

    def run_job(self, session: Session, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        settings = settings_from_args(args)
        given = [name for name in ("settings", "settings_by_os") if args[name] is not None]
        if len(given) > 1:
            raise InputError("settings and settings_by_os are mutually exclusive: give the policy one way")
        if given and settings:
            raise InputError("%s and the options it holds (%s) are mutually exclusive: give the policy either as %s "
                             "or as separate options" % (given[0], ", ".join(sorted(settings)), given[0]))
        if args["settings"] is not None:
            settings = settings_from_args(check_arguments(POLICY_SPEC, args["settings"],
                                                          "settings of (%s)" % self._task.action))
        by_os = args["settings_by_os"]
        for os_key, raw in (by_os or {}).items():
            # Only the host's entry is parsed, once its version is read (the engine names any bad field then).
            if not isinstance(raw, dict):
                raise InputError("settings_by_os.%s must be a mapping of win_schannel options, not %s"
                                 % (os_key, type(raw).__name__))
        options = Options(settings=settings, settings_by_os=by_os, backup=args["backup"],
                          backup_dir=args["backup_dir"], allow_lockout=args["allow_lockout"],
                          check_mode=bool(self._task.check_mode), diff=bool(self._task.diff),
                          pending_reboot_is_change=args["pending_reboot_is_change"])
        return run_schannel(session, options, self.inventory_name(task_vars))
