#!/usr/bin/python
# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation stub: the module runs on the controller as an action plugin (plugins/action).

DOCUMENTATION = r"""
---
module: win_schannel
short_description: Set Windows Schannel, .NET and WinHTTP TLS settings over WMI, idempotently
version_added: 0.1.0
description:
  - Reads the Schannel registry values it manages from a Windows host and writes only what differs, through the
    WMI C(StdRegProv) class over the host's own WinRM connection. No PowerShell runs, nothing is copied to the host,
    no process is started and no remote shell is opened, so it works where policy forbids remote shells.
  - One task reads the OS, checks the settings against it (errors refuse the host), computes the minimal change,
    refuses changes that would cut an HTTPS/CredSSP management channel, writes a backup, writes, marks a pending
    reboot on the host and reads back what it wrote.
  - An option left out is not managed. The role is different; its profiles and IIS Crypto templates govern every
    option, and what one leaves out is applied as C(default) (remove the policy so the OS default applies), so that
    switching from one profile or template to another converges in one run and leaves nothing of the previous one
    behind (M(fleetsec.schannel.schannel_resolve) returns the completed settings).
  - Names are the registry key names (C(Triple DES 168), C(SHA256)); the IIS
    Crypto labels are accepted and mapped per Windows version; unknown names fail with a "did you mean".
  - "Cost on the wire, per host: one WQL query, one EnumKey, one Get of the reboot marker and one typed Get per
    managed value in check mode (the C(recommended) profile on Server 2019: 64 requests on a compliant host, 40 on a
    fresh one);
    applying adds one request per value written or deleted and per key created, and one Get per value written to
    read it back."
  - Needs C(ansible_connection=winrm); all the usual C(ansible_winrm_*) variables apply with ansible-core's
    defaults. Only the first transport of a list in C(ansible_winrm_transport) is used.
author:
  - fleetsec.schannel contributors (@fleetsec)
options:
  protocols:
    description:
      - Protocol name (C(SSL 2.0) ... C(TLS 1.3), C(DTLS 1.2)) to C(enabled), C(disabled) or C(default) (delete the
        values so the OS default applies), or to a mapping C({server, client}) of those states.
    type: dict
  protocol_sides:
    description: Which of the C(Client)/C(Server) subkeys a plain state in O(protocols) applies to.
    type: list
    elements: str
    choices: [server, client]
  ciphers:
    description: Cipher key name (C(AES 256/256), C(RC4 128/128)) to C(enabled), C(disabled) or C(default).
    type: dict
  hashes:
    description: Hash key name (C(SHA), C(SHA256), C(MD5)) to C(enabled), C(disabled) or C(default).
    type: dict
  key_exchanges:
    description: Key exchange (C(Diffie-Hellman), C(PKCS), C(ECDH)) to C(enabled), C(disabled) or C(default).
    type: dict
  cipher_suites:
    description:
      - The cipher suite order, written as the target OS spells it (with or without curve suffix). An empty list
        removes the policy so the OS default order applies.
    type: list
    elements: str
  ecc_curves:
    description:
      - The ECC curve order (Windows Server 2016 and later). An empty list removes it.
      - Windows Server 2008 R2 and 2012 R2 have no curve order; there the C(_P256/_P384/_P521) suffix of each suite
        in O(cipher_suites) picks the curve, a non-empty list is skipped with a warning and an empty one silently.
    type: list
    elements: str
  dh_min_key_bits:
    description:
      - "Minimum Diffie-Hellman key sizes in bits, per side: C({server: 2048, client: 2048})."
      - C(default) for a side, or for the whole option, removes the value so the OS default applies.
    type: raw
  dotnet_strong_crypto:
    description:
      - C(SchUseStrongCrypto) for .NET 2.0 and 4.x, 64- and 32-bit views.
      - C(true), C(false), or C(default) to remove the values so the .NET default applies.
    type: raw
  dotnet_system_default_tls_versions:
    description:
      - C(SystemDefaultTlsVersions) for .NET 2.0 and 4.x, 64- and 32-bit views.
      - C(true), C(false), or C(default) to remove the values so the .NET default applies.
    type: raw
  winhttp_secure_protocols:
    description: The WinHTTP C(DefaultSecureProtocols) protocols, both views. An empty list removes the value.
    type: list
    elements: str
  fips_algorithm_policy:
    description: C(Lsa\FipsAlgorithmPolicy\Enabled); C(true), C(false), or C(default) to remove the value.
    type: raw
  settings:
    description:
      - The options above (O(protocols) to O(fips_algorithm_policy)) as one mapping, as
        M(fleetsec.schannel.schannel_resolve) returns it in C(settings); each key is checked as its option is.
        Not with those options.
      - One template for a task instead of one per option; at fleet size every forked worker compiles each of a
        task's templates again, so the role passes its resolved settings this way.
    type: dict
  settings_by_os:
    description:
      - Like O(settings), one mapping per Windows version key (C(2008r2) ... C(2025)); the module takes the host's
        entry once it has read the host's version, and fails (writing nothing) when there is none.
      - For an IIS Crypto template whose items carry C(minimumOSVersion) (the TLS 1.3 items, the suite list of
        IIS Crypto 4.x), rendered per version as IIS Crypto applies it, so that an item for a newer Windows is left
        out on older ones. M(fleetsec.schannel.schannel_resolve) returns it in C(settings_by_os).
      - Not with O(settings) or the separate options.
    type: dict
  settings_from:
    description:
      - The name of a variable holding the result of M(fleetsec.schannel.schannel_resolve) (registered with
        C(register)); its C(settings_by_os) when not empty, else its C(settings), are the policy. Read as stored, not
        templated again for every host, which at fleet size was the largest part of a task's preparation. Not with
        O(settings), O(settings_by_os) or the separate options.
    type: str
  hosts:
    description:
      - Batch mode, for check mode. This one task (run it with C(run_once)) checks every inventory host listed, at
        most O(concurrency) at a time, from the controller in threads, each host with the connection settings a task
        running on it would use (its own C(ansible_host), port, transport, credentials, certificate checks and
        timeouts). Each host's result is returned under RV(hosts) and a fault fails that host's entry alone.
      - The task itself reports no change; each host then takes its own result with a task of its own and
        O(from_batch), so that Ansible's recap, handlers and exit codes see every host.
      - Outside check mode the task skips itself (an apply runs as one task per host). Hosts whose Kerberos ticket
        ansible-core gets itself (C(ansible_winrm_kinit_mode=managed)) share one kinit, run once by this task; a host
        of another principal or kinit options, or every such host when that kinit failed, is left out of the batch
        and listed in RV(per_host); its own task then checks it. When the KDC refused the password (wrong, expired,
        the account locked out or disabled) every host of that principal fails with that error instead, and kinit
        is not run again for it (account lock-out).
    type: list
    elements: str
  concurrency:
    description: With O(hosts), how many hosts are checked at once.
    type: int
    default: 50
  from_batch:
    description:
      - The name of the variable a task with O(hosts) registered. When it holds this host's result, the task
        returns it, without contacting the host again; otherwise (the batch task was skipped, as in an apply, or did
        not check this host) the task does its own job on the host.
      - Of the batch's result the task returns what Ansible and later tasks read per host (status, message, error
        and code, RV(os), the reboot state, warnings, the diff with C(--diff), the calls), with RV(batch) naming the
        variable that holds the whole result and RV(changes_count); the role's result files take the whole one.
    type: str
  backup:
    description:
      - Before the first write, save the prior values of everything the write touches on the controller, as JSON
        (for M(fleetsec.schannel.win_schannel_restore)) and as a C(.reg) file that C(reg import) restores exactly
        (keys that did not exist are deleted). No backup is written when nothing changes.
    type: bool
    default: true
  backup_dir:
    description:
      - Controller folder of the backups; one folder per inventory host, one file pair per run named by UTC time
        (C(20261202T050000.123456Z.json)), files mode 0600, folders 0700. A write that stops part-way leaves a
        C(<stamp>.partial.json) record there too.
    type: path
    default: ~/.ansible/fleetsec_schannel/backups
  pending_reboot_is_change:
    description:
      - When the task applies (not in check mode) and has nothing to write, but a reboot from an earlier run is still
        pending (C(reboot_pending)), report C(changed), so that a handler notified on change reboots the host.
      - The role sets it where the play may reboot; it replaces a C(changed_when) expression that, evaluated on
        every host, templated the whole registered result again.
    type: bool
    default: false
  own_run_id:
    description:
      - The id of the run this task belongs to (the role gives its run id). Recorded in the backup (C(run_id)), in
        the reboot marker, so that
        M(fleetsec.schannel.win_schannel_restore) O(fleetsec.schannel.win_schannel_restore#module:run_id) finds a
        run whose controller was killed before it wrote its result file, and RV(reboot_pending_by) names the run.
    type: str
  allow_lockout:
    description:
      - Apply settings even when they would leave the host no TLS protocol and cipher suite in common with this
        controller's TLS client while WinRM runs over HTTPS or CredSSP. A warning says so.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reads and reports the drift; writes nothing.
  diff_mode:
    support: full
    description: The changed values, grouped by key, before and after.
  platform:
    support: full
    platforms: windows
    description: Windows hosts reached over WinRM (WS-Management); the module itself runs on the controller.
notes:
  - Schannel reads its settings at boot; RV(reboot_required) and RV(reboot_pending) say when a reboot is needed.
    Use M(fleetsec.schannel.win_wmi_reboot).
seealso:
  - module: fleetsec.schannel.win_schannel_info
  - module: fleetsec.schannel.win_schannel_restore
  - module: fleetsec.schannel.win_wmi_reboot
"""

EXAMPLES = r"""
- name: Disable the legacy protocols and RC4, keep TLS 1.2
  fleetsec.schannel.win_schannel:
    protocols:
      SSL 2.0: disabled
      SSL 3.0: disabled
      TLS 1.0: disabled
      TLS 1.1: disabled
      TLS 1.2: enabled
    ciphers:
      RC4 128/128: disabled
      Triple DES 168: disabled
    cipher_suites:
      - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
      - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    dotnet_strong_crypto: true
    dotnet_system_default_tls_versions: true
  register: schannel

- name: Check for drift only
  fleetsec.schannel.win_schannel:
    protocols: {TLS 1.0: disabled}
  check_mode: true
  register: drift

- name: Check a whole fleet from one task (check mode), as the role does
  fleetsec.schannel.win_schannel:
    hosts: "{{ ansible_play_batch }}"
    settings_from: schannel_plan  # registered by fleetsec.schannel.schannel_resolve
  check_mode: true
  run_once: true
  register: schannel_check

- name: Give each host its own result (its recap line, handlers, exit code)
  fleetsec.schannel.win_schannel:
    settings_from: schannel_plan
    from_batch: schannel_check
  check_mode: true
"""

RETURN = r"""
changed:
  description: Whether values were written (in check mode, whether they would be); with O(pending_reboot_is_change),
    also when nothing was written but a reboot is still pending.
  returned: always
  type: bool
diff:
  description: The changed values in C(.reg) notation, before and after; shown with C(--diff).
  returned: success, in diff mode (C(--diff))
  type: dict
  sample: {before: "", after: "[HKEY_LOCAL_MACHINE\\...\\TLS 1.0\\Server]\n\"Enabled\"=dword:00000000\n"}
changes:
  description: One entry per value written or deleted (in check mode, the drift).
  returned: success
  type: list
  elements: dict
  sample:
    - {key: "HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0\\Server",
       name: Enabled, type: REG_DWORD, before: null, after: 0}
reboot_required:
  description: This run changed (or in check mode would change) something Schannel reads at boot.
  returned: success
  type: bool
reboot_pending:
  description:
    - A change needing a reboot was applied during the host's current boot, by this run or an earlier one from any
      controller (a marker value under C(HKLM\SOFTWARE\fleetsec\schannel)).
  returned: success
  type: bool
reboot_pending_by:
  description:
    - "While a reboot is pending, the run whose writes it brings into effect, from the marker (null otherwise):
      C(playbook) C(harden) (settings applied) or C(restore) (a restore's state put back), and its C(run_id) (null
      for a marker of an earlier release)."
  returned: success
  type: dict
  sample: {playbook: restore, run_id: 20261207T150000Z}
os:
  description: The host's OS.
  returned: when the host answered
  type: dict
  sample: {caption: Microsoft Windows Server 2019 Standard, version: 10.0.17763, build: 17763, key: "2019",
           last_boot: "2026-12-01T06:00:00+00:00"}
findings:
  description: What the policy engine says of the settings on this OS.
  returned: when the host answered
  type: list
  elements: dict
  sample: [{code: tls13-unsupported, severity: warning, message: "protocols.TLS 1.3: ..."}]
warnings:
  description: Warnings (settings skipped on this OS, lock-out overridden, management connection changes).
  returned: success
  type: list
  elements: str
backup_file:
  description: Path of the backup JSON (the C(.reg) beside it), or null when nothing was written or backup is off.
  returned: success
  type: str
readback:
  description: After a write, whether every value written reads back as written, and the differences.
  returned: success
  type: dict
  sample: {ok: true, differences: []}
calls:
  description: WS-Man requests this task cost, in total and per operation.
  returned: always
  type: dict
  sample:
    total: 64
    by_operation: {Enumerate: 1, EnumKey: 1, GetDWORDValue: 59, GetMultiStringValue: 1, GetStringValue: 2}
partial:
  description: On a write that stopped part-way, what was and was not written, and the record file beside the backup.
  returned: failed write
  type: dict
error:
  description: The error (type, message, WS-Man/WMI code) when the task failed.
  returned: failure
  type: dict
hosts:
  description: With O(hosts), each host's result (the keys above), by inventory name.
  returned: batch mode, in check mode
  type: dict
per_host:
  description: >-
    With O(hosts), the hosts left out of the batch for their own task to check (managed Kerberos with another
    principal or kinit than the batch's one kinit, or when that kinit failed for another reason than the KDC
    refusing the password).
  returned: batch mode, in check mode
  type: list
  elements: str
counts:
  description: With O(hosts), how many hosts ended how.
  returned: batch mode, in check mode
  type: dict
  sample: {ok: 480, changed: 17, failed: 1, unreachable: 2}
batch:
  description: With O(from_batch), the variable that holds this host's whole result (RV(changes) and the rest).
  returned: result taken from a batch
  type: str
changes_count:
  description: With O(from_batch), how many values differ (the length of the whole result's RV(changes)).
  returned: result taken from a batch
  type: int
"""
