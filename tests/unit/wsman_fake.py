# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake ``send`` for unit tests: answers StdRegProv calls from an in-memory HKLM and WQL for the OS.

Responses follow the shapes of the real captures in fixtures/wsman (EnumKey.xml: out-params first, arrays as
repeated elements, ReturnValue last; EnumerateResponse with w:Items and w:EndOfSequence).

Why not the simulator's model (tests/winsim/stdregprov.py): these unit tests need a registry they can seed and
inspect as a flat ``{key: {name: (type, data)}}`` dict, write denial per key (the simulator denies per host), and an
``override`` hook that answers anything, with no state directory and no OS-shipped keys. The client layer is run
against the simulator's model end to end in tests/sim (test_drift_assessment.py). Where both answer the same
question they agree: ReturnValue 2 for a missing key, 1 for a missing value (2 for GetMultiStringValue), a default
value hidden from EnumValues when it is the key's only value, WBEM_E_TYPE_MISMATCH for another type, and CheckAccess
on a write-denied key gives ReturnValue 5 with bGranted false.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import (
    REG_BINARY,
    REG_DWORD,
    REG_MULTI_SZ,
    REG_QWORD,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.client import NS_A, NS_S, NS_W
from tests.winsim.stdregprov import (  # StdRegProv facts, one place
    GETTERS,
    SETTERS,
    WBEM_E_TYPE_MISMATCH,
    value_missing_code,
)

STDREGPROV = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/default/StdRegProv"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass
class Request:
    action: str
    resource_uri: str
    message_id: str
    root: ET.Element
    text: str

    @property
    def method(self) -> str:
        return self.action.rsplit("/", 1)[-1]

    def params(self) -> dict[str, list[str]]:
        body = self.root.find("{%s}Body" % NS_S)
        out: dict[str, list[str]] = {}
        for child in body[0] if len(body) else []:
            out.setdefault(child.tag.rsplit("}", 1)[-1], []).append(child.text or "")
        return out


@dataclass
class FakeHost:
    """An in-memory HKLM: ``{key path: {value name: (type, data)}}``; keys compare case-insensitively."""

    registry: dict[str, dict[str, tuple[int, object]]] = field(default_factory=dict)
    os_item: str = ""
    denied_keys: set[str] = field(default_factory=set)
    requests: list[Request] = field(default_factory=list)
    override: Callable[[Request], bytes | None] | None = None

    def send(self, text: str) -> bytes:
        root = ET.fromstring(text)
        header = root.find("{%s}Header" % NS_S)
        request = Request(
            action=header.find("{%s}Action" % NS_A).text,
            resource_uri=header.find("{%s}ResourceURI" % NS_W).text,
            message_id=header.find("{%s}MessageID" % NS_A).text,
            root=root,
            text=text,
        )
        self.requests.append(request)
        if self.override is not None:
            answer = self.override(request)
            if answer is not None:
                return answer
        if request.method == "Enumerate":
            return envelope(
                request,
                "http://schemas.xmlsoap.org/ws/2004/09/enumeration/EnumerateResponse",
                '<n:EnumerateResponse xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration">'
                "<n:EnumerationContext></n:EnumerationContext><w:Items>%s</w:Items><w:EndOfSequence/>"
                "</n:EnumerateResponse>" % self.os_item,
            )
        return self._stdregprov(request)

    # -- registry -------------------------------------------------------------------------------------------

    def _key(self, path: str) -> tuple[str, dict[str, tuple[int, object]]] | None:
        """The key at ``path``; a key that only has descendants listed exists too (with no values), as in a real
        registry every ancestor of a key exists."""
        for key, values in self.registry.items():
            if key.casefold() == path.casefold():
                return key, values
        prefix = path.casefold() + "\\"
        if any(key.casefold().startswith(prefix) for key in self.registry):
            return path, {}
        return None

    def _stdregprov(self, request: Request) -> bytes:
        method = request.method
        params = request.params()
        path = params["sSubKeyName"][0]
        name = params.get("sValueName", [None])[0]
        out: list[tuple[str, str]] = []
        found = self._key(path)
        denied = any(path.casefold() == k.casefold() for k in self.denied_keys)
        if denied and method.startswith(("Set", "Delete")):
            rv = 5
        elif method == "CreateKey":
            if found is None:
                self.registry[path] = {}
            rv = 0
        elif found is None:
            rv = 2
        elif method == "EnumKey":
            prefix = found[0].casefold() + "\\"
            children = {k[len(prefix) :].split("\\")[0] for k in self.registry if k.casefold().startswith(prefix)}
            out = [("sNames", child) for child in sorted(children)]
            rv = 0
        elif method == "EnumValues":
            listed = {} if list(found[1]) == [""] else found[1]  # a lone default value is not enumerated
            out = [("sNames", n) for n in listed] + [("Types", str(t)) for t, _ignored in listed.values()]
            rv = 0
        elif method in GETTERS:
            rv, out = self._get(found[1], name, *GETTERS[method])
            rv = value_missing_code(method) if rv is None else rv
        elif method in SETTERS:
            data = params.get("sValue") or params.get("uValue")
            reg_type = SETTERS[method]
            if reg_type == REG_MULTI_SZ:
                value = tuple(data)
            elif reg_type == REG_BINARY:
                value = tuple(int(octet) for octet in data)
            elif reg_type in (REG_DWORD, REG_QWORD):
                value = int(data[0])
            else:
                value = data[0]
            found[1][self._spelled(found[1], name)] = (reg_type, value)
            rv = 0
        elif method == "DeleteValue":
            spelled = self._spelled(found[1], name)
            rv = 0 if found[1].pop(spelled, None) is not None else 2
        elif method == "DeleteKey":
            del self.registry[found[0]]
            rv = 0
        elif method == "CheckAccess":
            out = [("bGranted", "false" if denied else "true")]
            rv = 5 if denied else 0
        else:
            raise AssertionError("fake has no %s" % method)
        return method_response(request, method, out, rv)

    @staticmethod
    def _spelled(values: dict[str, tuple[int, object]], name: str) -> str:
        return next((n for n in values if n.casefold() == name.casefold()), name)

    def _get(self, values, name, reg_type, out_name):
        """(ReturnValue, out-parameters); ReturnValue None when the value is missing (the getter decides the code)."""
        spelled = self._spelled(values, name)
        if spelled not in values:
            return None, []
        actual_type, data = values[spelled]
        if actual_type != reg_type:
            return WBEM_E_TYPE_MISMATCH, []
        if reg_type == REG_MULTI_SZ:
            return 0, [(out_name, item) for item in data]
        if reg_type == REG_BINARY:
            return 0, [(out_name, str(octet)) for octet in data]
        return 0, [(out_name, str(data))]


def envelope(request: Request, action: str, body: str, relates_to: str | None = None) -> bytes:
    return (
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
        'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" '
        'xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd" xml:lang="en-US">'
        "<s:Header><a:Action>%s</a:Action><a:MessageID>uuid:39F0214C-6B6A-4EFC-B971-CC0BC34D8DA4</a:MessageID>"
        "<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>"
        "<a:RelatesTo>%s</a:RelatesTo></s:Header><s:Body>%s</s:Body></s:Envelope>"
        % (action, relates_to or request.message_id, body)
    ).encode()


def method_response(request: Request, method: str, out: list[tuple[str, str]], return_value: int) -> bytes:
    from xml.sax.saxutils import escape

    uri = request.resource_uri
    inner = "".join("<p:%s>%s</p:%s>" % (n, escape(v), n) for n, v in out)
    body = (
        '<p:%s_OUTPUT xmlns:xsi="%s" xmlns:p="%s" xmlns:cim="http://schemas.dmtf.org/wbem/wscim/1/common">'
        "%s<p:ReturnValue>%d</p:ReturnValue></p:%s_OUTPUT>" % (method, NS_XSI, uri, inner, return_value, method)
    )
    return envelope(request, "%s/%sResponse" % (uri, method), body)


def os_item(caption: str, version: str, build: str, last_boot: str, name: str) -> str:
    """A <p:Win32_OperatingSystem> item shaped like the Server 2012 WQL capture in tariksetia/txwinrm
    (txwinrm/test/data/server_2012/Win32_OperatingSystem_star_000.xml)."""
    from xml.sax.saxutils import escape

    return (
        '<p:Win32_OperatingSystem xmlns:xsi="%s" '
        'xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_OperatingSystem" '
        'xmlns:cim="http://schemas.dmtf.org/wbem/wscim/1/common" xsi:type="p:Win32_OperatingSystem_Type">'
        "<p:BuildNumber>%s</p:BuildNumber><p:Caption>%s</p:Caption><p:CSDVersion xsi:nil=\"true\"/>"
        "<p:Description></p:Description>"
        "<p:LastBootUpTime><cim:Datetime>%s</cim:Datetime></p:LastBootUpTime>"
        "<p:Name>%s</p:Name><p:Version>%s</p:Version></p:Win32_OperatingSystem>"
        % (NS_XSI, build, escape(caption), last_boot, escape(name), version)
    )
