"""Transports that would send a credential or the registry in clear are refused on the controller, before anything
is sent: Basic over plain HTTP, and any transport with ``message_encryption: never`` over HTTP; the simulator's
counters prove that no request reached the host, through the per-host path (harden) and the batch check path
(drift). A lab can opt in (``schannel_allow_insecure_transport``) with a loud warning; certificate validation off
is warned of; a host whose policy refuses the login is told as the host's policy, and the recap and the summary
agree that it is unreachable.

The hosts here allow Basic and unencrypted traffic (their WinRM policy switched on through the simulator), so that
only the controller's refusal stands between the password and the wire.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.fleet.conftest import Controller, output
from tests.fleet.test_security import BASIC_PASSWORD, BASIC_USER, start_fleet
from tests.winsim.fleet import Fleet

HOSTS = ("ms001", "ms002")
BASIC = {"ansible_winrm_transport": "basic", "ansible_user": BASIC_USER, "ansible_password": BASIC_PASSWORD}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    with start_fleet(tmp_path_factory.mktemp("transport") / "fleet", "127.20.172.1", "http") as running:
        for host in HOSTS:
            running.control.set_setting(host, "allow-basic", True)
            running.control.set_allow_unencrypted(host, True)
        yield running


def inventory(fleet: Fleet, folder: Path, **group_vars) -> Path:
    """The fleet's inventory with these connection variables for the whole group."""
    data = yaml.safe_load(fleet.inventory.read_text())
    data["all"]["children"]["mailstore"]["vars"].update(group_vars)
    path = folder / "inventory.yml"
    path.write_text(yaml.safe_dump(data))
    return path


INSECURE = {
    "basic-over-http": (BASIC,
                        ["ansible_winrm_transport basic over ansible_winrm_scheme http sends the password in clear"]),
    "ntlm-unencrypted": ({"ansible_winrm_message_encryption": "never"},
                         ["ansible_winrm_message_encryption never over ansible_winrm_scheme http sends every WinRM "
                          "message in clear"]),
}


@pytest.mark.parametrize("case", sorted(INSECURE))
@pytest.mark.parametrize("playbook", ["harden", "drift"])
def test_an_insecure_transport_is_refused_before_any_request(fleet, tmp_path, case, playbook):
    variables, words = INSECURE[case]
    controller = Controller(tmp_path)
    fleet.control.reset_counters()
    proc = controller.run("fleetsec.schannel.%s" % playbook, inventory(fleet, tmp_path, **variables))
    assert proc.returncode != 0
    text = output(proc)
    for word in [*words, "refused before anything was sent", "use HTTPS (ansible_winrm_scheme: https",
                 "ansible_winrm_message_encryption: auto or always", "schannel_allow_insecure_transport"]:
        assert word in text, text[-3000:]
    assert fleet.control.counters()["totals"]["requests"] == 0
    assert BASIC_PASSWORD not in text
    assert fleet.password not in text
    for record in controller.latest_results().values():
        assert record["status"] == "failed"


def test_a_lab_may_opt_in_with_a_loud_warning(fleet, tmp_path):
    controller = Controller(tmp_path)
    proc = controller.run("fleetsec.schannel.drift", inventory(fleet, tmp_path, **BASIC),
                          schannel_allow_insecure_transport=True)
    text = output(proc)
    assert "INSECURE TRANSPORT ALLOWED (schannel_allow_insecure_transport: true)" in text, text[-3000:]
    assert {r["status"] for r in controller.latest_results().values()} == {"drifted"}, text[-3000:]


def test_certificate_validation_off_is_warned_of(fleet, tmp_path):
    controller = Controller(tmp_path)
    proc = controller.run("fleetsec.schannel.drift", inventory(
        fleet, tmp_path, ansible_winrm_scheme="https", ansible_port=5986,
        ansible_winrm_server_cert_validation="ignore"), "--limit", "ms001", schannel_allow_lockout=True)
    text = output(proc)
    assert "ansible_winrm_server_cert_validation is ignore: the host's certificate is not checked" in text, \
        text[-3000:]
    assert controller.latest_results()["ms001"]["status"] == "drifted"


def test_a_host_refusing_basic_is_its_policy_and_unreachable_in_recap_and_summary(fleet, tmp_path):
    controller = Controller(tmp_path)
    data = yaml.safe_load(fleet.inventory.read_text())
    data["all"]["children"]["mailstore"]["hosts"]["ms001"].update(
        **BASIC, ansible_winrm_scheme="https", ansible_port=5986, ansible_winrm_server_cert_validation="validate",
        ansible_winrm_ca_trust_path=str(fleet.ca_cert))
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(data))
    fleet.control.set_setting("ms001", "allow-basic", False)
    try:
        proc = controller.run("fleetsec.schannel.drift", path, schannel_allow_lockout=True)
    finally:
        fleet.control.set_setting("ms001", "allow-basic", True)
    text = output(proc)
    assert "the host refused the login" in text, text[-3000:]
    assert "its WinRM service policy does not accept this transport" in text
    assert "AllowBasic" in text
    recap = text.split("PLAY RECAP")[-1]
    assert next(line for line in recap.splitlines() if line.startswith("ms001")).split("unreachable=")[1][0] == "1"
    results = controller.latest_results()
    assert results["ms001"]["status"] == "unreachable", json.dumps(results["ms001"])[:2000]
    assert results["ms002"]["status"] == "drifted"


def test_a_wrong_password_over_ntlm_names_the_credentials_first(fleet, tmp_path):
    """Over NTLM (always encrypted) the policy on Basic and unencrypted traffic cannot be the cause of a 401: the
    message says the credentials, then a domain refusing NTLM, and names no Basic policy (over Basic, the policy
    first: above)."""
    controller = Controller(tmp_path)
    fleet.control.set_fault("ms002", "wrong-password")
    try:
        proc = controller.run("fleetsec.schannel.drift", fleet.inventory, schannel_allow_lockout=True)
    finally:
        fleet.control.clear_fault("ms002", "wrong-password")
    text = output(proc)
    assert proc.returncode == 4, text[-3000:]
    message = controller.latest_results()["ms002"]["errors"][0]["message"]
    assert "the host refused the login during" in message, message
    assert message.index("the user name or password is wrong") < message.index("refuses NTLM")
    assert message.index("check ansible_user and ansible_password") < message.index("ansible_winrm_transport: kerberos")
    for words in ("its WinRM service policy", "AllowBasic", "AllowUnencryptedTraffic"):
        assert words not in message
    assert fleet.password not in text


def test_a_tls_1_0_only_host_over_https_says_why_and_what_to_do(tmp_path):
    """A fresh 2008 R2 host's Schannel has TLS 1.1/1.2 off, so its WinRM HTTPS listener answers the controller's
    hello with handshake_failure (no suite of that hello works on TLS 1.0): the host is unreachable, in the recap
    and in its result file, with cause and fix."""
    controller = Controller(tmp_path)
    with Fleet(tmp_path / "fleet", hosts=2, os_mix=("2008r2", "2019"), first_ip="127.20.172.11",
               scheme="https") as fleet:
        proc = controller.run("fleetsec.schannel.drift", fleet.inventory, schannel_allow_lockout=True,
                              schannel_fail_on_drift=False)
    text = output(proc)
    # Python's default client ciphers have no suite a TLS 1.0 listener can use: Schannel picks TLS 1.0, then answers
    # handshake_failure (tests/winsim/legacy_tls.py, routing step 4).
    assert "SSLV3_ALERT_HANDSHAKE_FAILURE" in text, text[-3000:]
    assert "the host's WinRM HTTPS listener and this controller share no TLS version and cipher suite: as a rule the " \
           "host offers only TLS 1.0/1.1" in text
    assert "use HTTP with message encryption" in text
    recap = text.split("PLAY RECAP")[-1]
    assert next(line for line in recap.splitlines() if line.startswith("ms001")).split("unreachable=")[1][0] == "1"
    results = controller.latest_results()
    assert results["ms001"]["status"] == "unreachable"
    assert results["ms002"]["status"] == "drifted"
