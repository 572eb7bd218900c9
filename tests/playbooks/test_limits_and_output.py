"""The playbooks as operators and AWX run them: with --limit (the summary, the result files, the fleet report and
the exit code survive it), and with output a person reads (each warning once, naming the versions and hosts it
concerns; bad input said once; client display names accepted)."""

from __future__ import annotations

import re
import subprocess

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.stdregprov import StdRegProv
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.winrm_protocol import client_for_protocol

from .conftest import ANSIBLE_PLAYBOOK, Playbooks

SSL3_SERVER = catalog.SCHANNEL_KEY + "\\Protocols\\SSL 3.0\\Server"


def warnings_of(text: str) -> list[str]:
    return re.findall(r"^\[WARNING\]: (.*)$", text, flags=re.M)


@pytest.mark.parametrize("limit", ["ms002", "mailstore:!ms001,~ms00[2-3]"])
def test_drift_and_compliance_limited_to_a_drifted_host_exit_2_and_report(pair: Playbooks, limit: str):
    """A limit leaves localhost out (AWX's limits too: patterns, exclusions, lists with hosts of other inventories);
    the run still closes on the controller."""
    assert pair.run("harden").returncode == 0
    StdRegProv(client_for_protocol(pair.fleet.protocol("ms002"))).set_dword(SSL3_SERVER, "Enabled", 1)

    drift = pair.run("drift", "--limit", limit)
    assert drift.returncode == 2, drift.output[-3000:]
    assert drift.status() == {"ms002": "drifted"}
    assert "1 host(s) drifted from the settings: ms002" in drift.stdout
    assert "Protocols/SSL 3.0/Server Enabled: 1 -> 0" in drift.stdout
    assert "no hosts matched" not in drift.output

    compliance = pair.run("compliance", "--limit", limit, schannel_fail_on_drift=True)
    assert compliance.returncode == 2, compliance.output[-3000:]
    assert compliance.status() == {"ms002": "drifted"}
    assert (compliance.run_dir / "report" / "compliance-report.html").is_file()
    assert "fleet report: " in compliance.stdout


def test_a_limited_run_whose_only_host_is_down_still_closes_with_exit_4(pair: Playbooks):
    pair.fleet.control.set_fault("ms001", "down")
    drift = pair.run("drift", "-l", "ms001")
    assert drift.returncode == 4, drift.output[-3000:]
    assert drift.status() == {"ms001": "unreachable"}
    assert "1 host(s): 1 unreachable" in drift.stdout
    assert "1 host(s) could not be reached or authenticated: ms001" in drift.stdout


def test_default_drift_on_a_mixed_fleet_says_each_warning_once(six: Playbooks):
    drift = six.run("drift")
    assert drift.returncode == 2, drift.output[-3000:]
    warnings = warnings_of(drift.output)
    assert warnings, drift.output[-3000:]
    assert len(warnings) == len(set(warnings)), [w for w in warnings if warnings.count(w) > 1]
    impact = [w for w in warnings if w.startswith("applying `recommended` on")]
    # one warning per distinct set of clients cut off, each naming its versions and their hosts
    cut_sets = {w.split(" cuts off: ", 1)[1] for w in impact}
    assert len(impact) == len(cut_sets)
    named = " ".join(impact)
    for host, record in drift.results.items():
        assert "%s (%s)" % (catalog.os_label(record["os"]["key"]), host) in named, (host, impact)


def test_client_impact_warns_only_for_the_versions_the_hosts_have(pair: Playbooks):
    drift = pair.run("drift")
    impact = [w for w in warnings_of(drift.output) if w.startswith("applying `recommended` on")]
    assert impact == [impact[0]]
    assert impact[0].startswith("applying `recommended` on Windows Server 2019 (ms001), Windows Server 2022 (ms002) "
                                "cuts off: Windows XP SP3 (Schannel) (needs RC4 or 3DES)")
    assert "2008 R2" not in impact[0]


def test_a_bad_required_client_is_said_once_and_display_names_are_ids(pair: Playbooks):
    bad = pair.run("drift", schannel_required_clients=["Windows XPP"])
    assert bad.returncode == 2
    assert bad.results == {}  # refused before any host was read: no result file
    assert len(re.findall(r"^failed: .*unknown client 'Windows XPP'", bad.stdout, flags=re.M)) == 1, bad.stdout

    refused = pair.run("drift", schannel_required_clients=["Windows XP"])  # the display name, shortened
    assert refused.returncode == 2
    lines = re.findall(r"^failed: .*would cut off required client windows_xp", refused.stdout, flags=re.M)
    assert len(lines) == 1, refused.stdout


def test_an_unparsable_command_line_exits_2_as_documented(tmp_path):
    """ansible-playbook's argument parser answers an unknown option before any play: exit 2 and its usage
    (docs/real-servers.md, exit codes)."""
    proc = subprocess.run([str(ANSIBLE_PLAYBOOK), "--bogus", "fleetsec.schannel.drift"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert "unrecognized arguments: --bogus" in proc.stderr
