# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of fleetsec.schannel.schannel_resolve: the role's settings, resolved once on the controller."""

from __future__ import annotations

from datetime import UTC, datetime

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.errors import FleetsecError, InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.role_settings import check_run_id, resolve

ARGUMENT_SPEC = {
    "profile": {"type": "str", "default": "recommended"},
    "profiles": {"type": "raw", "default": {}},
    "template": {"type": "str"},
    "overrides": {"type": "raw", "default": {}},
    "os_keys": {"type": "raw", "default": list(catalog.OS_KEYS)},
    "run_id": {"type": "str"},
}


class ActionModule(ActionBase):
    """Resolves without a connection: nothing runs on, or is sent to, any host."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        try:
            template_text = self._read_template(args["template"]) if args["template"] else None
            resolved = resolve(args["profile"], args["profiles"], args["overrides"], args["os_keys"],
                               template=args["template"], template_text=template_text)
            now = datetime.now(UTC)
            run_id = check_run_id(args["run_id"] or now.strftime("%Y%m%dT%H%M%SZ"))
        except FleetsecError as exc:
            result.update(exc.to_result())
            return result
        result.update(resolved.as_dict())
        result["run_id"] = run_id
        result["started"] = now.isoformat(timespec="seconds").replace("+00:00", "Z")
        result["changed"] = False
        return result

    def _read_template(self, template: str) -> bytes:
        """The template's bytes, found as Ansible finds files (the role's or playbook's files/, or a path)."""
        try:
            path = self._find_needle("files", template)
            with open(path, "rb") as handle:
                return handle.read()
        except (AnsibleError, OSError) as exc:
            raise InputError("schannel_iiscrypto_template: cannot read '%s': %s" % (template, to_native(exc)),
                             code="template-unreadable") from None
