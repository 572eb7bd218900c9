# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every WS-Man action plugin of the collection shares: argument validation, the session, the result.

An action plugin names its ``ARGUMENT_SPEC`` and implements ``run_job(session, args, task_vars)`` as one call
into its job module; this base validates the arguments (unknown names and wrong types fail the task naming the
option), opens the WS-Man session on the task's own WinRM settings, maps any FleetsecError with ``to_result()``
and adds ``calls`` (the WS-Man requests the task cost) to every result, failed or not. A plugin that can also
serve a batch of hosts from one task overrides ``run_validated`` (win_schannel; see plugin_utils/_common/batch.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common import lifeline
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.batch import calls_of, run_on_host
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import FleetsecError, InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman import tickets
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.connection import (
    ALLOW_INSECURE_VAR,
    Session,
    open_session,
)


def check_arguments(spec: dict[str, Any], given: dict[str, Any], what: str) -> dict[str, Any]:
    """``given`` checked against ``spec`` with Ansible's validator: InputError naming ``what`` and the option."""
    validation = ArgumentSpecValidator(spec).validate(given)
    errors = validation.errors.errors
    if errors:
        kind = "Unsupported parameters" if isinstance(errors[0], UnsupportedError) else "Invalid arguments"
        raise InputError("%s for %s: %s" % (kind, what, validation.errors.msg))
    return validation.validated_parameters


def insecure_allowed(templar: Any, variables: Mapping[str, Any]) -> bool:
    """The host's lab opt-in for a transport that sends credentials or messages in clear (connection.py)."""
    raw = variables.get(ALLOW_INSECURE_VAR, False)
    return boolean(templar.template(raw) if isinstance(raw, str) else raw, strict=False)


class WsmanAction(ActionBase):
    """Base of the collection's host-side action plugins (they run on the controller and talk WS-Man)."""

    TRANSFERS_FILES = False
    _requires_connection = True
    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {}
    MAX_RECONNECTS = 3

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        lifeline.watch()  # this worker's controller: its writes stop when that process is gone
        self.allow_insecure = insecure_allowed(self._templar, task_vars or {})
        result = super().run(tmp, task_vars)
        del tmp
        try:
            args = self.validated_args()
        except FleetsecError as error:
            result.update(error.to_result())
            result["calls"] = calls_of(None)
            return result
        try:
            result.update(self.run_validated(args, task_vars or {}))
        finally:
            tickets.release_all()  # no ticket cache of this task outlives it (the worker leaves with os._exit)
        if lifeline.controller_gone():
            lifeline.exit_orphan()  # the result has no one to go to, and sending it would block for ever
        return result

    def run_validated(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        """The task's result once its arguments are valid: by default ``run_job`` on this task's host."""
        return run_on_host(lambda: open_session(self._connection, self.MAX_RECONNECTS,
                                                allow_insecure=self.allow_insecure),
                           lambda session: self.run_job(session, args, task_vars))

    def validated_args(self) -> dict[str, Any]:
        """The task's arguments checked against ARGUMENT_SPEC; InputError naming the module and the option."""
        return check_arguments(self.ARGUMENT_SPEC, dict(self._task.args), "(%s) module" % self._task.action)

    def run_job(self, session: Session, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def inventory_name(self, task_vars: dict[str, Any]) -> str:
        return str(task_vars.get("inventory_hostname") or self._connection.get_option("remote_addr"))
