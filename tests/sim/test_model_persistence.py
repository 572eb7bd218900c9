"""Registry journal/snapshot persistence and boot state of the simulated host (tests/winsim/registry_store.py)."""

import datetime
import json
import signal
import subprocess
import sys
import textwrap

from tests.collection_path import REPO_ROOT
from tests.winsim.host import SimulatedWindows

SCHANNEL = r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL"
CIPHERS = SCHANNEL + r"\Ciphers"
TLS10 = SCHANNEL + r"\Protocols\TLS 1.0\Server"


def get_dword(host, key, name):
    return host.call_stdregprov("GetDWORDValue", [("sSubKeyName", key), ("sValueName", name)])


def test_writes_survive_restart_and_journal_is_compacted(tmp_path):
    host = SimulatedWindows("p1", "2016", tmp_path)
    host.call_stdregprov("CreateKey", [("sSubKeyName", CIPHERS + r"\RC4 128/128")])
    host.call_stdregprov("SetDWORDValue", [("sSubKeyName", CIPHERS + r"\RC4 128/128"), ("sValueName", "Enabled"),
                                           ("uValue", "0")])
    host.call_stdregprov("DeleteValue", [("sSubKeyName", SCHANNEL), ("sValueName", "EventLogging")])
    host.close()
    journals = list((tmp_path / "hosts" / "p1").glob("registry.journal-*.jsonl"))
    assert len(journals) == 1
    assert len(journals[0].read_text().splitlines()) == 3
    again = SimulatedWindows("p1", "2016", tmp_path)
    assert get_dword(again, CIPHERS + r"\rc4 128/128", "enabled") == [("uValue", 0), ("ReturnValue", 0)]
    assert get_dword(again, SCHANNEL, "EventLogging") == [("ReturnValue", 1)]  # the key stays, the value is gone
    journals = list((tmp_path / "hosts" / "p1").glob("registry.journal-*.jsonl"))
    assert [j.read_text() for j in journals] == [""]  # folded into the snapshot on load
    again.close()


def test_torn_last_line_is_ignored(tmp_path):
    host = SimulatedWindows("p2", "2019", tmp_path)
    host.call_stdregprov("CreateKey", [("sSubKeyName", TLS10)])
    host.close()
    (journal,) = (tmp_path / "hosts" / "p2").glob("registry.journal-*.jsonl")
    op = json.dumps({"op": "set_value", "key": TLS10, "name": "Enabled", "type": 4, "data": 0})
    with journal.open("a") as fh:
        fh.write(op[: len(op) // 2])  # killed mid-write: no newline, not JSON
    again = SimulatedWindows("p2", "2019", tmp_path)
    assert again.call_stdregprov("EnumKey", [("sSubKeyName", TLS10.rsplit("\\", 1)[0])]) == [
        ("sNames", ["Server"]), ("ReturnValue", 0)]
    assert get_dword(again, TLS10, "Enabled") == [("ReturnValue", 1)]  # key created, value never set
    again.close()


CHILD = textwrap.dedent(r"""
    import sys
    import tests.winsim
    from tests.winsim.host import SimulatedWindows
    host = SimulatedWindows("victim", "2022", __import__("pathlib").Path(sys.argv[1]))
    key = r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\KeyExchangeAlgorithms"
    i = 0
    while True:
        host.call_stdregprov("SetDWORDValue", [("sSubKeyName", key), ("sValueName", f"v{i}"), ("uValue", str(i))])
        print(i, flush=True)
        i += 1
""")


def test_sigkill_between_and_during_ops_loses_nothing_acknowledged(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                             text=True)
    assert child.stdout is not None
    acknowledged = -1
    while acknowledged < 200:
        acknowledged = int(child.stdout.readline())
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    host = SimulatedWindows("victim", "2022", tmp_path)
    key = SCHANNEL + r"\KeyExchangeAlgorithms"
    (names, _types, ret) = host.call_stdregprov("EnumValues", [("sSubKeyName", key)])
    assert ret == ("ReturnValue", 0)
    assert len(names[1]) > acknowledged  # every acknowledged write, maybe one more that was not yet acknowledged
    assert names[1] == [f"v{i}" for i in range(len(names[1]))]  # a prefix: no hole, no half-applied op
    assert get_dword(host, key, f"v{acknowledged}") == [("uValue", acknowledged), ("ReturnValue", 0)]
    host.close()


def test_simulator_restart_is_not_a_reboot(tmp_path):
    host = SimulatedWindows("p3", "2019", tmp_path)
    boot_time, boots = host.last_boot, host.boot_count
    assert boots == 1
    assert "TLS 1.0" in host.tls_summary["protocols"]
    host.call_stdregprov("CreateKey", [("sSubKeyName", TLS10)])
    host.call_stdregprov("SetDWORDValue", [("sSubKeyName", TLS10), ("sValueName", "Enabled"), ("uValue", "0")])
    assert "TLS 1.0" in host.tls_summary["protocols"]  # Schannel reads the registry at boot only
    host.close()
    again = SimulatedWindows("p3", "2019", tmp_path)
    assert (again.last_boot, again.boot_count) == (boot_time, boots)
    assert "TLS 1.0" in again.tls_summary["protocols"]
    assert dict(again.os_instance())["LastBootUpTime"] == boot_time
    again.boot()
    assert again.boot_count == 2
    assert again.last_boot > boot_time
    assert "TLS 1.0" not in again.tls_summary["protocols"]
    again.close()
    third = SimulatedWindows("p3", "2019", tmp_path)
    assert "TLS 1.0" not in third.tls_summary["protocols"]
    assert third.last_boot.tzinfo == datetime.UTC
    third.close()


def test_power_actions(tmp_path):
    host = SimulatedWindows("p4", "2012r2", tmp_path)
    assert host.request_shutdown(0) == 0
    assert host.pending_power_action is None
    assert host.request_shutdown(6) == 0
    assert host.pending_power_action == "reboot"
    host.boot()
    assert host.pending_power_action is None
    assert host.request_shutdown(8) == 0
    assert host.pending_power_action == "shutdown"
    assert host.request_shutdown(3) == 87
    host.close()
