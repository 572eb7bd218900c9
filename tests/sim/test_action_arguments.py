"""Every action plugin checks its options one way: an unknown option or a wrong type fails the task with a message
naming the module and the option, before any work. The controller-only plugins through ansible-playbook, as an
administrator meets them (no simulated host is needed: they run on the controller)."""

from __future__ import annotations

import pytest

from tests.sim.module_runner import result, run_playbook, write_playbook


@pytest.mark.parametrize(("module", "args", "words"), [
    ("compliance_report", {"report_dir": "/nonexistent", "colour": "red"},
     "Unsupported parameters for (fleetsec.schannel.compliance_report) module: colour"),
    ("tls_scan", {"host": "192.0.2.1", "ports": "many"},
     "Invalid arguments for (fleetsec.schannel.tls_scan) module"),
    ("client_impact", {"settings": {}, "os": "2019", "timeout": "soon"},
     "Invalid arguments for (fleetsec.schannel.client_impact) module"),
])
def test_bad_options_of_a_controller_plugin_name_the_module_and_the_option(tmp_path, module, args, words):
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("localhost ansible_connection=local\n", encoding="utf-8")
    playbook = write_playbook(tmp_path / "play.yml", [{"name": "bad", "fleetsec.schannel." + module: args}],
                              hosts="localhost")
    proc = run_playbook(inventory, playbook, tmp_path / "tree")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    outcome = result(tmp_path / "tree", "localhost")
    assert outcome["error"]["type"] == "InputError"
    assert words in outcome["msg"]
