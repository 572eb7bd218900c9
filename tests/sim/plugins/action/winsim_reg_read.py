"""Test-only action: read one REG_DWORD through the task's own WinRM connection (StdRegProv.GetDWORDValue).

It exercises exactly what the collection's action plugins do (ansible-core 2.21.5
ansible/plugins/connection/winrm.py: ``_connect()`` sets ``protocol``): connect the task's
winrm connection, take its pywinrm Protocol and send a WS-Man message built with ``build_wsman_header``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import xmltodict
from ansible.plugins.action import ActionBase

URI = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/default/StdRegProv"
HKLM = "2147483650"


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("key", "name"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        key, name = self._task.args["key"], self._task.args["name"]
        self._connection._connect()
        proto = self._connection.protocol
        envelope = proto.build_wsman_header(action=f"{URI}/GetDWORDValue", resource_uri=URI)
        envelope["env:Body"] = {"p:GetDWORDValue_INPUT": {
            "@xmlns:p": URI, "p:hDefKey": HKLM, "p:sSubKeyName": key, "p:sValueName": name}}
        answer = ET.fromstring(proto.send_message(xmltodict.unparse({"env:Envelope": envelope})))
        output = answer.find(f".//{{{URI}}}GetDWORDValue_OUTPUT")
        values = {child.tag.rpartition("}")[2]: child.text for child in output}
        result["changed"] = False
        result["return_value"] = int(values["ReturnValue"])
        if "uValue" in values:
            result["value"] = int(values["uValue"])
        if result["return_value"] != 0:
            result["failed"] = True
            result["msg"] = f"GetDWORDValue returned {result['return_value']}"
        return result
