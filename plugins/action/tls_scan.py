# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tls_scan: thin action plugin; the job is plugin_utils.tls_scan.task (documentation: modules/)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.controller_action import (
    ControllerAction,
    registered_vars,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.policy import given_policy
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.task import (
    check_targets,
    run_batch_scan,
    run_tls_scan,
)


class ActionModule(ControllerAction):
    """Runs on the controller only: the host's WinRM connection is never opened."""

    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {
        "host": {"type": "str"},
        "hosts": {"type": "list", "elements": "str"},
        "concurrency": {"type": "int", "default": 16},
        "ports": {"type": "list", "elements": "int", "default": list(catalog.MAILSTORE_TLS_PORTS)},
        "depth": {"type": "str", "choices": ["compliance", "full"], "default": "compliance"},
        "timeout": {"type": "float", "default": 5},
        "port_timeout": {"type": "float", "default": 120},
        "settings": {"type": "dict"},
        "settings_by_os": {"type": "dict"},
        "settings_from": {"type": "str"},
        "os": {"type": "raw"},
        "os_from": {"type": "str"},
        "server_name": {"type": "str"},
        "fail_on_findings": {"type": "bool", "default": False},
    }

    def run_job(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        check_targets(args)
        if args["settings_from"] is not None:  # schannel_resolve's registered result, read as stored
            settings, by_os = given_policy(args, task_vars)
            args = {**args, "settings": settings, "settings_by_os": by_os, "settings_from": None}
        if args["hosts"] is None:
            return run_tls_scan(args, str(task_vars.get("inventory_hostname", "")), task_vars.get("ansible_host"))
        hostvars = task_vars.get("hostvars") or {}
        registered = {name: registered_vars(hostvars, name) for name in args["hosts"]}
        addresses = {name: self.host_address(hostvars, found, name) for name, found in registered.items()}
        if args["os_from"]:
            args = {**args, "os": {name: ((found.get(args["os_from"]) or {}).get("os") or {}).get("key")
                                   for name, found in registered.items()}}
        return run_batch_scan(args, addresses)
