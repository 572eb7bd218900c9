#!/usr/bin/python
# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation stub: the module runs on the controller as an action plugin (plugins/action).

DOCUMENTATION = r"""
---
module: win_wmi_reboot
short_description: Reboot a Windows host through WMI and wait until it answers with a new boot time
version_added: 0.1.0
description:
  - Calls C(Win32_OperatingSystem.Reboot) (or C(Win32Shutdown) with the forced-reboot flag) over the host's WinRM
    connection, then polls WinRM until C(LastBootUpTime) has changed. No PowerShell, no C(shutdown.exe), no remote
    shell.
  - A host that does not come back within O(reboot_timeout) fails alone, saying so.
author:
  - fleetsec.schannel contributors (@fleetsec)
options:
  reboot_timeout:
    description: Seconds to wait for the host to answer again with a new boot time.
    type: int
    default: 600
  pre_reboot_delay:
    description: Seconds to wait on the controller before asking for the reboot.
    type: int
    default: 0
  post_reboot_delay:
    description: Seconds to wait after the host is back.
    type: int
    default: 0
  msg:
    description:
      - A message for the reboot. The WMI reboot methods carry none, so it is returned in the result only.
    type: str
  force:
    description: Use C(Win32Shutdown) with flags 6 (forced reboot) so logged-on sessions cannot delay it.
    type: bool
    default: false
  connect_timeout:
    description: Seconds each poll waits for WinRM to answer while the host comes back.
    type: int
    default: 5
attributes:
  check_mode:
    support: full
    description: Reads the boot time and reports that a reboot would happen, without rebooting.
  diff_mode:
    support: none
    description: A reboot changes no value, so there is no diff.
  platform:
    support: full
    platforms: windows
    description: Windows hosts reached over WinRM (WS-Management); the module itself runs on the controller.
seealso:
  - module: fleetsec.schannel.win_schannel
"""

EXAMPLES = r"""
- name: Reboot when Schannel needs it
  fleetsec.schannel.win_wmi_reboot:
    reboot_timeout: 900
  when: schannel.reboot_pending
"""

RETURN = r"""
rebooted:
  description: Whether the host rebooted (false in check mode).
  returned: always
  type: bool
elapsed:
  description: Seconds from the reboot request until the host answered with a new boot time.
  returned: always
  type: float
boot_time_before:
  description: C(LastBootUpTime) before the reboot.
  returned: when the host answered
  type: str
boot_time_after:
  description: C(LastBootUpTime) after the reboot; null in check mode.
  returned: success
  type: str
calls:
  description: WS-Man requests this task cost (polls included), in total and per operation.
  returned: always
  type: dict
"""
