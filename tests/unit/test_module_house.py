"""The house the modules stand on: one error base mapped to task results, bounded re-connection of the WS-Man
client, backups that round-trip every registry type, and the lock-out computation."""

from __future__ import annotations

import stat

import pytest
from winrm.exceptions import InvalidCredentialsError

from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import (
    REG_BINARY,
    REG_DWORD,
    REG_MULTI_SZ,
    REG_SZ,
    Change,
    RegValue,
    Snapshot,
    key_id,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import parse_settings
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.backup import (
    created_parents,
    host_dir,
    load_backup,
    write_backup,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import FleetsecError, InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.lockout import (
    ControllerTls,
    Negotiated,
    lockout_problems,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman import winrm_protocol
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.client import WsmanClient, WsmanTransportError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.stdregprov import RegistryAccessDenied
from tests.unit.wsman_fake import STDREGPROV, FakeHost

ARGS = [("hDefKey", 2147483650), ("sSubKeyName", "K"), ("sValueName", "A")]


# -- errors ---------------------------------------------------------------------------------------------------


def test_transport_failures_make_the_host_unreachable_not_failed():
    result = WsmanTransportError("cannot reach the WinRM service during Get: refused").to_result()
    assert result["unreachable"] is True
    assert "failed" not in result  # Ansible would count a failed+unreachable result as failed


def test_wmi_codes_fail_the_host_with_their_code():
    error = RegistryAccessDenied("SetDWORDValue", "K", "A", 5)
    assert isinstance(error, FleetsecError)
    result = error.to_result()
    assert (result["failed"], result["error"]["code"], result["error"]["type"]) == (True, 5, "RegistryAccessDenied")
    assert "unreachable" not in result


def test_extra_keys_ride_along_with_the_error():
    error = InputError("bad")
    error.extra = {"os": {"key": "2019"}, "changed": False}
    assert error.to_result()["os"] == {"key": "2019"}


# -- re-connection --------------------------------------------------------------------------------------------


class FlakySend:
    """A send that fails with ``failures`` (in order) before answering from ``host``; counts reconnections."""

    def __init__(self, host: FakeHost, failures: list[Exception]) -> None:
        self.host, self.failures, self.sessions = host, list(failures), 1

    def __call__(self, text: str) -> bytes:
        if self.failures:
            raise self.failures.pop(0)
        return self.host.send(text)

    def reconnect(self):
        self.sessions += 1
        return self


def client(send: FlakySend, **kwargs) -> WsmanClient:
    return WsmanClient(send, reconnect=send.reconnect, classify=winrm_protocol.classify, **kwargs)


@pytest.fixture
def host() -> FakeHost:
    return FakeHost(registry={"K": {"A": (REG_DWORD, 7)}})


def test_one_reset_costs_one_retried_request(host):
    send = FlakySend(host, [ConnectionResetError(104, "Connection reset by peer")])
    wsman = client(send)
    assert wsman.invoke(STDREGPROV, "GetDWORDValue", ARGS).first("uValue") == "7"
    assert (wsman.reconnects, send.sessions, wsman.calls["GetDWORDValue"]) == (1, 2, 2)


def test_it_gives_up_after_the_bound_and_says_so(host):
    send = FlakySend(host, [ConnectionResetError(104, "Connection reset by peer")] * 5)
    with pytest.raises(WsmanTransportError) as info:
        client(send, max_reconnects=3).invoke(STDREGPROV, "GetDWORDValue", ARGS)
    assert "gave up after re-connecting and re-authenticating 3 times" in str(info.value)
    assert info.value.to_result()["unreachable"] is True
    assert send.sessions == 4


def test_refused_connections_and_non_idempotent_calls_are_not_repeated(host):
    send = FlakySend(host, [ConnectionRefusedError(111, "Connection refused")])
    with pytest.raises(WsmanTransportError):
        client(send).invoke(STDREGPROV, "GetDWORDValue", ARGS)
    send = FlakySend(host, [ConnectionResetError(104, "Connection reset by peer")])
    with pytest.raises(WsmanTransportError):
        client(send).invoke(STDREGPROV, "Reboot", [], idempotent=False)
    assert send.sessions == 1


def test_a_lost_ntlm_session_is_re_authenticated_but_a_first_rejected_login_is_not(host):
    rejected = InvalidCredentialsError("the specified credentials were rejected by the server")
    send = FlakySend(host, [rejected])
    with pytest.raises(WsmanTransportError, match="the host refused the login"):
        client(send).invoke(STDREGPROV, "GetDWORDValue", ARGS)
    assert send.sessions == 1
    send = FlakySend(host, [])
    wsman = client(send)
    wsman.invoke(STDREGPROV, "GetDWORDValue", ARGS)
    send.failures.append(rejected)  # the host forgot the session
    assert wsman.invoke(STDREGPROV, "GetDWORDValue", ARGS).first("uValue") == "7"
    assert send.sessions == 2


# -- backups ----------------------------------------------------------------------------------------------------


def test_backup_round_trips_every_type_and_is_private(tmp_path):
    changes = [
        Change("K\\Old", "Bin", REG_DWORD, b"\x01\x00\xff", 1, before_type=REG_BINARY),
        Change("K\\Old", "Multi", REG_MULTI_SZ, ("a", "b"), ("c",)),
        Change("K\\Old", "Gone", REG_SZ, None, "x"),
        Change("K\\New", "Enabled", REG_DWORD, None, 0),
    ]
    snapshot = Snapshot(values={v.id: v for v in (RegValue("K\\Old", "Bin", REG_BINARY, b"\x01\x00\xff"),
                                                  RegValue("K\\Old", "Multi", REG_MULTI_SZ, ("a", "b")))},
                        existing_keys={key_id("K\\Old")}, missing_keys={key_id("K\\New")})
    folder = host_dir(str(tmp_path / "backups"), "ms001")
    files = write_backup(folder, "20261202T050000.000000Z", "ms001", changes=changes, snapshot=snapshot,
                         os_info={"key": "2019"})
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in (files.json_path, files.reg_path)} == {0o600}
    document, ops = load_backup(str(files.json_path))
    assert document["host"] == "ms001"
    assert [type(op).__name__ for op in ops] == ["DeleteKey", "SetValue", "SetValue", "DeleteValue"]
    assert ops[1].value == RegValue("K\\Old", "Bin", REG_BINARY, b"\x01\x00\xff")
    assert ops[2].value.data == ("a", "b")
    assert "hex:01,00,ff" in files.reg_path.read_bytes().decode("utf-16")
    assert document["created_parents"] == []


def test_backup_lists_the_parents_a_write_created_deepest_first():
    changes = [Change("P\\TLS 1.1\\Server", "Enabled", REG_DWORD, None, 1),
               Change("P\\TLS 1.1\\Client", "Enabled", REG_DWORD, None, 1),
               Change("P\\A\\B\\C", "Enabled", REG_DWORD, None, 1),
               Change("P\\SSL 3.0\\Server", "Enabled", REG_DWORD, None, 0)]
    snapshot = Snapshot(existing_keys={key_id("P"), key_id("P\\SSL 3.0")},
                        missing_keys={key_id(k) for k in ("P\\TLS 1.1", "P\\TLS 1.1\\Server", "P\\TLS 1.1\\Client",
                                                          "P\\A", "P\\A\\B", "P\\A\\B\\C",
                                                          "P\\SSL 3.0\\Server")})
    assert created_parents(changes, snapshot) == ["P\\A\\B", "P\\A", "P\\TLS 1.1"]


@pytest.mark.parametrize(("content", "message"), [
    ("not json", "cannot be read as JSON"),
    ('{"schema": "other"}', "is not a win_schannel backup"),
    ('{"schema": "fleetsec.schannel/backup", "schema_version": 1, "restore": [{"op": "set_value", "key": "HKLM\\\\K",'
     ' "name": "A", "type": "REG_FOO", "data": 1}]}', r"restore\[0\]: type must be one of"),
    ('{"schema": "fleetsec.schannel/backup", "schema_version": 1, "restore": [], "created_parents": ["K"]}',
     "created_parents must be a list of HKLM"),
])
def test_a_bad_backup_file_is_named(tmp_path, content, message):
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message) as info:
        load_backup(str(path))
    assert str(path) in str(info.value)


def test_a_host_name_cannot_climb_out_of_the_backup_dir(tmp_path):
    with pytest.raises(InputError, match="cannot name a backup folder"):
        host_dir(str(tmp_path), "../etc")


# -- lock-out ---------------------------------------------------------------------------------------------------

CONTROLLER = ControllerTls(protocols=frozenset({"TLS 1.2", "TLS 1.3"}),
                           suites=frozenset({0xC030, 0xC02F, 0xC028, 0x1301, 0x1302}))


def settings(raw):
    parsed, findings = parse_settings(raw)
    assert not [f for f in findings if f.severity == "error"]
    return parsed


def test_no_protocol_in_common_is_an_error_naming_both_sides():
    errors, warnings = lockout_problems(settings({"protocols": {"TLS 1.2": "disabled"}}), "2019", CONTROLLER, None)
    assert warnings == []
    assert "the host would offer TLS 1.0, TLS 1.1 and this controller's TLS client offers TLS 1.2, TLS 1.3" \
        in errors[0]


def test_no_suite_in_common_is_an_error():
    raw = {"protocols": {"TLS 1.2": "enabled"}, "cipher_suites": ["TLS_RSA_WITH_AES_128_CBC_SHA"]}
    errors, _warnings = lockout_problems(settings(raw), "2019", CONTROLLER, None)
    assert "no cipher suite the host would offer for TLS 1.2" in errors[0]


def test_a_change_of_the_negotiated_suite_is_a_warning():
    raw = {"cipher_suites": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]}
    live = Negotiated("TLS 1.2", 0xC030, "ECDHE-RSA-AES256-GCM-SHA384")
    errors, warnings = lockout_problems(settings(raw), "2019", CONTROLLER, live)
    assert errors == []
    assert warnings == ["the management connection negotiates TLS 1.2 with ECDHE-RSA-AES256-GCM-SHA384 today; after "
                        "this change it would use TLS 1.2 with TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]
