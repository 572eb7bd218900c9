#!/usr/bin/python
# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation stub: the module runs on the controller as an action plugin (plugins/action).

DOCUMENTATION = r"""
---
module: win_schannel_info
short_description: Read a Windows host's Schannel, .NET and WinHTTP TLS state over WMI
version_added: 0.1.0
description:
  - Reads the host's OS and its current Schannel state through WMI C(StdRegProv) over the host's WinRM connection
    (no PowerShell, no remote shell), and returns it in the option shape of M(fleetsec.schannel.win_schannel), plus
    the raw values read with their registry types.
  - "Protocol states: C(enabled), C(disabled), C(disabled_by_default), C(default) (no values: the OS default);
    algorithms C(enabled), C(disabled), C(default); C(invalid) for a value of the wrong type, C(mixed) where the
    several keys of one option disagree."
  - Needs C(ansible_connection=winrm).
author:
  - fleetsec.schannel contributors (@fleetsec)
options:
  settings:
    description: Limit what is read to these options of M(fleetsec.schannel.win_schannel); all when left out.
    type: list
    elements: str
    choices: [protocols, ciphers, hashes, key_exchanges, cipher_suites, ecc_curves, dh_min_key_bits,
              dotnet_strong_crypto, dotnet_system_default_tls_versions, winhttp_secure_protocols,
              fips_algorithm_policy]
attributes:
  check_mode:
    support: full
    description: Reads only, in any mode.
  diff_mode:
    support: none
    description: Reads only, so there is no diff.
  platform:
    support: full
    platforms: windows
    description: Windows hosts reached over WinRM (WS-Management); the module itself runs on the controller.
seealso:
  - module: fleetsec.schannel.win_schannel
"""

EXAMPLES = r"""
- name: Read the Schannel state
  fleetsec.schannel.win_schannel_info:
  register: schannel_state

- name: Read only the protocols
  fleetsec.schannel.win_schannel_info:
    settings: [protocols]
  register: protocols_state
"""

RETURN = r"""
os:
  description: The host's OS.
  returned: success
  type: dict
  sample: {caption: Microsoft Windows Server 2019 Standard, version: 10.0.17763, build: 17763, key: "2019",
           last_boot: "2026-12-01T06:00:00+00:00"}
state:
  description: The current state, in win_schannel's option shape.
  returned: success
  type: dict
  sample: {protocols: {TLS 1.2: {server: enabled, client: enabled}}, ciphers: {RC4 128/128: disabled}}
raw_values:
  description:
    - The raw values read, with their registry types.
    - The same list is also returned under the key C(values); read that one as C(result["values"]), since
      C(result.values) is the dictionary method in Jinja.
  returned: success
  type: list
  elements: dict
  sample: [{key: "HKLM\\SYSTEM\\...\\Protocols\\TLS 1.0\\Server", name: Enabled, type: REG_DWORD, data: 0}]
reboot_pending:
  description: A change needing a reboot was applied during the host's current boot (marker on the host).
  returned: success
  type: bool
calls:
  description: WS-Man requests this task cost, in total and per operation.
  returned: always
  type: dict
"""
