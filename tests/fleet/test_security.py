"""Security checks end to end: no credential in any artefact at -vvvv (NTLM; Kerberos: no password, ticket or key),
HTTPS validates certificates by default, Basic over HTTP is refused, and the controller's files are for their owner
only.

The account's password has ``@``, ``/``, ``%`` and non-ASCII characters (the simulator reads its accounts from
``users.txt`` in its state directory, written here before it starts; pyspnego's NTLM reads the same file).
"""

from __future__ import annotations

import base64
import json
import os
import stat
import urllib.parse
from pathlib import Path

import pytest
import yaml

from tests.fleet.conftest import Controller, output, ticket_caches
from tests.winsim.fleet import Fleet
from tests.winsim.kerberos_realm import ccache_secrets, keytab_keys, keytab_path

PASSWORD = "P@ss/w%rd-Ünïcødé€"
BASIC_USER, BASIC_PASSWORD = "basicadmin", "Basic%Only/Ascii@1"


def password_forms(password: str) -> set[str]:
    """How a password could leak: as is, JSON-escaped, URL-encoded, and percent-decoded by accident."""
    return {password, json.dumps(password)[1:-1], urllib.parse.quote(password), urllib.parse.quote_plus(password),
            urllib.parse.unquote(password)}


def start_fleet(state_dir: Path, first_ip: str, scheme: str) -> Fleet:
    state_dir.mkdir(parents=True)
    (state_dir / "users.txt").write_text(f":Administrator:{PASSWORD}\n:{BASIC_USER}:{BASIC_PASSWORD}\n",
                                         encoding="utf-8")
    return Fleet(state_dir, hosts=2, first_ip=first_ip, scheme=scheme)


@pytest.fixture(scope="module")
def http_fleet(tmp_path_factory):
    with start_fleet(tmp_path_factory.mktemp("security-http") / "fleet", "127.20.15.1", "http") as fleet:
        assert fleet.password == PASSWORD
        yield fleet


@pytest.fixture(scope="module")
def https_fleet(tmp_path_factory):
    with start_fleet(tmp_path_factory.mktemp("security-https") / "fleet", "127.20.15.11", "https") as fleet:
        yield fleet


def artefacts(*roots: Path) -> list[Path]:
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


def test_no_credential_in_any_artefact_at_vvvv(http_fleet, tmp_path):
    controller = Controller(tmp_path)
    log = tmp_path / "ansible.log"
    env = controller.env(ANSIBLE_LOG_PATH=str(log))
    harden = controller.run("fleetsec.schannel.harden", http_fleet.inventory, "-vvvv", env=env,
                            schannel_verify_tls=True)
    assert harden.returncode == 0, harden.stdout[-3000:]
    compliance = controller.run("fleetsec.schannel.compliance", http_fleet.inventory, "-vvvv", env=env)
    assert compliance.returncode == 0, compliance.stdout[-3000:]
    files = artefacts(controller.report_dir, controller.backup_dir, log.parent / "ansible-tmp")
    assert [p for p in files if p.suffix == ".reg"], "no backup was written"
    assert [p for p in files if p.parent.parent == controller.report_dir], "no result file was written"
    texts = {"stdout/stderr": output(harden) + output(compliance), str(log): log.read_text(encoding="utf-8")}
    texts.update({str(p): p.read_bytes().decode("utf-8", errors="replace") for p in files})
    texts.update({str(p) + " (UTF-16)": p.read_bytes().decode("utf-16-le", errors="replace")
                  for p in files if p.suffix == ".reg"})
    assert "ms001" in texts[str(log)]  # the log is the -vvvv output, not an empty file
    for where, text in texts.items():
        for form in password_forms(PASSWORD):
            assert form not in text, f"the password appears in {where}"


def secret_forms(secret: bytes) -> set[str]:
    """How a key or ticket could leak into text: hex (either case), base64, or its bytes read as Latin-1."""
    return {secret.hex(), secret.hex().upper(), base64.b64encode(secret).decode(), secret.decode("latin-1")}


def test_no_kerberos_password_ticket_or_key_in_any_artefact_at_vvvv(kerberos_realm, tmp_path, short_tmpdir):
    """harden with a reboot and compliance at -vvvv over Kerberos: ms001 with Ansible's managed kinit over HTTP (the
    password in the inventory), ms002 with the administrator's own ticket cache over HTTPS. Neither the password,
    nor a session key or ticket of that cache, nor a key of either host's keytab shows in the output, the log, the
    result files or the backups; and no ticket cache is left in TMPDIR (the managed kinit's, one per connection
    including the reboot's re-connects)."""
    ccache = tmp_path / "ccache"
    assert kerberos_realm.kinit(ccache).returncode == 0
    controller = Controller(tmp_path)
    log = tmp_path / "ansible.log"
    tmpdir = short_tmpdir
    env = controller.env(ANSIBLE_LOG_PATH=str(log), TMPDIR=str(tmpdir), **kerberos_realm.env(ccache))
    with Fleet(tmp_path / "fleet", hosts=2, os_mix=("2019", "2016"), first_ip="127.20.15.21",
               kerberos=kerberos_realm.directory, transport="kerberos", reboot_seconds=0.2) as fleet:
        inventory = inventory_where_ms002(fleet, tmp_path / "inventory.yml", {
            "ansible_winrm_kinit_mode": "manual", "ansible_winrm_scheme": "https", "ansible_port": 5986,
            "ansible_winrm_ca_trust_path": str(fleet.ca_cert)}, group_vars_to_ms001=("ansible_password",))
        harden = controller.run("fleetsec.schannel.harden", inventory, "-vvvv", env=env, schannel_verify_tls=True,
                                schannel_reboot_timeout=30)
        assert harden.returncode == 0, output(harden)[-3000:]
        assert {r["reboot"]["performed"] for r in controller.latest_results().values()} == {True}
        assert ticket_caches(tmpdir) == []
        compliance = controller.run("fleetsec.schannel.compliance", inventory, "-vvvv", env=env)
        assert compliance.returncode == 0, output(compliance)[-3000:]
        assert ticket_caches(tmpdir) == []
    files = artefacts(controller.report_dir, controller.backup_dir, log.parent / "ansible-tmp")
    assert [p for p in files if p.suffix == ".reg"], "no backup was written"
    texts = {"stdout/stderr": output(harden) + output(compliance), str(log): log.read_text(encoding="utf-8")}
    texts.update({str(p): p.read_bytes().decode("utf-8", errors="replace") for p in files})
    texts.update({str(p) + " (Latin-1)": p.read_bytes().decode("latin-1") for p in files})
    assert "calling kinit for principal" in texts[str(log)]  # -vvvv, and the managed kinit ran
    keys = [key for host in ("ms001", "ms002") for key in keytab_keys(keytab_path(kerberos_realm.keytabs, host))]
    tickets = ccache_secrets(ccache)
    assert len(keys) >= 2
    assert len(tickets) >= 4, "the TGT and a service ticket, each with its session key"
    for where, text in texts.items():
        for form in password_forms(kerberos_realm.password):
            assert form not in text, f"the password appears in {where}"
        for secret in keys + tickets:
            assert not any(form in text for form in secret_forms(secret)), f"a key or ticket appears in {where}"


def test_controller_files_are_for_their_owner_only(http_fleet, tmp_path):
    controller = Controller(tmp_path)
    # an override the other tests do not set, so that every host is written (and backed up) whatever ran before
    proc = controller.run("fleetsec.schannel.harden", http_fleet.inventory, schannel_reboot="never",
                          schannel_overrides={"dh_min_key_bits": {"server": 3072, "client": 3072}})
    assert proc.returncode == 0, proc.stdout[-3000:]
    files = artefacts(controller.report_dir, controller.backup_dir)
    assert len([p for p in files if p.suffix == ".reg"]) == 2
    assert len([p for p in files if p.parent.parent == controller.report_dir]) == 2
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700, path.parent


def test_a_report_dir_others_can_write_is_warned_about(http_fleet, tmp_path):
    controller = Controller(tmp_path)
    controller.report_dir.mkdir()
    os.chmod(controller.report_dir, 0o777)
    proc = controller.run("fleetsec.schannel.drift", http_fleet.inventory, schannel_fail_on_drift=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    text = " ".join(output(proc).split())
    assert f"schannel_report_dir {controller.report_dir} can be written by users other than you (mode 0o777" in text
    assert "use a directory only you can write to (chmod 700)" in text


def inventory_where_ms002(fleet: Fleet, path: Path, host_vars: dict, group_vars_to_ms001: tuple[str, ...] = ()) -> Path:
    """The fleet's inventory with ``host_vars`` on ms002 only (group variables named in ``group_vars_to_ms001``
    move to ms001, so that ms002 goes without them): ms001 shows the run working while ms002 fails alone, and the
    run records both (a play whose every host is unreachable ends before its results are recorded)."""
    inventory = yaml.safe_load(fleet.inventory.read_text())
    group = inventory["all"]["children"]["mailstore"]
    for name in group_vars_to_ms001:
        group["hosts"]["ms001"][name] = group["vars"].pop(name)
    group["hosts"]["ms002"].update(host_vars)
    path.write_text(yaml.safe_dump(inventory))
    return path


def assert_ms002_alone_unreachable(controller: Controller, proc, words: str) -> None:
    assert proc.returncode == 4, proc.stdout[-3000:]  # a host unreachable
    results = controller.latest_results()
    assert results["ms001"]["status"] == "drifted"
    assert results["ms002"]["status"] == "unreachable"
    assert words in results["ms002"]["errors"][0]["message"]


def test_basic_over_http_is_refused_by_the_controller_and_by_windows(http_fleet, tmp_path):
    controller = Controller(tmp_path)
    basic = {"ansible_winrm_transport": "basic", "ansible_user": BASIC_USER, "ansible_password": BASIC_PASSWORD}
    inventory = inventory_where_ms002(http_fleet, tmp_path / "basic.yml", basic)
    http_fleet.control.reset_counters()
    proc = controller.run("fleetsec.schannel.drift", inventory, schannel_fail_on_drift=False,
                          schannel_profile="strict")
    # the controller refuses to send the password in clear: ms002 fails, and not one request reaches it
    assert proc.returncode == 2, proc.stdout[-3000:]
    results = controller.latest_results()
    assert results["ms001"]["status"] == "drifted"
    assert results["ms002"]["status"] == "failed"
    assert "sends the password in clear" in results["ms002"]["errors"][0]["message"]
    assert http_fleet.control.counters("ms002")["requests"] == 0

    # a lab that opts in meets Windows' own refusal (Basic off by default), told as the host's policy
    inventory = inventory_where_ms002(http_fleet, tmp_path / "basic-lab.yml",
                                      {**basic, "schannel_allow_insecure_transport": True})
    http_fleet.control.reset_counters()
    proc = controller.run("fleetsec.schannel.drift", inventory, schannel_fail_on_drift=False,
                          schannel_profile="strict")
    assert_ms002_alone_unreachable(controller, proc, "its WinRM service policy does not accept this transport")
    assert controller.latest_results()["ms002"]["errors"][0]["code"] == 401
    counters = http_fleet.control.counters("ms002")
    assert counters["wsman_calls"] == 0
    assert counters["auth_failures"] >= 1


def test_https_validates_the_certificate_by_default(https_fleet, tmp_path):
    controller = Controller(tmp_path)
    # ms001 keeps the inventory's trust in the fleet's CA; ms002 goes without any certificate setting, so pywinrm
    # validates against the system CAs. Check mode, and allow_lockout because the profile would cut this HTTPS
    # channel, which the pre-flight rightly refuses to write.
    inventory = inventory_where_ms002(https_fleet, tmp_path / "default.yml", {}, group_vars_to_ms001=(
        "ansible_winrm_server_cert_validation", "ansible_winrm_ca_trust_path"))
    https_fleet.control.reset_counters()
    proc = controller.run("fleetsec.schannel.drift", inventory, schannel_fail_on_drift=False,
                          schannel_allow_lockout=True)
    assert_ms002_alone_unreachable(controller, proc, "CERTIFICATE_VERIFY_FAILED")
    assert https_fleet.control.counters("ms002")["wsman_calls"] == 0


def test_https_with_a_foreign_ca_fails_clearly(https_fleet, tmp_path):
    controller = Controller(tmp_path)
    foreign = tmp_path / "foreign-fleet"
    with Fleet(foreign, hosts=1, first_ip="127.20.15.21"):
        pass  # a second simulator's CA: a real CA, just not the one that signed these hosts
    inventory = inventory_where_ms002(https_fleet, tmp_path / "foreign.yml",
                                      {"ansible_winrm_ca_trust_path": str(foreign / "ca.pem")})
    proc = controller.run("fleetsec.schannel.drift", inventory, schannel_fail_on_drift=False,
                          schannel_allow_lockout=True)
    assert_ms002_alone_unreachable(controller, proc, "certificate verify failed")
