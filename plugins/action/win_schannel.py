# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_schannel: thin action plugin; the job is plugin_utils.win_schannel.run_schannel (documentation: modules/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from ansible.utils.display import Display

from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import POLICY
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.action import WsmanAction, check_arguments
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.backup import DEFAULT_BACKUP_DIR
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.batch import (
    DEFAULT_CONCURRENCY,
    batch_entry,
    counts,
    hand_out,
    run_batch,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import FleetsecError, InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.host_connections import batch_openers
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.policy import POLICY_SOURCES, given_policy
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.connection import Session
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.win_schannel import (
    Options,
    run_schannel,
    settings_from_args,
)

# The policy options as Ansible checks their outer type (module_utils/settings.py parses the rest).
POLICY_SPEC: dict[str, Any] = {option.name: dict(option.spec) for option in POLICY}


class ActionModule(WsmanAction):
    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {
        **POLICY_SPEC,
        # The same options as one mapping (what schannel_resolve returns): one template for the role's task
        # instead of one per option, which each forked worker would compile again.
        "settings": {"type": "dict"},
        # The same mapping per Windows version key (an IIS Crypto template with minimumOSVersion items).
        "settings_by_os": {"type": "dict"},
        # The name of a variable holding schannel_resolve's result: read as stored, not templated for every host.
        "settings_from": {"type": "str"},
        "backup": {"type": "bool", "default": True},
        "backup_dir": {"type": "path", "default": DEFAULT_BACKUP_DIR},
        "allow_lockout": {"type": "bool", "default": False},
        "pending_reboot_is_change": {"type": "bool", "default": False},
        "own_run_id": {"type": "str"},
        # Batch mode: this one task checks every host named, in threads (plugin_utils/_common/batch.py).
        "hosts": {"type": "list", "elements": "str"},
        "concurrency": {"type": "int", "default": DEFAULT_CONCURRENCY},
        # The name of the variable a batch task registered: this host's entry is the result, no host contacted.
        "from_batch": {"type": "str"},
    }

    def run_validated(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        if args["hosts"] is not None:
            return self.run_batch(args, task_vars)
        if args["from_batch"] is not None:
            entry = batch_entry(task_vars, args["from_batch"], self.inventory_name(task_vars))
            if entry is not None:
                return hand_out(entry, args["from_batch"])
        return super().run_validated(args, task_vars)

    def run_job(self, session: Session, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        return run_schannel(session, self.options(args, task_vars), self.inventory_name(task_vars))

    def run_batch(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        """Check every host of ``hosts`` from this one task; each host's result under ``hosts``."""
        if not self._task.check_mode:
            return {"changed": False, "skipped": True,
                    "skip_reason": "hosts (one task for a batch of hosts) only checks, in check mode; an apply runs "
                                   "as one task per host (backups, reboots and serial batches are per host)"}
        names = list(dict.fromkeys(args["hosts"]))
        per_host: list[str] = []
        try:
            options = self.options(args, task_vars)
            results = run_batch(batch_openers(self, task_vars.get("hostvars"), names, self.MAX_RECONNECTS, per_host),
                                lambda session, name: run_schannel(session, options, name),
                                concurrency=args["concurrency"], progress=batch_progress(len(names)))
        except FleetsecError as error:
            return error.to_result()
        # The batch changes nothing itself: each host's own task (from_batch) reports its change or failure, and
        # the callback is told not to print this result whole at -v (every host's result is in it).
        return {"changed": False, "hosts": results, "per_host": per_host, "counts": counts(results),
                "calls": {"total": sum(r["calls"]["total"] for r in results.values())},
                "_ansible_verbose_override": True}

    def options(self, args: dict[str, Any], task_vars: dict[str, Any]) -> Options:
        """The module options as the job takes them: the policy given one of four ways, checked."""
        settings = settings_from_args(args)
        raw, by_os = given_policy(args, task_vars)
        source = next((name for name in POLICY_SOURCES if args[name] is not None), None)
        if source and settings:
            raise InputError("%s and the options it holds (%s) are mutually exclusive: give the policy either as %s "
                             "or as separate options" % (source, ", ".join(sorted(settings)), source))
        if raw is not None:
            settings = settings_from_args(check_arguments(POLICY_SPEC, raw, "settings of (%s)" % self._task.action))
        return Options(settings=settings, settings_by_os=by_os, backup=args["backup"],
                       backup_dir=args["backup_dir"], allow_lockout=args["allow_lockout"],
                       check_mode=bool(self._task.check_mode), diff=bool(self._task.diff),
                       pending_reboot_is_change=args["pending_reboot_is_change"], run_id=args["own_run_id"])


def batch_progress(total: int) -> Callable[[int], None]:
    """Say at -v how far a batch is, every tenth of it."""
    display = Display()
    step = max(total // 10, 1)

    def progress(done: int) -> None:
        if done == total or done % step == 0:
            display.v("win_schannel: %d of %d hosts checked" % (done, total))

    return progress
