"""win_schannel, win_schannel_info and win_schannel_restore through ansible-playbook against simulated hosts of
several Windows versions: convergence, check mode, --diff, backups and restore, cost on the wire.

Loopback block 127.20.8.x (tests/sim/conftest.py lists the others).
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils.regfile import decode_reg, parse_reg
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import RegValue
from tests.profiles import profile
from tests.sim.module_runner import host_registry, recap, result, run_playbook, write_playbook
from tests.support.registry_state import RegistryState, apply_reg_ops
from tests.winsim.fleet import Fleet

OS_MIX = ("2012r2", "2016", "2019", "2022")
HOSTS = ("ms001", "ms002", "ms003", "ms004")
MARKER_KEY = r"software\fleetsec\schannel"


def without_marker(registry: dict) -> dict:
    return {k: v for k, v in registry.items() if not k.startswith(r"software\fleetsec")}


def harden_task(backup_dir: Path, **extra) -> dict:
    return {"name": "harden", "fleetsec.schannel.win_schannel": {**profile("recommended"),
                                                                 "backup_dir": str(backup_dir), **extra}}


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """One fleet taken through check, apply, re-apply; what each step returned and what the hosts held."""
    tmp = tmp_path_factory.mktemp("module-schannel")
    with Fleet(tmp / "fleet", hosts=4, os_mix=OS_MIX, first_ip="127.20.8.1") as fleet:
        backups = tmp / "backups"
        playbook = write_playbook(tmp / "harden.yml", [harden_task(backups)])
        steps = {}
        fresh = {h: host_registry(fleet, h) for h in HOSTS}
        for step, args in (("check", ("--check", "--diff")), ("apply", ("--diff",)), ("again", ())):
            fleet.control.reset_counters()
            proc = run_playbook(fleet.inventory, playbook, tmp / step, *args)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            steps[step] = {"proc": proc, "recap": recap(proc.stdout),
                           "results": {h: result(tmp / step, h) for h in HOSTS},
                           "registry": {h: host_registry(fleet, h) for h in HOSTS},
                           "counters": {h: fleet.control.counters(h) for h in HOSTS}}
        yield {"fleet": fleet, "tmp": tmp, "backups": backups, "fresh": fresh, **steps}


def test_check_mode_reports_the_drift_and_writes_nothing(story):
    check = story["check"]
    for host in HOSTS:
        res = check["results"][host]
        assert res["changed"] is True
        assert res["changes"], host
        assert res["backup_file"] is None
        assert res["readback"] is None
        assert res["reboot_required"] is True
        assert check["registry"][host] == story["fresh"][host]  # the simulator's registry is unchanged
        assert not any(m.startswith(("StdRegProv.Set", "StdRegProv.Create", "StdRegProv.Delete"))
                       for m in check["counters"][host]["methods"])
    # --diff prints the changed values under their keys
    assert "+\"Enabled\"=dword:00000000" in check["proc"].stdout
    assert "Protocols\\SSL 3.0\\Server]" in check["proc"].stdout


def test_apply_converges_in_one_run_with_the_changes_check_mode_announced(story):
    for host in HOSTS:
        checked, applied = story["check"]["results"][host], story["apply"]["results"][host]
        assert applied["changed"] is True
        assert applied["changes"] == checked["changes"]
        assert applied["readback"] == {"ok": True, "differences": []}
        assert applied["reboot_pending"] is True
        assert applied["os"]["key"] == OS_MIX[HOSTS.index(host)]
        again = story["again"]["results"][host]
        assert again["changed"] is False
        assert again["changes"] == []
        assert again["backup_file"] is None
        assert again["reboot_pending"] is True  # marker from the apply run, same boot
        assert story["again"]["registry"][host] == story["apply"]["registry"][host]
    assert all(r["changed"] == 0 for r in story["again"]["recap"].values())


def test_a_pending_reboot_is_a_change_only_when_asked_and_applied(story):
    """pending_reboot_is_change: nothing left to write, the apply run's reboot still pending (same boot)."""
    fleet, tmp = story["fleet"], story["tmp"]
    playbook = write_playbook(tmp / "pending.yml", [harden_task(story["backups"], pending_reboot_is_change=True)])
    outcomes = {}
    for step, args in (("pending-check", ("--check",)), ("pending-apply", ())):
        proc = run_playbook(fleet.inventory, playbook, tmp / step, *args)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        outcomes[step] = {h: result(tmp / step, h) for h in HOSTS}
    for host in HOSTS:
        assert outcomes["pending-apply"][host]["changes"] == []
        assert outcomes["pending-apply"][host]["reboot_pending"] is True
        assert outcomes["pending-apply"][host]["changed"] is True
        assert outcomes["pending-check"][host]["changed"] is False  # check mode: nothing it would do
        assert host_registry(fleet, host) == story["again"]["registry"][host]  # and nothing was written


def test_settings_by_os_takes_the_host_s_entry_and_fails_a_version_without_one(story):
    """settings_by_os (an IIS Crypto template rendered per version): 2012 R2 has no entry and fails, writing
    nothing; the others are judged by their own entry (the story's hosts hold recommended, so that is compliant)."""
    fleet, tmp = story["fleet"], story["tmp"]
    recommended = profile("recommended")
    by_os = {os_key: recommended for os_key in ("2016", "2019", "2022")}
    options = {"settings_by_os": by_os, "backup_dir": str(story["backups"])}
    task = {"name": "by version", "fleetsec.schannel.win_schannel": options}
    proc = run_playbook(fleet.inventory, write_playbook(tmp / "by-os.yml", [task]), tmp / "by-os", "--check")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    failed = result(tmp / "by-os", "ms001")
    assert failed["error"]["code"] == "settings-by-os"
    assert "settings_by_os has no entry for Windows Server 2012 R2 (2012r2)" in failed["msg"]
    assert host_registry(fleet, "ms001") == story["again"]["registry"]["ms001"]
    for host in ("ms002", "ms003", "ms004"):
        assert result(tmp / "by-os", host)["changes"] == [], host


def test_calls_are_at_the_floor(story):
    for host in HOSTS:
        check = story["check"]["results"][host]["calls"]
        again = story["again"]["results"][host]["calls"]
        managed = sum(v for k, v in again["by_operation"].items() if k.startswith("Get")) - 1  # minus the marker
        assert again["total"] <= managed + 3, again
        assert check["total"] < managed, check
        # what the module counts is what the host served
        assert again["total"] == story["again"]["counters"][host]["wsman_calls"]
        applied = story["apply"]["results"][host]
        calls = applied["calls"]["by_operation"]
        writes = sum(v for k, v in calls.items() if k.startswith(("Set", "Delete")))
        assert writes == len(applied["changes"]) + 1  # each change once, plus the reboot marker


def test_backup_pair_is_private_time_named_and_only_written_on_change(story):
    for host in HOSTS:
        path = Path(story["apply"]["results"][host]["backup_file"])
        assert path.parent == story["backups"] / host
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        reg = path.with_suffix(".reg")
        for file in (path, reg):
            assert stat.S_IMODE(file.stat().st_mode) == 0o600
        assert sorted(p.name for p in path.parent.iterdir()) == sorted([reg.name, path.name])  # none from the no-op run
        assert path.stem[:8].isdigit()
        assert path.stem.endswith("Z")


def _state_of(registry: dict) -> RegistryState:
    state = RegistryState()
    for key, values in registry.items():
        state.create_key(key)
        for name, (reg_type, data) in values.items():
            state.set_value(RegValue(key, name, reg_type, bytes(data) if reg_type == 3 else data))
    return state


def test_reg_backup_brings_back_the_prior_values(story):
    for host in HOSTS:
        path = Path(story["apply"]["results"][host]["backup_file"]).with_suffix(".reg")
        ops = parse_reg(decode_reg(path.read_bytes()))
        restored = apply_reg_ops(ops, _state_of(without_marker(story["apply"]["registry"][host])))
        fresh = _state_of(story["fresh"][host])
        assert restored.content() == fresh.content()
        # keys the change created are deleted again, except parents left empty on purpose (regfile.backup_ops)
        assert_only_empty_extra_keys(restored, fresh, story["apply"]["results"][host]["changes"])


def assert_only_empty_extra_keys(restored: RegistryState, fresh: RegistryState, changes: list[dict]) -> None:
    """The leaf keys a change created are gone; what is left over is empty parents (regfile.backup_ops)."""
    extra = restored.keys() - fresh.keys()
    assert not [kid for kid, _name in restored.content() if kid in extra]
    created = {c["key"][5:].casefold() for c in changes} - fresh.keys()
    assert created
    assert not created & restored.keys()


def test_info_reports_the_hardened_state_in_option_shape(story):
    fleet, tmp = story["fleet"], story["tmp"]
    playbook = write_playbook(tmp / "info.yml", [{"name": "info", "fleetsec.schannel.win_schannel_info": {}}])
    proc = run_playbook(fleet.inventory, playbook, tmp / "info")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for host in HOSTS:
        info = result(tmp / "info", host)
        assert info["changed"] is False
        assert info["state"]["protocols"]["SSL 3.0"] == {"server": "disabled", "client": "disabled"}
        assert info["state"]["protocols"]["TLS 1.2"] == {"server": "enabled", "client": "enabled"}
        assert info["state"]["ciphers"]["RC4 128/128"] == "disabled"
        assert info["reboot_pending"] is True
        assert {"key", "name", "type", "data"} == set(info["values"][0])
        assert info["raw_values"] == info["values"]
        assert info["calls"]["total"] < 120


def test_info_returns_every_option_it_reads(story):
    """The .NET values of the profile come back under both their options: SystemDefaultTlsVersions was read and
    computed, then dropped, while win_schannel_info kept a second registry-to-option map of its own."""
    fleet, tmp = story["fleet"], story["tmp"]
    tasks = [{"name": "all", "fleetsec.schannel.win_schannel_info": {}},
             {"name": "one", "fleetsec.schannel.win_schannel_info": {
                 "settings": ["dotnet_system_default_tls_versions"]}}]
    playbook = write_playbook(tmp / "info-dotnet.yml", tasks)
    proc = run_playbook(fleet.inventory, playbook, tmp / "info-dotnet")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for host in HOSTS:
        state = result(tmp / "info-dotnet", host)["state"]
        assert state == {"dotnet_system_default_tls_versions": True}
        assert {v["name"] for v in result(tmp / "info-dotnet", host)["values"]} == {"SystemDefaultTlsVersions"}
    proc = run_playbook(fleet.inventory, write_playbook(tmp / "info-all.yml", tasks[:1]), tmp / "info-all")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for host in HOSTS:
        state = result(tmp / "info-all", host)["state"]
        assert state["dotnet_system_default_tls_versions"] is True
        assert state["dotnet_strong_crypto"] is True
        assert set(state) == {"protocols", "ciphers", "hashes", "key_exchanges", "cipher_suites", "ecc_curves",
                              "dh_min_key_bits", "dotnet_strong_crypto", "dotnet_system_default_tls_versions",
                              "winhttp_secure_protocols", "fips_algorithm_policy"}


def test_restore_puts_back_the_prior_state_and_is_idempotent(story):
    fleet, tmp = story["fleet"], story["tmp"]
    tasks = [{"name": "restore", "fleetsec.schannel.win_schannel_restore": {
        "backup_file": "{{ lookup('ansible.builtin.fileglob', '%s/' + inventory_hostname + '/*.json') }}"
        % story["backups"]}}]
    playbook = write_playbook(tmp / "restore.yml", tasks)
    hardened = {h: host_registry(fleet, h) for h in HOSTS}
    proc = run_playbook(fleet.inventory, playbook, tmp / "restore-check", "--check", "--diff")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for host in HOSTS:
        assert result(tmp / "restore-check", host)["changed"] is True
        assert host_registry(fleet, host) == hardened[host]
    proc = run_playbook(fleet.inventory, playbook, tmp / "restore")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for host in HOSTS:
        res = result(tmp / "restore", host)
        assert res["changed"] is True
        assert res["reboot_required"] is True
        now = _state_of(without_marker(host_registry(fleet, host)))
        fresh = _state_of(story["fresh"][host])
        assert now.content() == fresh.content(), host
        assert_only_empty_extra_keys(now, fresh, story["apply"]["results"][host]["changes"])
    proc = run_playbook(fleet.inventory, playbook, tmp / "restore-again")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert all(not result(tmp / "restore-again", h)["changed"] for h in HOSTS)


def test_backup_json_names_its_host_and_restore_refuses_another(story):
    fleet, tmp = story["fleet"], story["tmp"]
    other = Path(story["apply"]["results"]["ms001"]["backup_file"])
    assert json.loads(other.read_text())["host"] == "ms001"
    playbook = write_playbook(tmp / "restore-other.yml", [{"name": "restore", "fleetsec.schannel.win_schannel_restore":
                                                           {"backup_file": str(other)}}], hosts="ms002")
    proc = run_playbook(fleet.inventory, playbook, tmp / "restore-other")
    assert proc.returncode == 2
    assert "was written for host 'ms001', not 'ms002'" in result(tmp / "restore-other", "ms002")["msg"]
