"""Each Kerberos problem an administrator meets fails its host alone, before anything is written to it, with the
Kerberos error as MIT krb5 / GSSAPI words it and the collection's cause and fix beside it; the other hosts are
hardened.

The problems: a wrong password, a user principal the realm does not know, an SPN the realm does not know (a host
reached by address without ``ansible_winrm_kerberos_hostname_override``, or with a wrong one), NTLM to a host whose
domain refuses it, and for an administrator's own ticket cache (``ansible_winrm_kinit_mode: manual``): no ticket, a
ticket that expired, a controller clock off by more than the realm's limit. The ticket cache is one per process
(``KRB5CCNAME``), so each cache case has a run of its own, where the managed-kinit hosts go on beside it.
"""

from __future__ import annotations

import pytest
import yaml

from tests.fleet.conftest import Controller, output, writes
from tests.winsim.fleet import Fleet
from tests.winsim.kerberos_realm import CLOCK_SKEW_SECONDS, expire_ccache, skew_ccache

OS_MIX = ("2019", "2012r2", "2022", "2016", "2019", "2022")
NTLM_REFUSED = "ms005"
OWN_CACHE = "ms006"  # the host reached with the administrator's own ticket cache
UNKNOWN_USER = "nobody@FLEETSEC.TEST"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, kerberos_realm):
    with Fleet(tmp_path_factory.mktemp("kerberos-failures"), hosts=len(OS_MIX), os_mix=OS_MIX,
               first_ip="127.20.24.1", kerberos=kerberos_realm.directory, transport="kerberos",
               host_options=(f"{NTLM_REFUSED}=ntlm:refuse",)) as running:
        yield running


def inventory_with(fleet: Fleet, path, host_vars: dict[str, dict]) -> None:
    inventory = yaml.safe_load(fleet.inventory.read_text())
    for host, variables in host_vars.items():
        inventory["all"]["children"]["mailstore"]["hosts"][host].update(variables)
    path.write_text(yaml.safe_dump(inventory))


def harden(fleet: Fleet, controller: Controller, inventory, env: dict[str, str], *args: str):
    """harden without a reboot; -> (process, results, counters)."""
    fleet.control.reset_counters()
    proc = controller.run("fleetsec.schannel.harden", inventory, *args, env=env, schannel_reboot="never")
    return proc, controller.latest_results(), fleet.control.counters()


def assert_failed_alone(proc, results, counters, failing: dict[str, tuple[str, ...]], password: str) -> None:
    """Each host of ``failing`` unreachable, untouched, its message holding every given phrase; the others done."""
    text = output(proc)
    assert proc.returncode == 4, text[-3000:]  # a host unreachable
    for host, record in results.items():
        if host not in failing:
            # hardened (reboot never: written, pending), or already so since an earlier run
            assert record["status"] in ("reboot_pending", "compliant"), (host, text[-3000:])
            assert counters["hosts"][host]["wsman_calls"] > 0, host
    messages = {host: results[host]["errors"][0]["message"] for host in failing}
    assert {host: results[host]["status"] for host in failing} == dict.fromkeys(failing, "unreachable"), messages
    assert {host: writes(counters["hosts"][host]) for host in failing} == dict.fromkeys(failing, 0)
    missing = {host: [p for p in phrases if p not in messages[host]] for host, phrases in failing.items()}
    assert not any(missing.values()), (missing, messages)
    assert password not in text


def test_inventory_problems_fail_each_host_alone(fleet, kerberos_realm, tmp_path):
    inventory = tmp_path / "inventory.yml"
    inventory_with(fleet, inventory, {
        "ms002": {"ansible_password": "not-" + kerberos_realm.password},
        "ms003": {"ansible_user": UNKNOWN_USER},
        "ms004": {"ansible_winrm_kerberos_hostname_override": "ms999.fleetsec.test"},
        NTLM_REFUSED: {"ansible_winrm_transport": "ntlm", "ansible_user": "Administrator",
                       "ansible_password": fleet.password},
    })
    controller = Controller(tmp_path)
    proc, results, counters = harden(fleet, controller, inventory,
                                     controller.env(KRB5_CONFIG=str(kerberos_realm.krb5_conf)),
                                     "--limit", "ms001,ms002,ms003,ms004,ms005")
    assert_failed_alone(proc, results, counters, {
        # MIT kinit's words (krb5 error table KRB5KDC_ERR_PREAUTH_FAILED, KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN, ...)
        "ms002": ("Password incorrect while getting initial credentials",
                  "check ansible_password"),
        "ms003": (f"Client '{UNKNOWN_USER}' not found in Kerberos database",
                  "ansible_user must name a user principal of the realm"),
        "ms004": ("Kerberos authentication failed during",
                  "Server HTTP/ms999.fleetsec.test@FLEETSEC.TEST not found in Kerberos database",
                  "set ansible_winrm_kerberos_hostname_override to the host's FQDN", "HTTP/<fqdn>"),
        NTLM_REFUSED: ("the specified credentials were rejected by the server",
                       "refuses NTLM", "ansible_winrm_transport: kerberos"),
    }, kerberos_realm.password)


def no_ticket(kerberos_realm, ccache) -> None:
    """No cache at all: the administrator never ran kinit."""


def expired_ticket(kerberos_realm, ccache) -> None:
    assert kerberos_realm.kinit(ccache).returncode == 0
    expire_ccache(ccache, seconds_ago=3600)


def skewed_clock(kerberos_realm, ccache) -> None:
    assert kerberos_realm.kinit(ccache).returncode == 0
    skew_ccache(ccache, 2 * CLOCK_SKEW_SECONDS)


CACHE_CASES = {
    "no-ticket": (no_ticket, ("Can't find client principal winadmin@FLEETSEC.TEST in cache collection",
                              "no Kerberos ticket: run kinit",
                              "ansible_winrm_kinit_mode: managed")),
    "expired": (expired_ticket, ("Ticket expired", "run kinit again")),
    "clock-skew": (skewed_clock, ("Clock skew too great", "sync time (chrony/w32tm)")),
}


@pytest.mark.parametrize("case", sorted(CACHE_CASES))
def test_an_own_ticket_cache_problem_fails_its_host_alone(fleet, kerberos_realm, tmp_path, case):
    prepare, phrases = CACHE_CASES[case]
    ccache = tmp_path / "ccache"
    prepare(kerberos_realm, ccache)
    inventory = tmp_path / "inventory.yml"
    inventory_with(fleet, inventory, {OWN_CACHE: {"ansible_winrm_kinit_mode": "manual"}})
    controller = Controller(tmp_path)
    proc, results, counters = harden(fleet, controller, inventory, controller.env(**kerberos_realm.env(ccache)),
                                     "--limit", f"ms001,{OWN_CACHE}")
    assert sorted(results) == ["ms001", OWN_CACHE]
    assert_failed_alone(proc, results, counters, {OWN_CACHE: ("Kerberos authentication failed during", *phrases)},
                        kerberos_realm.password)
