# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_schannel_info: thin action plugin; the job is plugin_utils.win_schannel_info.read_info
(documentation: modules/)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible_collections.fleetsec.schannel.plugins.module_utils.describe import STATE_OPTIONS
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.action import WsmanAction
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.connection import Session
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.win_schannel_info import read_info


class ActionModule(WsmanAction):
    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {
        "settings": {"type": "list", "elements": "str", "choices": list(STATE_OPTIONS)},
    }

    def run_job(self, session: Session, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        return read_info(session, args["settings"])
