# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""schannel_results: thin action plugin; the job is plugin_utils.schannel_results.record_results
(documentation: modules/)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.controller_action import (
    ControllerAction,
    registered_vars,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.run_record import open_to_others_warning
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.schannel_results import record_results, run_info


class ActionModule(ControllerAction):
    """Writes on the controller, check mode included: the record of a check is the point of a check run."""

    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {
        "report_dir": {"type": "path", "required": True},
        "run": {"type": "dict", "required": True},
        "playbook": {"type": "str", "required": True, "choices": ["harden", "drift", "compliance", "restore"]},
        "hosts": {"type": "list", "elements": "str", "required": True},
        "summary": {"type": "bool", "default": False},
        # The variables the play registered each host's results in (required unless summary).
        "registered": {"type": "dict", "options": {
            "apply": {"type": "str", "required": True},
            "reboot": {"type": "str"},
            "tls": {"type": "str"},
            "impact": {"type": "str"},
        }},
        # What the previous call of this run returned as the schannel_last_run fact (earlier serial batches).
        "previous": {"type": "dict", "default": {}},
        "context": {"type": "dict", "default": {}},
        "mode": {"type": "str", "choices": ["check", "apply"]},
        # Every host of the play (ansible_play_hosts_all: all serial batches, within --limit): the batch that
        # records the last of them is the play's last.
        "play_hosts": {"type": "list", "elements": "str"},
        "max_fail_percentage": {"type": "float", "default": 0},
        # With summary: fail the task as the run's exit code must say (2 failed or drifted, 4 unreachable).
        "verdict": {"type": "bool", "default": False},
        # With verdict: this batch stopped the rollout (its verdict fails, whatever else: see verdict()).
        "rollout_stopped": {"type": "bool", "default": False},
        # With verdict: the outcome of the task's own host (hosts: [inventory_hostname]), whatever other hosts
        # already say (record.yml ends each host so); without it, the run's closing verdict.
        "host_outcome": {"type": "bool", "default": False},
    }

    def run_job(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        unsafe = open_to_others_warning(args["report_dir"])
        if unsafe:
            self._display.warning(unsafe)
        all_vars = task_vars.get("hostvars", {})
        return record_results(
            args, run_info(args, self._play_context.check_mode),
            registered_of=lambda host: registered_vars(all_vars, host),
            address_of=lambda registered, host: self.host_address(all_vars, registered, host),
            run_vars=task_vars,
        )
