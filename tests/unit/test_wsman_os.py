# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""read_os: one WQL enumeration of Win32_OperatingSystem."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.client import WsmanClient, WsmanProtocolError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.wmi_os import OsFacts, read_os
from tests.unit.wsman_fake import FakeHost, os_item

NAME_2008R2 = "Microsoft Windows Server 2008 R2 Standard |C:\\Windows|\\Device\\Harddisk0\\Partition1"


def test_read_os_2008r2_keeps_the_trailing_space_and_costs_one_call():
    host = FakeHost(os_item=os_item("Microsoft Windows Server 2008 R2 Standard ", "6.1.7601", "7601",
                                    "2024-05-01T06:00:01.500000+02:00", NAME_2008R2))
    client = WsmanClient(host.send)
    facts = read_os(client)
    assert facts == OsFacts(
        caption="Microsoft Windows Server 2008 R2 Standard ",
        version="6.1.7601",
        build=7601,
        last_boot=datetime(2024, 5, 1, 4, 0, 1, 500000, tzinfo=UTC),
        name_key=NAME_2008R2,
        os_key="2008r2",
    )
    assert facts.last_boot.utcoffset() is not None
    assert client.calls == {"Enumerate": 1}
    assert host.requests[0].root.find(".//{http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd}Filter").text == (
        "SELECT * FROM Win32_OperatingSystem")


@pytest.mark.parametrize(("version", "build", "key"), [("10.0.17763", "17763", "2019"), ("10.0.26100", "26100", "2025"),
                                                       ("6.2.9200", "9200", None)])
def test_os_key_from_catalog(version, build, key):
    host = FakeHost(os_item=os_item("Microsoft Windows Server", version, build, "2024-05-01T06:00:01Z", "n"))
    assert read_os(WsmanClient(host.send)).os_key == key


def test_no_instance_is_a_protocol_error():
    with pytest.raises(WsmanProtocolError, match="returned 0 instances, expected 1"):
        read_os(WsmanClient(FakeHost(os_item="").send))
