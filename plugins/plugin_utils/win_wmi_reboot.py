# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reboot a host through WMI and wait until WinRM answers with a new boot time (win_wmi_reboot's job).

``Win32_OperatingSystem.Reboot()``, or ``Win32Shutdown(Flags=6)`` (2 reboot + 4 forced: applications are not asked)
when ``force`` is set ("Win32Shutdown method of the Win32_OperatingSystem class", learn.microsoft.com/windows/win32/
cimwin32prov/win32shutdown-method-in-class-win32-operatingsystem). Both need the instance's key ``Name``
selector. Neither carries a message: ``msg`` is reported back, not shown on the host. The host is back when a WQL
query of Win32_OperatingSystem answers with a LastBootUpTime other than the one before (as ansible.windows'
win_reboot compares boot times).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import (
    FleetsecError,
    HostError,
    HostUnreachable,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.client import WMI_URI, WsmanTransportError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.connection import Session
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.wmi_os import read_os

OS_URI = WMI_URI + "/root/cimv2/Win32_OperatingSystem"
FORCED_REBOOT = 6
POLL_INTERVAL_S = 1.0


@dataclass(frozen=True)
class RebootOptions:
    reboot_timeout: int = 600
    pre_reboot_delay: int = 0
    post_reboot_delay: int = 0
    msg: str | None = None
    force: bool = False
    connect_timeout: int = 5
    check_mode: bool = False


def reboot_host(
    session: Session, options: RebootOptions, reopen: Callable[[int], Session],
    clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Reboot and wait; ``reopen(timeout)`` gives a fresh session for each poll (the old one dies with the host)."""
    client = session.client
    before = read_os(client)
    result: dict[str, Any] = {"boot_time_before": before.last_boot.isoformat(), "boot_time_after": None,
                              "rebooted": False, "elapsed": 0, "changed": True}
    if options.msg:
        result["msg"] = options.msg
    if options.check_mode:
        return result
    if options.pre_reboot_delay:
        sleep(options.pre_reboot_delay)
    started = clock()
    method, params = ("Win32Shutdown", [("Flags", FORCED_REBOOT), ("Reserved", 0)]) if options.force \
        else ("Reboot", [])
    try:
        answer = client.invoke(OS_URI, method, params, selectors={"Name": before.name_key}, idempotent=False)
    except WsmanTransportError as error:
        if not error.connection_lost:  # the host may have gone down while answering: wait and see
            raise
    else:
        if answer.return_value != 0:
            raise HostError("Win32_OperatingSystem.%s returned %d: the host refused to reboot (1191: other users "
                            "logged on, use force: true)" % (method, answer.return_value), code=answer.return_value)
    deadline = started + options.reboot_timeout
    last_error = "no answer yet"
    while clock() < deadline:
        poll = None
        try:
            poll = reopen(options.connect_timeout)
            after = read_os(poll.client)
        except FleetsecError as error:
            last_error = error.message
            after = None
        finally:
            if poll is not None:
                client.calls.update(poll.client.calls)
        if after is not None and after.last_boot != before.last_boot:
            if options.post_reboot_delay:
                sleep(options.post_reboot_delay)
            result.update(rebooted=True, elapsed=round(clock() - started, 1),
                          boot_time_after=after.last_boot.isoformat())
            return result
        sleep(POLL_INTERVAL_S)
    error = HostUnreachable("the host did not come back with a new boot time within reboot_timeout=%ds after %s "
                            "(last attempt: %s)" % (options.reboot_timeout, method, last_error), code="timeout")
    error.extra = {**result, "elapsed": round(clock() - started, 1)}
    raise error
