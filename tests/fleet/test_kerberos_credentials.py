"""What an administrator following docs/kerberos.md meets when the KDC refuses the inventory's credentials, or cannot be
found, and the ticket caches a run leaves behind.

With ``ansible_winrm_kinit_mode: managed`` ``drift``'s batch runs one kinit for the principal. When the KDC refuses
that principal's password (wrong, expired, the account locked out or disabled), every host of the principal fails with
kinit's words and the cause and fix, and no host runs kinit again: each attempt would count towards the account's
lock-out threshold. The KDC's own log counts the failures. No run leaves a ticket cache in TMPDIR, whether kinit
worked, failed, or a host failed after it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
import yaml

from tests.collection_path import REPO_ROOT
from tests.fleet.conftest import Controller, output, run_tmpdir, ticket_caches
from tests.fleet.test_kerberos_batch import counted_kinit
from tests.winsim.fleet import Fleet

OS_MIX = ("2019", "2016", "2022")
LOCKED, EXPIRED = "lockedadmin", "expiredadmin"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, kerberos_realm):
    kerberos_realm.add_user(LOCKED, kerberos_realm.password)
    kerberos_realm.add_user(EXPIRED, kerberos_realm.password)
    # kadmin(1) modprinc: -allow_tix makes the KDC answer KDC_ERR_CLIENT_REVOKED (what a locked-out or disabled
    # Active Directory account answers, MS-KILE 3.3.5.7), -pwexpire a password past its expiry (KDC_ERR_KEY_EXPIRED).
    kerberos_realm.kadmin(f"modprinc -allow_tix {LOCKED}", f'modprinc -pwexpire "2001-01-01 00:00:00" {EXPIRED}')
    with Fleet(tmp_path_factory.mktemp("kerberos-credentials"), hosts=len(OS_MIX), os_mix=OS_MIX,
               first_ip="127.20.28.1", kerberos=kerberos_realm.directory, transport="kerberos") as running:
        yield running


def preauth_failures(kerberos_realm) -> int:
    """The KDC's log lines for a refused password (krb5kdc logs each AS-REQ answered with PREAUTH_FAILED)."""
    log = kerberos_realm.directory / "kdc.log"
    return log.read_text(errors="replace").count("PREAUTH_FAILED") if log.exists() else 0


def drift(fleet: Fleet, kerberos_realm, tmp_path, group_vars: dict, *, host_vars: dict | None = None,
          krb5_conf=None) -> tuple[dict, str, str]:
    """drift with the group's variables updated, TMPDIR a directory of its own; -> (results, output, kinit calls)."""
    kinit, calls = counted_kinit(tmp_path)
    inventory = yaml.safe_load(fleet.inventory.read_text())
    group = inventory["all"]["children"]["mailstore"]
    group["vars"].update(ansible_winrm_kinit_cmd=kinit, **group_vars)
    for host, variables in (host_vars or {}).items():
        group["hosts"][host].update(variables)
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory))
    controller = Controller(tmp_path)
    with run_tmpdir() as tmpdir:
        proc = controller.run("fleetsec.schannel.drift", path, env=controller.env(
            KRB5_CONFIG=str(krb5_conf or kerberos_realm.krb5_conf), TMPDIR=str(tmpdir)))
        text = output(proc)
        assert ticket_caches(tmpdir) == [], text[-3000:]
    assert kerberos_realm.password not in text
    return controller.latest_results(), text, calls.read_text() if calls.exists() else ""


def assert_every_host_fails(fleet: Fleet, results: dict, text: str, *phrases: str) -> None:
    for host in fleet.hosts:
        record = results[host.name]
        assert record["status"] == "unreachable", (host.name, text[-3000:])
        message = record["errors"][0]["message"]
        assert all(phrase in message for phrase in phrases), (phrases, message)


def test_a_wrong_password_is_tried_once_for_the_whole_batch(fleet, kerberos_realm, tmp_path):
    before = preauth_failures(kerberos_realm)
    results, text, calls = drift(fleet, kerberos_realm, tmp_path,
                                 {"ansible_password": "not-" + kerberos_realm.password})
    assert_every_host_fails(fleet, results, text, "Password incorrect while getting initial credentials",
                            "check ansible_password", "counts towards the account's lock-out")
    assert calls.splitlines() == [kerberos_realm.principal]  # one kinit for the three hosts
    assert preauth_failures(kerberos_realm) - before == 1


@pytest.mark.parametrize(("user", "phrases"), [
    (LOCKED, ("Client's credentials have been revoked", "locked out or disabled")),
    (EXPIRED, ("Cannot read password while getting initial credentials", "password of ansible_user has expired",
               "change the password")),
], ids=["locked-out", "password-expired"])
def test_an_account_the_kdc_refuses_is_tried_once(fleet, kerberos_realm, tmp_path, user, phrases):
    principal = f"{user}@{kerberos_realm.realm}"
    results, text, calls = drift(fleet, kerberos_realm, tmp_path, {"ansible_user": principal})
    assert_every_host_fails(fleet, results, text, *phrases)
    assert calls.splitlines() == [principal]


def test_a_host_failing_after_the_batch_kinit_leaves_no_ticket_cache(fleet, kerberos_realm, tmp_path):
    results, text, calls = drift(fleet, kerberos_realm, tmp_path, {}, host_vars={
        "ms002": {"ansible_winrm_kerberos_hostname_override": "ms999.fleetsec.test"}})
    assert results["ms002"]["status"] == "unreachable", text[-3000:]
    assert "not found in Kerberos database" in results["ms002"]["errors"][0]["message"]
    assert {results[h]["status"] for h in ("ms001", "ms003")} == {"drifted"}, text[-3000:]
    assert calls.splitlines() == [kerberos_realm.principal]


def test_a_lower_case_realm_names_the_realm_and_krb5_conf(fleet, kerberos_realm, tmp_path):
    principal = f"{kerberos_realm.user}@{kerberos_realm.realm.lower()}"
    results, text, _calls = drift(fleet, kerberos_realm, tmp_path, {"ansible_user": principal})
    assert_every_host_fails(fleet, results, text, "Cannot find KDC for realm",
                            "must be upper case exactly as in krb5.conf", "ansible_winrm_kinit_env_vars: [KRB5_CONFIG]")


def test_an_unreachable_kdc_names_port_88(fleet, kerberos_realm, tmp_path):
    conf = tmp_path / "krb5.conf"
    # a kdc on a port where nothing listens (the realm's own port replaced)
    conf.write_text(kerberos_realm.krb5_conf.read_text().replace(f":{kerberos_realm.port}", ":1"))
    results, text, _calls = drift(fleet, kerberos_realm, tmp_path, {}, krb5_conf=conf)
    assert_every_host_fails(fleet, results, text, "Cannot contact any KDC for realm", "port 88")


def test_managed_kinit_without_a_password_is_refused_before_kinit(fleet, kerberos_realm, tmp_path):
    results, _text, calls = drift(fleet, kerberos_realm, tmp_path, {"ansible_password": ""})
    for host in fleet.hosts:
        message = results[host.name]["errors"][0]["message"]
        for phrase in ("ansible_password is not set", "ansible_winrm_kinit_mode: manual"):
            assert phrase in message, message
        assert "<redacted>" not in message
    assert calls == ""


def test_ctrl_c_during_harden_leaves_no_ticket_cache(fleet, kerberos_realm, tmp_path, short_tmpdir):
    """Ctrl-C (SIGINT to the run's process group, as a terminal sends it) while a task, its kinit done, waits on a
    slow host: no ticket cache stays in TMPDIR."""
    kinit, calls = counted_kinit(tmp_path)
    inventory = yaml.safe_load(fleet.inventory.read_text())
    inventory["all"]["children"]["mailstore"]["vars"]["ansible_winrm_kinit_cmd"] = kinit
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory))
    controller = Controller(tmp_path)
    tmpdir = short_tmpdir
    env = controller.env(KRB5_CONFIG=str(kerberos_realm.krb5_conf), TMPDIR=str(tmpdir))
    for host in fleet.hosts:
        fleet.control.set_fault(host.name, "slow:3000")
    try:
        proc = subprocess.Popen(controller.command("fleetsec.schannel.harden", path, schannel_reboot="never"),
                                cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        deadline = time.monotonic() + 120
        while not (calls.exists() and ticket_caches(tmpdir)):  # a task has its ticket cache
            assert proc.poll() is None, "the run ended before any kinit"
            assert time.monotonic() < deadline, "no kinit"
            time.sleep(0.1)
        time.sleep(1)  # its (slow) WS-Man calls under way
        os.killpg(proc.pid, signal.SIGINT)
        proc.communicate(timeout=120)
    finally:
        for host in fleet.hosts:
            fleet.control.clear_fault(host.name)
    assert ticket_caches(tmpdir) == []


def test_a_ticket_for_another_computer_is_worded_for_kerberos(fleet, kerberos_realm, tmp_path):
    """An override naming another computer of the realm: the KDC issues the ticket, the host cannot decrypt it and
    answers 401. The message names the ticket and the override, not a password or the Basic policy."""
    results, text, _calls = drift(fleet, kerberos_realm, tmp_path, {}, host_vars={
        "ms002": {"ansible_winrm_kerberos_hostname_override": "ms010.fleetsec.test"}})
    assert results["ms002"]["status"] == "unreachable", text[-3000:]
    message = results["ms002"]["errors"][0]["message"]
    assert "(HTTP 401): the host could not accept the Kerberos ticket" in message, message
    assert "ansible_winrm_kerberos_hostname_override to this host's own FQDN" in message
    for words in ("Basic", "AllowUnencryptedTraffic", "password is wrong"):
        assert words not in message
    assert {results[h]["status"] for h in ("ms001", "ms003")} == {"drifted"}, text[-3000:]
