# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of fleetsec.schannel.schannel_resolve: the role's settings, resolved once on the controller."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.controller_action import (
    ControllerAction,
    registered_vars,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.run_record import check_run_id
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.timestamps import iso_utc, stamp
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.schannel_resolve import variables as run_vars
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.schannel_resolve.settings import (
    check_serial,
    max_fail_percentage,
    resolve,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.win_schannel_restore.plan import check_choice


class ActionModule(ControllerAction):
    """Resolves without a connection: nothing runs on, or is sent to, any host."""

    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {
        "profile": {"type": "str", "default": "recommended"},
        "profiles": {"type": "raw", "default": {}},
        "template": {"type": "str"},
        "overrides": {"type": "raw", "default": {}},
        "os_keys": {"type": "raw", "default": list(catalog.OS_KEYS)},
        "run_id": {"type": "str"},
        "batch": {"type": "list", "elements": "str", "default": []},
        "argument_specs": {"type": "dict"},
        "check_hosts": {"type": "list", "elements": "str", "default": []},
        # The rollout variables, checked here before any host is touched (the play has already cut its batches
        # with a value Ansible can parse: harden.yml, restore.yml).
        "serial": {"type": "raw", "default": "20%"},
        "max_fail_percentage": {"type": "raw", "default": 0},
        # A restore's choice, checked here before any host is touched (win_schannel_restore checks it again per host).
        "restore": {"type": "dict", "options": {"backup_file": {"type": "str"}, "run_id": {"type": "str"},
                                                "backup_dir": {"type": "str", "required": True}}},
    }

    def run_job(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        if args["argument_specs"]:
            self._check_variables(run_vars.known_names(args["argument_specs"]), args["check_hosts"], task_vars)
        if args["restore"]:
            check_choice(**args["restore"])
        check_serial(args["serial"])
        fail_percentage = max_fail_percentage(args["max_fail_percentage"])
        template_text = self._read_template(args["template"]) if args["template"] else None
        resolved = resolve(args["profile"], args["profiles"], args["overrides"], args["os_keys"],
                           template=args["template"], template_text=template_text)
        now = datetime.now(UTC)
        return {
            **resolved.as_dict(),
            "run_id": check_run_id(args["run_id"] or stamp(now)),  # each play of a run its own directory
            "batch": args["batch"],
            "max_fail_percentage": fail_percentage,
            "started": iso_utc(now),
            "changed": False,
        }

    def _check_variables(self, known: frozenset[str], hosts: list[str], task_vars: dict[str, Any]) -> None:
        """Refuse unknown schannel_* extra vars, and role variables whose value differs on one of ``hosts``."""
        manager = self._task.get_variable_manager()
        run_vars.refuse_unknown(manager.extra_vars, known)
        names = sorted(known - run_vars.PER_HOST)
        hostvars = task_vars["hostvars"]
        first = task_vars["inventory_hostname"]
        missing = object()
        first_raw = registered_vars(hostvars, first)
        differences: dict[str, dict[str, Any]] = {}
        for host in hosts:
            if host == first:
                continue
            # The inventory and extra vars as stored: where they give this host what they give the first host, the
            # play gives it the same value too (play and role vars are the same for every host).
            raw = registered_vars(hostvars, host)
            suspect = [name for name in names if raw.get(name, missing) is not first_raw.get(name, missing)
                       and raw.get(name, missing) != first_raw.get(name, missing)]
            if not suspect:
                continue
            # Only then the host's variables as its own task would see them (play, role defaults and vars included).
            # ansible-core gives an action no public way to the inventory's Host, which get_vars needs.
            inventory = manager._inventory  # pylint: disable=protected-access
            host_vars = manager.get_vars(play=self._task.get_play(), host=inventory.get_host(host),
                                         task=self._task, include_hostvars=False)
            templar = self._templar.copy_with_new_env(available_variables=host_vars)
            for name in suspect:
                value = templar.template(host_vars.get(name))
                if value != self._templar.template(task_vars.get(name)):
                    differences.setdefault(name, {})[host] = value
        run_vars.refuse_per_host(differences, {name: self._templar.template(task_vars.get(name))
                                               for name in differences}, first)

    def _read_template(self, template: str) -> bytes:
        """The template's bytes, found as Ansible finds files (the role's or playbook's files/, or a path)."""
        try:
            path = self._find_needle("files", template)
            with open(path, "rb") as handle:
                return handle.read()
        except (AnsibleError, OSError) as exc:
            raise InputError("schannel_iiscrypto_template: cannot read '%s': %s" % (template, to_native(exc)),
                             code="template-unreadable") from None
