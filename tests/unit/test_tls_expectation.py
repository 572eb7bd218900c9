"""What the settings allow on a Windows version (policy engine) against the simulator's own Schannel model.

The simulator computes what its listeners offer from the registry at boot with rules cited from Microsoft
(tests/winsim/schannel_view.py); the scan's expectation computes it from the settings. For every seed profile on
every version they must agree, or the scan would judge hosts by a different rule book than the one they follow.
"""

from __future__ import annotations

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.expectation import expect_from_options
from tests.profiles import profiles
from tests.sim.tls_fleet import write_settings
from tests.winsim.host import SimulatedWindows

CASES = [(name, os_key) for name in sorted(profiles()) for os_key in catalog.OS_KEYS]


@pytest.mark.parametrize("listener", ["mailstore", "winrm"])
@pytest.mark.parametrize(("name", "os_key"), CASES)
def test_expectation_matches_the_simulated_schannel(tmp_path, name, os_key, listener):
    """MailStore's .NET listeners (SchUseStrongCrypto applies) and WinRM's HTTP.sys (Schannel's registry only)."""
    settings = profiles()[name]
    host = SimulatedWindows("h", os_key, tmp_path)
    write_settings(host, settings)
    host.boot()
    view = host.mailstore_view if listener == "mailstore" else host.view
    host.close()
    expectation = expect_from_options(settings, os_key, dotnet_listener=listener == "mailstore")
    assert list(expectation.protocols) == view.protocols
    # 2008 R2 / 2012 R2 list a suite once per curve suffix (_P256, _P384): one suite on the wire
    offered = {p: list(dict.fromkeys(s.code for s in view.suites if p in s.protocols)) for p in view.protocols}
    assert {p: list(codes) for p, codes in expectation.suites.items()} == offered
    # the simulator spells curves as Microsoft's pages do (nistP521); the catalog resolves any case
    assert list(expectation.groups) == [catalog.ECC_CURVES[catalog.resolve("curve", c)].iana_group for c in view.curves]
    assert expectation.dh_bits == view.dh_bits


def test_recommended_allows_the_seed_suite_on_tls12_only():
    expectation = expect_from_options(profiles()["recommended"], "2019")
    assert expectation.protocols == ("TLS 1.0", "TLS 1.1", "TLS 1.2")
    # the seed's suite first, then the two ECDHE_RSA AES-GCM suites browsers need (roles/schannel/defaults/main.yml)
    assert expectation.suites == {"TLS 1.0": (), "TLS 1.1": (), "TLS 1.2": (0xC028, 0xC030, 0xC02F)}


@pytest.mark.parametrize(("settings", "os_key", "message"), [
    ({}, "2019r2", "os must be one of 2008r2, 2012r2"),
    ({"ciphers": {"RC4 128": "enabled"}}, "2019", "did you mean 'RC4 128/128'"),
])
def test_bad_input_is_named(settings, os_key, message):
    with pytest.raises(InputError, match=message):
        expect_from_options(settings, os_key)
