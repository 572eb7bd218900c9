"""Requests the tests send through an unmodified pywinrm ``Protocol``: built the way an action plugin builds them
(``build_wsman_header`` + xmltodict), answers parsed with ElementTree."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import xmltodict

from tests.winsim.kerberos_realm import host_fqdn

HKLM = "2147483650"
WMI = "http://schemas.microsoft.com/wbem/wsman/1/wmi"
REGPROV = f"{WMI}/root/default/StdRegProv"
OS_URI = f"{WMI}/root/cimv2/Win32_OperatingSystem"
NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "n": "http://schemas.xmlsoap.org/ws/2004/09/enumeration",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "cim": "http://schemas.dmtf.org/wbem/wscim/1/common",
}
SCHANNEL = r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL"


def message(proto, action: str, resource_uri: str, body: dict, selectors: dict[str, str] | None = None) -> str:
    envelope = proto.build_wsman_header(action=action, resource_uri=resource_uri)
    if selectors:
        envelope["env:Header"]["w:SelectorSet"] = {
            "w:Selector": [{"@Name": name, "#text": value} for name, value in selectors.items()]}
    envelope["env:Body"] = body
    return xmltodict.unparse({"env:Envelope": envelope})


def send(proto, action: str, resource_uri: str, body: dict, selectors: dict[str, str] | None = None) -> ET.Element:
    """Send and return the parsed response envelope (faults raise WSManFaultError)."""
    return ET.fromstring(proto.send_message(message(proto, action, resource_uri, body, selectors)))


def body_of(root: ET.Element) -> ET.Element:
    return next(iter(root.find("s:Body", NS)))


def invoke(proto, resource_uri: str, method: str, params: list[tuple[str, object]] | None = None,
           selectors: dict[str, str] | None = None) -> ET.Element:
    """Invoke a WMI method; returns the ``{Method}_OUTPUT`` element."""
    inner: dict = {"@xmlns:p": resource_uri}
    for name, value in params or []:
        inner[f"p:{name}"] = value
    root = send(proto, f"{resource_uri}/{method}", resource_uri, {f"p:{method}_INPUT": inner}, selectors)
    return body_of(root)


def outputs(element: ET.Element) -> dict[str, list[str]]:
    """Output parameters by local name; every value is a list (arrays are repeated elements)."""
    out: dict[str, list[str]] = {}
    for child in element:
        out.setdefault(child.tag.rpartition("}")[2], []).append(child.text or "")
    return out


def reg(proto, method: str, key: str, name: str | None = None, namespace: str = "root/default",
        **extra: object) -> dict[str, list[str]]:
    """StdRegProv call with hDefKey=HKLM; returns outputs() of the answer."""
    params: list[tuple[str, object]] = [("hDefKey", HKLM), ("sSubKeyName", key)]
    if name is not None:
        params.append(("sValueName", name))
    params.extend(extra.items())
    return outputs(invoke(proto, f"{WMI}/{namespace}/StdRegProv", method, params))


def enumerate_wql(proto, query: str, optimize: bool) -> ET.Element:
    """WQL Enumerate as WinRb/WinRM wql_query.rb builds it; returns n:EnumerateResponse."""
    body: dict = {"n:Enumerate": {
        "@xmlns:n": NS["n"], "@xmlns:w": NS["w"],
        "w:Filter": {"@Dialect": "http://schemas.microsoft.com/wbem/wsman/1/WQL", "#text": query}}}
    if optimize:
        body["n:Enumerate"]["w:OptimizeEnumeration"] = None
        body["n:Enumerate"]["w:MaxElements"] = "32000"
    root = send(proto, f"{NS['n']}/Enumerate", f"{WMI}/root/cimv2/*", body)
    return body_of(root)


def pull(proto, context: str, max_elements: int = 32000) -> ET.Element:
    body = {"n:Pull": {"@xmlns:n": NS["n"], "n:EnumerationContext": context, "n:MaxElements": str(max_elements)}}
    return body_of(send(proto, f"{NS['n']}/Pull", f"{WMI}/root/cimv2/*", body))


def get_os(proto, key: str | None) -> ET.Element:
    selectors = {"Name": key} if key is not None else None
    return body_of(send(proto, f"{NS['x']}/Get", OS_URI, {}, selectors))


def os_instance(items_parent: ET.Element) -> ET.Element:
    """The one instance under ``w:Items``/``n:Items``: a ``p:Win32_OperatingSystem`` (SELECT *) or a
    ``w:XmlFragment`` (a property list)."""
    items = next(child for child in items_parent if child.tag.rpartition("}")[2] == "Items")
    (instance,) = list(items)
    return instance


def os_property(instance: ET.Element, name: str) -> ET.Element:
    """A property of a class instance (``p:`` children) or of a ``w:XmlFragment`` (unprefixed children)."""
    found = instance.find(f"{{{OS_URI}}}{name}")
    if found is None:
        found = instance.find(name)
    assert found is not None, name
    return found


def kerberos_protocol(fleet, host: str, scheme: str = "http", override: str | None = None):
    """pywinrm as Ansible builds it for ``ansible_winrm_transport: kerberos`` with a ticket already in the cache."""
    return fleet.protocol(host, scheme, transport="kerberos", username=None, password=None,
                          kerberos_hostname_override=override or host_fqdn(host))
