# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tls_scan: thin action plugin; the job is plugin_utils.tls.task.run_tls_scan (documentation: modules/)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible.plugins.action import ActionBase

from ansible_collections.fleetsec.schannel.plugins.plugin_utils.errors import FleetsecError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls.task import run_tls_scan


class ActionModule(ActionBase):
    """Runs on the controller only: the host's WinRM connection is never opened."""

    TRANSFERS_FILES = False
    _requires_connection = False
    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {
        "host": {"type": "str"},
        "ports": {"type": "list", "elements": "int", "default": [8460, 8462, 8463]},
        "depth": {"type": "str", "choices": ["compliance", "full"], "default": "compliance"},
        "timeout": {"type": "float", "default": 5},
        "port_timeout": {"type": "float", "default": 120},
        "settings": {"type": "dict"},
        "os": {"type": "str"},
        "server_name": {"type": "str"},
        "fail_on_findings": {"type": "bool", "default": False},
    }

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        self._supports_check_mode = True
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)[1]
        try:
            result.update(run_tls_scan(args, str(task_vars.get("inventory_hostname", "")),
                                       task_vars.get("ansible_host")))
        except FleetsecError as error:
            result.update(error.to_result())
        return result
