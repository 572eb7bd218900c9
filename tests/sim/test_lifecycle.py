"""Reboot over WMI, TLS listeners rebuilt from the registry at boot, persistence across a crash, the CLI."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import socket
import ssl
import subprocess
import sys

import pytest
import yaml

from tests.sim.test_wire_faults import connect_errno
from tests.sim.wsman_client import NS, OS_URI, SCHANNEL, enumerate_wql, invoke, reg
from tests.winsim.fleet import REPO_ROOT, Fleet


@pytest.fixture(scope="module")
def life_fleet(tmp_path_factory):
    state = tmp_path_factory.mktemp("life-fleet")
    with Fleet(state, hosts=2, first_ip="127.20.2.1", reboot_seconds=1.0) as fleet:
        yield fleet


def last_boot(proto) -> tuple[str, dt.datetime]:
    resp = enumerate_wql(proto, "select Name, LastBootUpTime from Win32_OperatingSystem", optimize=True)
    name = resp.find(f".//{{{OS_URI}}}Name").text
    text = resp.find(f".//{{{OS_URI}}}LastBootUpTime/cim:Datetime", NS).text
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

    _, rebooted = last_boot(fleet.protocol("ms001"))
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
    _, booted = last_boot(proto)

    assert fleet.kill() == -9
    fleet.start()
    assert (fleet.password, fleet.ca_cert.read_bytes(), fleet.hosts) == (password, ca, hosts)
    proto = fleet.protocol("ms002")
    assert reg(proto, "GetDWORDValue", key, "Enabled") == {"uValue": ["0"], "ReturnValue": ["0"]}
    assert last_boot(proto)[1] == booted  # restarting the simulator is not a reboot of the host


def test_faults_given_at_start_and_clean_stop(tmp_path):
    fleet = Fleet(tmp_path / "f", hosts=2, first_ip="127.20.2.101", faults=("ms002=down", "ms001=fault-after:5"))
    fleet.start()
    assert json.loads((tmp_path / "f" / "control.json").read_text())["pid"] == fleet.process.pid
    assert [(h["name"], h["state"], h["faults"]) for h in fleet.control.hosts()] == [
        ("ms001", "up", ["fault-after:5 (5 calls left)"]), ("ms002", "down", ["down"])]
    assert connect_errno("127.20.2.102", 5985) == errno.ECONNREFUSED
    assert fleet.stop() == 0
    assert not (tmp_path / "f" / "control.json").exists()


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
                 "--reboot-seconds", "default 2019", "newest release without TLS 1.3"):
        assert text in " ".join(serve.split()), text


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
