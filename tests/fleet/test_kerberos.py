"""``drift`` over Kerberos, as a domain fleet is managed: ansible-core's winrm connection with
``ansible_winrm_transport: kerberos``, hosts reached by address and named by
``ansible_winrm_kerberos_hostname_override``, against simulated members of a real MIT realm (tests.winsim).

Two ways an administrator holds a ticket: Ansible's managed kinit with ``ansible_password`` from the inventory (over
HTTP with message encryption), and a ticket cache of their own (``kinit`` before the run, ``KRB5CCNAME``; over
HTTPS). Each Kerberos problem failing its host alone: test_kerberos_failures.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.fleet.conftest import Controller, output
from tests.winsim.fleet import Fleet

OS_MIX = ("2019", "2012r2", "2022", "2016")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, kerberos_realm):
    with Fleet(tmp_path_factory.mktemp("kerberos-fleet"), hosts=len(OS_MIX), os_mix=OS_MIX, first_ip="127.20.22.1",
               kerberos=kerberos_realm.directory, transport="kerberos") as running:
        yield running


def write_inventory(fleet: Fleet, path, edit) -> None:
    inventory = yaml.safe_load(fleet.inventory.read_text())
    edit(inventory["all"]["children"]["mailstore"])
    path.write_text(yaml.safe_dump(inventory))


def https_with_own_ticket(fleet: Fleet, path: Path) -> None:
    """The fleet's inventory over HTTPS with a ticket cache of the administrator's own: no password in it."""

    def edit(group):
        group["vars"].pop("ansible_password")
        group["vars"].update({"ansible_winrm_kinit_mode": "manual", "ansible_winrm_scheme": "https",
                              "ansible_port": 5986, "ansible_winrm_server_cert_validation": "validate",
                              "ansible_winrm_ca_trust_path": str(fleet.ca_cert)})

    write_inventory(fleet, path, edit)


def test_drift_over_http_with_managed_kinit(fleet, kerberos_realm, tmp_path):
    controller = Controller(tmp_path)
    fleet.control.reset_counters()
    proc = controller.run("fleetsec.schannel.drift", fleet.inventory, "-vvvv",
                          env=controller.env(KRB5_CONFIG=str(kerberos_realm.krb5_conf)))
    text = output(proc)
    results = controller.latest_results()
    for host in fleet.hosts:
        assert (results[host.name]["status"], results[host.name]["errors"]) == ("drifted", []), (host, text[-3000:])
        assert fleet.control.counters(host.name)["wsman_calls"] > 0
    assert proc.returncode == 2, text[-3000:]  # drifted, none failed
    # At -vvvv the password shows nowhere: not in the output, nor in any file the run left (results, report).
    assert kerberos_realm.password not in text
    for path in controller.report_dir.rglob("*"):
        assert not path.is_file() or kerberos_realm.password.encode() not in path.read_bytes(), path


def test_drift_over_https_with_an_existing_ticket_cache(fleet, kerberos_realm, tmp_path):
    ccache = tmp_path / "ccache"
    assert kerberos_realm.kinit(ccache).returncode == 0
    inventory = tmp_path / "inventory.yml"
    https_with_own_ticket(fleet, inventory)
    controller = Controller(tmp_path)
    proc = controller.run("fleetsec.schannel.drift", inventory,
                          env=controller.env(**kerberos_realm.env(ccache)))
    results = controller.latest_results()
    for host in fleet.hosts:
        assert results[host.name]["status"] == "drifted", (host, output(proc)[-3000:])
    assert proc.returncode == 2
