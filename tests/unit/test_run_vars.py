"""The role's variable names come from its argument specs; unknown schannel_* extra vars and per-host values are
refused with the name meant and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.schannel_resolve import variables as run_vars

SPECS = yaml.safe_load((Path(__file__).resolve().parents[2] / "roles" / "schannel" / "meta" / "argument_specs.yml")
                       .read_text())["argument_specs"]


def test_every_entry_point_names_known_variables():
    known = run_vars.known_names(SPECS)
    for name in ("schannel_profile", "schannel_restore_run_id", "schannel_serial", "schannel_hosts",
                 "schannel_max_fail_percentage", "schannel_allow_insecure_transport"):
        assert name in known, name
    assert known >= run_vars.PER_HOST  # what may differ per host is a variable of the role


def test_a_misspelt_name_is_refused_with_the_name_meant():
    known = run_vars.known_names(SPECS)
    run_vars.refuse_unknown({"schannel_profile": "modern", "other_var": 1}, known)
    with pytest.raises(InputError) as info:
        run_vars.refuse_unknown({"schannel_profle": "modern", "schannel_zzz": 1}, known)
    assert str(info.value).startswith("unknown variables given as extra vars: schannel_profle (did you mean "
                                      "schannel_profile?), schannel_zzz;")
    assert info.value.code == "unknown-variable"


def test_per_host_values_name_the_hosts_and_the_fix():
    run_vars.refuse_per_host({}, {}, "ms001")
    with pytest.raises(InputError) as info:
        run_vars.refuse_per_host({"schannel_profile": {"ms004": "modern"}}, {"schannel_profile": "recommended"},
                                 "ms001")
    message = str(info.value)
    assert "schannel_profile: ms004 has 'modern', while the run resolves 'recommended' for every host (from ms001)" \
        in message
    assert "--limit <group> -e schannel_profile=..." in message
    assert info.value.code == "per-host-variable"
