"""tls_scan and compliance_report through ansible-playbook: hosts scanned in parallel forks from the controller,
no WinRM connection opened, one report for the fleet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.profiles import profile
from tests.sim.test_ansible_playbook import recap
from tests.sim.tls_fleet import Planned, provision
from tests.winsim.fleet import REPO_ROOT, Fleet

HERE = Path(__file__).parent
LEGACY = {**profile("xp_compatible"), "dotnet_strong_crypto": False}
PLAN = [Planned("2019", profile("recommended")), Planned("2012r2", LEGACY), Planned("2022", profile("recommended")),
        Planned("2016", profile("xp_compatible"))]
PROFILES = ["recommended", "recommended", "recommended", "xp_compatible"]  # what each host is judged against


def test_fleet_scan_and_report_from_a_playbook(tmp_path):
    state = tmp_path / "fleet"
    provision(state, PLAN)
    # ms002 (SSL 3.0 on) in renegotiation strict mode, and every host silent on SSL 2.0 hellos, as real Schannel
    # hosts can be: SSL 3.0 is still seen, no port is unreachable for want of an SSL 2.0 answer.
    with Fleet(state, hosts=len(PLAN), os_mix=tuple(p.os for p in PLAN), first_ip="127.20.11.1",
               settings=("ms002=insecure-renego-clients:off",), host_options=("*=ssl2-hello:silent",)) as fleet:
        fleet.control.set_fault("ms003", "down")
        host_vars = fleet.inventory.parent / "host_vars"
        host_vars.mkdir()
        for host, name in zip(fleet.hosts, PROFILES, strict=True):
            settings = {**profile(name), **({"dotnet_strong_crypto": False} if host.name == "ms002" else {})}
            (host_vars / f"{host.name}.yml").write_text(yaml.safe_dump({"tls_profile": name, "tls_settings": settings}))
        env = {**os.environ, "ANSIBLE_CALLBACKS_ENABLED": "tree", "ANSIBLE_CALLBACK_TREE_DIR": str(tmp_path / "tree"),
               "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORKS": "4", "ANSIBLE_RETRY_FILES_ENABLED": "0",
               "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp")}
        run_id = "20261202T050000Z"
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(fleet.inventory),
             str(HERE / "playbooks" / "tls_scan_report.yml"), "-e", f"report_dir={tmp_path / 'reports'}",
             "-e", f"run_id={run_id}"],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
        counters = fleet.control.counters()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {h: (r["ok"], r["failed"], r["unreachable"]) for h, r in recap(proc.stdout).items()} == {
        "ms001": (4, 0, 0), "ms002": (2, 0, 0), "ms003": (2, 0, 0), "ms004": (2, 0, 0)}
    assert sum(host["wsman_calls"] for host in counters["hosts"].values()) == 0  # the host's WinRM is never used

    report = json.loads((tmp_path / "reports" / run_id / "report" / "compliance-report.json").read_text())
    hosts = {h["host"]: h for h in report["hosts"]}
    assert {h: (v["status"], v["tls"]["verdict"]) for h, v in hosts.items()} == {
        "ms001": ("compliant", "pass"), "ms002": ("drifted", "fail"), "ms003": ("unreachable", "unreachable"),
        "ms004": ("compliant", "pass")}
    legacy = {(f["id"], f["severity"]) for f in report["tls_findings"] if f["host"] == "ms002"}
    assert {("FORBIDDEN_PROTOCOL", "high"), ("SSLV3", "high"), ("RC4", "high")} <= legacy
    assert report["summary"] == {"total": 4, "compliant": 2, "drifted": 1, "changed": 0, "reboot_pending": 0,
                                 "failed": 0, "unreachable": 1}
    assert (tmp_path / "reports" / run_id / "report" / "compliance-report.html").exists()
