"""A domain fleet's whole life over Kerberos, with ``ansible-playbook``: ``harden`` (with the reboot Schannel needs),
``compliance`` (with the TLS verification of each host's MailStore ports) and a second ``harden`` that changes
nothing, against simulated members of the test realm (tests.winsim.kerberos_realm) of four Windows versions.

Two ways, as a domain fleet is managed: over HTTP with WinRM message encryption (the hosts refuse unencrypted
messages, as Windows does by default) and Ansible's managed kinit (``ansible_winrm_kinit_mode: managed``, the
password in the inventory), and over HTTPS with the administrator's own ticket cache (``kinit`` before the run,
``KRB5CCNAME``). The reboot drops every connection and every Kerberos context of the host; the WMI reboot module's
wait must come back with a fresh Kerberos authentication (a new AP-REQ from the ticket already held, or a new
kinit), and the host, rebooted, must still accept it (its keytab, like a domain member's machine account, survives
the reboot). Every host refuses NTLM, as hardened domains do, so nothing here can have fallen back to it.
"""

from __future__ import annotations

import pytest

from tests.fleet.conftest import Controller, output, writes
from tests.fleet.test_kerberos import https_with_own_ticket
from tests.winsim.fleet import Fleet

OS_MIX = ("2012r2", "2016", "2019", "2022")
FIRST_IP = {"http": "127.20.27.1", "https": "127.20.27.11"}  # one block per scheme, each its own fleet
FAST = {"schannel_reboot_timeout": 30}


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_harden_with_a_reboot_then_compliance_then_nothing_to_change(kerberos_realm, tmp_path, scheme):
    controller = Controller(tmp_path)
    env = controller.env(KRB5_CONFIG=str(kerberos_realm.krb5_conf))
    with Fleet(tmp_path / "fleet", hosts=len(OS_MIX), os_mix=OS_MIX, first_ip=FIRST_IP[scheme],
               kerberos=kerberos_realm.directory, transport="kerberos", reboot_seconds=0.3,
               host_options=tuple(f"ms{n:03d}=ntlm:refuse" for n in range(1, len(OS_MIX) + 1))) as fleet:
        inventory = fleet.inventory
        if scheme == "https":
            inventory = tmp_path / "inventory.yml"
            https_with_own_ticket(fleet, inventory)
            ccache = tmp_path / "ccache"
            assert kerberos_realm.kinit(ccache).returncode == 0
            env = controller.env(**kerberos_realm.env(ccache))
        hosts = [host.name for host in fleet.hosts]

        harden = controller.run("fleetsec.schannel.harden", inventory, env=env, schannel_verify_tls=True, **FAST)
        text = output(harden)
        results = controller.latest_results()
        counters = fleet.control.counters()
        assert harden.returncode == 0, text[-4000:]
        for host in hosts:
            # written, rebooted by WMI, waited for over Kerberos until the new boot time showed, verified after it
            assert results[host]["status"] == "changed", (host, text[-4000:])
            assert writes(counters["hosts"][host]) > 0, host
            assert counters["hosts"][host]["boots"] == 1, host
            expected = {"required": True, "pending": False, "pending_by": None, "performed": True, "elapsed": None}
            assert results[host]["reboot"] | {"elapsed": None} == expected, host
            assert results[host]["verification"]["tls"]["verdict"] == "pass", host

        compliance = controller.run("fleetsec.schannel.compliance", inventory, env=env)
        text = output(compliance)
        results = controller.latest_results()
        assert compliance.returncode == 0, text[-4000:]
        for host in hosts:
            verdict = results[host]["verification"]["tls"]["verdict"]
            assert (results[host]["status"], verdict) == ("compliant", "pass"), (host, text[-4000:])

        fleet.control.reset_counters()
        again = controller.run("fleetsec.schannel.harden", inventory, env=env, **FAST)
        text = output(again)
        results = controller.latest_results()
        counters = fleet.control.counters()
        assert again.returncode == 0, text[-4000:]
        for host in hosts:
            assert results[host]["status"] == "compliant", (host, results[host])
            assert writes(counters["hosts"][host]) == 0, host
            assert counters["hosts"][host]["boots"] == 0, host
