"""``drift`` over Kerberos, as a domain fleet is managed: ansible-core's winrm connection with
``ansible_winrm_transport: kerberos``, hosts reached by address and named by
``ansible_winrm_kerberos_hostname_override``, against simulated members of a real MIT realm (tests.winsim).

Two ways an administrator holds a ticket: Ansible's managed kinit with ``ansible_password`` from the inventory (over
HTTP with message encryption), and a ticket cache of their own (``kinit`` before the run, ``KRB5CCNAME``; over
HTTPS). A third run gives three hosts a Kerberos problem of their own (wrong password, an SPN the realm does not
know, NTLM to a host whose domain refuses it): each fails alone, the others are read.
"""

from __future__ import annotations

import pytest
import yaml

from tests.fleet.conftest import Controller, output
from tests.winsim.fleet import Fleet

OS_MIX = ("2019", "2012r2", "2022", "2016")
NTLM_REFUSED = "ms004"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, kerberos_realm):
    with Fleet(tmp_path_factory.mktemp("kerberos-fleet"), hosts=len(OS_MIX), os_mix=OS_MIX, first_ip="127.20.22.1",
               kerberos=kerberos_realm.directory, transport="kerberos",
               host_options=(f"{NTLM_REFUSED}=ntlm:refuse",)) as running:
        yield running


def write_inventory(fleet: Fleet, path, edit) -> None:
    inventory = yaml.safe_load(fleet.inventory.read_text())
    edit(inventory["all"]["children"]["mailstore"])
    path.write_text(yaml.safe_dump(inventory))


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

    def https_with_own_ticket(group):
        group["vars"].pop("ansible_password")
        group["vars"].update({"ansible_winrm_kinit_mode": "manual", "ansible_winrm_scheme": "https",
                              "ansible_port": 5986, "ansible_winrm_server_cert_validation": "validate",
                              "ansible_winrm_ca_trust_path": str(fleet.ca_cert)})

    inventory = tmp_path / "inventory.yml"
    write_inventory(fleet, inventory, https_with_own_ticket)
    controller = Controller(tmp_path)
    proc = controller.run("fleetsec.schannel.drift", inventory,
                          env=controller.env(**kerberos_realm.env(ccache)))
    results = controller.latest_results()
    for host in fleet.hosts:
        assert results[host.name]["status"] == "drifted", (host, output(proc)[-3000:])
    assert proc.returncode == 2


def test_each_kerberos_problem_fails_its_host_alone(fleet, kerberos_realm, tmp_path):
    def problems(group):
        group["hosts"]["ms002"]["ansible_password"] = "not-" + kerberos_realm.password
        group["hosts"]["ms003"]["ansible_winrm_kerberos_hostname_override"] = "ms999.fleetsec.test"
        group["hosts"][NTLM_REFUSED].update({"ansible_winrm_transport": "ntlm", "ansible_user": "Administrator",
                                             "ansible_password": "irrelevant: NTLM is refused before the check"})

    inventory = tmp_path / "inventory.yml"
    write_inventory(fleet, inventory, problems)
    controller = Controller(tmp_path)
    proc = controller.run("fleetsec.schannel.drift", inventory,
                          env=controller.env(KRB5_CONFIG=str(kerberos_realm.krb5_conf)))
    text = output(proc)
    results = controller.latest_results()
    assert results["ms001"]["status"] == "drifted", text[-3000:]
    messages = {host: results[host]["errors"][0]["message"] for host in ("ms002", "ms003", NTLM_REFUSED)}
    assert all(results[host]["status"] == "unreachable" for host in messages), (messages, text[-3000:])
    # The client stack's words reach the result file (the collection's own wording around them is its business).
    assert "kinit: Password incorrect while getting initial credentials" in messages["ms002"], messages
    assert "Server HTTP/ms999.fleetsec.test@FLEETSEC.TEST not found in Kerberos database" in messages["ms003"], messages
    assert "the specified credentials were rejected by the server" in messages[NTLM_REFUSED], messages
    assert proc.returncode == 4, "an unreachable host makes ansible-playbook exit 4"
    assert kerberos_realm.password not in text
