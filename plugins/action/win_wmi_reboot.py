# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_wmi_reboot: thin action plugin; the job is plugin_utils.win_wmi_reboot.reboot_host (documentation: modules/)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.action import WsmanAction
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.connection import Session, open_session
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.win_wmi_reboot import RebootOptions, reboot_host


class ActionModule(WsmanAction):
    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {
        "reboot_timeout": {"type": "int", "default": 600},
        "pre_reboot_delay": {"type": "int", "default": 0},
        "post_reboot_delay": {"type": "int", "default": 0},
        "msg": {"type": "str"},
        "force": {"type": "bool", "default": False},
        "connect_timeout": {"type": "int", "default": 5},
    }

    def run_job(self, session: Session, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        options = RebootOptions(check_mode=bool(self._task.check_mode), **args)
        return reboot_host(session, options,
                           lambda timeout: open_session(self._connection, 0, timeout, self.allow_insecure))
