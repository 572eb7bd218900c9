"""The rollout guard of ``harden`` with its defaults (``serial: 20%``, ``schannel_max_fail_percentage: 0``), for each
kind of outcome in the first, a middle and the last serial batch (DESIGN "Rollout").

Ten Windows Server 2019 hosts, so five batches of two: ms001-ms002 first, ms005-ms006 in the middle, ms009-ms010
last. A host whose change failed or broke it (a write stopped part-way, a reboot that never returns, a TLS
verification that fails after the change) stops the rollout after its batch; a host never touched (down, wrong
password, writes refused, a connection setting the collection refuses) is recorded and does not stop the others.
Either way the summary closes the run and the exit code says it was not clean.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.fleet.conftest import ANSIBLE_PLAYBOOK, Controller, output, writes
from tests.playbooks.conftest import recap_of
from tests.winsim.fleet import Fleet

HOSTS = tuple("ms%03d" % n for n in range(1, 11))
BATCHES = [HOSTS[i:i + 2] for i in range(0, 10, 2)]
FAST = {"schannel_reboot_timeout": 6}


def start(root: Path, first_ip: str, faults: tuple[str, ...] = (), host_options: tuple[str, ...] = ()) -> Fleet:
    return Fleet(root / "fleet", hosts=10, os_mix=("2019",), first_ip=first_ip, faults=faults, reboot_seconds=0.2,
                 host_options=host_options)


def set_host_vars(inventory: Path, host_vars: dict[str, dict]) -> None:
    """Per-host variables in the simulator's inventory (as an administrator sets them in host_vars)."""
    data = yaml.safe_load(inventory.read_text())
    hosts = data["all"]["children"]["mailstore"]["hosts"]
    for host, variables in host_vars.items():
        hosts[host].update(variables)
    inventory.write_text(yaml.safe_dump(data))


def test_hosts_never_touched_do_not_stop_the_rollout_in_any_batch(tmp_path):
    """First batch entirely down, a wrong password and refused writes in the middle, the last batch entirely
    untouchable: every other host is hardened, each faulty one is recorded, the summary closes the run, exit 4."""
    controller = Controller(tmp_path)
    faults = ("ms001=down", "ms002=down", "ms005=wrong-password", "ms006=access-denied", "ms009=down")
    with start(tmp_path, "127.20.17.1", faults) as fleet:
        set_host_vars(fleet.inventory, {"ms010": {"ansible_connection": "psrp"}})
        proc = controller.run("fleetsec.schannel.harden", fleet.inventory, **FAST)
        counters = fleet.control.counters()
    results = controller.latest_results()
    text = output(proc)
    assert proc.returncode == 4, text[-4000:]
    assert sorted(results) == list(HOSTS)
    status = {host: record["status"] for host, record in results.items()}
    assert status == {"ms001": "unreachable", "ms002": "unreachable", "ms005": "unreachable", "ms006": "failed",
                      "ms009": "unreachable", "ms010": "failed",
                      **{host: "changed" for host in ("ms003", "ms004", "ms007", "ms008")}}, status
    for host in ("ms001", "ms002", "ms005", "ms009", "ms010"):
        assert writes(counters["hosts"][host]) == 0, host
    assert "10 host(s): 4 changed, 2 failed, 4 unreachable" in text
    assert "not started" not in text
    assert text.count("4 host(s) could not be reached or authenticated: ms001, ms002, ms005, ms009") == 1


@dataclass(frozen=True)
class Broken:
    """A host whose change fails or breaks it, in one batch position."""

    position: str  # first, middle, last
    faults: tuple[str, ...]
    host_vars: dict
    host: str
    cause: str  # in its result file's error
    host_options: tuple[str, ...] = ()


BROKEN = [
    pytest.param(Broken("first", ("ms001=fault-after:60",), {}, "ms001", "write stopped after"),
                 id="first-write-part-way"),
    pytest.param(Broken("middle", ("ms005=reboot-hang", "ms006=down"), {}, "ms005", "did not come back"),
                 id="middle-reboot-never-returns"),
    # An ECDSA certificate with recommended's RSA-only suites: after the change no handshake completes on its ports.
    # (A host left reboot_pending is not judged by the scan any more: its verification waits for the reboot.)
    pytest.param(Broken("last", (), {}, "ms010", "TLS scan verdict fail", ("ms010=certificate:ecdsa",)),
                 id="last-tls-fails-after-the-change"),
]


@pytest.mark.parametrize("case", BROKEN)
def test_a_host_whose_change_failed_stops_the_rollout_after_its_batch(tmp_path, case: Broken):
    position, faults, host_vars, broken, cause = case.position, case.faults, case.host_vars, case.host, case.cause
    controller = Controller(tmp_path)
    index = {"first": 0, "middle": 2, "last": 4}[position]
    with start(tmp_path, "127.20.17.%d" % (21 + 20 * index // 2), faults, case.host_options) as fleet:
        set_host_vars(fleet.inventory, host_vars)
        proc = controller.run("fleetsec.schannel.harden", fleet.inventory, schannel_verify_tls=True, **FAST)
        counters = fleet.control.counters()
    results = controller.latest_results()
    text = output(proc)
    assert proc.returncode == 2, text[-4000:]
    done = [host for batch in BATCHES[:index + 1] for host in batch]
    later = [host for batch in BATCHES[index + 1:] for host in batch]
    assert sorted(results) == done, sorted(results)
    assert results[broken]["status"] == "failed"
    assert cause in results[broken]["errors"][0]["message"]
    for host in later:
        assert writes(counters["hosts"][host]) == 0, host
        assert counters["hosts"][host]["wsman_calls"] == 0, host
    if later:
        assert "not started, the rollout stopped before their batch: %s" % ", ".join(later) in text
        assert "exit code 2: " in text
        assert "the rollout stopped, a host's change failed or broke it" in text
    # The recap counts the failure on the broken host itself (its own task ends it failed), on no host that went well.
    blamed = {host for host, row in recap_of(proc.stdout).items() if row["failed"] or row["unreachable"]}
    assert broken in blamed
    assert not blamed & {host for host in done if results[host]["status"] == "changed"}, blamed
    assert not [line for line in proc.stdout.splitlines() if line.startswith("fatal: ") and "-> localhost]" in line]
    for host in done:
        if host != broken and "%s=down" % host not in faults:
            assert results[host]["status"] == "changed", (host, results[host]["errors"])


def test_max_fail_percentage_lets_the_rollout_go_on_below_it(tmp_path):
    """schannel_max_fail_percentage keeps its meaning for hosts whose change failed: one of two (50%) is not more
    than 50, so the rollout goes on; the run still exits 2."""
    controller = Controller(tmp_path)
    with start(tmp_path, "127.20.17.81", ("ms001=fault-after:60",)) as fleet:
        proc = controller.run("fleetsec.schannel.harden", fleet.inventory, schannel_max_fail_percentage=50, **FAST)
    results = controller.latest_results()
    assert proc.returncode == 2, output(proc)[-4000:]
    assert results.pop("ms001")["status"] == "failed"
    assert {record["status"] for record in results.values()} == {"changed"}
    assert len(results) == 9


def test_why_the_play_sets_no_max_fail_percentage(tmp_path):
    """The cause of the guard that did not guard, in ansible-core itself: a host that fails inside a block with an
    ``always`` section (as every host task of the role does) is not counted by ``max_fail_percentage``, so the next
    batch starts; the same failure outside a block stops the play."""
    head = "- hosts: all\n  gather_facts: false\n  serial: 2\n  max_fail_percentage: 0\n  tasks:\n"
    fail = "ansible.builtin.fail: {msg: boom}\n"
    in_block = (head + "    - block:\n        - " + fail + "          when: inventory_hostname == 'h1'\n"
                "      always:\n        - ansible.builtin.debug: {msg: always}\n")
    outside = (head + "    - " + fail + "      when: inventory_hostname == 'h1'\n"
               "    - ansible.builtin.debug: {msg: next}\n")

    def hosts_ok(playbook: str) -> list[str]:
        (tmp_path / "play.yml").write_text(playbook)
        proc = subprocess.run([str(ANSIBLE_PLAYBOOK), "-i", "h1,h2,h3,h4", "-c", "local", "play.yml"],
                              capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
                              env={**os.environ, "ANSIBLE_NOCOLOR": "1"})
        return sorted(set(re.findall(r"^ok: \[(h\d)\]", proc.stdout, flags=re.M)))

    assert hosts_ok(in_block) == ["h1", "h2", "h3", "h4"]  # the second batch ran
    assert hosts_ok(outside) == []  # the play stopped after the first task, in the first batch
