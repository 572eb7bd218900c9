"""SOAP 1.2 / WS-Management envelopes as a Windows WinRM service reads and writes them.

Parsing is namespace-aware (clients pick their own prefixes: pywinrm uses ``env:``); responses use the prefixes
Windows emits (MS-WSMV 2.2.1; jborean93/pypsrp src/pypsrp/wsman.py NAMESPACES), the header block of the real captures
(``a:Action``, ``a:MessageID``, ``a:To`` anonymous, ``a:RelatesTo``) and no XML declaration.
"""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

NS_S = "http://www.w3.org/2003/05/soap-envelope"
NS_A = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
NS_W = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
NS_P = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"
NS_N = "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
NS_X = "http://schemas.xmlsoap.org/ws/2004/09/transfer"
NS_E = "http://schemas.xmlsoap.org/ws/2004/08/eventing"
NS_F = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"
NS_CIM = "http://schemas.dmtf.org/wbem/wscim/1/common"
NS_RSP = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"

# Envelope namespace sets, copied from the captures each response kind is modelled on.
# EnumKey.xml (Openwsman/openwsman bindings/ruby/tests/EnumKey.xml): s a x w p.
ENV_METHOD = (("s", NS_S), ("a", NS_A), ("x", NS_X), ("w", NS_W), ("p", NS_P))
# Shell CreateResponse of a real Server 2016 host (pypsrp test_client_execute_cmd.yml): s a x w rsp p.
ENV_SHELL = (("s", NS_S), ("a", NS_A), ("x", NS_X), ("w", NS_W), ("rsp", NS_RSP), ("p", NS_P))
# Shell DeleteResponse of the same recording: s a w p.
ENV_SHELL_DELETE = (("s", NS_S), ("a", NS_A), ("w", NS_W), ("p", NS_P))
# WQL with a property list (txwinrm Server 2008 R2 / 2012 Win32_OperatingSystem_all_000.xml): s a n w.
ENV_FRAGMENT = (("s", NS_S), ("a", NS_A), ("n", NS_N), ("w", NS_W))
# WS-Enumeration responses (txwinrm's Server 2012 captures) and every fault (pywinrm test_exceptions.py
# captures): s a x e n w p.
ENV_FULL = (("s", NS_S), ("a", NS_A), ("x", NS_X), ("e", NS_E), ("n", NS_N), ("w", NS_W), ("p", NS_P))

MACHINE_PLACEHOLDER = "{machine}"  # replaced by the host name when a prebuilt fault detail is rendered

WmiValue = str | int | bool | dt.datetime | None | list[str | int]


class WsmanFault(Exception):
    """A SOAP fault to return with HTTP 500 (pywinrm 0.5.0 winrm/protocol.py send_message; its test_exceptions.py).

    ``detail`` replaces the default ``f:WSManFault`` detail when given (raw XML, e.g. an MSFT_WmiError instance).
    """

    def __init__(
        self,
        code: str,
        subcode: str | None,
        reason: str,
        wsman_code: int | None,
        *,
        message: str | None = None,
        action: str = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault",
        detail: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.code = code
        self.subcode = subcode
        self.reason = reason
        self.wsman_code = wsman_code
        self.message = message if message is not None else reason
        self.action = action
        self.detail = detail


@dataclass
class WsmanRequest:
    """The parts of a WS-Management request the service dispatches on."""

    action: str
    resource_uri: str
    message_id: str
    selectors: dict[str, str] = field(default_factory=dict)  # casefolded name -> value
    body: ET.Element | None = None


def parse_request(data: bytes) -> WsmanRequest:
    """Parse a SOAP envelope; malformed input raises the fault Windows gives for an invalid envelope."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        # wsmerror.h ERROR_WSMAN_INVALID_SOAP_BODY 0x80338027 ("wsman, code=Sender, subcode=InvalidBody")
        raise invalid_body() from exc
    if root.tag != f"{{{NS_S}}}Envelope":
        # wsmerror.h ERROR_WSMAN_SOAP_VERSION_MISMATCH 0x8033800D: only SOAP 1.2 envelopes are accepted.
        raise WsmanFault(
            "s:VersionMismatch",
            None,
            "The WS-Management service does not support the SOAP version specified in the request.",
            0x8033800D,
            action=f"{NS_A}/fault",
        )
    header = root.find(f"{{{NS_S}}}Header")
    body_el = root.find(f"{{{NS_S}}}Body")
    if header is None or body_el is None:
        raise invalid_body()
    action = _text(header.find(f"{{{NS_A}}}Action"))
    resource_uri = _text(header.find(f"{{{NS_W}}}ResourceURI"))
    message_id = _text(header.find(f"{{{NS_A}}}MessageID"))
    if not action or not message_id:
        # wsmerror.h ERROR_WSMAN_MESSAGE_INFORMATION_HEADER_REQUIRED 0x80338011
        # ("wsa, code=Sender, subcode=WS-Addressing MessageInformationHeaderRequired")
        raise WsmanFault(
            "s:Sender",
            "a:MessageInformationHeaderRequired",
            "The WS-Management service cannot process the request. The request does not have all the expected "
            "SOAP headers.",
            0x80338011,
            action=f"{NS_A}/fault",
        )
    selectors = {
        (sel.get("Name") or "").casefold(): _text(sel)
        for sel in header.iterfind(f"{{{NS_W}}}SelectorSet/{{{NS_W}}}Selector")
    }
    children = list(body_el)
    return WsmanRequest(action, resource_uri, message_id, selectors, children[0] if children else None)


def invalid_body() -> WsmanFault:
    """wsmerror.h ERROR_WSMAN_INVALID_SOAP_BODY (0x80338027), code=Sender, subcode w:InvalidBody."""
    return WsmanFault(
        "s:Sender",
        "w:InvalidBody",
        "The WS-Management service cannot process the request because the request packet does not have a valid "
        "SOAP body.",
        0x80338027,
    )


def _text(el: ET.Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def new_message_id() -> str:
    """Windows writes upper-case UUIDs in a:MessageID (Openwsman EnumKey.xml, txwinrm Server 2012 captures)."""
    return "uuid:" + str(uuid.uuid4()).upper()


def envelope(namespaces: tuple[tuple[str, str], ...], action: str, relates_to: str, body: str) -> bytes:
    """A response envelope in the header layout of the real captures."""
    ns = "".join(f' xmlns:{prefix}="{uri}"' for prefix, uri in namespaces)
    return (
        f'<s:Envelope xml:lang="en-US"{ns}><s:Header>'
        f"<a:Action>{escape(action)}</a:Action>"
        f"<a:MessageID>{new_message_id()}</a:MessageID>"
        f"<a:To>{ANONYMOUS}</a:To>"
        f"<a:RelatesTo>{escape(relates_to)}</a:RelatesTo>"
        f"</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def fault_envelope(fault: WsmanFault, relates_to: str | None, machine: str) -> bytes:
    """SOAP 1.2 fault with the f:WSManFault detail Windows sends (pywinrm test_exceptions.py captures)."""
    subcode = (
        f"<s:Subcode><s:Value>{escape(fault.subcode)}</s:Value></s:Subcode>" if fault.subcode is not None else ""
    )
    if fault.detail is not None:
        rendered = fault.detail.replace(MACHINE_PLACEHOLDER, escape(machine, {'"': "&quot;"}))
        detail = f"<s:Detail>{rendered}</s:Detail>"
    elif fault.wsman_code is not None:
        detail = (
            f'<s:Detail><f:WSManFault xmlns:f="{NS_F}" Code="{fault.wsman_code}" Machine={quoteattr(machine)}>'
            f"<f:Message>{escape(fault.message)}</f:Message></f:WSManFault></s:Detail>"
        )
    else:
        detail = ""
    ns = "".join(f' xmlns:{prefix}="{uri}"' for prefix, uri in ENV_FULL)
    relates = f"<a:RelatesTo>{escape(relates_to)}</a:RelatesTo>" if relates_to else ""
    return (
        f'<s:Envelope xml:lang="en-US"{ns}><s:Header>'
        f"<a:Action>{escape(fault.action)}</a:Action>"
        f"<a:MessageID>{new_message_id()}</a:MessageID>"
        f"<a:To>{ANONYMOUS}</a:To>{relates}</s:Header>"
        f"<s:Body><s:Fault><s:Code><s:Value>{escape(fault.code)}</s:Value>{subcode}</s:Code>"
        f'<s:Reason><s:Text xml:lang="en-US">{escape(fault.reason)}</s:Text></s:Reason>'
        f"{detail}</s:Fault></s:Body></s:Envelope>"
    ).encode()


def format_datetime(value: dt.datetime) -> str:
    """CIM datetime as WS-Man renders it: ``2013-04-15T16:28:43.488171Z`` or with an offset (txwinrm Server 2012
    capture; Go package github.com/runner-mei/wsman test fixture)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    text = value.isoformat(timespec="microseconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def property_xml(name: str, value: WmiValue, prefix: str | None = "p") -> str:
    """One typed property: nil for None, true/false, <cim:Datetime>, repeated elements for arrays.

    Shapes as in txwinrm's Server 2012 captures: prefixed (``p:``, ``cim:Datetime``) in a class instance,
    unprefixed (``Datetime``) in a ``w:XmlFragment`` (``prefix`` None). An empty array is omitted, as WS-Man does
    for empty array properties (Pennyw0rth/NetExec PR #1392).
    """
    tag = name if prefix is None else f"{prefix}:{name}"
    if value is None:
        return f'<{tag} xsi:nil="true"/>'
    if isinstance(value, bool):
        return f"<{tag}>{'true' if value else 'false'}</{tag}>"
    if isinstance(value, dt.datetime):
        datetime_tag = "Datetime" if prefix is None else "cim:Datetime"
        return f"<{tag}><{datetime_tag}>{format_datetime(value)}</{datetime_tag}></{tag}>"
    if isinstance(value, list):
        return "".join(property_xml(name, item, prefix) for item in value)
    return f"<{tag}>{escape(str(value))}</{tag}>"


def instance_xml(element: str, namespace: str, properties: list[tuple[str, WmiValue]], type_name: str | None) -> str:
    """A WMI object (method output or class instance) in the layout of the EnumKey capture."""
    xsi_type = f' xsi:type="p:{type_name}" xml:lang="en-US"' if type_name else ""
    props = "".join(property_xml(name, value) for name, value in properties)
    return (
        f'<p:{element} xmlns:xsi="{NS_XSI}" xmlns:p="{escape(namespace)}" xmlns:cim="{NS_CIM}"{xsi_type}>'
        f"{props}</p:{element}>"
    )


def fragment_xml(properties: list[tuple[str, WmiValue]]) -> str:
    """The ``w:XmlFragment`` a WQL query with a property list returns per instance (txwinrm Server 2012 capture:
    unprefixed children in class order, ``xsi`` and ``w`` declared on the fragment)."""
    props = "".join(property_xml(name, value, None) for name, value in properties)
    return f'<w:XmlFragment xmlns:xsi="{NS_XSI}" xmlns:w="{NS_W}">{props}</w:XmlFragment>'
