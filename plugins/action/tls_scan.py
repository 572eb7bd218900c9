# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tls_scan: thin action plugin; the job is plugin_utils.tls.task (documentation: modules/)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible_collections.fleetsec.schannel.plugins.plugin_utils.controller_action import (
    ControllerAction,
    registered_vars,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls.task import run_batch_scan, run_tls_scan


class ActionModule(ControllerAction):
    """Runs on the controller only: the host's WinRM connection is never opened."""

    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {
        "host": {"type": "str"},
        "hosts": {"type": "list", "elements": "str"},
        "concurrency": {"type": "int", "default": 16},
        "ports": {"type": "list", "elements": "int", "default": [8460, 8462, 8463]},
        "depth": {"type": "str", "choices": ["compliance", "full"], "default": "compliance"},
        "timeout": {"type": "float", "default": 5},
        "port_timeout": {"type": "float", "default": 120},
        "settings": {"type": "dict"},
        "os": {"type": "raw"},
        "os_from": {"type": "str"},
        "server_name": {"type": "str"},
        "fail_on_findings": {"type": "bool", "default": False},
    }

    def run_job(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        if args["hosts"] is None:
            if isinstance(args["os"], dict):
                raise InputError("os is one Windows version key (such as '2019') when hosts is not given",
                                 code="os")
            return run_tls_scan(args, str(task_vars.get("inventory_hostname", "")), task_vars.get("ansible_host"))
        if args["host"] or args["server_name"]:
            raise InputError("host and server_name name one host: leave them out with hosts (each host is scanned "
                             "at its ansible_host, and its name is sent as SNI when it is a DNS name)", code="hosts")
        if args["os"] is not None and not isinstance(args["os"], (str, dict)):
            raise InputError("os must be a version key or a mapping of inventory host to version key", code="os")
        if (args["os"] is None) == (args["os_from"] is None):
            raise InputError("give the hosts' Windows versions either as os or as os_from (the variable each host "
                             "registered a win_schannel or win_schannel_info result in)", code="os")
        hostvars = task_vars.get("hostvars") or {}
        registered = {name: registered_vars(hostvars, name) for name in args["hosts"]}
        addresses = {name: self.host_address(hostvars, found, name) for name, found in registered.items()}
        if args["os_from"]:
            args = {**args, "os": {name: ((found.get(args["os_from"]) or {}).get("os") or {}).get("key")
                                   for name, found in registered.items()}}
        return run_batch_scan(args, addresses)
