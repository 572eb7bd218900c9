"""drift and harden run the way AWX runs a sliced job: each slice handed to an execution node as
``ansible-runner transmit | ansible-runner worker | ansible-runner process`` (what AWX sends over receptor), on the
slice of the inventory AWX gives it, every slice with the same ``schannel_run_id``.

AWX cuts the inventory for slice ``n`` of ``count`` as its hosts sorted by name, ``hosts[n - 1::count]``
(awx/main/models/inventory.py, ``get_script_data``: ``order_by('name')``, then ``hosts[offset::slice_count]``). The
merged result files of the slices, and the fleet report over them, must equal those of one unsplit run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from ansible_collections.fleetsec.schannel.plugins.plugin_utils.compliance_report.task import run_compliance_report
from tests.collection_path import ensure_collection_importable
from tests.winsim.fleet import Fleet

BIN = Path(sys.executable).parent
SLICES = 2
# What differs between two runs of the same work on two fleets alike: when (the hosts' boot times too), under which
# id, what the WS-Man sessions cost, where the backups went.
VOLATILE = {"run_id", "timings", "calls", "backup_file", "last_boot", "started", "finished", "seconds", "generated",
            "elapsed"}


def stable(value: Any) -> Any:
    """``value`` without the VOLATILE keys, at any depth."""
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


def awx_slice(inventory: dict[str, Any], number: int, count: int) -> dict[str, Any]:
    """The inventory AWX hands slice ``number`` (1-based) of ``count``: sorted hosts, every count-th from n - 1."""
    group = inventory["all"]["children"]["mailstore"]
    hosts = sorted(group["hosts"])[number - 1::count]
    return {"all": {"children": {"mailstore": {**group, "hosts": {h: group["hosts"][h] for h in hosts}}}}}


def run_as_awx(work: Path, name: str, playbook: str, inventory: dict[str, Any], extravars: dict[str, Any]) -> dict:
    """One job through transmit | worker | process; its exit code and events (in the order process wrote them)."""
    private = work / name
    (private / "project").mkdir(parents=True)
    (private / "inventory").mkdir()
    (private / "env").mkdir()
    # The project's playbook, as an AWX project holds it: it imports the collection's.
    (private / "project" / "site.yml").write_text("- ansible.builtin.import_playbook: fleetsec.schannel.%s\n"
                                                  % playbook)
    (private / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory))
    (private / "env" / "extravars").write_text(json.dumps(extravars))
    env = {**os.environ, "PATH": "%s%s%s" % (BIN, os.pathsep, os.environ["PATH"]),
           "ANSIBLE_COLLECTIONS_PATH": str(ensure_collection_importable()), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_RETRY_FILES_ENABLED": "0", "ANSIBLE_LOCAL_TEMP": str(work / "ansible-tmp")}
    runner = str(BIN / "ansible-runner")
    transmit = subprocess.run([runner, "transmit", str(private), "-p", "site.yml", "--ident", name],
                              capture_output=True, env=env, timeout=60, check=True)
    worker = subprocess.run([runner, "worker", "--private-data-dir", str(work / (name + "-node"))],
                            input=transmit.stdout, capture_output=True, env=env, timeout=600, check=False)
    artifacts = work / (name + "-artifacts")
    # The worker's exit code is the job's (as the job's rc file says); process turns its stream into artifacts.
    subprocess.run([runner, "process", str(artifacts)], input=worker.stdout, capture_output=True, env=env,
                   timeout=60, check=True)
    job = artifacts / "artifacts"  # process writes the job's artifacts as AWX keeps them
    found = sorted((job / "job_events").glob("*.json"), key=lambda p: int(p.name.split("-", 1)[0]))
    events = [json.loads(p.read_text()) for p in found]
    return {"rc": int((job / "rc").read_text()), "status": (job / "status").read_text(), "events": events}


def records(report_dir: Path, run_id: str) -> dict[str, dict[str, Any]]:
    found = {}
    for path in (report_dir / run_id).glob("*.json"):
        record = json.loads(path.read_text())
        found[record["host"]] = stable(record)
    return found


def fleet_report(report_dir: Path, run_id: str, out: Path) -> dict[str, Any]:
    """The fleet report's JSON over one run, without what names the run or its time."""
    files = run_compliance_report({"report_dir": str(report_dir), "runs": [run_id], "output_dir": str(out),
                                   "formats": ["json"], "history": False})["files"]
    report = json.loads(Path(files["json"]).read_text())
    del report["runs"]
    return stable(json.loads(json.dumps(report).replace(run_id, "RUN")))


def test_drift_and_harden_in_awx_slices_equal_one_unsplit_run(tmp_path):
    report_dir = tmp_path / "reports"
    common = {"schannel_report_dir": str(report_dir), "schannel_backup_dir": str(tmp_path / "backups"),
              "schannel_reboot_timeout": 8}
    outcomes = {}
    for fleet_name in ("sliced", "unsplit"):  # two fresh fleets alike, one after the other on the same addresses
        with Fleet(tmp_path / fleet_name, hosts=5, os_mix=("2016", "2019", "2022"), first_ip="127.20.91.101",
                   reboot_seconds=0.2) as fleet:
            inventory = yaml.safe_load(fleet.inventory.read_text())
            for playbook in ("drift", "harden"):
                run_id = "%s-%s" % (fleet_name, playbook)
                if fleet_name == "sliced":
                    jobs = [run_as_awx(tmp_path, "%s-%d" % (playbook, n), playbook, awx_slice(inventory, n, SLICES),
                                       {**common, "schannel_run_id": run_id}) for n in range(1, SLICES + 1)]
                else:
                    jobs = [run_as_awx(tmp_path, "%s-all" % playbook, playbook, inventory,
                                       {**common, "schannel_run_id": run_id})]
                outcomes[run_id] = jobs
    for playbook, rc in (("drift", 2), ("harden", 0)):
        sliced, unsplit = outcomes["sliced-" + playbook], outcomes["unsplit-" + playbook]
        hosts_seen = []
        for job in [*sliced, *unsplit]:
            assert job["events"][-1]["event"] == "playbook_on_stats", job["events"][-1]
            assert (job["rc"], job["status"]) == (rc, "failed" if rc else "successful")
            hosts_seen.append(sorted(job["events"][-1]["event_data"]["ok"]))
        # the slices are AWX's cut, and each slice saw only its own hosts
        assert hosts_seen[:SLICES] == [["ms001", "ms003", "ms005"], ["ms002", "ms004"]]
        merged = records(report_dir, "sliced-" + playbook)
        whole = records(report_dir, "unsplit-" + playbook)
        assert sorted(merged) == ["ms%03d" % n for n in range(1, 6)]
        assert merged == whole
        expected = {"drift": "drifted", "harden": "changed"}[playbook]
        assert {record["status"] for record in whole.values()} == {expected}
        assert (fleet_report(report_dir, "sliced-" + playbook, tmp_path / ("sliced-" + playbook))
                == fleet_report(report_dir, "unsplit-" + playbook, tmp_path / ("unsplit-" + playbook)))
