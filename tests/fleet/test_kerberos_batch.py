"""The batch read over Kerberos with Ansible's managed kinit (``ansible_winrm_kinit_mode: managed``, the password in
the inventory, as a domain fleet's inventory has it): ``drift``'s one batch task runs ansible-core's kinit once and
reads every host of that principal from it (plugin_utils/_common/host_connections.py ``batch_openers``), instead of
one kinit and one cold login per host in a task of its own. A host whose kinit differs (here its own kinit
arguments) is left to its own task, which runs its own kinit; both are read.
"""

from __future__ import annotations

import shutil

import pytest
import yaml

from tests.fleet.conftest import Controller, output
from tests.winsim.fleet import Fleet

OS_MIX = ("2019", "2012r2", "2022", "2016")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, kerberos_realm):
    with Fleet(tmp_path_factory.mktemp("kerberos-batch"), hosts=len(OS_MIX), os_mix=OS_MIX, first_ip="127.20.26.1",
               kerberos=kerberos_realm.directory, transport="kerberos") as running:
        yield running


def counted_kinit(tmp_path) -> tuple[str, object]:
    """A kinit that notes each call (its arguments) and runs the real one: ``ansible_winrm_kinit_cmd``."""
    calls = tmp_path / "kinit.calls"
    wrapper = tmp_path / "kinit"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\nexec "{shutil.which("kinit")}" "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper), calls


def drift(fleet: Fleet, kerberos_realm, tmp_path, edit) -> tuple[dict, str, int]:
    inventory = yaml.safe_load(fleet.inventory.read_text())
    edit(inventory["all"]["children"]["mailstore"])
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory))
    controller = Controller(tmp_path)
    proc = controller.run("fleetsec.schannel.drift", path,
                          env=controller.env(KRB5_CONFIG=str(kerberos_realm.krb5_conf)))
    return controller.latest_results(), output(proc), proc.returncode


def test_one_kinit_serves_every_host_of_the_batch(fleet, kerberos_realm, tmp_path):
    kinit, calls = counted_kinit(tmp_path)
    fleet.control.reset_counters()
    results, text, code = drift(fleet, kerberos_realm, tmp_path,
                                lambda group: group["vars"].update(ansible_winrm_kinit_cmd=kinit))
    for host in fleet.hosts:
        assert (results[host.name]["status"], results[host.name]["errors"]) == ("drifted", []), (host, text[-3000:])
        assert fleet.control.counters(host.name)["wsman_calls"] > 0
    assert code == 2, text[-3000:]
    assert calls.read_text().splitlines() == [kerberos_realm.principal]  # one kinit for the four hosts


def test_a_host_with_its_own_kinit_is_left_to_its_own_task(fleet, kerberos_realm, tmp_path):
    kinit, calls = counted_kinit(tmp_path)

    def own_kinit_for_ms003(group):
        group["vars"]["ansible_winrm_kinit_cmd"] = kinit
        group["hosts"]["ms003"]["ansible_winrm_kinit_args"] = "-l 2h"

    results, text, code = drift(fleet, kerberos_realm, tmp_path, own_kinit_for_ms003)
    for host in fleet.hosts:
        assert results[host.name]["status"] == "drifted", (host, text[-3000:])
    assert code == 2, text[-3000:]
    assert sorted(calls.read_text().splitlines()) == sorted([kerberos_realm.principal,
                                                             f"-l 2h {kerberos_realm.principal}"])
