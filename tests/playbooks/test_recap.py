"""The PLAY RECAP (and AWX's per-host status, read from the same results) names the hosts that failed or could not
be reached: each host ends with its own outcome, so ansible-playbook's exit code (4 a host unreachable, 2 a host
failed or drifted) comes from those hosts, and a healthy host shows neither failed nor unreachable."""

from __future__ import annotations

from pathlib import Path

import yaml

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.stdregprov import StdRegProv
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.winrm_protocol import client_for_protocol
from tests.winsim.fleet import Fleet

from .conftest import Playbooks, Run
from .test_awx_runner import run_as_awx

SSL3_SERVER = catalog.SCHANNEL_KEY + "\\Protocols\\SSL 3.0\\Server"


def blamed(run: Run) -> dict[str, str]:
    """Every host the recap counts a failure or an unreachable result on."""
    return {host: "unreachable" if row["unreachable"] else "failed"
            for host, row in run.recap().items() if row["unreachable"] or row["failed"]}


def test_drift_blames_the_unreachable_and_the_drifted_host_not_a_healthy_one(tmp_path: Path):
    """Three hardened hosts; then ms002's password is wrong and ms003 drifted: the recap counts ms002 unreachable
    and ms003 failed, ms001 (where the closing steps run first) neither; exit 4."""
    with Fleet(tmp_path / "fleet", hosts=3, os_mix=("2019",), first_ip="127.20.178.1", reboot_seconds=0.2) as fleet:
        runs = Playbooks(fleet, tmp_path)
        harden = runs.run("harden", schannel_serial=3)
        assert harden.returncode == 0, harden.output[-3000:]
        assert blamed(harden) == {}
        fleet.control.set_fault("ms002", "wrong-password")
        StdRegProv(client_for_protocol(fleet.protocol("ms003"))).set_dword(SSL3_SERVER, "Enabled", 1)

        drift = runs.run("drift")
    assert drift.returncode == 4, drift.output[-3000:]
    assert drift.status() == {"ms001": "compliant", "ms002": "unreachable", "ms003": "drifted"}
    assert blamed(drift) == {"ms002": "unreachable", "ms003": "failed"}, drift.stdout[-3000:]
    assert "-> localhost]" not in "\n".join(line for line in drift.stdout.splitlines() if line.startswith("fatal"))
    assert "1 host(s) drifted from the settings: ms003" in drift.stdout
    assert "1 host(s) could not be reached or authenticated: ms002" in drift.stdout


def test_harden_blames_the_host_of_a_middle_batch_and_goes_on(tmp_path: Path):
    """Six hosts in batches of two; ms003 (middle batch) has a wrong password, ms004 beside it is healthy: the
    rollout goes on, the recap counts ms003 unreachable and no other host; exit 4."""
    with Fleet(tmp_path / "fleet", hosts=6, os_mix=("2019",), first_ip="127.20.178.11", reboot_seconds=0.2,
               faults=("ms003=wrong-password",)) as fleet:
        harden = Playbooks(fleet, tmp_path).run("harden", schannel_serial=2, schannel_reboot_timeout=6)
    assert harden.returncode == 4, harden.output[-3000:]
    assert harden.status() == {"ms001": "changed", "ms002": "changed", "ms003": "unreachable", "ms004": "changed",
                               "ms005": "changed", "ms006": "changed"}
    assert blamed(harden) == {"ms003": "unreachable"}, harden.stdout[-3000:]
    assert "exit code 4: 1 host(s) could not be reached or authenticated: ms003" in harden.stdout


def test_harden_whose_write_fails_in_a_middle_batch_stops_and_blames_that_host(tmp_path: Path):
    """A write stopped part-way on ms003 stops the rollout after its batch: the recap counts ms003 failed, not its
    healthy neighbour ms004 nor the hosts never started; exit 2."""
    with Fleet(tmp_path / "fleet", hosts=6, os_mix=("2019",), first_ip="127.20.178.21", reboot_seconds=0.2,
               faults=("ms003=fault-after:60",)) as fleet:
        harden = Playbooks(fleet, tmp_path).run("harden", schannel_serial=2, schannel_reboot_timeout=6)
    assert harden.returncode == 2, harden.output[-3000:]
    assert harden.status() == {"ms001": "changed", "ms002": "changed", "ms003": "failed", "ms004": "changed"}
    assert blamed(harden) == {"ms003": "failed"}, harden.stdout[-3000:]
    assert "not started, the rollout stopped before their batch: ms005, ms006" in harden.stdout


def test_a_stopped_rollout_after_an_unreachable_host_exits_4_naming_both(tmp_path: Path):
    """ms001 (first batch, beside the healthy ms002) has a wrong password and ends unreachable; ms003's write stops
    part-way in the next batch and stops the rollout: exit 4 (an unreachable host counts for the rest of the run in
    ansible-core), the recap naming ms001 unreachable and ms003 failed."""
    with Fleet(tmp_path / "fleet", hosts=6, os_mix=("2019",), first_ip="127.20.178.31", reboot_seconds=0.2,
               faults=("ms001=wrong-password", "ms003=fault-after:60")) as fleet:
        harden = Playbooks(fleet, tmp_path).run("harden", schannel_serial=2, schannel_reboot_timeout=6)
    assert harden.returncode == 4, harden.output[-3000:]
    assert harden.status() == {"ms001": "unreachable", "ms002": "changed", "ms003": "failed", "ms004": "changed"}
    assert blamed(harden) == {"ms001": "unreachable", "ms003": "failed"}, harden.stdout[-3000:]


def test_a_batch_of_one_down_host_leaves_its_code_to_the_closing_step(tmp_path: Path):
    """What Ansible's serial batches leave: a batch whose only host is down cannot end it unreachable and go on (Ansible
    ends the play after a batch in which every host failed or was unreachable). The rollout goes on, the run still
    exits 4, and the closing step, counted on the host it ran for, names ms002."""
    with Fleet(tmp_path / "fleet", hosts=3, os_mix=("2019",), first_ip="127.20.178.41", reboot_seconds=0.2,
               faults=("ms002=down",)) as fleet:
        harden = Playbooks(fleet, tmp_path).run("harden", schannel_serial=1, schannel_reboot_timeout=6)
    assert harden.returncode == 4, harden.output[-3000:]
    assert harden.status() == {"ms001": "changed", "ms002": "unreachable", "ms003": "changed"}
    closing = [line for line in harden.stdout.splitlines() if line.startswith("fatal: [ms003 -> localhost]")]
    assert len(closing) == 1, harden.stdout[-3000:]
    assert "exit code for ms002 (a batch whose hosts all failed or were unreachable" in closing[0]


def test_awx_job_events_put_the_failure_on_the_unreachable_host(tmp_path: Path):
    """The drift of three hosts as an AWX job (ansible-runner transmit | worker | process), ms002's password wrong,
    drift reported without failing: the job's last event, playbook_on_stats (what AWX's per-host status and the
    job's host summaries come from), counts ms002 unreachable and no host failed; exit 4."""
    with Fleet(tmp_path / "fleet", hosts=3, os_mix=("2019",), first_ip="127.20.178.51", reboot_seconds=0.2,
               faults=("ms002=wrong-password",)) as fleet:
        inventory = yaml.safe_load(fleet.inventory.read_text())
        job = run_as_awx(tmp_path, "drift", "drift", inventory,
                         {"schannel_report_dir": str(tmp_path / "reports"), "schannel_fail_on_drift": False})
    assert job["rc"] == 4
    stats = job["events"][-1]
    assert stats["event"] == "playbook_on_stats"
    assert stats["event_data"]["dark"] == {"ms002": 1}
    assert stats["event_data"]["failures"] == {}
    counted = {event["event_data"]["host"] for event in job["events"]
               if event["event"] in ("runner_on_unreachable", "runner_on_failed")
               and not event["event_data"].get("ignore_errors") and "ignoring" not in event.get("stdout", "")}
    assert counted == {"ms002"}, counted
