"""Bad input, end to end through the playbooks: a clear error naming the field and the fix, and no host touched.

"No host touched" is proven by the simulator's counters: no WS-Man request at all reached any host for input the
play checks once on the controller, and no registry write for a restore file that is not ours.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.collection_path import ensure_collection_importable
from tests.fleet.conftest import Controller, output, writes
from tests.winsim.fleet import Fleet

ensure_collection_importable()

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog  # noqa: E402

MALFORMED_ICTPL = '<?xml version="1.0"?>\n<templateItems><templateItem><name>broken</templateItem>\n'
FOREIGN_REG = ("Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control"
               "\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0\\Server]\n\"Enabled\"=dword:00000000\n")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    with Fleet(tmp_path_factory.mktemp("bad-input"), hosts=2, os_mix=("2019", "2012r2"),
               first_ip="127.20.14.1") as running:
        yield running


def all_suites_of(os_key: str) -> list[str]:
    names = list(catalog.os_suite_names(os_key))
    assert len(",".join(names)) > catalog.SUITE_FUNCTIONS_MAX_CHARS
    return names


@pytest.mark.parametrize(("extra_vars", "words"), [
    ({"schannel_profile": "hardest"},
     ["schannel_profile 'hardest' is not a known profile; choose one of:", "recommended", "unknown-profile"]),
    ({"schannel_iiscrypto_template": "TEMPLATE"},
     ["malformed.ictpl): iisCryptoTemplate: not well-formed XML", "export the template again", "ictpl-xml"]),
    ({"schannel_overrides": {"cipher_suites": all_suites_of("2019")}},
     ["schannel_overrides.cipher_suites: the suite order is", "over the limit of 1,023 characters", "remove suites",
      "suite-order-too-long"]),
    ({"schannel_overrides": {"protocols": "TLS 1.2"}},
     ["schannel_overrides.protocols: must be a mapping", "got the string 'TLS 1.2'", "wrong-type"]),
    ({"schannel_overrides": {"dh_min_key_bits": {"server": "big"}}},
     ["schannel_overrides.dh_min_key_bits.server: the string 'big' is not a supported", "use 1024, 2048",
      "bad-key-size"]),
], ids=["unknown-profile", "malformed-ictpl", "suite-list-too-long", "protocols-not-a-dict", "dh-bits-not-int"])
def test_bad_settings_fail_before_any_host_is_contacted(fleet, tmp_path, extra_vars, words):
    controller = Controller(tmp_path)
    if extra_vars.get("schannel_iiscrypto_template") == "TEMPLATE":
        template = tmp_path / "malformed.ictpl"
        template.write_text(MALFORMED_ICTPL)
        extra_vars = {"schannel_iiscrypto_template": str(template)}
    fleet.control.reset_counters()
    proc = controller.run("fleetsec.schannel.harden", fleet.inventory, **extra_vars)
    assert proc.returncode != 0
    text = output(proc)
    for word in words:
        assert word in text, text[-3000:]
    assert fleet.control.counters()["totals"]["requests"] == 0


@pytest.mark.parametrize(("name", "content", "words"), [
    ("foreign.reg", FOREIGN_REG, ["backup_file", "foreign.reg cannot be read as JSON"]),
    ("foreign.json", json.dumps({"hosts": ["ms001"], "values": {}}),
     ["backup_file", "foreign.json is not a win_schannel backup"]),
    ("other-host.json", None, ["was written for host 'ms002', not 'ms001': restore it on that host"]),
], ids=["reg-file-not-ours", "json-not-ours", "backup-of-another-host"])
def test_a_restore_file_that_is_not_ours_writes_nothing(fleet, tmp_path, name, content, words):
    controller = Controller(tmp_path)
    path = tmp_path / name
    if content is None:  # a real backup, but of ms002, offered to ms001
        fleet.control.reset_counters()
        made = controller.run("fleetsec.schannel.harden", fleet.inventory, "--limit", "ms002",
                              schannel_reboot="never")
        assert made.returncode == 0, made.stdout[-3000:]
        path = controller.backups("ms002")[-1]
    else:
        path.write_text(content)
    fleet.control.reset_counters()
    proc = controller.run("fleetsec.schannel.restore", fleet.inventory, "--limit", "ms001",
                          schannel_restore_backup_file=str(path))
    assert proc.returncode != 0
    text = output(proc)
    for word in words:
        assert word in text, text[-3000:]
    assert writes(fleet.control.counters("ms001")) == 0


def inventory_with(fleet: Fleet, folder: Path, **host_vars) -> Path:
    """The fleet's inventory with ``host_vars`` set on ms002 alone (as an administrator's inventory would)."""
    data = yaml.safe_load(fleet.inventory.read_text())
    data["all"]["children"]["mailstore"]["hosts"]["ms002"] = {
        **(data["all"]["children"]["mailstore"]["hosts"]["ms002"] or {}), **host_vars}
    path = folder / "inventory.yml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("playbook", ["harden", "drift"])
def test_a_per_host_profile_is_refused_whatever_the_limit(fleet, tmp_path, playbook):
    """The role resolves the settings once per run: a per-host schannel_profile would be ignored (and the verdict
    would depend on --limit), so the run refuses it before any host is contacted, naming the host and the fix."""
    controller = Controller(tmp_path)
    path = inventory_with(fleet, tmp_path, schannel_profile="modern")
    fleet.control.reset_counters()
    for args in ((), ("--limit", "ms001,ms002")):
        proc = controller.run("fleetsec.schannel.%s" % playbook, path, *args)
        text = " ".join(output(proc).split())
        assert proc.returncode == 2, text[-3000:]
        assert "role variables set differently per host: schannel_profile: ms002 has 'modern', while the run " \
               "resolves 'recommended' for every host (from ms001)" in text, text[-3000:]
        assert "Set each for the whole play (-e, play vars, or group vars" in text
        assert "--limit <group> -e schannel_profile=..." in text
    assert fleet.control.counters()["totals"]["requests"] == 0
    # Alone, the host is its own run: its profile is the run's, and nothing is refused.
    alone = controller.run("fleetsec.schannel.drift", path, "--limit", "ms002")
    assert alone.returncode == 2, output(alone)[-3000:]
    assert "differently per host" not in output(alone), output(alone)[-3000:]
    assert controller.latest_results()["ms002"]["profile"] == "modern"
    # The same value for every host from -e (above the inventory) is one value: nothing to refuse.
    both = controller.run("fleetsec.schannel.drift", path, schannel_profile="modern")
    assert "differently per host" not in output(both)
    assert {r["profile"] for r in controller.latest_results().values()} == {"modern"}


def test_a_per_host_reboot_choice_is_allowed(fleet, tmp_path):
    controller = Controller(tmp_path)
    path = inventory_with(fleet, tmp_path, schannel_reboot="never", schannel_backup_dir=str(tmp_path / "b2"))
    proc = controller.run("fleetsec.schannel.drift", path)
    assert "differently per host" not in output(proc), output(proc)[-3000:]
    assert set(controller.latest_results()) == {"ms001", "ms002"}


@pytest.mark.parametrize("playbook", ["harden", "compliance"])
def test_a_misspelt_extra_var_is_refused_with_the_name_meant(fleet, tmp_path, playbook):
    controller = Controller(tmp_path)
    fleet.control.reset_counters()
    proc = controller.run("fleetsec.schannel.%s" % playbook, fleet.inventory, schannel_profle="modern",
                          schannel_whatever="x")
    text = " ".join(output(proc).split())
    assert proc.returncode == 2, text[-3000:]
    assert "unknown variables given as extra vars: schannel_profle (did you mean schannel_profile?), " \
           "schannel_whatever;" in text, text[-3000:]
    assert "roles/schannel/meta/argument_specs.yml" in text
    assert fleet.control.counters()["totals"]["requests"] == 0
    # the variables the playbooks read themselves are known (they are in the role's argument specs)
    known = controller.run("fleetsec.schannel.drift", fleet.inventory, schannel_hosts="mailstore",
                           schannel_serial=1, schannel_max_fail_percentage=0)
    assert "unknown variable" not in output(known), output(known)[-3000:]


@pytest.mark.parametrize(("playbook", "extra_vars", "words"), [
    ("harden", {"schannel_max_fail_percentage": "10x"},
     ["schannel_max_fail_percentage '10x' is not a percentage", "a number from 0 to 100"]),
    ("harden", {"schannel_max_fail_percentage": "abc"}, ["schannel_max_fail_percentage 'abc' is not a percentage"]),
    ("harden", {"schannel_serial": "abc"}, ["schannel_serial 'abc' is not a batch size", "20%"]),
    ("harden", {"schannel_serial": "150%"}, ["schannel_serial '150%' is not a batch size"]),
    ("restore", {"schannel_serial": "abc"}, ["schannel_serial 'abc' is not a batch size"]),
    ("restore", {"schannel_max_fail_percentage": "abc"}, ["schannel_max_fail_percentage 'abc' is not a percentage"]),
], ids=["harden-fail-pct-10x", "harden-fail-pct-abc", "harden-serial-abc", "harden-serial-150pct",
        "restore-serial-abc", "restore-fail-pct-abc"])
def test_bad_rollout_variables_are_refused_before_any_host_is_contacted(fleet, tmp_path, playbook, extra_vars, words):
    """A batch size or rollout guard Ansible (or the guard) cannot read is refused by name, exit 2, before the
    first batch is touched (not after it was written and rebooted, nor as an "Unexpected Exception")."""
    controller = Controller(tmp_path)
    fleet.control.reset_counters()
    proc = controller.run("fleetsec.schannel.%s" % playbook, fleet.inventory, **extra_vars)
    text = output(proc)
    assert proc.returncode == 2, text[-3000:]
    assert "Unexpected Exception" not in text
    for word in words:
        assert word in text, text[-3000:]
    assert fleet.control.counters()["totals"]["requests"] == 0


@pytest.mark.parametrize("extra_vars", [
    {"schannel_serial": [1, "50%"], "schannel_max_fail_percentage": "50%"},
    {"schannel_serial": 1, "schannel_max_fail_percentage": 12.5},
], ids=["list-and-percent-sign", "number-and-float"])
def test_what_ansible_reads_as_serial_and_max_fail_percentage_is_accepted(fleet, tmp_path, extra_vars):
    controller = Controller(tmp_path)
    proc = controller.run("fleetsec.schannel.harden", fleet.inventory, schannel_reboot="never", **extra_vars)
    assert proc.returncode == 0, output(proc)[-3000:]
    assert len(controller.latest_results()) == 2
