"""ansible-playbook with ``ansible_connection=winrm`` against the inventory the simulator writes.

ansible-core 2.21 ships no ``json`` stdout callback, so results are read from the ``tree`` callback (one JSON file
per host) and the PLAY RECAP of the default output.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.winsim.fleet import REPO_ROOT, Fleet

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def ansible_fleet(tmp_path_factory):
    with Fleet(tmp_path_factory.mktemp("ansible-fleet"), hosts=3, os_mix=("2019", "2012r2", "2025"),
               first_ip="127.20.3.1") as fleet:
        yield fleet


def run_playbook(inventory: Path, tree: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "ANSIBLE_ACTION_PLUGINS": str(HERE / "plugins" / "action"),
        "ANSIBLE_CALLBACKS_ENABLED": "tree",
        "ANSIBLE_CALLBACK_TREE_DIR": str(tree),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORKS": "5",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCAL_TEMP": str(tree.parent / "ansible-tmp"),
    }
    ansible = Path(sys.executable).parent / "ansible-playbook"
    return subprocess.run([str(ansible), "-i", str(inventory), str(HERE / "playbooks" / "read_registry.yml"),
                           *extra], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def recap(stdout: str) -> dict[str, dict[str, int]]:
    rows = re.findall(r"^(\S+)\s+:\s+(.*)$", stdout.split("PLAY RECAP", 1)[1], flags=re.M)
    return {host: {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", fields)} for host, fields in rows}


def test_playbook_reads_the_registry_of_every_host(ansible_fleet, tmp_path):
    fleet = ansible_fleet
    fleet.control.reset_counters()
    proc = run_playbook(fleet.inventory, tmp_path / "tree")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = recap(proc.stdout)
    assert {h: (r["ok"], r["failed"], r["unreachable"]) for h, r in summary.items()} == {
        "ms001": (1, 0, 0), "ms002": (1, 0, 0), "ms003": (1, 0, 0)}
    for host in ("ms001", "ms002", "ms003"):
        result = json.loads((tmp_path / "tree" / host).read_text())
        assert (result["value"], result["return_value"], result["changed"]) == (1, 0, False)
        # What ansible's winrm connection does on the wire: open a cmd shell, our call, delete the shell.
        counters = fleet.control.counters(host)
        assert counters["methods"] == {"Shell.Create": 1, "Shell.Delete": 1, "StdRegProv.GetDWORDValue": 1}
        assert counters["auth_failures"] == 0


@pytest.mark.parametrize(("fault", "message"), [
    ("down", "Connection refused"),
    ("wrong-password", "ntlm: the specified credentials were rejected by the server"),  # ansible winrm.py wording
])
def test_playbook_reports_a_faulty_host_unreachable(ansible_fleet, tmp_path, fault, message):
    fleet = ansible_fleet
    fleet.control.set_fault("ms002", fault)
    try:
        proc = run_playbook(fleet.inventory, tmp_path / "tree")
    finally:
        fleet.control.clear_fault("ms002")
        fleet.control.wait_for_state("ms002", "up")
    summary = recap(proc.stdout)
    assert proc.returncode == 4, proc.stdout + proc.stderr  # 4 = some hosts unreachable
    assert summary["ms002"]["unreachable"] == 1
    assert (summary["ms001"]["ok"], summary["ms003"]["ok"]) == (1, 1)
    assert message in proc.stdout


def test_playbook_fails_only_the_host_whose_call_gets_a_soap_fault(ansible_fleet, tmp_path):
    fleet = ansible_fleet
    fleet.control.set_fault("ms003", "fault-after:1")  # Shell.Create passes, the call faults
    try:
        proc = run_playbook(fleet.inventory, tmp_path / "tree")
    finally:
        fleet.control.clear_fault("ms003")
    summary = recap(proc.stdout)
    assert proc.returncode == 2, proc.stdout + proc.stderr  # 2 = some hosts failed
    assert (summary["ms003"]["failed"], summary["ms003"]["unreachable"]) == (1, 0)
    assert (summary["ms001"]["ok"], summary["ms002"]["ok"]) == (1, 1)
    # pywinrm's WSManFaultError as the task's message: the Windows text plus its fault code and subcode.
    msg = json.loads((tmp_path / "tree" / "ms003").read_text())["msg"]
    assert "maximum number of 1500 concurrent operations" in msg
    assert "'http_status_code': 500, 'fault_code': 's:Receiver', 'fault_subcode': 'w:InternalError'" in msg


def test_playbook_over_https_with_certificate_validation(tmp_path):
    with Fleet(tmp_path / "https-fleet", hosts=1, first_ip="127.20.4.1", scheme="https") as fleet:
        group_vars = fleet.inventory_data()["vars"]
        assert (group_vars["ansible_port"], group_vars["ansible_winrm_scheme"]) == (5986, "https")
        assert group_vars["ansible_winrm_server_cert_validation"] == "validate"
        proc = run_playbook(fleet.inventory, tmp_path / "tree")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert json.loads((tmp_path / "tree" / "ms001").read_text())["value"] == 1
        counters = fleet.control.counters("ms001")
        assert counters["tls_handshakes"] == {"5986": counters["connections"]}
        assert counters["methods"]["StdRegProv.GetDWORDValue"] == 1
