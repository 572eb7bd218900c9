"""Security checks end to end: no credential in any artefact at -vvvv, HTTPS validates certificates by default,
Basic over HTTP is refused, and the controller's files are for their owner only.

The account's password has ``@``, ``/``, ``%`` and non-ASCII characters (the simulator reads its accounts from
``users.txt`` in its state directory, written here before it starts; pyspnego's NTLM reads the same file).
"""

from __future__ import annotations

import json
import os
import stat
import urllib.parse
from pathlib import Path

import pytest
import yaml

from tests.fleet.conftest import Controller, output
from tests.winsim.fleet import Fleet

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


def test_basic_over_http_is_refused_as_windows_refuses_it(http_fleet, tmp_path):
    controller = Controller(tmp_path)
    http_fleet.control.reset_counters()
    proc = controller.run("fleetsec.schannel.drift", http_fleet.inventory, ansible_winrm_transport="basic",
                          ansible_user=BASIC_USER, ansible_password=BASIC_PASSWORD)
    assert proc.returncode != 0
    results = controller.latest_results()
    for host in ("ms001", "ms002"):
        error = results[host]["errors"][0]
        assert (results[host]["status"], error["code"]) == ("unreachable", 401)
        assert "credentials were rejected" in error["message"]
    counters = http_fleet.control.counters()["totals"]
    assert counters["wsman_calls"] == 0
    assert counters["auth_failures"] >= 2


def test_https_validates_the_certificate_by_default(https_fleet, tmp_path):
    controller = Controller(tmp_path)
    # positive control: the inventory trusts the fleet's CA (check mode; allow_lockout because the profile would
    # cut this HTTPS channel, which the pre-flight rightly refuses to write)
    trusted = controller.run("fleetsec.schannel.drift", https_fleet.inventory, schannel_fail_on_drift=False,
                             schannel_allow_lockout=True)
    assert trusted.returncode == 0, trusted.stdout[-3000:]
    # the same inventory without any certificate setting: pywinrm validates against the system CAs and fails
    inventory = yaml.safe_load(https_fleet.inventory.read_text())
    group_vars = inventory["all"]["children"]["mailstore"]["vars"]
    del group_vars["ansible_winrm_server_cert_validation"], group_vars["ansible_winrm_ca_trust_path"]
    default = tmp_path / "default-validation.yml"
    default.write_text(yaml.safe_dump(inventory))
    https_fleet.control.reset_counters()
    proc = controller.run("fleetsec.schannel.drift", default, schannel_fail_on_drift=False)
    assert proc.returncode != 0
    for host, record in controller.latest_results().items():
        assert record["status"] == "unreachable", host
        assert "CERTIFICATE_VERIFY_FAILED" in record["errors"][0]["message"]
    assert https_fleet.control.counters()["totals"]["wsman_calls"] == 0


def test_https_with_a_foreign_ca_fails_clearly(https_fleet, tmp_path):
    controller = Controller(tmp_path)
    foreign = tmp_path / "foreign-fleet"
    with Fleet(foreign, hosts=1, first_ip="127.20.15.21"):
        pass  # a second simulator's CA: a real CA, just not the one that signed these hosts
    proc = controller.run("fleetsec.schannel.drift", https_fleet.inventory,
                          ansible_winrm_ca_trust_path=str(foreign / "ca.pem"))
    assert proc.returncode != 0
    for record in controller.latest_results().values():
        assert "certificate verify failed" in record["errors"][0]["message"]
