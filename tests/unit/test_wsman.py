# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WsmanClient: request shapes, parsing of real captures, faults and transport errors."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from winrm.exceptions import InvalidCredentialsError, WinRMTransportError
from winrm.protocol import Protocol

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman import client as wsman
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.client import (
    NS_A,
    NS_N,
    NS_P,
    NS_S,
    NS_W,
    WsmanClient,
    WsmanFault,
    WsmanProtocolError,
    WsmanTransportError,
    connection_hint,
    parse_datetime,
    redact,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.winrm_protocol import (
    client_for_protocol,
    fault_from_pywinrm,
)
from tests.unit.wsman_fake import STDREGPROV, FakeHost, envelope, method_response

FIXTURES = Path(__file__).parent / "fixtures" / "wsman"
PASSWORD = "S3cr3t-Pa55!"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def fixed_ids(monkeypatch: pytest.MonkeyPatch, *ids: str) -> None:
    """Make the client's MessageIDs the RelatesTo values of recorded answers, in order."""
    queue = [uuid.UUID(i) for i in ids]
    monkeypatch.setattr(wsman, "new_message_uuid", lambda: queue.pop(0))


def replying(*bodies: str):
    answers = list(bodies)
    sent: list[str] = []

    def send(text: str) -> bytes:
        sent.append(text)
        return answers.pop(0).encode()

    return send, sent


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# -- request shapes ---------------------------------------------------------------------------------------------


def test_invoke_request_shape_header_order_and_must_understand():
    host = FakeHost(registry={"SOFTWARE\\X": {"Enabled": (4, 1)}})
    client = WsmanClient(host.send)
    client.invoke(STDREGPROV, "GetDWORDValue", [("hDefKey", 2147483650), ("sSubKeyName", "SOFTWARE\\X"),
                                                ("sValueName", "Enabled")])
    root = host.requests[0].root
    assert root.tag == "{%s}Envelope" % NS_S
    header, body = list(root)
    assert [c.tag for c in header] == [
        "{%s}To" % NS_A,
        "{%s}ReplyTo" % NS_A,
        "{%s}MaxEnvelopeSize" % NS_W,
        "{%s}MessageID" % NS_A,
        "{%s}Locale" % NS_W,
        "{%s}DataLocale" % NS_P,
        "{%s}OperationTimeout" % NS_W,
        "{%s}ResourceURI" % NS_W,
        "{%s}Action" % NS_A,
    ]
    must = "{%s}mustUnderstand" % NS_S
    flags = {local(e.tag): e.get(must) for e in header.iter() if e.get(must) is not None}
    assert flags == {"Address": "true", "MaxEnvelopeSize": "true", "Locale": "false", "DataLocale": "false",
                     "ResourceURI": "true", "Action": "true"}
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert header.find("{%s}Locale" % NS_W).get(lang) == "en-US"
    assert header.find("{%s}DataLocale" % NS_P).get(lang) == "en-US"
    assert header.find("{%s}To" % NS_A).text == "http://windows-host:5985/wsman"
    assert header.find("{%s}ReplyTo/{%s}Address" % (NS_A, NS_A)).text == wsman.ANONYMOUS
    assert header.find("{%s}MaxEnvelopeSize" % NS_W).text == "153600"
    assert header.find("{%s}OperationTimeout" % NS_W).text == "PT60.000S"
    assert header.find("{%s}ResourceURI" % NS_W).text == STDREGPROV
    assert header.find("{%s}Action" % NS_A).text == STDREGPROV + "/GetDWORDValue"
    message_id = header.find("{%s}MessageID" % NS_A).text
    assert message_id.startswith("uuid:")
    uuid.UUID(message_id[5:])
    (method_input,) = list(body)
    assert method_input.tag == "{%s}GetDWORDValue_INPUT" % STDREGPROV
    assert [(local(c.tag), c.tag.split("}")[0][1:], c.text) for c in method_input] == [
        ("hDefKey", STDREGPROV, "2147483650"),
        ("sSubKeyName", STDREGPROV, "SOFTWARE\\X"),
        ("sValueName", STDREGPROV, "Enabled"),
    ]


def test_invoke_encodes_arrays_as_repeated_elements_bools_and_selectors():
    sent = []

    def send(text: str) -> bytes:
        sent.append(text)
        request = ET.fromstring(text)
        message_id = request.find("{%s}Header/{%s}MessageID" % (NS_S, NS_A)).text
        return method_response(type("R", (), {"resource_uri": "urn:x", "message_id": message_id})(), "M", [], 0)

    client = WsmanClient(send, operation_timeout_s=20, locale="de-DE", to="https://h:5986/wsman")
    client.invoke("urn:x", "M", [("a", ["one", "t<w>o & 3"]), ("b", True), ("c", False), ("d", [])],
                  selectors={"Name": "Microsoft Windows Server 2019|C:\\Windows"})
    root = ET.fromstring(sent[0])
    body = root.find("{%s}Body/{urn:x}M_INPUT" % NS_S)
    assert [(local(c.tag), c.text) for c in body] == [("a", "one"), ("a", "t<w>o & 3"), ("b", "true"), ("c", "false")]
    header = root.find("{%s}Header" % NS_S)
    assert local(header[-1].tag) == "SelectorSet"
    assert [(s.get("Name"), s.text) for s in header[-1]] == [("Name", "Microsoft Windows Server 2019|C:\\Windows")]
    assert header.find("{%s}OperationTimeout" % NS_W).text == "PT20.000S"
    assert header.find("{%s}To" % NS_A).text == "https://h:5986/wsman"
    assert header.find("{%s}Locale" % NS_W).get("{http://www.w3.org/XML/1998/namespace}lang") == "de-DE"


def test_enumerate_request_shape():
    host = FakeHost(os_item="")
    WsmanClient(host.send).enumerate_wql("root\\cimv2", "SELECT * FROM Win32_OperatingSystem")
    request = host.requests[0]
    assert request.action == "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate"
    assert request.resource_uri == "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/*"
    (enumerate_element,) = list(request.root.find("{%s}Body" % NS_S))
    assert enumerate_element.tag == "{%s}Enumerate" % NS_N
    assert [c.tag for c in enumerate_element] == ["{%s}OptimizeEnumeration" % NS_W, "{%s}MaxElements" % NS_W,
                                                  "{%s}Filter" % NS_W]
    assert enumerate_element[1].text == "32000"
    assert enumerate_element[2].get("Dialect") == "http://schemas.microsoft.com/wbem/wsman/1/WQL"
    assert enumerate_element[2].text == "SELECT * FROM Win32_OperatingSystem"


def test_get_sends_empty_body_with_selectors_and_parses_instance():
    def send(text: str) -> bytes:
        request = ET.fromstring(text)
        header = request.find("{%s}Header" % NS_S)
        assert header.find("{%s}Action" % NS_A).text == "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
        assert [(s.get("Name"), s.text) for s in header.find("{%s}SelectorSet" % NS_W)] == [("Name", "spooler")]
        assert len(request.find("{%s}Body" % NS_S)) == 0
        fake = type("R", (), {"message_id": header.find("{%s}MessageID" % NS_A).text})()
        return envelope(fake, "http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse",
                        '<p:Win32_Service xmlns:p="urn:svc" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                        "<p:Name>Spooler</p:Name><p:PathName xsi:nil=\"true\"/><p:Started>true</p:Started>"
                        "</p:Win32_Service>")

    client = WsmanClient(send)
    assert client.get("urn:svc", {"Name": "spooler"}) == {"Name": "Spooler", "PathName": None, "Started": "true"}
    assert client.calls == {"Get": 1}


# -- parsing real captures --------------------------------------------------------------------------------------


def test_parses_real_enumkey_capture(monkeypatch):
    fixed_ids(monkeypatch, "357dee93-b5a1-15a1-8004-4b73f7201300")
    send = replying(fixture("openwsman_EnumKey.xml"))[0]
    client = WsmanClient(send)
    result = client.invoke(STDREGPROV, "EnumKey", [("hDefKey", 2147483650), ("sSubKeyName", "SOFTWARE\\Microsoft")])
    assert result.return_value == 0
    names = result.out["sNames"]
    assert len(names) == 26
    assert names[:3] == ["AddressBook", "Branding", "Connection Manager"]
    assert "Mozilla Firefox 9.0.1 (x86 en-US)" in names
    assert names[-1] == "{F8FBDC28-C265-4F0D-8B91-6E92913E19F6}"
    assert client.calls == {"EnumKey": 1}


def test_relates_to_must_match_message_id(monkeypatch):
    fixed_ids(monkeypatch, "11111111-1111-1111-1111-111111111111")
    send = replying(fixture("openwsman_EnumKey.xml"))[0]
    with pytest.raises(WsmanProtocolError, match=r"EnumKey: response relates to uuid:357dee93-b5a1-15a1-8004-"
                       r"4b73f7201300, expected uuid:11111111-1111-1111-1111-111111111111"):
        WsmanClient(send).invoke(STDREGPROV, "EnumKey", [])


def test_wql_enumerate_then_pull_real_captures(monkeypatch):
    fixed_ids(monkeypatch, "7B8C31C7-122A-4F6C-98CA-3327B4D39CD4", "A399151C-95AD-4980-A22B-0D38E0E2DA74")
    send, sent = replying(fixture("winrb_enumerate_1.xml"), fixture("winrb_enumerate_2.xml"))
    client = WsmanClient(send)
    items = client.enumerate_wql("root/cimv2", "SELECT * FROM Win32_Process")
    assert [i["Name"] for i in items] == ["System Idle Process", "System", "conhost.exe"]
    idle, system, conhost = items
    assert idle["CommandLine"] is None
    assert idle["CreationDate"] is None
    assert idle["KernelModeTime"] == "33618906250"
    assert system["CreationDate"] == datetime(2013, 4, 29, 11, 43, 11, 203125, tzinfo=timezone(timedelta(hours=-7)))
    assert system["CreationDate"].utcoffset() == timedelta(hours=-7)
    assert conhost["CommandLine"] == "\\??\\C:\\Windows\\system32\\conhost.exe"
    assert client.calls == {"Enumerate": 1, "Pull": 1}
    pull = ET.fromstring(sent[1])
    assert pull.find("{%s}Header/{%s}Action" % (NS_S, NS_A)).text == NS_N + "/Pull"
    assert pull.find("{%s}Header/{%s}ResourceURI" % (NS_S, NS_W)).text.endswith("/wmi/root/cimv2/*")
    pull_body = pull.find("{%s}Body/{%s}Pull" % (NS_S, NS_N))
    assert [(local(c.tag), c.text) for c in pull_body] == [
        ("EnumerationContext", "uuid:12AE5286-91FE-48F3-937E-0C22FF1AD7A1"),
        ("MaxElements", "32000"),
    ]
    assert client.bytes_received == len(fixture("winrb_enumerate_1.xml")) + len(fixture("winrb_enumerate_2.xml"))
    assert client.bytes_sent == sum(len(s.encode()) for s in sent)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2013-04-15T16:28:43.488171Z", datetime(2013, 4, 15, 16, 28, 43, 488171, tzinfo=UTC)),
        ("2014-04-03T14:45:50.46875+08:00", datetime(2014, 4, 3, 6, 45, 50, 468750, tzinfo=UTC)),
        ("2024-01-02T03:04:05.1234567-05:30", datetime(2024, 1, 2, 8, 34, 5, 123456, tzinfo=UTC)),
        ("2024-01-02T03:04:05", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ],
)
def test_parse_datetime(text, expected):
    value = parse_datetime(text)
    assert value.tzinfo is not None
    assert value == expected


def test_parse_datetime_rejects_garbage():
    with pytest.raises(WsmanProtocolError, match="not a cim:Datetime: 'yesterday'"):
        parse_datetime("yesterday")


# -- faults -----------------------------------------------------------------------------------------------------

FAULTS = {
    "winrb_soap_fault_v2.xml": dict(
        soap_code="s:Sender", subcode="n:CannotProcessFilter", wsman_code=2150858778, wmi_code=None,
        machine="localhost",
        provider="WMI Provider", provider_message="The specified class does not exist in the given namespace.",
        reason="The data source could not process the filter. The filter might be missing or it might be invalid. "
        "Change the filter and try the request again.",
    ),
    "winrb_wmi_error_v2.xml": dict(
        soap_code="s:Sender", subcode="w:QuotaLimit", wsman_code=None, wmi_code=2150859173, machine=None, provider=None,
        provider_message=None,
        reason="The WS-Management service cannot process the request. The maximum number of concurrent shells for "
        "this user has been exceeded. Close existing shells or raise the quota for this user.",
    ),
    "winrb_soap_fault_omi.xml": dict(
        soap_code="SOAP-ENV:Receiver", subcode="wsman:InternalError", wsman_code=None, wmi_code=None, machine=None,
        provider=None, provider_message=None, reason="get-instance: instance name parameter is missing",
    ),
    "pywinrm_fault_must_understand.xml": dict(
        soap_code="s:MustUnderstand", subcode=None, wsman_code=None, wmi_code=None, machine=None, provider=None,
        provider_message=None, reason="Test reason.",
    ),
    "pywinrm_fault_schema_validation.xml": dict(
        soap_code="s:Sender", subcode="w:SchemaValidationError", wsman_code=0x80338041, wmi_code=None,
        machine="SERVER2008.domain.local", provider=None, provider_message=None, reason="Reason text.",
    ),
    "pywinrm_fault_wmi_error_detail.xml": dict(
        soap_code="s:Receiver", subcode="w:InternalError", wsman_code=None, wmi_code=0x803381A6, machine=None,
        provider=None, provider_message=None, reason="Reason text.",
    ),
    "pywinrm_fault_timed_out.xml": dict(
        soap_code="s:Receiver", subcode="w:TimedOut", wsman_code=2150858793, wmi_code=None,
        machine="server2022.domain.test", provider=None, provider_message=None,
        reason="The WS-Management service cannot complete the operation within the time specified in "
        "OperationTimeout.",
    ),
}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_from_real_xml(name):
    fault = WsmanFault.from_xml(fixture(name), http_status=500)
    fields = {k: getattr(fault, k) for k in FAULTS[name]}
    assert fields == FAULTS[name]
    assert fault.http_status == 500


def test_fault_message_shows_codes_hex_and_decimal():
    fault = WsmanFault.from_xml(fixture("winrb_soap_fault_v2.xml"), operation="Enumerate")
    assert str(fault) == (
        "WS-Man fault 2150858778 (0x8033801A) n:CannotProcessFilter: The data source could not process the filter. "
        "The filter might be missing or it might be invalid. Change the filter and try the request again. "
        "[WMI Provider: The specified class does not exist in the given namespace.] "
        "(during Enumerate, HTTP 500, machine localhost)"
    )
    wmi = WsmanFault.from_xml(fixture("winrb_wmi_error_v2.xml"))
    assert str(wmi).startswith("WS-Man fault WMI error 2150859173 (0x803381A5) w:QuotaLimit: The WS-Management")
    bare = WsmanFault.from_xml(fixture("pywinrm_fault_must_understand.xml"), http_status=None)
    assert str(bare) == "WS-Man fault s:MustUnderstand: Test reason."


def test_fault_without_fault_element_is_a_protocol_error():
    with pytest.raises(WsmanProtocolError, match="holds no SOAP fault"):
        WsmanFault.from_xml(fixture("openwsman_EnumKey.xml"))


def test_fault_in_a_200_answer_raises():
    send = replying(fixture("pywinrm_fault_schema_validation.xml"))[0]
    with pytest.raises(WsmanFault) as info:
        WsmanClient(send).invoke(STDREGPROV, "EnumKey", [])
    assert info.value.wsman_code == 2150858817
    assert info.value.operation == "EnumKey"
    assert info.value.http_status is None


# -- through pywinrm's Protocol ---------------------------------------------------------------------------------


@pytest.fixture
def protocol():
    return Protocol("http://127.20.0.1:5985/wsman", transport="ntlm", username="svc-schannel", password=PASSWORD,
                    operation_timeout_sec=20, read_timeout_sec=30)


def failing(exc: Exception):
    def send(message):
        raise exc

    return send


def test_client_for_protocol_takes_endpoint_and_timeout(protocol):
    client = client_for_protocol(protocol)
    assert client.to == "http://127.20.0.1:5985/wsman"
    assert client.operation_timeout_s == 20
    assert client.max_envelope_size == 153600


@pytest.mark.parametrize("name", ["winrb_soap_fault_v2.xml", "winrb_wmi_error_v2.xml",
                                  "pywinrm_fault_wmi_error_detail.xml", "pywinrm_fault_must_understand.xml"])
def test_pywinrm_wsmanfaulterror_maps_to_wsmanfault(protocol, name):
    protocol.transport.send_message = failing(WinRMTransportError("http", 500, fixture(name)))
    client = client_for_protocol(protocol)
    with pytest.raises(WsmanFault) as info:
        client.invoke(STDREGPROV, "SetDWORDValue", [])
    expected = WsmanFault.from_xml(fixture(name), http_status=500, operation="SetDWORDValue")
    assert str(info.value) == str(expected)
    assert (info.value.wsman_code, info.value.wmi_code, info.value.subcode) == (
        FAULTS[name]["wsman_code"], FAULTS[name]["wmi_code"], FAULTS[name]["subcode"])
    assert client.calls == {"SetDWORDValue": 1}


def test_pywinrm_fields_used_when_the_body_is_lost():
    from winrm.exceptions import WSManFaultError

    exc = WSManFaultError(500, "Bad HTTP response", "", "Access is denied. ", fault_code="s:Receiver",
                          fault_subcode="w:AccessDenied", wsman_fault_code=5, wmierror_code=None)
    fault = fault_from_pywinrm(exc, operation="SetDWORDValue")
    assert str(fault) == (
        "WS-Man fault 5 (0x00000005) w:AccessDenied: Access is denied. (during SetDWORDValue, HTTP 500)"
    )


def test_pywinrm_timeout_becomes_timed_out_fault(protocol):
    protocol.transport.send_message = failing(WinRMTransportError("http", 500, fixture("pywinrm_fault_timed_out.xml")))
    with pytest.raises(WsmanFault) as info:
        client_for_protocol(protocol).enumerate_wql("root/cimv2", "SELECT * FROM Win32_OperatingSystem")
    assert (info.value.subcode, info.value.wsman_code) == ("w:TimedOut", 2150858793)
    assert str(info.value).startswith("WS-Man fault 2150858793 (0x80338029) w:TimedOut: The WS-Management service")
    assert "PT20S" in str(info.value)


def test_rejected_credentials_are_a_transport_error_without_password(protocol):
    protocol.transport.send_message = failing(
        InvalidCredentialsError("the specified credentials were rejected by the server"))
    with pytest.raises(WsmanTransportError) as info:
        client_for_protocol(protocol).invoke(STDREGPROV, "EnumValues", [])
    message = str(info.value)
    # over NTLM (always encrypted: the policy on Basic and unencrypted traffic never applies) the credentials
    # first, then a domain refusing NTLM
    assert message.startswith("the host refused the login during EnumValues (HTTP 401): the user name or password "
                              "is wrong, or the host's domain refuses NTLM"), message
    assert "for a domain that refuses NTLM use ansible_winrm_transport: kerberos" in message
    for words in ("Basic", "AllowUnencryptedTraffic", "WinRM service policy"):
        assert words not in message
    assert message.endswith("(the specified credentials were rejected by the server)")
    assert info.value.status == 401
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_rejected_kerberos_login_names_the_ticket_not_the_password_or_basic():
    protocol = Protocol("http://127.20.0.1:5985/wsman", transport="kerberos", username="admin@EXAMPLE.COM")
    protocol.transport.send_message = failing(InvalidCredentialsError("the specified credentials were rejected"))
    with pytest.raises(WsmanTransportError) as info:
        client_for_protocol(protocol).invoke(STDREGPROV, "EnumValues", [])
    message = str(info.value)
    assert message.startswith("the host refused the login during EnumValues (HTTP 401): the host could not accept "
                              "the Kerberos ticket"), message
    assert "ansible_winrm_kerberos_hostname_override to this host's own FQDN" in message
    for words in ("Basic", "AllowUnencryptedTraffic", "password is wrong"):
        assert words not in message


def test_rejected_basic_login_names_the_policy_first():
    protocol = Protocol("https://127.20.0.1:5986/wsman", transport="basic", username="svc-schannel",
                        password=PASSWORD, server_cert_validation="ignore")
    protocol.transport.send_message = failing(InvalidCredentialsError("the specified credentials were rejected"))
    with pytest.raises(WsmanTransportError) as info:
        client_for_protocol(protocol).invoke(STDREGPROV, "EnumValues", [])
    message = str(info.value)
    assert message.startswith("the host refused the login during EnumValues (HTTP 401): its WinRM service policy "
                              "does not accept this transport (Basic needs AllowBasic"), message
    assert message.index("AllowUnencryptedTraffic") < message.index("the user name or password is wrong")
    assert message.index("use NTLM or Kerberos") < message.index("check ansible_user")
    assert PASSWORD not in message


def test_connection_refused_keeps_message_but_not_credentials(protocol):
    url = "http://svc-schannel:%s@127.20.0.9:5985/wsman" % PASSWORD
    protocol.transport.send_message = failing(requests.exceptions.ConnectionError(
        "HTTPConnectionPool(host='127.20.0.9', port=5985): Max retries exceeded with url: %s "
        "(Caused by NewConnectionError: [Errno 111] Connection refused; password was %s)" % (url, PASSWORD)))
    with pytest.raises(WsmanTransportError) as info:
        client_for_protocol(protocol).invoke(STDREGPROV, "EnumValues", [])
    message = str(info.value)
    assert PASSWORD not in message
    assert "svc-schannel:" not in message
    assert message.startswith("cannot reach the WinRM service during EnumValues: HTTPConnectionPool(host='127.20.0.9'")
    assert "[Errno 111] Connection refused" in message
    assert info.value.cause_type == "requests.exceptions.ConnectionError"
    # Nothing chained keeps the original text either (tracebacks, loggers and pytest walk __context__).
    assert info.value.__cause__ is None
    assert info.value.__context__ is None


def test_read_timeout_and_non_xml_http_errors(protocol):
    protocol.transport.send_message = failing(requests.exceptions.ReadTimeout("Read timed out. (read timeout=30)"))
    with pytest.raises(WsmanTransportError, match=r"during Enumerate: Read timed out\. \(read timeout=30\)"):
        client_for_protocol(protocol).enumerate_wql("root/cimv2", "SELECT * FROM Win32_OperatingSystem")
    protocol.transport.send_message = failing(WinRMTransportError("http", 502, "<html>Bad Gateway</html"))
    with pytest.raises(WsmanTransportError) as info:
        client_for_protocol(protocol).invoke(STDREGPROV, "EnumValues", [])
    assert str(info.value) == "HTTP 502 from the WinRM service during EnumValues"
    assert info.value.status == 502


def test_socket_errors_from_a_plain_send():
    with pytest.raises(WsmanTransportError, match=r"cannot reach the WinRM service during Get: \[Errno 104\] reset"):
        WsmanClient(failing(ConnectionResetError(104, "reset"))).get("urn:x")


def test_non_xml_answer_is_a_protocol_error():
    with pytest.raises(WsmanProtocolError, match="the answer is not XML"):
        WsmanClient(lambda text: b"<html>").get("urn:x")


def test_redact():
    assert redact("see https://admin:pw@host/x and pw", ["pw"]) == "see https://host/x and ********"


@pytest.mark.parametrize("secret", ["p@ss/w:rd", "ab%cd ef", "Sh0rt"])
def test_redact_secrets_with_url_characters_leave_nothing_behind(secret):
    from urllib.parse import quote

    text = "http://svc:%s@host:5985/wsman failed; http://svc:%s@host/ again; raw %s" % (
        secret, quote(secret, safe=""), secret)
    assert redact(text, [secret]) == "http://host:5985/wsman failed; http://host/ again; raw ********"


def test_no_error_of_the_client_carries_the_password():
    """Every way a send can fail, through pywinrm's Protocol: the password is in no message, field or chain."""
    secret = "Pa55@word/with:url%chars"
    proto = Protocol("http://127.20.0.1:5985/wsman", transport="ntlm", username="svc-schannel", password=secret,
                     operation_timeout_sec=20, read_timeout_sec=30)
    failures = [
        requests.exceptions.ConnectionError("http://svc-schannel:%s@127.20.0.1:5985/wsman refused" % secret),
        InvalidCredentialsError("credentials svc-schannel/%s were rejected" % secret),
        WinRMTransportError("http", 502, "<html>bad gateway for %s</html>" % secret),
        OSError("socket closed while sending %s" % secret),
        RuntimeError("unexpected: %s" % secret),
    ]
    for failure in failures:
        proto.transport.send_message = failing(failure)
        with pytest.raises(WsmanTransportError) as info:
            client_for_protocol(proto).invoke(STDREGPROV, "EnumValues", [])
        error = info.value
        assert secret not in str(error), failure
        assert secret not in repr(error.args), failure
        assert error.__cause__ is None
        assert error.__context__ is None


def test_calls_are_counted_per_operation_even_when_they_fail():
    host = FakeHost(registry={"K": {"A": (4, 1)}})
    client = WsmanClient(host.send)
    client.invoke(STDREGPROV, "EnumValues", [("hDefKey", 2147483650), ("sSubKeyName", "K")])
    for _attempt in range(2):
        client.invoke(STDREGPROV, "GetDWORDValue", [("hDefKey", 2147483650), ("sSubKeyName", "K"),
                                                    ("sValueName", "A")])
    assert client.calls == {"EnumValues": 1, "GetDWORDValue": 2}
    assert client.total_calls == 3 == len(host.requests)
    down = WsmanClient(failing(OSError("down")))
    with pytest.raises(WsmanTransportError):
        down.get("urn:x")
    assert down.calls == {"Get": 1}


@pytest.mark.parametrize(("text", "words"), [
    ("[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version (_ssl.c:1000)",
     "offers only TLS 1.0/1.1, which this controller's OpenSSL refuses; use HTTP with message encryption"),
    ("[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure (_ssl.c:1000)",
     "share no TLS version and cipher suite: as a rule the host offers only TLS 1.0/1.1"),
    ("[SSL: WRONG_VERSION_NUMBER] wrong version number", "the port does not speak TLS"),
    ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate",
     "set ansible_winrm_ca_trust_path to the CA that signed it"),
    ("Read timed out. (read timeout=30)", "raise ansible_winrm_connection_timeout"),
    ("[Errno 111] Connection refused", "winrm quickconfig"),
    # MIT krb5's words, as kinit prints them and as pykerberos hands on GSSAPI's minor status (captured from the
    # test realm, tests/fleet/test_kerberos_failures.py)
    ("authGSSClientStep() failed: (('Unspecified GSS failure.  Minor code may provide more information', 851968), "
     "('Clock skew too great', -1765328347))", "sync time (chrony/w32tm)"),
    ("authGSSClientStep() failed: (('Unspecified GSS failure.  Minor code may provide more information', 851968), "
     "('Ticket expired', -1765328352))", "run kinit again"),
    ("authGSSClientStep() failed: (('Unspecified GSS failure.  Minor code may provide more information', 851968), "
     "('Server HTTP/ms999.fleetsec.test@FLEETSEC.TEST not found in Kerberos database', -1765328377))",
     "set ansible_winrm_kerberos_hostname_override to the host's FQDN as the domain knows it, the SPN is "
     "HTTP/<fqdn>"),
    ("Kerberos auth failure for principal nobody@FLEETSEC.TEST: kinit: Client 'nobody@FLEETSEC.TEST' not found in "
     "Kerberos database while getting initial credentials", "ansible_user must name a user principal of the realm"),
    ("Kerberos auth failure for principal winadmin@FLEETSEC.TEST: kinit: Password incorrect while getting initial "
     "credentials", "check ansible_password"),
    ("authGSSClientInit() failed: (('No credentials were supplied, or the credentials were unavailable or "
     "inaccessible', 458752), (\"Can't find client principal winadmin@FLEETSEC.TEST in cache collection\", "
     "-1765328243))", "no Kerberos ticket: run kinit"),
    ("kinit: Client's credentials have been revoked while getting initial credentials", "locked out or disabled"),
    ("kinit: Cannot read password while getting initial credentials", "has expired and kinit asked for a new one"),
    ("kinit: Cannot find KDC for realm \"fleetsec.test\" while getting initial credentials",
     "ansible_winrm_kinit_env_vars: [KRB5_CONFIG]"),
    ("kinit: Cannot contact any KDC for realm 'FLEETSEC.TEST' while getting initial credentials",
     "port 88, UDP and TCP"),
    ("Kerberos authentication failed during Enumerate: Unable to authenticate <Response [200]>",
     "did the ticket expire during the run"),
], ids=["tls-version", "no-common-suite", "not-tls", "certificate", "timeout", "refused", "krb-skew", "krb-expired",
        "krb-spn", "krb-user", "krb-password", "krb-no-ticket", "krb-revoked", "krb-password-expired",
        "krb-no-kdc-known", "krb-kdc-unreachable", "krb-expired-mid-run"])
def test_connection_failures_carry_their_cause_and_fix(text, words):
    assert words in connection_hint(text)


def test_an_unknown_failure_gets_no_invented_hint():
    assert connection_hint("something else entirely") == ""
