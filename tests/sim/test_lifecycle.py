"""Reboot over WMI, TLS listeners rebuilt from the registry at boot, persistence across a crash, the CLI."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from winrm.exceptions import InvalidCredentialsError

from tests.sim.test_wire_faults import ALL_PORTS, connect_errno
from tests.sim.wsman_client import OS_URI, SCHANNEL, enumerate_wql, invoke, os_instance, os_property, reg
from tests.winsim.fleet import REPO_ROOT, Fleet


@pytest.fixture(scope="module")
def life_fleet(tmp_path_factory):
    state = tmp_path_factory.mktemp("life-fleet")
    # reboot_seconds: the reboot test must see the host away (state poll + two refused connects) before it is back;
    # 3 s keeps that window wide on a loaded 2-core CI machine.
    with Fleet(state, hosts=2, first_ip="127.20.2.1", reboot_seconds=3.0) as fleet:
        yield fleet


def last_boot(proto) -> tuple[str, dt.datetime]:
    instance = os_instance(enumerate_wql(proto, "select Name, LastBootUpTime from Win32_OperatingSystem",
                                         optimize=True))
    name = os_property(instance, "Name").text
    text = os_property(instance, "LastBootUpTime").find("Datetime").text  # w:XmlFragment: unprefixed Datetime
    return name, dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def tls12_handshake(ip: str, port: int, cafile: str) -> str:
    """Handshake with a TLS 1.2-only client; returns the negotiated version or raises ssl.SSLError."""
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_connection((ip, port), timeout=10) as raw, ctx.wrap_socket(raw, server_hostname=ip) as tls:
        return tls.version()


def test_wmi_reboot_goes_away_and_comes_back_with_a_new_boot_time(life_fleet):
    fleet, control = life_fleet, life_fleet.control
    ip = fleet.host("ms001").ip
    proto = fleet.protocol("ms001")
    key, booted = last_boot(proto)
    # Disable TLS 1.2 for servers: nothing changes on the wire until the host boots again.
    tls12 = SCHANNEL + r"\Protocols\TLS 1.2\Server"
    assert reg(proto, "CreateKey", tls12)["ReturnValue"] == ["0"]
    assert reg(proto, "SetDWORDValue", tls12, "Enabled", uValue="0")["ReturnValue"] == ["0"]
    assert tls12_handshake(ip, 8460, str(fleet.ca_cert)) == "TLSv1.2"

    out = invoke(proto, OS_URI, "Win32Shutdown", [("Flags", "6"), ("Reserved", "0")], selectors={"Name": key})
    assert out.tag == f"{{{OS_URI}}}Win32Shutdown_OUTPUT"
    assert [(c.tag.rpartition("}")[2], c.text) for c in out] == [("ReturnValue", "0")]
    control.wait_for_state("ms001", "rebooting", timeout=5)
    assert connect_errno(ip, 5985) == errno.ECONNREFUSED
    assert connect_errno(ip, 8460) == errno.ECONNREFUSED
    control.wait_for_state("ms001", "up", timeout=10)

    _ignored, rebooted = last_boot(fleet.protocol("ms001"))
    assert rebooted > booted
    assert control.counters("ms001")["boots"] == 1
    assert control.host("ms001")["boot_count"] == 2
    with pytest.raises(ssl.SSLError):
        tls12_handshake(ip, 8460, str(fleet.ca_cert))  # rebuilt from the registry as it stood at boot
    assert "TLS 1.2" not in control.host("ms001")["tls"]["protocols"]


def test_state_survives_sigkill_and_restart(life_fleet):
    fleet = life_fleet
    proto = fleet.protocol("ms002")
    key = SCHANNEL + r"\Ciphers\RC4 128/128"
    assert reg(proto, "CreateKey", key)["ReturnValue"] == ["0"]
    assert reg(proto, "SetDWORDValue", key, "Enabled", uValue="0")["ReturnValue"] == ["0"]
    password, ca = fleet.password, fleet.ca_cert.read_bytes()
    hosts = fleet.hosts
    _ignored, booted = last_boot(proto)

    assert fleet.kill() == -9
    fleet.start()
    assert (fleet.password, fleet.ca_cert.read_bytes(), fleet.hosts) == (password, ca, hosts)
    proto = fleet.protocol("ms002")
    assert reg(proto, "GetDWORDValue", key, "Enabled") == {"uValue": ["0"], "ReturnValue": ["0"]}
    assert last_boot(proto)[1] == booted  # restarting the simulator is not a reboot of the host


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_faults_given_at_start_and_clean_stop(tmp_path, stop_signal):
    fleet = Fleet(tmp_path / "f", hosts=2, first_ip="127.20.2.101", faults=("ms002=down", "ms001=fault-after:5"))
    try:
        fleet.start()
        assert json.loads((tmp_path / "f" / "control.json").read_text())["pid"] == fleet.process.pid
        assert [(h["name"], h["state"], h["faults"]) for h in fleet.control.hosts()] == [
            ("ms001", "up", ["fault-after:5 (5 calls left)"]), ("ms002", "down", ["down"])]
        # The inventory exists only once every listener is up: no waiting, every port of ms001 accepts right away.
        assert {port: connect_errno("127.20.2.101", port) for port in ALL_PORTS} == dict.fromkeys(ALL_PORTS, 0)
        assert connect_errno("127.20.2.102", 5985) == errno.ECONNREFUSED
        assert fleet.stop(sig=stop_signal) == 0
        assert not (tmp_path / "f" / "control.json").exists()
        assert connect_errno("127.20.2.101", 5985) == errno.ECONNREFUSED
    finally:
        fleet.stop()


def test_accounts_come_from_the_state_dir_and_latency_applies(tmp_path):
    state = tmp_path / "accounts"
    state.mkdir()
    (state / "users.txt").write_text(":Administrator:Adm-Pass-1\n:operator:Op-Pass-2\nCORP:svc:Svc-Pass-3\n")
    # Basic over HTTPS (pywinrm's "ssl" transport) below needs the service's Basic switched on.
    with Fleet(state, hosts=1, first_ip="127.20.2.111", latency_ms=200, settings=("ms001=allow-basic:on",)) as fleet:
        assert (fleet.username, fleet.password) == ("Administrator", "Adm-Pass-1")  # the inventory uses the file
        operator = fleet.protocol("ms001", username="operator", password="Op-Pass-2")
        started = time.monotonic()
        operator.close_shell(operator.open_shell())
        assert time.monotonic() - started >= 3 * 0.2  # at least Create + Delete + one NTLM leg, 200 ms each
        domain = fleet.protocol("ms001", username="CORP\\svc", password="Svc-Pass-3")
        assert reg(domain, "GetDWORDValue", SCHANNEL, "EventLogging")["ReturnValue"] == ["0"]
        with pytest.raises(InvalidCredentialsError):
            fleet.protocol("ms001", username="operator", password="Adm-Pass-1").open_shell()
        # Accounts added while the fleet runs are picked up (the file is re-read when it changes).
        with (state / "users.txt").open("a") as fh:
            fh.write(":latecomer:Late-Pass-4\n")
        os.utime(state / "users.txt", (time.time() + 5, time.time() + 5))  # a new mtime even on a coarse clock
        late = fleet.protocol("ms001", username="latecomer", password="Late-Pass-4", transport="ssl",
                              scheme="https")
        assert reg(late, "GetDWORDValue", SCHANNEL, "EventLogging")["ReturnValue"] == ["0"]


def test_wmi_shutdown_stays_off_until_powered_on(life_fleet):
    fleet, control = life_fleet, life_fleet.control
    ip = fleet.host("ms002").ip
    key, booted = last_boot(fleet.protocol("ms002"))
    boots = control.counters("ms002")["boots"]
    try:
        out = invoke(fleet.protocol("ms002"), OS_URI, "Win32Shutdown", [("Flags", "8"), ("Reserved", "0")],
                     selectors={"Name": key})  # 8 = power off
        assert [(c.tag.rpartition("}")[2], c.text) for c in out] == [("ReturnValue", "0")]
        control.wait_for_state("ms002", "off", timeout=10)
        assert {port: connect_errno(ip, port) for port in ALL_PORTS} == dict.fromkeys(ALL_PORTS, errno.ECONNREFUSED)
        assert control.counters("ms002")["boots"] == boots  # off is not a reboot
    finally:
        control.power_on("ms002")
    control.wait_for_state("ms002", "up", timeout=10)
    assert control.counters("ms002")["boots"] == boots + 1
    assert last_boot(fleet.protocol("ms002"))[1] > booted


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tests.winsim", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, check=False)


def test_help_documents_serve_options_faults_and_default_os():
    top = _cli("--help")
    assert top.returncode == 0
    for text in ("5985", "5986", "8460", "reboot-hang", "fault-after:N", "reset[:N]", "slow[:MS]", "wrong-password",
                 "access-denied", "control.json", "users.txt"):
        assert text in top.stdout, text
    serve = _cli("serve", "--help").stdout
    for text in ("--state-dir", "--inventory", "--hosts", "--os-mix", "--first-ip", "--latency-ms", "--fault",
                 "--reboot-seconds", "default 2019", "newest release without TLS 1.3",
                 "every host the state directory holds"):
        assert text in " ".join(serve.split()), text
    for route in ("GET /v1/hosts/<name>/registry?key=PATH", "POST /v1/hosts/<name>/registry {\"edits\""):
        assert route in " ".join(top.stdout.split()), route


def test_a_restart_without_hosts_serves_every_host_of_the_state_dir(tmp_path):
    with Fleet(tmp_path / "f", hosts=4, first_ip="127.20.2.131") as fleet:
        assert [h.name for h in fleet.hosts] == ["ms001", "ms002", "ms003", "ms004"]
    with Fleet(tmp_path / "f", hosts=None, first_ip="127.20.2.131") as fleet:
        assert [h.name for h in fleet.hosts] == ["ms001", "ms002", "ms003", "ms004"]
        assert "ms004" in fleet.inventory.read_text()
        assert fleet.control.host("ms004")["state"] == "up"


def test_cli_fault_and_counters_subcommands(life_fleet):
    state = str(life_fleet.state_dir)
    out = _cli("fault", "--state-dir", state, "ms002=slow:10")
    assert out.returncode == 0
    assert "ms002: up faults=slow:10" in out.stdout
    out = _cli("fault", "--state-dir", state, "--clear", "ms002")
    assert "ms002: up faults=-" in out.stdout
    counters = json.loads(_cli("counters", "--state-dir", state, "--json").stdout)
    assert set(counters["hosts"]) == {"ms001", "ms002"}
    assert "methods" in counters["totals"]
    bad = _cli("fault", "--state-dir", state, "ms002=explode")
    assert bad.returncode == 2
    assert "unknown fault 'explode'" in bad.stderr


def test_inventory_has_the_connection_variables_of_a_windows_host(life_fleet):
    doc = yaml.safe_load(life_fleet.inventory.read_text())
    group = doc["all"]["children"]["mailstore"]
    assert list(group["hosts"]) == ["ms001", "ms002"]
    assert group["hosts"]["ms001"]["ansible_host"] == "127.20.2.1"
    assert {k: v for k, v in group["vars"].items() if k != "ansible_password"} == {
        "ansible_connection": "winrm", "ansible_user": "Administrator", "ansible_winrm_transport": "ntlm",
        "ansible_winrm_scheme": "http", "ansible_port": 5985, "ansible_winrm_message_encryption": "auto"}
    assert f":Administrator:{group['vars']['ansible_password']}" in (life_fleet.state_dir / "users.txt").read_text()


ORPHAN_PARENT = """
import sys, time
from pathlib import Path
from tests.winsim.fleet import Fleet
fleet = Fleet(Path(sys.argv[1]), hosts=1, first_ip="127.20.2.121")
fleet.start()
print(fleet.process.pid, flush=True)
time.sleep(600)
"""


def test_simulator_exits_when_the_test_process_that_started_it_dies(tmp_path):
    """A killed test run (CI timeout) runs no teardown: the simulator must not outlive it and hold its addresses."""
    parent = subprocess.Popen([sys.executable, "-c", ORPHAN_PARENT, str(tmp_path / "orphan")], cwd=REPO_ROOT,
                              env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, stdout=subprocess.PIPE, text=True)
    try:
        simulator = int(parent.stdout.readline())
        assert connect_errno("127.20.2.121", 5985) == 0
    finally:
        parent.kill()
        parent.wait(timeout=30)
        parent.stdout.close()
    deadline = time.monotonic() + 30
    while _alive(simulator) and time.monotonic() < deadline:
        time.sleep(0.05)  # bounded poll for the exit
    survived = _alive(simulator)
    if survived:
        os.kill(simulator, signal.SIGKILL)  # leave nothing behind, then fail
    assert not survived
    assert connect_errno("127.20.2.121", 5985) == errno.ECONNREFUSED
    assert not (tmp_path / "orphan" / "control.json").exists()  # it stopped cleanly (SIGTERM), not by SIGKILL


def _alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting for init to reap it)."""
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
