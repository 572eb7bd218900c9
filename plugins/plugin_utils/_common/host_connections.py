# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection plugin a task would get on another host of the play, for a task that works on a batch of hosts.

ansible-core resolves a task's connection on the host it runs on (ansible/executor/task_executor.py ``_execute``):
the play context overridden by the task and the host's variables (``PlayContext.set_task_and_variable_override``,
``post_validate``, ``remote_addr`` defaulting to the host's address, ``update_vars``), the connection type from
``ansible_connection`` (templated) or the task's, the plugin loaded with that play context (``_get_connection``),
then its options from the host's variables that the plugin declares, ``ansible_winrm_*`` extras included, and the
task's keys (``_set_connection_options``: ``timeout`` from the play context, a password given with ``-k``).
``HostConnections.for_host`` repeats those steps for another host, with that host's own variables
(``HostVars.raw_get``: as stored, templated here in that host's context only where a connection option reads them),
so that a batch task reaches each host exactly as a task per host would: same address, port, transport,
credentials, certificate checks and timeouts. Become does not apply (no remote process is started).

One plugin object per connection type serves every host, its options set again for each: ansible-core's winrm
plugin sets two loggers' levels when it is built (``Connection.__init__``), and each ``setLevel`` empties every
logger's level cache, which made the batch's threads queue on logging's module lock for every later debug call.
The object is not thread-safe for that reason: call ``for_host`` from one thread and take what is needed from the
plugin (``connection.winrm_target``) before the next call.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.action import insecure_allowed
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.batch import Opener, failing
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import (
    FleetsecError,
    HostUnreachable,
    InputError,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.connection import open_target, winrm_target
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.tickets import CREDENTIALS_REFUSED, managed_kinit


class HostConnections:
    """Connection plugins for the hosts of a batch, as a task of ``action``'s kind would get them on each host."""

    def __init__(self, action: Any, hostvars: Any) -> None:
        self.action = action
        self.hostvars = hostvars
        self._plugins: dict[str, Any] = {}
        # The last host's lab opt-in for an insecure transport (valid until the next for_host, like the plugin).
        self.allow_insecure = False

    def for_host(self, name: str) -> Any:
        """The connection plugin, options set for host ``name`` (valid until the next call)."""
        raw_get = getattr(self.hostvars, "raw_get", None)
        found = raw_get(name) if raw_get is not None else None
        if not isinstance(found, Mapping):  # an unknown host is an undefined marker
            raise InputError("%s is not a host of the inventory: hosts must name inventory hosts" % name,
                             code="hosts")
        variables = dict(found)
        action, task = self.action, self.action._task
        templar = action._templar.copy_with_new_env(available_variables=variables)
        play_context = action._play_context.set_task_and_variable_override(task=task, variables=variables,
                                                                           templar=templar)
        play_context.post_validate(templar=templar)
        if not play_context.remote_addr:
            play_context.remote_addr = variables.get("inventory_hostname") or name
        play_context.update_vars(variables)
        kind = (templar.template(variables["ansible_connection"]) if variables.get("ansible_connection") is not None
                else task.connection)
        play_context.connection = kind
        connection = self._plugins.get(kind)
        if connection is None:
            connection = action._shared_loader_obj.connection_loader.get(kind, play_context, new_stdin=None)
            if connection is None:
                raise InputError("the connection plugin %r of %s was not found" % (kind, name), code="connection")
            self._plugins[kind] = connection
        connection._play_context = play_context
        task_keys = task.dump_attrs()
        task_keys["timeout"] = play_context.timeout
        if play_context.password:
            task_keys["password"] = play_context.password
        task_keys.pop("retries", None)
        connection.set_options(task_keys=task_keys,
                               var_options=connection._resolve_option_variables(variables, templar))
        self.allow_insecure = insecure_allowed(templar, variables)
        return connection


def batch_openers(action: Any, hostvars: Any, names: list[str], max_reconnects: int,
                  per_host: list[str]) -> Iterator[tuple[str, Opener]]:
    """Each host's session opener for ``batch.run_batch``, its connection resolved here, in the task's own thread.

    A host whose connection cannot be resolved gets an opener that fails it alone.

    Hosts whose Kerberos ticket ansible-core gets itself (``ansible_winrm_kinit_mode: managed``) share one ticket:
    ansible-core's kinit writes it to a cache it names in the process environment (winrm.py ``_kerb_auth``:
    ``KRB5CCNAME``), one for the whole process, so the batch runs that kinit once, here, before the first such host is
    handed to a thread, and every host with the same principal, password and kinit options authenticates from it (a
    domain fleet's inventory gives them all the same). A host of another principal or kinit, or every such host when
    that kinit failed for another reason than the KDC refusing the credentials, goes to ``per_host`` instead: its own
    task runs its own kinit and says what went wrong. When the KDC refused the principal's password (wrong, expired,
    the account revoked), every host of that principal fails with that error and no further kinit is run: one
    failure at the KDC per run, not one per host, so a wrong password in the inventory cannot lock the account out.
    The cache is removed when the task ends (``tickets.release_all`` in the action's ``finally``).
    """
    connections = HostConnections(action, hostvars)
    ticket: tuple[tuple[Any, ...], Any] | None = None  # the batch's kinit: what it was run with, its cache or error
    for name in names:
        try:
            connection = connections.for_host(name)
            target = winrm_target(connection, allow_insecure=connections.allow_insecure)
        except FleetsecError as error:
            yield name, failing(error)
            continue
        if target.managed_kerberos:
            inputs = kinit_inputs(connection, target.password)
            if ticket is None:
                try:
                    ticket = inputs, managed_kinit(connection, target.password)
                except HostUnreachable as error:
                    ticket = inputs, error
            if ticket[0] != inputs:
                per_host.append(name)
                continue
            if isinstance(ticket[1], HostUnreachable):
                if CREDENTIALS_REFUSED.search(str(ticket[1])):
                    yield name, failing(ticket[1])  # no kinit per host: each would count towards the lock-out
                else:
                    per_host.append(name)
                continue
            target = dataclasses.replace(target, ticket=ticket[1])
        yield name, partial(open_target, target, max_reconnects)


def kinit_inputs(connection: Any, password: str) -> tuple[Any, ...]:
    """What ansible-core's managed kinit depends on (winrm.py ``_kerb_auth``): the principal and its password, the
    kinit command, its arguments (or the delegation flag that adds ``-f``) and the variables passed to it."""
    return (connection._winrm_user, password, connection._kinit_cmd, connection.get_option("kinit_args"),
            tuple(connection.get_option("kinit_env_vars") or ()),
            str(connection.get_option("_extras").get("ansible_winrm_kerberos_delegation", False)))
