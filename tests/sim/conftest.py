"""Fixtures that run the simulator (``tests.winsim.fleet.Fleet``) for the wire-level and Ansible tests.

Each fleet gets its own loopback block so fleets of different modules never share an address:
127.20.1.x shared wire fleet, 127.20.2.x lifecycle/persistence (.1-2 module fleet, .101+/.111/.121 per-test
fleets), 127.20.3.x Ansible, 127.20.4.x HTTPS inventory, 127.20.5.x drift assessment, 127.20.6.x per-test
fleets of the WinRM policy tests, 127.20.7.x TLS scanner fleet, 127.20.10.x TLS scan fleet (.200-.201 its
relays), 127.20.11.x compliance report runs, 127.20.250.1 TLS handshake listeners, 127.20.250.2-5 in-process hosts
of the legacy TLS tests, 127.20.21.x Kerberos on the wire, 127.20.23.x the lean channel over Kerberos; benchmarks
start at 127.20.100.1.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.winsim.fleet import Fleet


@pytest.fixture(scope="session")
def fleet(tmp_path_factory):
    """Three hosts (2019, 2012 R2, 2022) shared by the wire tests; tests clear the faults they set."""
    with Fleet(tmp_path_factory.mktemp("wire-fleet"), hosts=3, os_mix=("2019", "2012r2", "2022"),
               first_ip="127.20.1.1", reboot_seconds=0.3) as running:
        yield running


@pytest.fixture
def control(fleet):
    """The shared fleet's control client; every fault is cleared after the test."""
    yield fleet.control
    fleet.control.clear_fault("*")
    for host in fleet.hosts:
        fleet.control.wait_for_state(host.name, "up")


@pytest.fixture
def proto(fleet, control):
    """pywinrm Protocol to ms001 (2019): NTLM over HTTP with message encryption, as pywinrm does by default."""
    return fleet.protocol("ms001")


@pytest.fixture
def ticket(kerberos_realm, tmp_path, monkeypatch) -> Path:
    """A fresh ticket cache of the realm's user, made the process's default (what ``kinit`` leaves an admin with)."""
    ccache = tmp_path / "ccache"
    kinit = kerberos_realm.kinit(ccache)
    assert kinit.returncode == 0, kinit.stderr
    for name, value in kerberos_realm.env(ccache).items():
        monkeypatch.setenv(name, value)
    return ccache


@pytest.fixture
def session_sends(monkeypatch):
    """How many times requests.Session.send ran (pywinrm's path; the lean channel writes to the socket
    itself)."""
    counted = {"n": 0}
    original = requests.Session.send

    def send(self, request, **kwargs):
        counted["n"] += 1
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", send)
    return counted
