# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""compliance_report: thin action plugin; the job is plugin_utils.compliance_report.task (documentation: modules/)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.controller_action import ControllerAction
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.compliance_report.task import run_compliance_report


class ActionModule(ControllerAction):
    """Runs on the controller only, reading and writing controller files; no host connection is used.

    Check mode writes the report too: it changes nothing on any host, and a drift check wants its report.
    """

    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {
        "report_dir": {"type": "path", "required": True},
        "runs": {"type": "list", "elements": "str"},
        "output_dir": {"type": "path"},
        "formats": {"type": "list", "elements": "str", "choices": ["json", "junit", "html"],
                    "default": ["json", "junit", "html"]},
        "history": {"type": "bool", "default": True},
    }

    def run_job(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        return run_compliance_report(args)
