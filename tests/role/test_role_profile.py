"""The schannel role resolves a profile plus overrides into explicit settings, or refuses an unknown profile.

Runs the real role through ansible-playbook on localhost (no Windows host is needed for this step).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.collection_path import COLLECTIONS_ROOT
from tests.profiles import profile

PLAYBOOK = """
- name: Resolve the Schannel profile
  hosts: localhost
  gather_facts: false
  roles:
    - role: fleetsec.schannel.schannel
  tasks:
    - name: Save the resolved settings
      ansible.builtin.copy:
        content: "{{ schannel_settings | to_json }}"
        dest: "{{ out_file }}"
        mode: "0600"
"""


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
    result = run_role(tmp_path, schannel_profile="modern", schannel_overrides=overrides)
    assert result.returncode == 0, result.stdout + result.stderr
    settings = json.loads((tmp_path / "settings.json").read_text())
    modern = profile("modern")
    expected = dict(modern)
    expected["ciphers"] = {**modern["ciphers"], "Triple DES 168": "disabled"}
    expected["cipher_suites"] = ["TLS_AES_256_GCM_SHA384"]
    assert settings == expected


def test_unknown_profile_is_refused_with_the_known_ones(tmp_path):
    result = run_role(tmp_path, schannel_profile="hardest")
    assert result.returncode != 0
    assert "schannel_profile 'hardest' is not a known profile; choose one of:" in result.stdout
    assert "modern, pci_dss_4, recommended, strict, xp_compatible" in result.stdout
    assert not (tmp_path / "settings.json").exists()
