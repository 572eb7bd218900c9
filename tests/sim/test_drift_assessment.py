"""The read half of win_schannel end to end: policy engine + WS-Man client + simulated hosts of every version.

A fresh host of each Windows version drifts from the ``recommended`` profile; once the changes are written
(through StdRegProv, the way win_schannel will write them) a second assessment finds nothing, and its cost on
the wire is the floor an assessment can have: one WQL enumeration for the OS, one EnumValues per managed key and one
typed Get per managed value present. An assessment writes nothing.
"""

from __future__ import annotations

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.desired import desired_state
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.policy import SettingsError, parse_or_raise
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.stdregprov import StdRegProv, write_change
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.winrm_protocol import client_for_protocol
from tests.profiles import profile
from tests.support.drift import assess
from tests.winsim.fleet import Fleet

WRITE_METHODS = ("SetDWORDValue", "SetStringValue", "SetMultiStringValue", "SetQWORDValue", "CreateKey",
                 "DeleteValue", "DeleteKey")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    with Fleet(tmp_path_factory.mktemp("drift-fleet"), hosts=len(catalog.OS_KEYS), os_mix=catalog.OS_KEYS,
               first_ip="127.20.5.1") as running:
        yield running


@pytest.fixture(scope="module")
def recommended():
    return parse_or_raise(profile("recommended"))


def write_calls(counters: dict) -> int:
    return sum(count for method, count in counters["methods"].items() if method.rsplit(".", 1)[-1] in WRITE_METHODS)


@pytest.mark.parametrize("os_key", catalog.OS_KEYS)
def test_fresh_host_converges_and_then_costs_the_floor(fleet, recommended, os_key):
    host = fleet.hosts[catalog.OS_KEYS.index(os_key)]
    client = client_for_protocol(fleet.protocol(host.name))

    first = assess(client, recommended)
    assert first.os.os_key == os_key
    assert not first.refused
    assert first.changes, "a fresh host cannot already hold the recommended profile"
    assert write_calls(fleet.control.counters(host.name)) == 0, "an assessment must not write"

    reg = StdRegProv(client)
    for change in first.changes:
        write_change(reg, change)

    fleet.control.reset_counters()
    second = assess(client, recommended)
    assert second.changes == []
    assert second.compliant
    # The floor of win_schannel's check on a compliant host: one Get per managed value, the OS, the Protocols
    # EnumKey and the reboot marker.
    floor = len(desired_state(recommended, os_key)[0]) + 3
    assert sum(second.calls.values()) == floor
    assert fleet.control.counters(host.name)["wsman_calls"] == floor


def test_drift_is_named_value_by_value(fleet, recommended):
    host = fleet.hosts[catalog.OS_KEYS.index("2019")]
    client = client_for_protocol(fleet.protocol(host.name))
    reg = StdRegProv(client)
    for change in assess(client, recommended).changes:
        write_change(reg, change)
    ssl3 = catalog.SCHANNEL_KEY + "\\Protocols\\SSL 3.0\\Server"
    reg.set_dword(ssl3, "Enabled", 1)  # what an operator ticking SSL 3.0 in IIS Crypto leaves behind

    drift = assess(client, recommended)
    assert [(c.key.casefold(), c.name, c.before, c.after) for c in drift.changes] == [
        (ssl3.casefold(), "Enabled", 1, 0)
    ]


def test_invalid_settings_are_refused_before_any_host_is_contacted():
    with pytest.raises(SettingsError) as raised:
        parse_or_raise({"ciphers": {"RC4 128": "disabled"}})
    assert "did you mean 'RC4 128/128'?" in str(raised.value)
