"""Put a simulated host in a profile's state as an administrator would, then reboot it so that Schannel reads it.

The values are written through StdRegProv over WinRM (what the read-only assessment says is missing, the way
win_schannel writes), and the reboot goes through WMI (Win32_OperatingSystem.Win32Shutdown, flags 6 = forced
reboot): Schannel reads its registry at boot (KB245030), so the TLS listeners follow only after it.
"""

from __future__ import annotations

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.policy import parse_or_raise
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.stdregprov import StdRegProv, write_change
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.winrm_protocol import client_for_protocol
from tests.profiles import profile
from tests.sim.wsman_client import OS_URI, enumerate_wql, invoke, os_instance, os_property
from tests.support.drift import assess
from tests.winsim.fleet import Fleet


def harden_and_reboot(fleet: Fleet, name: str, profile_name: str) -> None:
    """Write ``profile_name``'s values to host ``name`` and reboot it; returns once it is up with a new boot."""
    proto = fleet.protocol(name)
    client = client_for_protocol(proto)
    reg = StdRegProv(client)
    for change in assess(client, parse_or_raise(profile(profile_name))).changes:
        write_change(reg, change)
    boots = fleet.control.host(name)["boot_count"]
    key = os_property(os_instance(enumerate_wql(proto, "select Name from Win32_OperatingSystem", optimize=True)),
                      "Name").text
    invoke(proto, OS_URI, "Win32Shutdown", [("Flags", "6"), ("Reserved", "0")], selectors={"Name": key})
    fleet.control.wait_for_state(name, "rebooting", timeout=10)
    fleet.control.wait_for_state(name, "up", timeout=30)
    if fleet.control.host(name)["boot_count"] != boots + 1:
        raise RuntimeError(f"{name} did not reboot exactly once")
