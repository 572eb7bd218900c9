"""Paths administrators walk with the shipped playbooks that once went wrong: a host whose MailStore ports
accept no handshake passing its TLS verification, a verification that cannot see a change awaiting its reboot,
the summary of a host never reached, the messages of the pre-flight checks, a --limit that matches no host."""

from __future__ import annotations

import re

import yaml

from tests.winsim.fleet import Fleet

from .conftest import Playbooks


def test_an_ecdsa_host_whose_ports_accept_no_handshake_fails_verification_and_compliance(tmp_path):
    """recommended enables only RSA suites; a host whose certificate is ECDSA completes no handshake at all on the
    MailStore ports: harden with verification fails that host (named, with the likely cause), compliance too."""
    with Fleet(tmp_path / "fleet", hosts=2, os_mix=("2019",), first_ip="127.20.90.1", reboot_seconds=0.2,
               host_options=("ms002=certificate:ecdsa",)) as fleet:
        playbooks = Playbooks(fleet, tmp_path)
        harden = playbooks.run("harden", schannel_verify_tls=True, schannel_max_fail_percentage=100)
        assert harden.returncode == 2, harden.output[-3000:]
        assert harden.status() == {"ms001": "changed", "ms002": "failed"}
        tls = harden.results["ms002"]["verification"]["tls"]
        assert tls["verdict"] == "fail"
        no_handshake = [f for f in tls["findings"] if f["id"] == "NO_HANDSHAKE"]
        assert sorted(f["port"] for f in no_handshake) == [8460, 8462, 8463]
        assert {f["severity"] for f in no_handshake} == {"high"}
        assert "port 8460 answers TCP but accepts no TLS handshake" in harden.stdout
        assert "whose key is RSA" in harden.stdout

        compliance = playbooks.run("compliance")
        assert compliance.returncode == 2, compliance.output[-3000:]
        assert compliance.status() == {"ms001": "compliant", "ms002": "failed"}
        assert "accepts no TLS handshake" in compliance.stdout


def warnings_of(text: str) -> list[str]:
    return re.findall(r"^\[WARNING\]: (.*)$", text, flags=re.M)


def test_reboot_never_with_verification_defers_it_instead_of_failing_the_hosts(pair: Playbooks):
    """The scan before the reboot would judge the old settings: the hosts are reboot_pending (not failed), the
    rollout goes on to every batch, the result and the summary say the verification waits for the reboot, one
    warning names the hosts, exit 0; after the reboot, compliance verifies."""
    applied = pair.run("harden", schannel_reboot="never", schannel_verify_tls=True)
    assert applied.returncode == 0, applied.output[-3000:]
    assert applied.status() == {"ms001": "reboot_pending", "ms002": "reboot_pending"}
    for record in applied.results.values():
        assert record["errors"] == []
        assert record["verification"]["tls"] is None
        assert record["verification"]["tls_deferred"].startswith("not verified: a reboot is pending")
    assert applied.stdout.count("TLS verification deferred, not verified: a reboot is pending") == 2
    deferred = [w for w in warnings_of(applied.output) if w.startswith("TLS verification deferred")]
    assert deferred == ["TLS verification deferred on 2 host(s): ms001, ms002; a reboot is pending there "
                        "(schannel_reboot=never) and Schannel runs the new settings only after it, so the run's "
                        "exit code does not say they are verified: run fleetsec.schannel.compliance after "
                        "rebooting them"], warnings_of(applied.output)

    rebooted = pair.run("harden")  # reboots for the pending change
    assert rebooted.returncode == 0, rebooted.output[-3000:]
    compliance = pair.run("compliance")
    assert compliance.returncode == 0, compliance.output[-3000:]
    assert {r["verification"]["tls"]["verdict"] for r in compliance.results.values()} == {"pass"}


def test_a_required_client_refused_on_a_version_the_fleet_lacks_names_the_variables_to_fix(pair: Playbooks):
    """recommended cuts Firefox off on 2008 R2 only: with schannel_os_keys at its default the 2019/2022 pair is
    refused for a version it does not have; the message names schannel_required_clients and schannel_os_keys, and
    narrowing schannel_os_keys lets the run go on."""
    refused = pair.run("drift", schannel_required_clients=["firefox"])
    assert refused.returncode == 2, refused.output[-3000:]
    assert refused.results == {}
    assert "would cut off required client firefox" in refused.stdout
    assert "on Windows Server 2008 R2" in refused.stdout
    assert "remove them from schannel_required_clients" in refused.stdout
    assert "set schannel_os_keys to the versions it has" in refused.stdout
    assert not re.search(r"(?<!schannel_)required_clients", refused.stdout)

    narrowed = pair.run("drift", schannel_required_clients=["firefox"], schannel_os_keys=["2019", "2022"])
    assert narrowed.returncode == 2, narrowed.output[-3000:]  # fresh hosts drift; nothing refused
    assert narrowed.status() == {"ms001": "drifted", "ms002": "drifted"}


def test_enabled_but_unusable_warnings_name_their_windows_version(pair: Playbooks):
    """Ansible shows a warning text once per run: the TLS 1.0/1.1 warning of recommended names the version it is
    about, so the 2019 host's and the 2022 host's are both shown, and each once."""
    drift = pair.run("drift")
    warnings = warnings_of(drift.output)
    for version in ("Windows Server 2019", "Windows Server 2022"):
        for protocol in ("TLS 1.0", "TLS 1.1"):
            said = [w for w in warnings if "%s connections will fail on %s." % (protocol, version) in w]
            assert len(said) == 1, (protocol, version, warnings)


def test_unreachable_and_drifted_hosts_exit_4_and_the_summary_lists_both(pair: Playbooks):
    """ansible-core's rule (StrategyBase.run): unreachable hosts give 4 before failed ones give 2. The summary
    says every host's status, and of a host never reached that what it would change is unknown."""
    pair.fleet.control.set_fault("ms001", "down")
    drift = pair.run("drift")
    assert drift.returncode == 4, drift.output[-3000:]
    assert drift.status() == {"ms001": "unreachable", "ms002": "drifted"}
    assert "2 host(s): 1 drifted, 1 unreachable" in drift.stdout
    assert "ms001: unreachable (Windows version unknown; values to change unknown: host not reached)" in drift.stdout
    assert re.search(r"ms002: drifted \(Microsoft Windows Server 2022 \w+; \d+ value\(s\) to change\)", drift.stdout)
    assert "1 host(s) drifted from the settings: ms002" in drift.stdout


def test_a_limit_that_matches_no_host_of_the_play_runs_no_play(pair: Playbooks):
    """ansible-playbook's own answers (README, exit codes), before the role runs, so no summary and no result
    file: exit 1 when the limit matches no host of the inventory, exit 0 with "skipping: no hosts matched" when it
    matches only hosts outside the play's group."""
    run = pair.run("drift", "--limit", "nosuchhost")
    assert run.returncode == 1, run.output[-3000:]
    assert "--limit leaves us with no hosts to target" in run.output
    assert run.results == {}
    assert "host(s):" not in run.stdout

    inventory = yaml.safe_load(pair.fleet.inventory.read_text())
    inventory["all"]["children"]["elsewhere"] = {"hosts": {"web01": {"ansible_connection": "local"}}}
    pair.fleet.inventory.write_text(yaml.safe_dump(inventory))
    run = pair.run("drift", "--limit", "web01")
    assert run.returncode == 0, run.output[-3000:]
    assert "skipping: no hosts matched" in run.stdout
    assert run.results == {}
    assert "host(s):" not in run.stdout


def test_recommended_original_removes_the_fips_value_a_fresh_host_ships_with(pair: Playbooks):
    """As the README says: "OS default" removes the policy value, so a fresh host's Enabled=0 goes (FIPS stays off)."""
    drift = pair.run("drift", schannel_profile="recommended_original")
    assert drift.returncode == 2, drift.output[-3000:]
    fips = [c for c in drift.results["ms001"]["drift"] if c["key"].endswith("\\Lsa\\FipsAlgorithmPolicy")]
    assert [(c["name"], c["before"], c["after"]) for c in fips] == [("Enabled", 0, None)]
