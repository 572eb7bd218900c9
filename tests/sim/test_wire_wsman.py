"""WS-Management over the wire with unmodified pywinrm: shells, every StdRegProv method, Get, WQL Enumerate/Pull,
and the SOAP faults pywinrm parses into WSManFaultError."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from winrm.exceptions import WSManFaultError

from tests.sim.wsman_client import (
    NS,
    OS_URI,
    REGPROV,
    SCHANNEL,
    WMI,
    enumerate_wql,
    get_os,
    invoke,
    message,
    os_instance,
    os_property,
    pull,
    reg,
)

CAPTURES = Path(__file__).parent / "captures"
TEST_KEY = SCHANNEL + r"\Protocols\TLS 1.2\Server"


def test_open_and_close_shell_like_ansible(fleet, proto):
    before = fleet.control.counters("ms001")["methods"]
    shell_id = proto.open_shell(codepage=65001)
    assert uuid.UUID(shell_id)
    assert shell_id == shell_id.upper()
    proto.close_shell(shell_id)  # pywinrm asserts RelatesTo == its MessageID
    after = fleet.control.counters("ms001")["methods"]
    assert after.get("Shell.Create", 0) - before.get("Shell.Create", 0) == 1
    assert after.get("Shell.Delete", 0) - before.get("Shell.Delete", 0) == 1


def test_closing_an_unknown_shell_is_the_shell_not_found_fault(proto):
    with pytest.raises(WSManFaultError) as exc:
        proto.close_shell("0F0F0F0F-0000-0000-0000-000000000000", close_session=False)
    assert exc.value.code == 500
    assert (exc.value.fault_code, exc.value.fault_subcode) == ("s:Receiver", "w:InternalError")
    assert exc.value.wsman_fault_code == 2150858843
    assert "failed because the shell was not found on the server" in exc.value.reason


def test_commands_are_refused_with_action_not_supported(proto):
    shell_id = proto.open_shell()
    try:
        with pytest.raises(WSManFaultError) as exc:
            proto.run_command(shell_id, "ipconfig", ["/all"])
        assert (exc.value.fault_code, exc.value.fault_subcode) == ("s:Sender", "a:ActionNotSupported")
        assert exc.value.wsman_fault_code == 2150858771
        assert "simulat" not in exc.value.response.casefold()  # Windows' own wording, nothing else
    finally:
        proto.close_shell(shell_id)


@pytest.mark.parametrize("namespace", ["root/default", "root/cimv2"])
def test_every_stdregprov_method_round_trips(proto, namespace):
    key = TEST_KEY + "\\winsim-" + namespace.replace("/", "-")
    assert reg(proto, "CreateKey", key, namespace=namespace) == {"ReturnValue": ["0"]}
    assert reg(proto, "SetDWORDValue", key, "Enabled", namespace=namespace, uValue="1") == {"ReturnValue": ["0"]}
    assert reg(proto, "GetDWORDValue", key, "Enabled", namespace=namespace) == {"uValue": ["1"], "ReturnValue": ["0"]}
    assert reg(proto, "SetStringValue", key, "Label", namespace=namespace, sValue="a & <b>")["ReturnValue"] == ["0"]
    assert reg(proto, "GetStringValue", key, "Label", namespace=namespace) == {
        "sValue": ["a & <b>"], "ReturnValue": ["0"]}
    assert reg(proto, "SetMultiStringValue", key, "Order", namespace=namespace,
               sValue=["TLS_A", "TLS_B"])["ReturnValue"] == ["0"]
    assert reg(proto, "GetMultiStringValue", key, "Order", namespace=namespace) == {
        "sValue": ["TLS_A", "TLS_B"], "ReturnValue": ["0"]}
    assert reg(proto, "SetQWORDValue", key, "Big", namespace=namespace, uValue=str(2**40))["ReturnValue"] == ["0"]
    assert reg(proto, "GetQWORDValue", key, "Big", namespace=namespace) == {
        "uValue": [str(2**40)], "ReturnValue": ["0"]}
    values = reg(proto, "EnumValues", key, namespace=namespace)
    assert dict(zip(values["sNames"], values["Types"], strict=True)) == {
        "Enabled": "4", "Label": "1", "Order": "7", "Big": "11"}  # REG_DWORD, REG_SZ, REG_MULTI_SZ, REG_QWORD
    assert values["ReturnValue"] == ["0"]
    assert key.rpartition("\\")[2] in reg(proto, "EnumKey", TEST_KEY, namespace=namespace)["sNames"]
    assert reg(proto, "CheckAccess", key, namespace=namespace, uRequired="3") == {
        "bGranted": ["true"], "ReturnValue": ["0"]}
    assert reg(proto, "DeleteValue", key, "Enabled", namespace=namespace) == {"ReturnValue": ["0"]}
    # Missing value / key: the method's ReturnValue, not a fault; 1 for a value missing from an existing key, 2 for
    # a missing key (as real hosts answer: tests/winsim/README.md, "Sourced and unsourced behaviours").
    assert reg(proto, "GetDWORDValue", key, "Enabled", namespace=namespace) == {"ReturnValue": ["1"]}
    assert reg(proto, "DeleteKey", key, namespace=namespace) == {"ReturnValue": ["0"]}
    assert reg(proto, "EnumKey", key, namespace=namespace) == {"ReturnValue": ["2"]}
    assert reg(proto, "GetStringValue", key, "Label", namespace=namespace) == {"ReturnValue": ["2"]}


def test_access_denied_fault_makes_writes_return_5(fleet, control, proto):
    control.set_fault("ms001", "access-denied")
    assert reg(proto, "SetDWORDValue", TEST_KEY, "Enabled", uValue="1") == {"ReturnValue": ["5"]}
    assert reg(proto, "CreateKey", TEST_KEY + r"\denied") == {"ReturnValue": ["5"]}
    assert reg(proto, "DeleteKey", SCHANNEL + r"\Protocols") == {"ReturnValue": ["5"]}
    assert reg(proto, "CheckAccess", SCHANNEL, uRequired="3") == {"bGranted": ["false"], "ReturnValue": ["5"]}
    assert reg(proto, "GetDWORDValue", SCHANNEL, "EventLogging") == {"uValue": ["1"], "ReturnValue": ["0"]}
    control.clear_fault("ms001", "access-denied")
    assert reg(proto, "CheckAccess", SCHANNEL, uRequired="3") == {"bGranted": ["true"], "ReturnValue": ["0"]}


def test_unknown_method_and_bad_parameter_are_faults(proto):
    with pytest.raises(WSManFaultError) as exc:
        invoke(proto, REGPROV, "FormatDisk", [("hDefKey", "2147483650")])
    assert (exc.value.fault_subcode, exc.value.wsman_fault_code) == ("a:ActionNotSupported", 2150858771)
    with pytest.raises(WSManFaultError) as exc:
        reg(proto, "SetDWORDValue", TEST_KEY, "Enabled", uValue="not-a-number")
    assert (exc.value.fault_code, exc.value.fault_subcode) == ("s:Sender", "w:InvalidParameter")
    assert exc.value.wsman_fault_code == 0x8033803A
    assert "<f:Message>Invalid parameter </f:Message>" in exc.value.response  # WMI's own text


def test_wql_enumerate_optimized_returns_everything_at_once(proto):
    resp = enumerate_wql(proto, "select * from Win32_OperatingSystem", optimize=True)
    assert resp.tag == f"{{{NS['n']}}}EnumerateResponse"
    # Empty context + EndOfSequence, as in the real Server 2012 capture (tariksetia/txwinrm
    # txwinrm/test/data/server_2012/Win32_OperatingSystem_star_000.xml).
    assert resp.find("n:EnumerationContext", NS).text is None
    assert resp.find("w:EndOfSequence", NS) is not None
    instance = os_instance(resp)
    assert instance.get(f"{{{NS['xsi']}}}type") == "p:Win32_OperatingSystem_Type"
    assert os_property(instance, "Caption").text == "Microsoft Windows Server 2019 Standard"
    assert os_property(instance, "Version").text == "10.0.17763"
    assert os_property(instance, "BuildNumber").text == "17763"
    assert os_property(instance, "Name").text.startswith("Microsoft Windows Server 2019 Standard|C:\\Windows|")
    assert os_property(instance, "LastBootUpTime").find("cim:Datetime", NS).text.endswith("Z")
    assert os_property(instance, "Primary").text == "true"
    assert os_property(instance, "CSDVersion").get(f"{{{NS['xsi']}}}nil") == "true"


def test_wql_enumerate_then_pull(proto):
    resp = enumerate_wql(proto, "SELECT Caption, LastBootUpTime FROM Win32_OperatingSystem", optimize=False)
    context = resp.find("n:EnumerationContext", NS).text
    assert context.startswith("uuid:")
    assert resp.find("w:Items", NS) is None
    pulled = pull(proto, context)
    assert pulled.tag == f"{{{NS['n']}}}PullResponse"
    assert pulled.find("n:EndOfSequence", NS) is not None
    assert pulled.find("n:EnumerationContext", NS) is None
    instance = os_instance(pulled)
    assert instance.tag == f"{{{NS['w']}}}XmlFragment"  # a property list comes back as w:XmlFragment
    assert [child.tag for child in instance] == ["Caption", "LastBootUpTime"]
    with pytest.raises(WSManFaultError) as exc:
        pull(proto, context)  # the enumeration is finished
    assert (exc.value.fault_code, exc.value.fault_subcode) == ("s:Receiver", "n:InvalidEnumerationContext")
    assert exc.value.wsman_fault_code == 2150858779


def test_wql_unknown_class_is_cannot_process_filter(proto):
    with pytest.raises(WSManFaultError) as exc:
        enumerate_wql(proto, "select * from Win32_NoSuchClass", optimize=True)
    assert (exc.value.fault_code, exc.value.fault_subcode) == ("s:Sender", "n:CannotProcessFilter")
    assert exc.value.wsman_fault_code == 2150858778
    assert _fault_skeleton(exc.value.response) == _fault_skeleton(_capture("fault_cannot_process_filter.xml"))


def test_get_operating_system_with_or_without_its_key(fleet, proto):
    resp = enumerate_wql(proto, "select Name from Win32_OperatingSystem", optimize=True)
    key = os_property(os_instance(resp), "Name").text
    instance = get_os(proto, key)
    assert instance.tag == f"{{{OS_URI}}}Win32_OperatingSystem"
    assert os_property(instance, "Name").text == key
    # A singleton-style Get without selectors answers too (`winrm get wmicimv2/Win32_OperatingSystem`).
    keyless = get_os(proto, None)
    assert keyless.tag == f"{{{OS_URI}}}Win32_OperatingSystem"
    assert os_property(keyless, "Name").text == key
    with pytest.raises(WSManFaultError) as exc:  # a method still needs the key
        invoke(proto, OS_URI, "Reboot", [])
    assert (exc.value.fault_subcode, exc.value.wsman_fault_code) == ("w:InvalidSelectors", 2150859002)
    with pytest.raises(WSManFaultError) as exc:
        get_os(proto, "Microsoft Windows 95|C:\\WINDOWS|\\Device\\Harddisk0\\Partition1")
    assert (exc.value.fault_subcode, exc.value.wsman_fault_code) == ("a:DestinationUnreachable", 2150858752)


def test_wql_property_list_has_the_xmlfragment_shape_of_the_real_capture(fleet, proto):
    raw = proto.send_message(message(proto, f"{NS['n']}/Enumerate", f"{WMI}/root/cimv2/*", {"n:Enumerate": {
        "@xmlns:n": NS["n"], "@xmlns:w": NS["w"],
        "w:Filter": {"@Dialect": "http://schemas.microsoft.com/wbem/wsman/1/WQL",
                     "#text": "SELECT WindowsDirectory, BootDevice, InstallDate, CSDVersion, BuildNumber "
                              "FROM Win32_OperatingSystem"},
        "w:OptimizeEnumeration": None, "w:MaxElements": "32000"}})).decode()
    capture = _capture("enumerate_property_list_xmlfragment.xml")
    assert _envelope_namespaces(raw) == _envelope_namespaces(capture)
    assert _skeleton(raw) == _skeleton(capture)
    fragment = re.search(r"<w:XmlFragment[^>]*>(.*)</w:XmlFragment>", raw).group(1)
    # Unprefixed children in class order, whatever order the query named them in; nulls as xsi:nil.
    assert re.findall(r"<(\w+)[ >/]", fragment) == ["BootDevice", "BuildNumber", "CSDVersion", "InstallDate",
                                                    "Datetime", "WindowsDirectory"]
    assert '<CSDVersion xsi:nil="true"/>' in fragment


def test_os_caption_follows_the_host_os(fleet):
    caption = os_property(os_instance(enumerate_wql(
        fleet.protocol("ms002"), "select Caption from Win32_OperatingSystem", optimize=True)), "Caption").text
    assert caption == "Microsoft Windows Server 2012 R2 Standard"


def test_malformed_and_unknown_requests_are_faults(proto):
    with pytest.raises(WSManFaultError) as exc:
        proto.send_message("<this is not xml")
    assert (exc.value.fault_code, exc.value.fault_subcode, exc.value.wsman_fault_code) == (
        "s:Sender", "w:InvalidBody", 2150858791)
    with pytest.raises(WSManFaultError) as exc:
        proto.send_message(message(proto, f"{WMI}/root/cimv2/Win32_Service/StartService",
                                   f"{WMI}/root/cimv2/Win32_Service", {}))
    assert (exc.value.fault_subcode, exc.value.wsman_fault_code) == ("a:DestinationUnreachable", 2150858752)


# --- shapes compared with the real captures (tests/sim/captures/) ----------------------------------------------


def _capture(name: str) -> str:
    return re.sub(r"<!--.*?-->\s*", "", (CAPTURES / name).read_text(), count=1, flags=re.S)


def _envelope_namespaces(text: str) -> dict[str, str]:
    start = re.search(r"<s:Envelope\b[^>]*>", text).group(0)
    return dict(re.findall(r"xmlns:(\w+)=[\"']([^\"']+)[\"']", start))


def _skeleton(text: str) -> list[str]:
    """Prefixed element names in document order (opening and closing); runs of a repeated leaf element collapsed."""
    tokens = [tag for tag, _ignored in re.findall(r"<(/?\w+:\w+)[^>]*?(/?)>", text)]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        pair = tokens[i : i + 2]
        if len(pair) == 2 and pair[1] == "/" + pair[0] and out[-2:] == pair:
            i += 2
            continue
        out.append(tokens[i])
        i += 1
    return out


def _fault_skeleton(text: str) -> list[str]:
    body = re.search(r"<s:Fault>.*</s:Fault>", text, flags=re.S).group(0)
    return _skeleton(body)


def test_enumkey_response_has_the_shape_of_the_real_capture(proto):
    raw = proto.send_message(message(proto, f"{REGPROV}/EnumKey", REGPROV, {"p:EnumKey_INPUT": {
        "@xmlns:p": REGPROV, "p:hDefKey": "2147483650", "p:sSubKeyName": SCHANNEL}})).decode()
    capture = _capture("EnumKey.xml")
    assert _envelope_namespaces(raw) == _envelope_namespaces(capture)
    assert _skeleton(raw) == _skeleton(capture)
    output = re.search(r"<p:EnumKey_OUTPUT[^>]*>", raw).group(0)
    assert re.findall(r"xmlns:(\w+)=", output) == re.findall(
        r"xmlns:(\w+)=", re.search(r"<p:EnumKey_OUTPUT[^>]*>", capture).group(0))


def test_shell_responses_have_the_shape_of_real_captures(fleet, proto):
    create = proto.build_wsman_header(action="http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
                                      resource_uri="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd")
    create["env:Body"] = {"rsp:Shell": {"@xmlns:rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
                                        "rsp:InputStreams": "stdin", "rsp:OutputStreams": "stdout stderr"}}
    import xmltodict

    raw = proto.send_message(xmltodict.unparse({"env:Envelope": create})).decode()
    capture = _capture("create_shell_response_rsp_shell.xml")
    assert _envelope_namespaces(raw) == _envelope_namespaces(capture)
    assert _skeleton(raw) == _skeleton(capture)
    assert f"<a:Address>http://{fleet.host('ms001').ip}:5985/wsman</a:Address>" in raw
    shell_id = re.search(r'Name="ShellId">([^<]+)<', raw).group(1)
    assert f"<rsp:ShellId>{shell_id}</rsp:ShellId>" in raw
    assert f"<rsp:Owner>MS001\\{fleet.username}</rsp:Owner>" in raw
    assert "<rsp:ClientIP>127.0.0.1</rsp:ClientIP>" in raw
    proto.close_shell(shell_id)


def test_faults_have_the_shape_of_pywinrm_captures(control, proto):
    with pytest.raises(WSManFaultError) as exc:
        invoke(proto, OS_URI, "Reboot", [])
    assert _envelope_namespaces(exc.value.response) == _envelope_namespaces(_capture("fault_schema_validation.xml"))
    assert _fault_skeleton(exc.value.response) == _fault_skeleton(_capture("fault_schema_validation.xml"))
    control.set_fault("ms001", "fault-after:0")
    with pytest.raises(WSManFaultError) as exc:
        reg(proto, "EnumKey", SCHANNEL)
    assert _fault_skeleton(exc.value.response) == _fault_skeleton(_capture("fault_wmi_error.xml"))
    assert (exc.value.fault_code, exc.value.fault_subcode, exc.value.wmierror_code) == (
        "s:Receiver", "w:InternalError", 2150859174)


def test_counters_count_each_method(fleet, control, proto):
    control.reset_counters()
    reg(proto, "GetDWORDValue", SCHANNEL, "EventLogging")
    reg(proto, "GetDWORDValue", SCHANNEL, "EventLogging")
    reg(proto, "EnumKey", SCHANNEL)
    counters = control.counters("ms001")
    assert counters["methods"] == {"StdRegProv.GetDWORDValue": 2, "StdRegProv.EnumKey": 1}
    assert counters["wsman_calls"] == 3
    assert counters["bytes_in"] > 0
    assert counters["bytes_out"] > 0
    assert control.counters("ms002")["requests"] == 0
    assert control.counters()["totals"]["methods"] == counters["methods"]
