# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""client_impact: thin action plugin; the job is plugin_utils.client_impact (documentation: modules/)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible.plugins.action import ActionBase

from ansible_collections.fleetsec.schannel.plugins.plugin_utils.client_impact import (
    DEFAULT_PORTS,
    ImpactOptions,
    run_client_impact,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.errors import FleetsecError


class ActionModule(ActionBase):
    """Runs on the controller only: it uses no connection to the host (the proof opens its own TLS sockets)."""

    TRANSFERS_FILES = False
    _requires_connection = False
    # A prediction (and its proof by handshake) writes nothing anywhere: it belongs in a drift check above all.
    _supports_check_mode = True
    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {
        "settings": {"type": "dict", "required": True},
        "os": {"type": "str", "required": True},
        "clients": {"type": "list", "elements": "str"},
        "required_clients": {"type": "list", "elements": "str", "default": []},
        "certificates": {"type": "list", "elements": "str", "default": ["RSA"]},
        "host": {"type": "str"},
        "ports": {"type": "list", "elements": "int", "default": list(DEFAULT_PORTS)},
        "prove": {"type": "bool", "default": False},
        "timeout": {"type": "float", "default": 5.0},
        "profile": {"type": "str"},
    }

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)[1]
        host = args["host"] or task_vars.get("ansible_host") or task_vars.get("inventory_hostname")
        options = ImpactOptions(
            settings=args["settings"], os_key=str(args["os"]), clients=args["clients"],
            required_clients=args["required_clients"], certificates=args["certificates"], host=host,
            ports=args["ports"], prove=args["prove"], timeout=args["timeout"], profile=args["profile"],
        )
        try:
            result.update(run_client_impact(options))
        except FleetsecError as error:
            result.update(error.to_result())
        # Who is cut off is shown before anything is written; a disagreement is a finding, not a failure.
        warnings = [result["summary"]] if result.get("cut_off") and not result.get("failed") else []
        warnings += ["prediction and handshake disagree: %s" % d["message"] for d in result.get("disagreements") or ()]
        if warnings:
            result["warnings"] = [*result.get("warnings", []), *warnings]
        return result
