# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host's operating system from Win32_OperatingSystem, in one WS-Man call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.client import WsmanClient, WsmanProtocolError

# One WQL enumeration; OptimizeEnumeration returns the single instance in the EnumerateResponse itself, so this
# costs one request. A keyless Transfer Get of a non-singleton class fails with WSManFault 2150859002 ("does not
# contain keys, but the class selected is not a singleton") and no capture shows it working for this class without
# its Name selector; the enumeration is what real clients send (WinRb/WinRM wql_query.rb). ``SELECT *`` keeps the
# item shape <p:Win32_OperatingSystem> that the captures show; property lists may come back as w:XmlFragment, which
# parse_instance reads the same way.
OS_QUERY = "SELECT * FROM Win32_OperatingSystem"


@dataclass(frozen=True)
class OsFacts:
    """What the collection needs to know about a host's OS.

    ``caption`` is kept exactly as WMI returns it (Server 2008 R2 ends it with a space); ``name_key`` is the
    class key ``Name`` (``caption|C:\\Windows|\\Device\\Harddisk0\\Partition2``) a method call such as
    Win32Shutdown must select; ``os_key`` is the catalog's key (``2019``) or None for an unsupported version.
    """

    caption: str
    version: str
    build: int
    last_boot: datetime
    name_key: str
    os_key: str | None


def read_os(client: WsmanClient) -> OsFacts:
    items = client.enumerate_wql("root/cimv2", OS_QUERY)
    if len(items) != 1:
        raise WsmanProtocolError("Win32_OperatingSystem returned %d instances, expected 1" % len(items))
    item = items[0]
    last_boot = item.get("LastBootUpTime")
    if not isinstance(last_boot, datetime):
        raise WsmanProtocolError("Win32_OperatingSystem.LastBootUpTime is not a cim:Datetime: %r" % (last_boot,))
    version = str(item.get("Version") or "")
    build = int(str(item.get("BuildNumber") or version.rsplit(".", 1)[-1]))
    return OsFacts(
        caption=str(item.get("Caption") or ""),
        version=version,
        build=build,
        last_boot=last_boot,
        name_key=str(item.get("Name") or ""),
        os_key=_os_key(version, build),
    )


def _os_key(version: str, build: int) -> str | None:
    # Imported here: the catalog is large and only this lookup needs it.
    from ansible_collections.fleetsec.schannel.plugins.module_utils.catalog import os_key_for

    try:
        return os_key_for(version, build)
    except ValueError:
        return None
