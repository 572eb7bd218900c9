"""client_impact through ansible-playbook against simulated hosts of every Windows version: the prediction for
`recommended`, `xp_compatible` and `modern`, each proven by every client's own ClientHello on the hosts' MailStore
ports after the profile was written over WinRM and the hosts rebooted; and a required client that a profile would
cut off stopping the play before the host is contacted at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.clients import CLIENTS
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.handshake import offer
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.client_impact.impact import (
    ImpactOptions,
    run_client_impact,
)
from tests.profiles import profile
from tests.sim.hardening import harden_and_reboot
from tests.sim.test_ansible_playbook import recap
from tests.winsim.fleet import REPO_ROOT, Fleet

HERE = Path(__file__).parent
OS_KEYS = catalog.OS_KEYS
HOSTS = {os_key: "ms%03d" % (i + 1) for i, os_key in enumerate(OS_KEYS)}
# ECDHE_ECDSA suites a fresh host of every version enables by default (Windows 7 to Server 2025 suite tables).
ECDSA_ONLY = (0xC02C, 0xC02B, 0xC00A, 0xC009)


@pytest.fixture(scope="module")
def impact_fleet(tmp_path_factory):
    with Fleet(tmp_path_factory.mktemp("impact-fleet"), hosts=len(OS_KEYS), os_mix=OS_KEYS,
               first_ip="127.20.12.1", reboot_seconds=0.5) as fleet:
        yield fleet


@pytest.fixture(scope="module")
def certificates(impact_fleet):
    """The certificate types the simulated hosts present, asked on the wire of a fresh host (an ECDSA-only hello is
    accepted only by a host with an ECDSA certificate), so the prediction is made for the host as it is."""
    host = impact_fleet.host(HOSTS["2019"])
    outcome = offer(host.ip, 8462, ["TLS 1.0", "TLS 1.1", "TLS 1.2"], ECDSA_ONLY)
    return ["RSA", "ECDSA"] if outcome.accepted else ["RSA"]


PlaybookRun = tuple[subprocess.CompletedProcess, dict[str, dict]]


def run_playbook(fleet: Fleet, tmp: Path, playbook: str, variables: dict) -> PlaybookRun:
    """ansible-playbook tests/sim/playbooks/<playbook>; (process, each host's last task result from the tree)."""
    tree = tmp / "tree"
    (tmp / "vars.json").write_text(json.dumps(variables))
    env = {
        **os.environ,
        "ANSIBLE_ACTION_PLUGINS": str(HERE / "plugins" / "action"),
        "ANSIBLE_CALLBACKS_ENABLED": "tree",
        "ANSIBLE_CALLBACK_TREE_DIR": str(tree),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORKS": "6",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-tmp"),
    }
    ansible = Path(sys.executable).parent / "ansible-playbook"
    proc = subprocess.run([str(ansible), "-i", str(fleet.inventory), str(HERE / "playbooks" / playbook),
                           "-e", "@" + str(tmp / "vars.json")],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    results = {path.name: json.loads(path.read_text()) for path in tree.glob("ms*")} if tree.exists() else {}
    return proc, results


@pytest.fixture(scope="module")
def proven(impact_fleet, certificates, tmp_path_factory):
    """Per profile, every host hardened to it and rebooted, then client_impact with prove: {os: result}."""
    def run(profile_name: str) -> dict[str, dict]:
        for name in HOSTS.values():
            harden_and_reboot(impact_fleet, name, profile_name)
        proc, results = run_playbook(impact_fleet, tmp_path_factory.mktemp(profile_name), "client_impact.yml", {
            "impact_settings": profile(profile_name), "impact_certificates": certificates, "impact_ports": [8462]})
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return {os_key: results[name] for os_key, name in HOSTS.items()}

    cache: dict[str, dict[str, dict]] = {}

    def get(profile_name: str) -> dict[str, dict]:
        if profile_name not in cache:
            cache[profile_name] = run(profile_name)
        return cache[profile_name]

    return get


def outcomes(result: dict) -> dict[str, dict]:
    return {c["id"]: c for c in result["clients"]}


@pytest.mark.parametrize("profile_name", ["recommended", "xp_compatible", "modern"])
def test_every_prediction_agrees_with_the_real_handshake(proven, profile_name):
    for os_key, result in proven(profile_name).items():
        assert result["disagreements"] == [], (os_key, result["disagreements"])
        seen = result["proof"]["8462"]
        assert set(seen) == set(CLIENTS)
        for client in result["clients"]:
            observed = seen[client["id"]]
            assert observed["agrees"] is True
            assert observed["connects"] == client["connects"], (os_key, client["id"])
            if client["connects"]:
                assert (observed["protocol"], observed["suite"]) == (client["protocol"], client["suite"])


def test_recommended_cuts_off_xp_on_every_version_and_windows_7_depends_on_tls12(proven):
    for os_key, result in proven("recommended").items():
        clients = outcomes(result)
        assert (clients["windows_xp"]["connects"], clients["windows_xp"]["reason"]) == (False, "needs RC4 or 3DES")
        assert (clients["windows_7"]["connects"], clients["windows_7"]["reason"]) == (False, "no common suite")
        assert (clients["windows_7_tls12"]["connects"], clients["windows_7_tls12"]["protocol"]) == (True, "TLS 1.2")
        assert "windows_xp" in result["cut_off"]
        # The seed's suite stays first: every client that offers it gets it.
        assert clients["windows_10"]["suite"] == "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", os_key
        # Current browsers: over ECDHE_RSA AES-GCM where Windows has it (2016+); 7 / 8.1 tables have none.
        assert clients["chrome"]["connects"] is (os_key not in ("2008r2", "2012r2")), os_key
        assert result["summary"].startswith("applying these settings on %s cuts off: Windows XP SP3"
                                            % catalog.os_label(os_key))


def test_xp_compatible_lets_xp_in_on_every_version(proven):
    for os_key, result in proven("xp_compatible").items():
        xp = outcomes(result)["windows_xp"]
        assert (xp["connects"], xp["protocol"], xp["suite"]) == (True, "TLS 1.0", "TLS_RSA_WITH_RC4_128_SHA"), os_key
        assert result["proof"]["8462"]["windows_xp"]["connects"] is True
        assert result["cut_off"] == []


def test_modern_cuts_off_every_client_without_tls12_aead(proven):
    for os_key, result in proven("modern").items():
        clients = outcomes(result)
        for client_id in ("windows_xp", "windows_vista", "windows_7", "dotnet_legacy_win7"):
            assert (clients[client_id]["connects"], clients[client_id]["reason"]) == (False, "no common protocol")
        for client in clients.values():
            assert not client["connects"] or "_GCM_" in client["suite"], (os_key, client)
        assert clients["openssl_3"]["connects"] is True


def test_a_required_client_cut_off_stops_the_host_before_any_request(impact_fleet, tmp_path):
    fleet = impact_fleet
    fleet.control.reset_counters()
    proc, results = run_playbook(fleet, tmp_path, "client_impact_refusal.yml", {
        "impact_settings": profile("recommended"), "impact_required": ["windows_xp", "windows_10"]})
    assert proc.returncode != 0
    assert {h: (r["ok"], r["failed"]) for h, r in recap(proc.stdout).items()} == {
        name: (0, 1) for name in HOSTS.values()}
    for os_key, name in HOSTS.items():
        result = results[name]
        assert result["error"]["code"] == "required-client-cut-off"
        assert result["required_cut_off"] == ["windows_xp"]
        assert result["msg"].startswith("refused: these settings on %s would cut off required client windows_xp "
                                        "(needs RC4 or 3DES" % catalog.os_label(os_key))
        # client_impact runs on the controller: the host saw no request at all, so nothing can have been written.
        assert fleet.control.counters(name)["requests"] == 0


def test_required_clients_that_connect_let_the_play_go_on(impact_fleet, tmp_path):
    fleet = impact_fleet
    fleet.control.reset_counters()
    proc, results = run_playbook(fleet, tmp_path, "client_impact_refusal.yml", {
        "impact_settings": profile("xp_compatible"), "impact_required": ["windows_xp", "chrome"]})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in HOSTS.values():
        assert results[name]["value"] == 1  # the registry read after the pre-flight ran
        assert fleet.control.counters(name)["methods"]["StdRegProv.GetDWORDValue"] == 1


def test_a_host_that_differs_from_the_settings_is_a_disagreement(impact_fleet, certificates):
    # The host holds xp_compatible; the prediction is made for modern: XP is predicted cut off, yet connects.
    name = HOSTS["2019"]
    harden_and_reboot(impact_fleet, name, "xp_compatible")
    result = run_client_impact(ImpactOptions(
        settings=profile("modern"), os_key="2019", clients=["windows_xp"], certificates=certificates,
        host=impact_fleet.host(name).ip, ports=[8460], prove=True))
    assert "failed" not in result
    (disagreement,) = result["disagreements"]
    assert (disagreement["port"], disagreement["client"]) == (8460, "windows_xp")
    assert disagreement["message"] == (
        "Windows XP SP3 (Schannel) on port 8460: predicted cut off, the handshake connects with TLS 1.0 "
        "TLS_RSA_WITH_RC4_128_SHA")
    assert result["proof"]["8460"]["windows_xp"]["agrees"] is False
