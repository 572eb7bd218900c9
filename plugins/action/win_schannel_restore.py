# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_schannel_restore: thin action plugin; the job is plugin_utils.win_schannel_restore.restore.run_restore
(documentation: modules/)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.action import WsmanAction
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.backup import DEFAULT_BACKUP_DIR
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.connection import Session
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.win_schannel_restore.plan import choose_series
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.win_schannel_restore.restore import run_restore


class ActionModule(WsmanAction):
    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {
        "backup_file": {"type": "path"},
        "run_id": {"type": "str"},
        "backup_dir": {"type": "path", "default": DEFAULT_BACKUP_DIR},
        "report_dir": {"type": "path", "default": "~/.ansible/fleetsec_schannel/reports"},
        "allow_lockout": {"type": "bool", "default": False},
        "own_run_id": {"type": "str"},
        "pending_reboot_is_change": {"type": "bool", "default": False},
    }

    def run_job(self, session: Session, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        host = self.inventory_name(task_vars)
        series = choose_series(host, backup_file=args["backup_file"], run_id=args["run_id"],
                               backup_dir=args["backup_dir"], report_dir=args["report_dir"])
        return run_restore(session, series, host, allow_lockout=args["allow_lockout"],
                           check_mode=bool(self._task.check_mode), run_id=args["own_run_id"],
                           pending_reboot_is_change=args["pending_reboot_is_change"])
