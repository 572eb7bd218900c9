# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's controller-only action plugins share (tls_scan, compliance_report, client_impact and the
role's schannel_resolve / schannel_results).

They open no connection to the host (no WinRM login, nothing sent to the host's WS-Man port) and write nothing on
it, so they run in check mode too: a drift check wants its scan, its prediction and its report. A plugin names its
``ARGUMENT_SPEC`` and implements ``run_job(args, task_vars)``; this base validates the arguments as the WS-Man base
does (``check_arguments``: the message names the module and the option) and maps any FleetsecError with
``to_result()``. The WS-Man plugins have their own base, ``plugin_utils/_common/action.py``, which also opens the
session.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ansible.plugins.action import ActionBase

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.action import check_arguments
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import FleetsecError


class ControllerAction(ActionBase):
    """Base of the action plugins that run on the controller alone."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {}

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        del tmp
        try:
            # The same validation as the WS-Man plugins': unknown names and wrong types fail naming the option.
            args = check_arguments(self.ARGUMENT_SPEC, dict(self._task.args), "(%s) module" % self._task.action)
            result.update(self.run_job(args, task_vars or {}))
        except FleetsecError as error:
            result.update(error.to_result())
        return result

    def run_job(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        """The task's result (without the base's keys); raise a FleetsecError to fail it."""
        raise NotImplementedError

    def host_address(self, hostvars: Any, registered: Mapping[str, Any], name: str) -> str:
        """Another host's ansible_host (from its ``registered_vars``), templated in that host's own context only when
        it is a template; else its inventory name."""
        address = registered.get("ansible_host")
        if isinstance(address, str) and self._templar.is_template(address):
            address = hostvars[name].get("ansible_host")
        return str(address or name)


def registered_vars(hostvars: Any, host: str) -> Mapping[str, Any]:
    """Another host's variables as stored, not templated on access (``{}`` for a host not in the inventory).

    For what a task registered there: results are data, never templates, and ``hostvars[host][name]`` templates the
    whole value again on every access, which over a batch of hundreds of hosts cost a run-once task more than all the
    rest of its work. ``HostVars.raw_get`` computes the host's variables and leaves them as they are.
    """
    raw_get = getattr(hostvars, "raw_get", None)
    found = raw_get(host) if raw_get else (hostvars or {}).get(host)
    return found if isinstance(found, Mapping) else {}  # an unknown host is an undefined marker
