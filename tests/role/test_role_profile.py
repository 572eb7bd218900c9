"""The schannel role's first step resolves a profile plus overrides into explicit settings, or refuses an unknown
profile, on the controller (``fleetsec.schannel.schannel_resolve`` with the role's defaults).

Runs ansible-playbook on localhost (no Windows host is needed for this step); the whole role against simulated
hosts is tested in tests/role/test_playbooks.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import complete
from tests.collection_path import COLLECTIONS_ROOT
from tests.profiles import DEFAULTS_FILE, profile

PLAYBOOK = """
- name: Resolve the Schannel profile
  hosts: localhost
  gather_facts: false
  vars_files:
    - %s
  tasks:
    - name: Resolve as the role does
      fleetsec.schannel.schannel_resolve:
        profile: "{{ schannel_profile }}"
        profiles: "{{ schannel_profiles }}"
        overrides: "{{ schannel_overrides }}"
        os_keys: "{{ schannel_os_keys }}"
      register: plan
    - name: Save the resolved settings
      ansible.builtin.copy:
        content: "{{ plan.settings | to_json }}"
        dest: "{{ out_file }}"
        mode: "0600"
""" % DEFAULTS_FILE


def run_role(tmp_path: Path, **extra_vars) -> subprocess.CompletedProcess:
    playbook = tmp_path / "resolve.yml"
    playbook.write_text(PLAYBOOK)
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS_ROOT), "ANSIBLE_NOCOLOR": "1"}
    extra = {"out_file": str(tmp_path / "settings.json"), "ansible_python_interpreter": sys.executable, **extra_vars}
    return subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
         "-e", json.dumps(extra), str(playbook)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False,
    )


def test_overrides_merge_into_the_chosen_profile(tmp_path):
    overrides = {"ciphers": {"Triple DES 168": "disabled"}, "cipher_suites": ["TLS_AES_256_GCM_SHA384"]}
    # A TLS 1.3-only suite order is an error where TLS 1.3 does not exist: checked for 2022 and 2025 only.
    result = run_role(tmp_path, schannel_profile="modern", schannel_overrides=overrides,
                      schannel_os_keys=["2022", "2025"])
    assert result.returncode == 0, result.stdout + result.stderr
    settings = json.loads((tmp_path / "settings.json").read_text())
    modern = profile("modern")
    expected = dict(modern)
    expected["ciphers"] = {**modern["ciphers"], "Triple DES 168": "disabled"}
    expected["cipher_suites"] = ["TLS_AES_256_GCM_SHA384"]
    assert settings == complete(expected)


def test_unknown_profile_is_refused_with_the_known_ones(tmp_path):
    result = run_role(tmp_path, schannel_profile="hardest")
    assert result.returncode != 0
    assert "schannel_profile 'hardest' is not a known profile; choose one of:" in result.stdout
    assert "modern, pci_dss_4, recommended, recommended_original, strict, xp_compatible" in result.stdout
    assert not (tmp_path / "settings.json").exists()
