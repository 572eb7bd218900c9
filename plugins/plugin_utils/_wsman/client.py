# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A typed WS-Management client for WMI: method invocation, WQL enumeration and Transfer Get.

It builds the SOAP envelopes itself and hands the text to a ``send`` callable (normally a pywinrm
``Protocol.send_message``), so it runs over whatever connection pywinrm made: NTLM with message encryption,
Kerberos, CredSSP, HTTPS with certificates. Every request costs exactly one HTTP round trip; ``calls``
counts them per operation so callers and benchmarks can report the cost on the wire.

Wire format: MS-WSMV (learn.microsoft.com/en-us/openspecs/windows_protocols/ms-wsmv), DMTF DSP0226 (WS-Management),
WS-Enumeration and WS-Transfer; modelled on the typed layer of jborean93/pypsrp (src/pypsrp/wsman.py).
"""

from __future__ import annotations

import random
import re
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import HostError, HostUnreachable

# Namespaces, prefixes as Windows emits them. Source: MS-WSMV 2.2.1; pypsrp src/pypsrp/wsman.py NAMESPACES; pywinrm
# winrm/protocol.py build_wsman_header.
NS_S = "http://www.w3.org/2003/05/soap-envelope"
NS_A = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
NS_W = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
NS_P = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"
NS_N = "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
NS_F = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS_CIM = "http://schemas.dmtf.org/wbem/wscim/1/common"

WMI_URI = "http://schemas.microsoft.com/wbem/wsman/1/wmi"
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
ACTION_GET = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
ACTION_ENUMERATE = NS_N + "/Enumerate"
ACTION_PULL = NS_N + "/Pull"
WQL_DIALECT = "http://schemas.microsoft.com/wbem/wsman/1/WQL"

# pywinrm's defaults (winrm/protocol.py: a:To is hard-coded, max_env_sz = 153600).
DEFAULT_TO = "http://windows-host:5985/wsman"
DEFAULT_MAX_ENVELOPE_SIZE = 153600
# WinRb/WinRM wql_query.rb and txwinrm enumerate.xml ask for up to 32000 items per response.
MAX_ELEMENTS = 32000

# WSManFault code pywinrm turns into WinRMOperationTimeoutError, dropping the body
# (winrm/protocol.py send_message; ERROR_WSMAN_OPERATION_TIMEDOUT 0x80338029).
WSMAN_TIMED_OUT = 2150858793

ParamValue = str | int | bool | Sequence[str]


class WsmanError(HostError):
    """Base of every error this layer raises: the host's answer (or its absence) went wrong."""


class WsmanFault(WsmanError):
    """A SOAP fault from the WS-Management service (MS-WSMV 2.2.4.x, SOAP 1.2 Fault).

    ``code``/``subcode`` are the s:Code values as sent (``s:Sender``, ``w:InternalError``), ``wsman_code`` is
    f:WSManFault/@Code, ``wmi_code`` is MSFT_WmiError/error_Code, ``machine`` the reporting host and ``provider``
    the plug-in named by f:ProviderFault (``WMI Provider``), with its own message in ``provider_message``.
    """

    def __init__(
        self,
        *,
        http_status: int | None,
        code: str | None,
        subcode: str | None = None,
        reason: str | None = None,
        wsman_code: int | None = None,
        wmi_code: int | None = None,
        machine: str | None = None,
        provider: str | None = None,
        provider_message: str | None = None,
        operation: str | None = None,
    ) -> None:
        self.http_status = http_status
        self.soap_code = code
        self.subcode = subcode
        self.reason = reason
        self.wsman_code = wsman_code
        self.wmi_code = wmi_code
        self.machine = machine
        self.provider = provider
        self.provider_message = provider_message
        self.operation = operation
        super().__init__(self._render(), code=wsman_code if wsman_code is not None else wmi_code)

    def _render(self) -> str:
        codes = []
        if self.wsman_code is not None:
            codes.append(_code_text(self.wsman_code))
        if self.wmi_code is not None and self.wmi_code != self.wsman_code:
            codes.append("WMI error " + _code_text(self.wmi_code))
        text = "WS-Man fault"
        if codes:
            text += " " + ", ".join(codes)
        text += " %s: %s" % (self.subcode or self.soap_code or "(no fault code)", self.reason or "(no reason given)")
        if self.provider_message and self.provider_message != self.reason:
            text += " [%s: %s]" % (self.provider or "provider", self.provider_message)
        context = []
        if self.operation:
            context.append("during " + self.operation)
        if self.http_status is not None:
            context.append("HTTP %d" % self.http_status)
        if self.machine:
            context.append("machine " + self.machine)
        if context:
            text += " (%s)" % ", ".join(context)
        return text

    @classmethod
    def from_xml(cls, text: str | bytes, http_status: int | None = 500, operation: str | None = None) -> WsmanFault:
        """Build from a response body holding an s:Fault; raise WsmanProtocolError when it holds none."""
        root = _parse(text)
        fault = root.find("{%s}Body/{%s}Fault" % (NS_S, NS_S))
        if fault is None:
            raise WsmanProtocolError("response holds no SOAP fault")
        return cls._from_element(fault, http_status, operation)

    @classmethod
    def _from_element(cls, fault: ET.Element, http_status: int | None, operation: str | None) -> WsmanFault:
        code = _text(fault.find("{%s}Code/{%s}Value" % (NS_S, NS_S)))
        subcode = _text(fault.find("{%s}Code/{%s}Subcode/{%s}Value" % (NS_S, NS_S, NS_S)))
        reason = _text(fault.find("{%s}Reason/{%s}Text" % (NS_S, NS_S)))
        wsman_code = machine = provider = provider_message = None
        detail = fault.find("{%s}Detail" % NS_S)
        wmi_code = None
        if detail is not None:
            outer = detail.find("{%s}WSManFault" % NS_F)
            if outer is not None:
                wsman_code = _int_or_none(outer.get("Code"))
                machine = outer.get("Machine") or None
                provider_fault = outer.find(".//{%s}ProviderFault" % NS_F)
                if provider_fault is not None:
                    provider = provider_fault.get("provider", "").strip() or None
                    inner = provider_fault.find("{%s}WSManFault" % NS_F)
                    if inner is not None:
                        machine = machine or inner.get("Machine") or None
                        provider_message = _text(inner.find("{%s}Message" % NS_F))
                    else:
                        provider_message = _collapse("".join(provider_fault.itertext())) or None
                elif reason is None:
                    reason = _text(outer.find("{%s}Message" % NS_F))
            # MSFT_WmiError's namespace differs per class version; match it by local name.
            for element in detail.iter():
                if _local(element.tag) == "MSFT_WmiError":
                    wmi_code = _int_or_none(_text(_child(element, "error_Code")))
                    break
        return cls(
            http_status=http_status,
            code=code,
            subcode=subcode,
            reason=reason,
            wsman_code=wsman_code,
            wmi_code=wmi_code,
            machine=machine,
            provider=provider,
            provider_message=provider_message,
            operation=operation,
        )


class WsmanTransportError(WsmanError, HostUnreachable):
    """The request did not get a WS-Management answer: refused, timed out, rejected credentials, bad HTTP status.

    The message keeps the cause's text with any credentials removed; ``status`` is the HTTP status when known.
    ``connection_lost`` marks a failure a fresh connection and authentication may cure (a reset or dropped
    connection, a 401 on a session that had authenticated before), as opposed to a host that refuses or times out.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        cause_type: str | None = None,
        connection_lost: bool = False,
    ) -> None:
        super().__init__(message, code=status)
        self.status = status
        self.cause_type = cause_type
        self.connection_lost = connection_lost


class WsmanProtocolError(WsmanError):
    """The answer is not what WS-Management promises (not XML, wrong RelatesTo, missing output)."""


@dataclass(frozen=True)
class MethodResult:
    """A WMI method's output: ``ReturnValue`` and every [out] parameter as the list of its texts."""

    return_value: int
    out: dict[str, list[str]] = field(default_factory=dict)

    def first(self, name: str) -> str | None:
        values = self.out.get(name)
        return values[0] if values else None


Classifier = Callable[[Exception, str, "WsmanClient"], "WsmanError | None"]
Reconnect = Callable[[], Callable[[str], "bytes | str"]]


class WsmanClient:
    """Send WMI operations as WS-Management requests through ``send`` and parse the answers.

    ``send(xml_text) -> bytes`` is typically ``winrm.Protocol.send_message``; see ``winrm_protocol.client_for``.
    ``secrets`` are strings (passwords) to cut out of any error message that could echo them. ``classify`` maps a
    library's exception to a WsmanError (None: use the generic socket rules); the pywinrm rules live in
    ``winrm_protocol``. ``reconnect`` returns a fresh ``send`` (new connection, new authentication): when given, an
    idempotent request whose connection or authenticated session was lost is sent once more on a fresh one, at most
    ``max_reconnects`` times per client, so one reset costs one retried request, not the host.
    """

    def __init__(
        self,
        send: Callable[[str], bytes | str],
        *,
        operation_timeout_s: int = 60,
        locale: str = "en-US",
        to: str = DEFAULT_TO,
        max_envelope_size: int = DEFAULT_MAX_ENVELOPE_SIZE,
        secrets: Iterable[str] = (),
        classify: Classifier | None = None,
        reconnect: Reconnect | None = None,
        max_reconnects: int = 3,
    ) -> None:
        self._send = send
        self.operation_timeout_s = operation_timeout_s
        self.locale = locale
        self.to = to
        self.max_envelope_size = max_envelope_size
        self._secrets = tuple(s for s in secrets if s)
        self._classify_library = classify
        self._reconnect = reconnect
        self.max_reconnects = max_reconnects
        self.reconnects = 0
        self.answered = 0  # requests the host answered (fault or not) on any connection of this client
        self.calls: Counter[str] = Counter()
        self.bytes_sent = 0
        self.bytes_received = 0

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    # -- operations -------------------------------------------------------------------------------------------

    def invoke(
        self,
        resource_uri: str,
        method: str,
        params: Sequence[tuple[str, ParamValue]],
        selectors: Mapping[str, str] | None = None,
        *,
        idempotent: bool = True,
    ) -> MethodResult:
        """Call a WMI method (MS-WSMV 3.1.4.1.x custom action; example in MS-WSMV 4.1.4 "Invoking a Method").

        Action is ``{resource_uri}/{method}``; the body is ``<p:{method}_INPUT xmlns:p="{resource_uri}">`` with one
        child per parameter in the order given (MOF order, as openwsman src/lib/wsman-client.c sends them); a
        sequence value becomes the same element repeated, an empty sequence sends nothing (WS-Man's "null array").
        ``idempotent=False`` (a reboot) forbids sending it again after a lost connection.
        """
        body = "".join([
            "<p:%s_INPUT xmlns:p=%s>" % (method, quoteattr(resource_uri)),
            *("<p:%s>%s</p:%s>" % (name, escape(text), name) for name, value in params for text in _param_texts(value)),
            "</p:%s_INPUT>" % method,
        ])
        action = "%s/%s" % (resource_uri, method)
        root = self._call(method, action, resource_uri, body, selectors, idempotent=idempotent)
        output = _body_child(root, method)
        if _local(output.tag) != method + "_OUTPUT":
            raise WsmanProtocolError(
                "%s answered with <%s>, expected <%s_OUTPUT>" % (method, _local(output.tag), method)
            )
        out: dict[str, list[str]] = {}
        return_value = None
        for child in output:
            name = _local(child.tag)
            if child.get("{%s}nil" % NS_XSI) == "true":
                continue
            if name == "ReturnValue":
                return_value = _int_or_none(_text(child, strip=True))
                continue
            out.setdefault(name, []).append(_element_text(child))
        if return_value is None:
            raise WsmanProtocolError("%s_OUTPUT has no ReturnValue" % method)
        return MethodResult(return_value=return_value, out=out)

    def enumerate_wql(self, namespace: str, query: str) -> list[dict[str, object]]:
        """Run a WQL query: one Enumerate with OptimizeEnumeration, then Pull until EndOfSequence.

        Source: MS-WSMV 3.1.4.8 (Enumerate) / 3.1.4.9 (Pull); WinRb/WinRM lib/winrm/wsmv/wql_query.rb and
        wql_pull.rb. With OptimizeEnumeration Windows returns the first items in the EnumerateResponse (w:Items) and
        ends it with w:EndOfSequence when that was all; Pull answers carry n:Items / n:EndOfSequence.
        The ResourceURI is the namespace's wildcard ``.../wmi/{namespace}/*`` (DSP0227 / MS-WSMV 2.2.4.x WQL filter).
        """
        resource_uri = "%s/%s/*" % (WMI_URI, namespace.replace("\\", "/").strip("/"))
        enumerate_body = ET.Element("n:Enumerate", {"xmlns:n": NS_N})
        ET.SubElement(enumerate_body, "w:OptimizeEnumeration")
        ET.SubElement(enumerate_body, "w:MaxElements").text = str(MAX_ELEMENTS)
        ET.SubElement(enumerate_body, "w:Filter", {"Dialect": WQL_DIALECT}).text = query
        root = self._call("Enumerate", ACTION_ENUMERATE, resource_uri, enumerate_body)
        response = _body_child(root, "Enumerate")
        items: list[dict[str, object]] = []
        while True:
            context = _text(response.find("{%s}EnumerationContext" % NS_N), strip=True)
            ended = False
            for child in response:
                if _local(child.tag) == "Items":
                    items.extend(parse_instance(item) for item in child)
                elif _local(child.tag) == "EndOfSequence":
                    ended = True
            if ended:
                return items
            if not context:
                raise WsmanProtocolError("enumeration neither ended nor returned an EnumerationContext")
            pull_body = ET.Element("n:Pull", {"xmlns:n": NS_N})
            ET.SubElement(pull_body, "n:EnumerationContext").text = context
            ET.SubElement(pull_body, "n:MaxElements").text = str(MAX_ELEMENTS)
            root = self._call("Pull", ACTION_PULL, resource_uri, pull_body)
            response = _body_child(root, "Pull")

    def get(self, resource_uri: str, selectors: Mapping[str, str] | None = None) -> dict[str, object]:
        """WS-Transfer Get of one instance (MS-WSMV 3.1.4.3); the body of the request is empty."""
        root = self._call("Get", ACTION_GET, resource_uri, None, selectors)
        return parse_instance(_body_child(root, "Get"))

    # -- envelope and transport -------------------------------------------------------------------------------

    def build_envelope(
        self,
        action: str,
        resource_uri: str,
        body: ET.Element | str | None,
        selectors: Mapping[str, str] | None = None,
        message_id: str | None = None,
    ) -> tuple[str, str]:
        """Return ``(message_id, xml_text)`` of a request.

        Header order and mustUnderstand flags as Windows' own client sends them (MS-WSMV 4.1.4 example request;
        pywinrm build_wsman_header follows the same order): a:To, a:ReplyTo (Address mustUnderstand=true),
        w:MaxEnvelopeSize (true), a:MessageID, w:Locale (false), p:DataLocale (false), w:OperationTimeout,
        w:ResourceURI (true), a:Action (true), then w:SelectorSet when addressing an instance.
        """
        # Written as text rather than through ElementTree: serialising the tree was the largest share of this
        # module's CPU per request (benchmarks/module_cost.py --profile); every value is escaped the same way.
        message_id = message_id or "uuid:%s" % str(new_message_uuid()).upper()
        lang = quoteattr(self.locale)
        parts = [
            '<s:Envelope xmlns:s="%s" xmlns:a="%s" xmlns:w="%s" xmlns:p="%s"><s:Header>' % (NS_S, NS_A, NS_W, NS_P),
            "<a:To>%s</a:To>" % escape(self.to),
            '<a:ReplyTo><a:Address s:mustUnderstand="true">%s</a:Address></a:ReplyTo>' % ANONYMOUS,
            '<w:MaxEnvelopeSize s:mustUnderstand="true">%d</w:MaxEnvelopeSize>' % self.max_envelope_size,
            "<a:MessageID>%s</a:MessageID>" % escape(message_id),
            '<w:Locale xml:lang=%s s:mustUnderstand="false" />' % lang,
            '<p:DataLocale xml:lang=%s s:mustUnderstand="false" />' % lang,
            "<w:OperationTimeout>PT%d.000S</w:OperationTimeout>" % self.operation_timeout_s,
            '<w:ResourceURI s:mustUnderstand="true">%s</w:ResourceURI>' % escape(resource_uri),
            '<a:Action s:mustUnderstand="true">%s</a:Action>' % escape(action),
        ]
        if selectors:
            parts.append("<w:SelectorSet>")
            parts.extend('<w:Selector Name=%s>%s</w:Selector>' % (quoteattr(name), escape(str(value)))
                         for name, value in selectors.items())
            parts.append("</w:SelectorSet>")
        parts.append("</s:Header>")
        if body is None:
            parts.append("<s:Body />")
        else:
            parts += ["<s:Body>", body if isinstance(body, str) else ET.tostring(body, encoding="unicode"), "</s:Body>"]
        parts.append("</s:Envelope>")
        return message_id, "".join(parts)

    def _call(
        self,
        operation: str,
        action: str,
        resource_uri: str,
        body: ET.Element | str | None,
        selectors: Mapping[str, str] | None = None,
        *,
        idempotent: bool = True,
    ) -> ET.Element:
        message_id, text = self.build_envelope(action, resource_uri, body, selectors)
        size = len(text.encode("utf-8"))
        while True:
            self.calls[operation] += 1
            self.bytes_sent += size
            try:
                raw = self._transmit(text, operation)
            except WsmanTransportError as error:
                if not (idempotent and error.connection_lost and self._may_reconnect()):
                    raise self._given_up(error) from None
                self.reconnects += 1
                self._send = self._reconnect()  # type: ignore[misc]
                continue
            break
        self.answered += 1
        self.bytes_received += len(raw)
        root = _parse(raw)
        fault = root.find("{%s}Body/{%s}Fault" % (NS_S, NS_S))
        if fault is not None:
            raise WsmanFault._from_element(fault, None, operation)
        relates_to = _text(root.find("{%s}Header/{%s}RelatesTo" % (NS_S, NS_A)), strip=True)
        # WS-Addressing 3.2: the reply's RelatesTo is the request's MessageID (pywinrm leaves this unchecked).
        if relates_to is None or relates_to.casefold() != message_id.casefold():
            raise WsmanProtocolError(
                "%s: response relates to %s, expected %s" % (operation, relates_to or "nothing", message_id)
            )
        return root

    def _may_reconnect(self) -> bool:
        # ``connection_lost`` is never set for a refused connection, a timeout or a first rejected login (account
        # lock-out policies count failures), so only a dropped connection or session is re-established.
        return self._reconnect is not None and self.reconnects < self.max_reconnects

    def _given_up(self, error: WsmanTransportError) -> WsmanTransportError:
        if not (error.connection_lost and self.reconnects):
            return error
        error.message = "%s (gave up after re-connecting and re-authenticating %d time%s)" % (
            error.message, self.reconnects, "" if self.reconnects == 1 else "s")
        error.args = (error.message,)
        return error

    def _transmit(self, text: str, operation: str) -> bytes:
        try:
            raw = self._send(text)
        except WsmanError:
            raise
        except Exception as exc:  # every failure of ``send`` is classified below
            error = self._classify(exc, operation)
        else:
            return raw.encode("utf-8") if isinstance(raw, str) else raw
        # Raised outside the handler: neither __cause__ nor __context__ keeps the original, whose text may hold
        # credentials (a URL with user:password@, a password echoed by a library).
        raise error from None

    def _classify(self, exc: Exception, operation: str) -> WsmanError:
        """Map a failed ``send`` to WsmanFault or WsmanTransportError (the caller drops the exception chain)."""
        if self._classify_library is not None:
            error = self._classify_library(exc, operation, self)
            if error is not None:
                return error
        if isinstance(exc, OSError):  # socket errors and requests' RequestException (an IOError)
            what = ("Kerberos authentication failed" if _GSS_FAILED.search(str(exc))
                    else "cannot reach the WinRM service")
            return self.transport_error(
                "%s during %s: %s" % (what, operation, exc), exc, connection_lost=is_connection_lost(exc),
            )
        return self.transport_error("sending %s failed: %s" % (operation, exc), exc)

    def transport_error(
        self, message: str, exc: Exception, status: int | None = None, connection_lost: bool = False
    ) -> WsmanTransportError:
        """A WsmanTransportError whose message holds none of this client's secrets, with the likely cause and fix."""
        hint = connection_hint(message)
        return WsmanTransportError(
            redact(message + (" -- " + hint if hint else ""), self._secrets), status=status,
            cause_type=type(exc).__module__ + "." + type(exc).__name__, connection_lost=connection_lost,
        )


# pykerberos' words for a GSSAPI call that failed on the controller (``authGSSClientInit() failed: ...``, and Step,
# Wrap, Unwrap), which requests-kerberos raises as a RequestException: the host was reached, the login failed.
# pywinrm's requests_kerberos raises "Unable to authenticate <Response [200]>" when the host's answer carries no
# Kerberos reply to check (kerberos_.py ``handle_other``, mutual authentication): no context was set up, as when the
# ticket cache's ticket expired during the run.
_GSS_FAILED = re.compile(r"authGSSClient\w+\(\) failed|Unable to authenticate <Response")

# Texts of a connection that was open and went away (urllib3 ProtocolError "Connection aborted.",
# http.client.RemoteDisconnected, ECONNRESET/EPIPE), as opposed to one that never opened (refused, timed out).
_LOST = re.compile(r"Connection aborted|RemoteDisconnected|Connection reset|Broken pipe|\[Errno (?:104|32)\]")


# The connection failures an administrator meets, by the text OpenSSL, urllib3 and the socket layer give them, with
# their cause and fix. The TLS versions: a Windows Server 2008 R2 host's WinRM HTTPS listener negotiates TLS 1.0 only
# until TLS 1.1/1.2 are enabled there (KB3140245 for WinHTTP; Schannel's TLS 1.2 is off by default on 2008 R2,
# learn.microsoft.com "TLS/SSL Settings"), and OpenSSL 3 at its default security level 2 refuses TLS 1.0/1.1 (its
# "ssl.c SSL_CTX_set_security_level": versions below TLS 1.2 need level 0).
#
# Kerberos: the texts are MIT krb5's (its error table, lib/krb5/error_tables/krb5_err.et and kdb5_err.et, as kinit
# prints them and as GSSAPI hands them on in its minor status through pykerberos' ``authGSSClientInit``/``Step``),
# so they read the same from a managed kinit, an own ticket cache and any MIT-based controller.
_TLS12_FIX = ("use HTTP with message encryption (ansible_winrm_scheme: http, port 5985, NTLM or Kerberos) or enable "
              "TLS 1.2 there first")
_HINTS = (
    (re.compile(r"Clock skew too great"),
     "Kerberos: clock skew too great, the controller's clock differs from the KDC's (the domain controllers') by "
     "more than the realm allows (5 minutes in Active Directory by default); sync time (chrony/w32tm) on the "
     "controller with the domain's time source"),
    (re.compile(r"Ticket expired"),
     "Kerberos: the ticket has expired (klist shows its end time): run kinit again, or let Ansible get a ticket "
     "for each run (ansible_winrm_kinit_mode: managed with ansible_password)"),
    (re.compile(r"Server \S+ not found in Kerberos database"),
     "Kerberos: the realm has no service principal by that name: set ansible_winrm_kerberos_hostname_override to "
     "the host's FQDN as the domain knows it, the SPN is HTTP/<fqdn> (a host reached by address, or by an alias, "
     "has no SPN of that name; `setspn -L <computer>` lists a host's SPNs)"),
    (re.compile(r"Client '[^']+' not found in Kerberos database"),
     "Kerberos: the realm has no such user: ansible_user must name a user principal of the realm, as "
     "user@REALM with the realm in capitals (e.g. admin@EXAMPLE.COM)"),
    (re.compile(r"Password incorrect|Preauthentication failed"),
     "Kerberos: the KDC refused the password for ansible_user: check ansible_password (the run tried it once; "
     "every further run with a wrong password counts towards the account's lock-out)"),
    (re.compile(r"Client's credentials have been revoked"),
     "Kerberos: the KDC refuses this account: it is locked out or disabled (Active Directory: after too many wrong "
     "passwords, until the lock-out duration ends or an administrator unlocks it)"),
    (re.compile(r"Cannot read password while getting initial credentials|Password has expired"),
     "Kerberos: the password of ansible_user has expired and kinit asked for a new one, which managed kinit cannot "
     "give: change the password (e.g. kpasswd, or at a Windows logon), put the new one in ansible_password, then "
     "run again"),
    (re.compile(r"Cannot find KDC for realm"),
     "Kerberos: no KDC is known for that realm: the realm in ansible_user must be upper case exactly as in krb5.conf "
     "(admin@EXAMPLE.COM); krb5.conf must be the one kinit reads (with managed kinit ansible-core passes kinit only "
     "PATH and KRB5CCNAME, so a KRB5_CONFIG needs ansible_winrm_kinit_env_vars: [KRB5_CONFIG]); and it needs a "
     "[realms] entry with kdc = for the realm, or DNS SRV records (dns_lookup_kdc = true)"),
    (re.compile(r"Cannot contact any KDC for realm"),
     "Kerberos: no KDC of the realm answered: check the network path and firewall from the controller to the KDC "
     "(port 88, UDP and TCP) and the kdc = entries of the realm in krb5.conf"),
    (re.compile(r"Unable to authenticate <Response"),
     "Kerberos authentication failed: the host answered without a Kerberos reply; did the ticket expire during the "
     "run (klist shows its end time)? run kinit again, or let Ansible get a ticket for each run "
     "(ansible_winrm_kinit_mode: managed with ansible_password)"),
    (re.compile(r"No Kerberos credentials available|No credentials cache found|No credentials were supplied|"
                r"Can't find client principal \S+ in cache collection"),
     "no Kerberos ticket: run kinit before the run (KRB5CCNAME names the ticket cache), or set "
     "ansible_winrm_kinit_mode: managed with ansible_password"),
    (re.compile(r"TLSV1_ALERT_PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|no protocols available"),
     "the host's WinRM HTTPS listener offers only TLS 1.0/1.1, which this controller's OpenSSL refuses; "
     + _TLS12_FIX),
    # A common version but no suite Schannel can use on it: fatal handshake_failure (40). Python's default client
    # ciphers leave out the SHA-1 CBC suites, the only ones a TLS 1.0/1.1 listener can use, so a TLS 1.0-only host
    # answers a hello whose client_version is TLS 1.2 this way (Schannel picks TLS 1.0, then finds no suite).
    (re.compile(r"SSLV3_ALERT_HANDSHAKE_FAILURE|sslv3 alert handshake failure", re.IGNORECASE),
     "the host's WinRM HTTPS listener and this controller share no TLS version and cipher suite: as a rule the "
     "host offers only TLS 1.0/1.1 (Windows Server 2008 R2 and 2012 R2 as installed), whose suites this "
     "controller no longer offers; " + _TLS12_FIX),
    (re.compile(r"WRONG_VERSION_NUMBER|wrong version number", re.IGNORECASE),
     "the port does not speak TLS: ansible_winrm_scheme is https on an HTTP listener (5985 is HTTP, 5986 HTTPS); "
     "set ansible_port and ansible_winrm_scheme to match"),
    (re.compile(r"CERTIFICATE_VERIFY_FAILED|certificate verify failed|doesn't match|Hostname mismatch",
                re.IGNORECASE),
     "this controller does not trust the host's HTTPS certificate (or the certificate does not name the address in "
     "ansible_host): set ansible_winrm_ca_trust_path to the CA that signed it, or reach the host by a name its "
     "certificate holds"),
    (re.compile(r"timed out|Timeout", re.IGNORECASE),
     "the host did not answer in time: check that it is up and that its firewall lets the WinRM port through; for "
     "a slow host raise ansible_winrm_connection_timeout"),
    (re.compile(r"Connection refused|\[Errno 111\]"),
     "nothing accepts connections on the WinRM port: check ansible_port and ansible_winrm_scheme, that the WinRM "
     "service runs with a listener (winrm quickconfig) and that the firewall lets the port through"),
)


def connection_hint(text: str) -> str:
    """The cause and fix of a connection failure whose text one of ``_HINTS`` recognises, else ""."""
    return next((hint for pattern, hint in _HINTS if pattern.search(text)), "")


def new_message_uuid() -> uuid.UUID:
    """A random (version 4) UUID for a:MessageID, from ``random`` rather than ``uuid.uuid4``: os.urandom is a system
    call that releases the GIL, and a batch's threads then queued to take it back on every message. A message id
    must be unique (WS-Addressing 3.2), not secret."""
    return uuid.UUID(int=random.getrandbits(128), version=4)


def is_connection_lost(exc: BaseException) -> bool:
    """True when ``exc`` says an established connection was dropped (reset, aborted, closed mid-answer)."""
    if isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return True
    return bool(_LOST.search(str(exc)))


# -- parsing helpers --------------------------------------------------------------------------------------------

_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)
_DATETIME = re.compile(
    r"^(?P<base>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(?P<frac>\d+))?(?P<tz>Z|[+-]\d{2}:\d{2})?$"
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove every given secret (as is and percent-encoded, as a URL carries it) and ``user:password@`` from URLs.

    Secrets go first, longest first: a password holding ``@`` or ``/`` would otherwise be cut in two by the URL
    rule and half of it survive.
    """
    forms = {form for secret in secrets if secret for form in (secret, quote(secret, safe=""), quote(secret))}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "********")
    return _USERINFO.sub(r"\g<scheme>", text)


def parse_datetime(text: str) -> datetime:
    """Parse a cim:Datetime (xs:dateTime, e.g. ``2013-04-15T16:28:43.488171Z``, ``...46875+08:00``) as aware.

    WMI keeps 100 ns ticks, Python microseconds: extra digits are cut. A value without offset is taken as UTC.
    """
    match = _DATETIME.match(text.strip())
    if not match:
        raise WsmanProtocolError("not a cim:Datetime: %r" % text)
    value = datetime.strptime(match["base"], "%Y-%m-%dT%H:%M:%S")
    if match["frac"]:
        value = value.replace(microsecond=int(match["frac"][:6].ljust(6, "0")))
    tz = match["tz"]
    if tz is None or tz == "Z":
        return value.replace(tzinfo=UTC)
    sign = -1 if tz[0] == "-" else 1
    offset = timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
    return value.replace(tzinfo=timezone(sign * offset))


def parse_instance(element: ET.Element) -> dict[str, object]:
    """A WMI instance (``<p:Class>`` or ``<w:XmlFragment>``) as ``{property: value}``.

    xsi:nil -> None; a cim:Datetime child -> aware datetime; other values stay text (WS-Man carries no WMI types).
    A property repeated (an array) becomes a list; a one-item array cannot be told from a scalar on the wire.
    """
    result: dict[str, object] = {}
    for child in element:
        name = _local(child.tag)
        if child.get("{%s}nil" % NS_XSI) == "true":
            value: object = None
        else:
            stamp = child.find("{%s}Datetime" % NS_CIM)
            value = parse_datetime(stamp.text or "") if stamp is not None else _element_text(child)
        if name in result:
            previous = result[name]
            result[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            result[name] = value
    return result


def _parse(raw: str | bytes) -> ET.Element:
    try:
        return ET.fromstring(raw)
    except ET.ParseError as exc:
        raise WsmanProtocolError("the answer is not XML (%s)" % exc) from None


def _body_child(root: ET.Element, operation: str) -> ET.Element:
    body = root.find("{%s}Body" % NS_S)
    if body is None or len(body) == 0:
        raise WsmanProtocolError("%s: the answer has an empty SOAP body" % operation)
    return body[0]


def _param_texts(value: ParamValue) -> list[str]:
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, int | str):
        return [str(value)]
    return [str(item) for item in value]


def _element_text(element: ET.Element) -> str:
    """Text of a property; a property holding one typed child (cim:Datetime, cim:Interval) gives the child's."""
    if len(element):
        return (element[0].text or "").strip()
    return element.text or ""


def _child(element: ET.Element, local_name: str) -> ET.Element | None:
    return next((c for c in element if _local(c.tag) == local_name), None)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element: ET.Element | None, strip: bool = False) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() if strip else _collapse(element.text)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _code_text(code: int) -> str:
    return "%d (0x%08X)" % (code, code)
