"""win_schannel_info and win_schannel driven through pytest-ansible's ``ansible_adhoc`` host manager.

The same modules as in test_module_schannel.py, reached through ansible-core's TaskQueueManager as pytest-ansible
runs them (no playbook file, no subprocess), so the modules work for users who test their fleets that way.

Loopback block 127.20.40.x (tests/sim/conftest.py lists the others).
"""

from __future__ import annotations

import os

import pytest

from tests.profiles import profile
from tests.sim.module_runner import host_registry
from tests.winsim.fleet import Fleet

OS_MIX = ("2016", "2022")
HOSTS = ("ms001", "ms002")
SCHANNEL = "fleetsec.schannel"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    with Fleet(tmp_path_factory.mktemp("pytest-ansible"), hosts=2, os_mix=OS_MIX, first_ip="127.20.40.1") as running:
        yield running


@pytest.fixture
def hosts(ansible_adhoc, fleet):
    # ansible-core's TaskQueueManager, run in this process, marks the process's stdio non-inheritable
    # (executor/task_queue_manager.py); later tests start ansible-playbook as a child, which must inherit fd 0.
    yield ansible_adhoc(inventory=str(fleet.inventory), host_pattern="mailstore")
    for fd in (0, 1, 2):
        os.set_inheritable(fd, True)


def _module(hosts, name: str):
    return getattr(hosts.all, f"{SCHANNEL}.{name}")


def test_info_reads_each_host_os_and_state(hosts):
    results = _module(hosts, "win_schannel_info")()
    assert sorted(results.contacted) == list(HOSTS)
    for host, os_key in zip(HOSTS, OS_MIX, strict=True):
        info = results[host]
        assert not info.get("failed"), info
        assert info["os"]["key"] == os_key
        assert "protocols" in info["state"]


def test_apply_converges_and_a_second_run_changes_nothing(hosts, fleet, tmp_path):
    # pytest-ansible's dispatcher has no check mode (its ad-hoc CLI passes no --check); check mode is covered by the
    # ansible-playbook tests. Here: apply, the registry changed as reported, a second run changes nothing.
    settings = {**profile("recommended"), "backup_dir": str(tmp_path / "backups")}
    before = {h: host_registry(fleet, h) for h in HOSTS}

    applied = _module(hosts, "win_schannel")(**settings)
    for host in HOSTS:
        result = applied[host]
        assert result["changed"], result
        assert result["readback"]["ok"], result["readback"]
        assert result["backup_file"], result
        assert host_registry(fleet, host) != before[host]

    again = _module(hosts, "win_schannel")(**settings)
    for host in HOSTS:
        assert not again[host]["changed"], again[host]["changes"]
        assert again[host]["changes"] == []

    state = _module(hosts, "win_schannel_info")()
    for host in HOSTS:
        protocols = state[host]["state"]["protocols"]
        assert protocols["SSL 3.0"]["server"] == "disabled"
        assert protocols["TLS 1.2"]["server"] == "enabled"
