# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""client_impact: thin action plugin; the job is plugin_utils.client_impact.impact (documentation: modules/)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.controller_action import ControllerAction
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.client_impact.impact import (
    ImpactOptions,
    run_client_impact,
)


class ActionModule(ControllerAction):
    """Runs on the controller only: it uses no connection to the host (the proof opens its own TLS sockets).

    A prediction (and its proof by handshake) writes nothing anywhere: it belongs in a drift check above all.
    """

    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {
        "settings": {"type": "dict", "required": True},
        "os": {"type": "str", "required": True},
        "clients": {"type": "list", "elements": "str"},
        "required_clients": {"type": "list", "elements": "str", "default": []},
        "certificates": {"type": "list", "elements": "str", "default": ["RSA"]},
        "host": {"type": "str"},
        "ports": {"type": "list", "elements": "int", "default": list(catalog.MAILSTORE_TLS_PORTS)},
        "prove": {"type": "bool", "default": False},
        "timeout": {"type": "float", "default": 5.0},
        "profile": {"type": "str"},
        "warn": {"type": "bool", "default": True},
        "role_variables": {"type": "bool", "default": False},
    }

    def run_job(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        host = args["host"] or task_vars.get("ansible_host") or task_vars.get("inventory_hostname")
        options = ImpactOptions(
            settings=args["settings"], os_key=str(args["os"]), clients=args["clients"],
            required_clients=args["required_clients"], certificates=args["certificates"], host=host,
            ports=args["ports"], prove=args["prove"], timeout=args["timeout"], profile=args["profile"],
            role_variables=args["role_variables"],
        )
        result = run_client_impact(options)
        # Who is cut off is shown before anything is written; a disagreement is a finding, not a failure.
        shown = args["warn"] and result.get("cut_off") and not result.get("failed")
        warnings = [result["summary"]] if shown else []
        warnings += ["prediction and handshake disagree: %s" % d["message"] for d in result.get("disagreements") or ()]
        if warnings:
            result["warnings"] = [*result.get("warnings", []), *warnings]
        return result
