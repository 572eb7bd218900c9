"""The fix that drift and compliance name is a command an administrator copies and runs as it is printed: the
run's inventory, its profile, the hosts (``-l``), and for a pending reboot ``schannel_reboot=auto``.

- compliance of hosts never hardened names harden as the fix (the verdict and each host's summary lines), with the
  run's profile, not only "failed";
- drift of a host whose reboot is pending (harden with ``schannel_reboot: never``) names the harden command that
  reboots it, with the run's profile (``-e schannel_profile=modern``), not the default profile;
- each command, copied from the output and run, brings its hosts to compliance.
"""

from __future__ import annotations

import re
import shlex
import subprocess

import pytest

from tests.fleet.conftest import ANSIBLE_PLAYBOOK, REPO_ROOT, Controller, output
from tests.winsim.fleet import Fleet

PROFILE = {"schannel_profile": "modern"}


@pytest.fixture
def fleet(tmp_path):
    with Fleet(tmp_path / "fleet", hosts=2, os_mix=("2019", "2022"), first_ip="127.20.175.51",
               reboot_seconds=0.2) as running:
        yield running


def copied(text: str, prefix: str) -> list[str]:
    """The command in backquotes after ``prefix`` in the output, as a shell would split it."""
    found = re.search(re.escape(prefix) + r"`([^`]+)`", text)
    assert found, text[-3000:]
    return shlex.split(found.group(1))


def run_copied(controller: Controller, words: list[str]) -> subprocess.CompletedProcess:
    """The copied command as a shell runs it; HOME in the test's directory holds its default report and backup
    directories."""
    assert words[0] == "ansible-playbook"
    return subprocess.run([str(ANSIBLE_PLAYBOOK), *words[1:]], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=240, check=False, env=controller.env(HOME=str(controller.root / "home")))


def test_drift_and_compliance_name_the_harden_command_that_fixes_each_host(fleet, tmp_path):
    controller = Controller(tmp_path)
    inventory = str(fleet.inventory)

    # never hardened: compliance fails both hosts and names harden with the run's profile as the fix
    fresh = controller.run("fleetsec.schannel.compliance", fleet.inventory, **PROFILE)
    text = output(fresh)
    assert fresh.returncode == 2, text[-3000:]
    assert ("2 host(s) failed: ms001, ms002 (not holding the settings: never hardened with them, or drifted; apply "
            "them with `ansible-playbook -i %s fleetsec.schannel.harden -e schannel_profile=modern -l ms001,ms002`)"
            % inventory) in text, text[-3000:]
    fix = copied(text, '"    fix: apply the settings with ')
    assert fix == ["ansible-playbook", "-i", inventory, "fleetsec.schannel.harden", "-e", "schannel_profile=modern",
                   "-l", "ms001"]
    applied = run_copied(controller, fix)
    assert applied.returncode == 0, output(applied)[-3000:]
    assert "ms002" not in output(applied).split("PLAY RECAP", 1)[1]

    # harden without its reboot: drift says the reboot is pending and how to reboot with the same profile
    boots = fleet.control.counters("ms002")["boots"]
    pending = controller.run("fleetsec.schannel.harden", fleet.inventory, "--limit", "ms002", schannel_reboot="never",
                             **PROFILE)
    assert pending.returncode == 0, output(pending)[-3000:]
    drift = controller.run("fleetsec.schannel.drift", fleet.inventory, **PROFILE)
    text = output(drift)
    assert drift.returncode == 2, text[-3000:]
    assert {h: r["status"] for h, r in controller.latest_results().items()} == {
        "ms001": "compliant", "ms002": "reboot_pending"}
    reboot = copied(text, "1 host(s) reboot pending: ms002 (the settings are written but Schannel reads them at boot, "
                          "so they take effect at the next reboot: reboot with ")
    assert reboot == ["ansible-playbook", "-i", inventory, "fleetsec.schannel.harden", "-e", "schannel_profile=modern",
                      "-e", "schannel_reboot=auto", "-l", "ms002"]
    assert copied(text, "applied, reboot pending: the settings are written but Schannel reads them at boot, so they "
                        "take effect at the next reboot: reboot with ") == reboot
    rebooted = run_copied(controller, reboot)
    assert rebooted.returncode == 0, output(rebooted)[-3000:]
    assert fleet.control.counters("ms002")["boots"] == boots + 1

    # both fixes held: compliance with the same profile passes everywhere
    clean = controller.run("fleetsec.schannel.compliance", fleet.inventory, **PROFILE)
    assert clean.returncode == 0, output(clean)[-3000:]
    assert {r["status"] for r in controller.latest_results().values()} == {"compliant"}
