"""The playbooks harden, drift, compliance and restore, run with ansible-playbook against simulated hosts.

Every assertion is on what a user sees or relies on: the exit code, the output, the result files, the registry of
the hosts as read back over WinRM (WMI StdRegProv), and the simulator's boot and request counters.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog, suites
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import complete
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.policy import parse_or_raise
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.stdregprov import StdRegProv
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.winrm_protocol import client_for_protocol
from tests.profiles import profile
from tests.support.drift import assess
from tests.winsim.fleet import Fleet

from .conftest import ALL_OS, ANSIBLE_PLAYBOOK, Playbooks

FIXTURES = Path(__file__).resolve().parent.parent / "unit" / "fixtures"
SSL3_SERVER = catalog.SCHANNEL_KEY + "\\Protocols\\SSL 3.0\\Server"


def drift_of(fleet: Fleet, host: str, settings: dict[str, Any]) -> list[dict[str, Any]]:
    """What the host holds against ``settings``, read over WinRM by the collection's read-only assessment."""
    client = client_for_protocol(fleet.protocol(host))
    return assess(client, parse_or_raise(settings)).as_dict()["changes"]


def registry(fleet: Fleet, host: str) -> StdRegProv:
    return StdRegProv(client_for_protocol(fleet.protocol(host)))


def test_harden_converges_all_six_versions_with_reboots_then_changes_nothing(six: Playbooks):
    boots = six.boots()
    first = six.run("harden", "-e", "schannel_serial=3")
    assert first.returncode == 0, first.output
    assert sorted(first.results) == ["ms001", "ms002", "ms003", "ms004", "ms005", "ms006"]
    assert {r["os"]["key"] for r in first.results.values()} == set(ALL_OS)
    for host, record in first.results.items():
        assert record["status"] == "changed", (host, record["errors"])
        assert record["changes"], host
        assert record["verification"]["readback"] == {"ok": True, "differences": []}
        assert record["reboot"]["required"] is True
        assert record["reboot"]["performed"] is True
        assert record["reboot"]["pending"] is False
        assert Path(record["backup_file"]).is_file()
        assert record["settings"] == complete(profile("recommended"))  # what the profile leaves out is `default`
        assert record["playbook"] == "harden"
        assert record["mode"] == "apply"
    after_first = six.boots()
    assert all(after_first[h] == boots[h] + 1 for h in boots), (boots, after_first)
    for host in first.results:
        assert drift_of(six.fleet, host, profile("recommended")) == []

    six.fleet.control.reset_counters()
    second = six.run("harden", "-e", "schannel_serial=100%")
    assert second.returncode == 0, second.output
    # The per-host budget: one win_schannel task per host, and the task that ends a host with its result, skipped on
    # a host that went well (the role's argument check, the TLS scan and the other run-once tasks count on ms001);
    # every WS-Man request a host saw is win_schannel's.
    assert second.recap()["ms002"] == {"ok": 1, "changed": 0, "unreachable": 0, "failed": 0, "skipped": 1,
                                       "rescued": 0, "ignored": 0}
    assert six.wsman_calls() == {host: record["calls"] for host, record in second.results.items()}
    assert set(second.status().values()) == {"compliant"}
    assert all(r["changes"] == [] and r["backup_file"] is None for r in second.results.values())
    assert all(row["changed"] == 0 for row in second.recap().values()), second.stdout
    assert set(six.boots().values()) == {0}  # nothing to change, nothing rebooted (counters reset before the run)


def test_drift_names_the_drifted_values_and_exits_as_documented(pair: Playbooks):
    assert pair.run("harden").returncode == 0
    reg = registry(pair.fleet, "ms002")
    reg.set_dword(SSL3_SERVER, "Enabled", 1)  # someone ticks SSL 3.0 back on in IIS Crypto

    drift = pair.run("drift")
    assert drift.returncode == 2, drift.output
    assert drift.status() == {"ms001": "compliant", "ms002": "drifted"}
    assert drift.results["ms002"]["drift"] == [{
        "key": "HKLM\\" + SSL3_SERVER, "name": "Enabled", "type": "REG_DWORD", "before": 1, "after": 0}]
    assert drift.results["ms002"]["changes"] == []
    assert "Protocols/SSL 3.0/Server Enabled: 1 -> 0" in drift.stdout
    assert "1 host(s) drifted from the settings: ms002" in drift.stdout
    assert reg.get_dword(SSL3_SERVER, "Enabled") == 1  # a check writes nothing

    relaxed = pair.run("drift", schannel_fail_on_drift=False)
    assert relaxed.returncode == 0, relaxed.output
    assert relaxed.status()["ms002"] == "drifted"

    pair.fleet.control.set_fault("ms001", "down")
    down = pair.run("drift", schannel_fail_on_drift=False)
    assert down.returncode == 4, down.output
    assert down.status() == {"ms001": "unreachable", "ms002": "drifted"}
    assert "cannot reach the WinRM service" in down.results["ms001"]["errors"][0]["message"]


def test_a_host_that_needs_no_change_is_not_rebooted(pair: Playbooks):
    assert pair.run("harden", "--limit", "ms001").returncode == 0
    boots = pair.boots()
    both = pair.run("harden")
    assert both.returncode == 0, both.output
    assert both.status() == {"ms001": "compliant", "ms002": "changed"}
    assert pair.boots() == {"ms001": boots["ms001"], "ms002": boots["ms002"] + 1}
    assert both.results["ms001"]["reboot"]["performed"] is False


def test_reboot_never_leaves_reboot_pending_visible_until_a_reboot(pair: Playbooks):
    boots = pair.boots()
    applied = pair.run("harden", schannel_reboot="never")
    assert applied.returncode == 0, applied.output
    assert set(applied.status().values()) == {"reboot_pending"}
    assert pair.boots() == boots
    assert all(r["reboot"] == {"required": True, "pending": True, "performed": False, "elapsed": None,
                               "pending_by": {"playbook": "harden", "run_id": r["run_id"]}}
               for r in applied.results.values())

    # Nothing left to write, but Schannel still runs on the old settings: not compliant, in drift as in compliance
    # (whose TLS scan sees the old settings), with the same exit code and status.
    check = pair.run("drift")
    assert check.returncode == 2, check.output
    assert set(check.status().values()) == {"reboot_pending"}
    assert "applied, reboot pending: the settings are written but Schannel reads them at boot" in check.stdout
    assert "2 host(s) reboot pending: ms001, ms002" in check.stdout
    # the command that reboots them, ready to copy: the run's inventory and profile, the hosts
    assert "reboot with `ansible-playbook -i %s fleetsec.schannel.harden -e schannel_profile=recommended -e " \
        "schannel_reboot=auto -l ms001,ms002`" % pair.fleet.inventory in check.stdout, check.stdout[-3000:]
    compliance = pair.run("compliance")
    assert compliance.returncode == 2, compliance.output
    assert set(compliance.status().values()) == {"reboot_pending"}, compliance.output
    for host, record in compliance.results.items():
        tls = record["verification"]["tls"]
        assert record["errors"] == [], (host, record["errors"])
        assert tls["verdict"] == "fail", (host, tls)
        assert tls["before_reboot"] is True, (host, tls)  # what runs until the reboot
    assert "TLS scan, of the settings that run until the reboot: verdict fail" in compliance.stdout
    assert "2 host(s) reboot pending: ms001, ms002" in compliance.stdout
    assert "failed" not in compliance.results["ms001"]["status"]
    assert pair.run("drift", schannel_fail_on_drift=False).returncode == 0  # reported, not failed, as drift is
    assert pair.run("harden", schannel_reboot="never").status() == {"ms001": "reboot_pending",
                                                                    "ms002": "reboot_pending"}

    rebooted = pair.run("harden")  # schannel_reboot: auto reboots for the reboot an earlier run left pending
    assert rebooted.returncode == 0, rebooted.output
    assert set(rebooted.status().values()) == {"compliant"}
    assert all(r["reboot"]["performed"] and not r["changes"] for r in rebooted.results.values())
    assert pair.boots() == {h: n + 1 for h, n in boots.items()}
    assert set(pair.run("drift").status().values()) == {"compliant"}


def test_an_iis_crypto_template_applies_instead_of_a_profile(pair: Playbooks):
    template = str(FIXTURES / "iiscrypto4x-tls12-http3.ictpl")
    applied = pair.run("harden", schannel_iiscrypto_template=template)
    assert applied.returncode == 0, applied.output
    record = applied.results["ms001"]
    assert record["template"] == template
    assert record["profile"] is None
    assert record["settings"]["protocols"]["TLS 1.0"] == "disabled"
    reg = registry(pair.fleet, "ms001")
    assert reg.get_dword(catalog.SCHANNEL_KEY + "\\Protocols\\TLS 1.0\\Server", "Enabled") == 0
    # The suite list is marked minimumOSVersion="Windows2022": on 2019 the template governs the order as `default`
    # (no policy, the OS default order), as on a fresh host.
    assert record["settings"]["cipher_suites"] == []
    assert reg.get_string(catalog.SUITE_POLICY_KEY, "Functions") is None
    on_2022 = applied.results["ms002"]["settings"]
    assert on_2022["cipher_suites"][0] == "TLS_AES_256_GCM_SHA384"
    assert registry(pair.fleet, "ms002").get_string(catalog.SUITE_POLICY_KEY, "Functions").startswith(
        "TLS_AES_256_GCM_SHA384,TLS_AES_128_GCM_SHA256,")
    assert record["settings_digest"] != applied.results["ms002"]["settings_digest"]
    assert drift_of(pair.fleet, "ms001", record["settings"]) == []
    assert drift_of(pair.fleet, "ms002", on_2022) == []
    assert set(pair.run("drift", schannel_iiscrypto_template=template).status().values()) == {"compliant"}
    # the profile is not what the hosts hold now
    assert set(pair.run("drift", schannel_fail_on_drift=False).status().values()) == {"drifted"}


def test_restore_brings_the_hosts_back_to_their_state_before_harden(pair: Playbooks):
    before = {h: drift_of(pair.fleet, h, profile("recommended")) for h in ("ms001", "ms002")}
    assert all(before.values())  # fresh hosts: the profile would change them
    harden = pair.run("harden")
    assert harden.returncode == 0, harden.output

    preview = pair.run("restore", "--check", "--diff")
    assert preview.returncode == 2, preview.output  # --check exits 2 when a host would change
    assert all(r["mode"] == "check" and r["drift"] for r in preview.results.values())
    assert drift_of(pair.fleet, "ms001", profile("recommended")) == []  # check mode restores nothing

    by_run = pair.run("restore", "--limit", "ms001", schannel_restore_run_id=harden.run_dir.name)
    assert by_run.returncode == 0, by_run.output
    assert by_run.results["ms001"]["status"] in ("changed", "reboot_pending")
    assert drift_of(pair.fleet, "ms001", profile("recommended")) == before["ms001"]

    latest = pair.run("restore", "--limit", "ms002")
    assert latest.returncode == 0, latest.output
    assert drift_of(pair.fleet, "ms002", profile("recommended")) == before["ms002"]


def _suite_list_over_1023() -> list[str]:
    names = [name for name in suites.SUITES if name.startswith("TLS_")]
    assert len(",".join(names)) > 1023
    return names


@pytest.mark.parametrize(("extra", "message"), [
    ({"schannel_profile": "hardest"}, "schannel_profile 'hardest' is not a known profile; choose one of:"),
    ({"schannel_iiscrypto_template": "BROKEN"}, "schannel_iiscrypto_template ("),
    ({"schannel_overrides": ["TLS 1.2"]}, "schannel_overrides"),
    ({"schannel_overrides": {"ciphers": "disabled"}}, "schannel_overrides.ciphers: "),
    ({"schannel_overrides": {"cipher_suites": _suite_list_over_1023()}}, "schannel_overrides.cipher_suites"),
])
def test_bad_input_fails_before_any_host_is_touched(pair: Playbooks, tmp_path, extra, message):
    if extra.get("schannel_iiscrypto_template") == "BROKEN":
        broken = tmp_path / "broken.ictpl"
        broken.write_text("<iisCryptoTemplate version='3'><schannel>")
        extra = {"schannel_iiscrypto_template": str(broken)}
    pair.fleet.control.reset_counters()
    for playbook in ("harden", "drift"):
        run = pair.run(playbook, **extra)
        assert run.returncode == 2, run.output
        assert message in run.stdout, run.stdout
        assert run.results == {}
        assert set(pair.requests().values()) == {0}, "a host was contacted"


def test_a_suite_list_over_1023_characters_is_named_with_the_windows_version(pair: Playbooks):
    run = pair.run("harden", schannel_overrides={"cipher_suites": _suite_list_over_1023()})
    assert run.returncode == 2
    assert "on Windows Server 2008 R2: schannel_overrides.cipher_suites" in run.stdout


def test_compliance_verifies_by_tls_handshakes(pair: Playbooks):
    assert pair.run("harden").returncode == 0
    run = pair.run("compliance")
    assert run.returncode == 0, run.output
    for record in run.results.values():
        assert record["playbook"] == "compliance"
        assert record["mode"] == "check"
        assert record["status"] == "compliant"
        assert record["verification"]["tls"]["verdict"] == "pass"
        assert record["verification"]["tls"]["handshakes"] > 0
    report = run.run_dir / "report"
    assert sorted(p.name for p in report.iterdir()) == [
        "compliance-report.html", "compliance-report.json", "compliance-report.junit.xml"]
    assert "fleet report: %s" % (report / "compliance-report.html") in run.stdout


def test_a_required_client_cut_off_fails_before_any_host_is_touched(pair: Playbooks):
    pair.fleet.control.reset_counters()
    refused = pair.run("harden", schannel_required_clients=["windows_xp"])
    assert refused.returncode == 2, refused.output
    assert "windows_xp" in refused.stdout
    assert refused.results == {}
    assert set(pair.requests().values()) == {0}, "a host was contacted"

    allowed = pair.run("harden", schannel_required_clients=["windows_10", "chrome"], schannel_os_keys=["2019", "2022"])
    assert allowed.returncode == 0, allowed.output
    impact = allowed.results["ms001"]["verification"]["client_impact"]
    assert impact["required_cut_off"] == []
    assert {c["id"] for c in impact["clients"]} >= {"windows_10", "chrome"}


def test_each_play_of_one_run_records_its_own_run(pair: Playbooks):
    playbook = pair.work / "check-then-harden.yml"
    playbook.write_text("- ansible.builtin.import_playbook: fleetsec.schannel.drift\n"
                        "- ansible.builtin.import_playbook: fleetsec.schannel.harden\n")
    proc = subprocess.run(
        [str(ANSIBLE_PLAYBOOK), "-i", str(pair.fleet.inventory), str(playbook), "-e", json.dumps({
            "schannel_report_dir": str(pair.report_dir), "schannel_backup_dir": str(pair.backup_dir),
            "schannel_fail_on_drift": False})],
        cwd=pair.work, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    runs = sorted(pair.report_dir.iterdir())
    assert len(runs) == 2, runs
    statuses = [{p.stem: json.loads(p.read_text())["status"] for p in run.glob("*.json")} for run in runs]
    assert {tuple(sorted(set(s.values()))) for s in statuses} == {("drifted",), ("changed",)}
