#!/usr/bin/python
# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation stub: the module runs on the controller as an action plugin (plugins/action).

DOCUMENTATION = r"""
---
module: win_schannel_restore
short_description: Put a Windows host's Schannel values back exactly as a win_schannel backup recorded them
version_added: 0.1.0
description:
  - Takes backup JSONs that M(fleetsec.schannel.win_schannel) wrote and puts every value they recorded back as it
    was, with its registry type, deleting the values and keys that did not exist before, over WMI C(StdRegProv)
    (no PowerShell, no remote shell).
  - Which backups - one file (O(backup_file)), the state before a run (O(run_id) - the backup that run recorded for
    the host and every later backup of the host, as later runs changed it too), or by default the host's latest
    change series in O(backup_dir) - the latest backup and before it every backup whose write stopped part-way (a
    C(<stamp>.partial.json) beside it), put back newest first, so the host returns to its state before the change
    (a stopped write and the run that completed it are one change).
  - Marks every backup it put back (C(<stamp>.restored) beside it), so the default series starts after them - a
    second restore does not write a backup already undone (when the latest backup is, there is nothing to put
    back, and C(series) says so); check mode names each backup already undone.
  - Refuses, before the host is contacted, both O(backup_file) and O(run_id) given, a run id that is not one path
    segment of letters, digits, C(.), C(_) or C(-), a O(backup_dir) that exists but is not a directory, a backup of
    another host, of another schema, with an operation outside
    the Schannel keys and values the collection manages, with data that does not fit its type, or with a
    C(created_parents) entry that is not a key above the managed ones, naming the file and the entry (for
    example C(restore[3])); and an empty backup folder or an unknown run id, saying what to give instead. Every
    file of a series is checked before the first request.
  - Refuses, after reading the host's OS and before any other request, a backup taken on another Windows version
    or build (the backup's C(os) key and build) - the host was reinstalled or upgraded since.
  - Never loses a setting. A key the backed-up change created is deleted (with its subkeys) only when nothing
    lives in it that the change did not write. When something else does (another value, a default value, a subkey
    the collection does not write, such as a comment or a Group Policy value), the key is kept, only the values
    the change wrote are removed from it, and one warning names the key and what it holds; check mode and
    C(--diff) show the same. The C(.reg) twin of a backup deletes such keys whole (C([-KEY]), as IIS Crypto's
    backups do); this module is the safe way back.
  - Removes the collection's reboot marker (C(HKLM\SOFTWARE\fleetsec\schannel) C(RebootPendingBoot)) when the
    boot it names is over, with its keys when they hold nothing else; a restore that needs a reboot sets it, naming
    itself (C(restore) and O(own_run_id)). When the marker names a restore whose reboot is still pending, the
    reboot is required again (RV(reboot_required)) even when nothing more is put back, so that re-running the
    restore reboots the host into the state it restored.
  - Writes only what differs, so running it twice changes nothing the second time.
  - Runs the same lock-out pre-flight as win_schannel on the state the host will hold afterwards.
  - The backup must have been written for the same inventory host.
author:
  - fleetsec.schannel contributors (@fleetsec)
options:
  backup_file:
    description: Path on the controller of one backup JSON (the C(.json) beside the C(.reg) of one run), put back
      exactly. Not together with O(run_id).
    type: path
  run_id:
    description: Put back the backup this run wrote for the host - the one its result file
      (C(<report_dir>/<run_id>/<host>.json)) names, or the backup in O(backup_dir) that names the run (a run whose
      controller was killed wrote no result file) - together with every later backup of the host (newest first) -
      the state before that run. Check mode names the later runs undone with it.
    type: str
  own_run_id:
    description: The id of the run this task belongs to (the role gives its run id), named in the reboot marker a
      restore that needs a reboot sets (RV(reboot_pending_by)).
    type: str
  pending_reboot_is_change:
    description: When the task applies (not in check mode) and the only thing left is the pending reboot of a
      restore (the marker names one), report C(changed), so that a handler notified on change reboots the host
      (the role sets it where the play may reboot).
    type: bool
    default: false
  backup_dir:
    description: Where win_schannel wrote its backups (one folder per inventory host); the latest change series
      is taken from there when neither O(backup_file) nor O(run_id) is given.
    type: path
    default: ~/.ansible/fleetsec_schannel/backups
  report_dir:
    description: Where the runs' result files are, for O(run_id).
    type: path
    default: ~/.ansible/fleetsec_schannel/reports
  allow_lockout:
    description: Restore even when the result would cut an HTTPS/CredSSP management channel; a warning says so.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reports what the restore would change; writes nothing.
  diff_mode:
    support: full
    description: The values restored, before and after.
  platform:
    support: full
    platforms: windows
    description: Windows hosts reached over WinRM (WS-Management); the module itself runs on the controller.
seealso:
  - module: fleetsec.schannel.win_schannel
"""

EXAMPLES = r"""
- name: Undo the latest change series of each host
  fleetsec.schannel.win_schannel_restore:
    backup_dir: /var/lib/fleetsec/backups

- name: Put back what a hardening run changed
  fleetsec.schannel.win_schannel_restore:
    backup_file: "{{ schannel.backup_file }}"
"""

RETURN = r"""
series:
  description: How the backups were chosen, in words (the form, and for the default the files and any stopped
    write).
  returned: when the host answered
  type: str
backups:
  description: The backups put back, newest first (C(file), C(run_id) of the run whose result file names it or
    null, C(created), C(operations), C(stopped_part_way), C(os) the backup recorded, C(undone) when a restore
    already put it back or null).
  returned: when the host answered
  type: list
  elements: dict
plan:
  description: What check mode shows before the values - C(series), then one line per backup (file, run, whether
    its write stopped part-way, whether a restore already undid it, operations).
  returned: when the host answered
  type: list
  elements: str
changed:
  description: Whether values were (or in check mode would be) written or deleted.
  returned: always
  type: bool
diff:
  description: The values restored, before and after, in C(.reg) notation.
  returned: success
  type: dict
changes:
  description: One entry per value written or deleted (values under a deleted key included). When the restore
    stopped part-way, only those it wrote or deleted (and C(operations_done) says how many operations it did).
  returned: success, or a restore that stopped part-way
  type: list
  elements: dict
deleted_keys:
  description: Keys deleted because they did not exist before the backed-up change (the backup's
    C(created_parents) among them when they held nothing else); when the restore stopped part-way, only those
    deleted before it stopped.
  returned: success, or a restore that stopped part-way
  type: list
  elements: str
operations_done:
  description: A restore that stopped part-way (a fault, or the host lost mid-write) - how many of its key
    deletions and value writes it did before it stopped.
  returned: a restore that stopped part-way
  type: int
kept_keys:
  description: Keys the backed-up change created that are kept because something the change did not write lives
    in them; only the values the change wrote were removed from them (a warning names each with what it holds).
  returned: success
  type: list
  elements: str
reboot_required:
  description: The restore changed something Schannel reads at boot, or the reboot of an earlier restore is still
    pending (the marker names a restore).
  returned: success
  type: bool
reboot_pending:
  description: After this task, a reboot is pending on the host (the marker matches its current boot).
  returned: success
  type: bool
reboot_pending_by:
  description: The run whose writes the pending reboot brings into effect, C({playbook, run_id}) (C(playbook)
    C(restore) or C(harden)); null when none is pending.
  returned: success
  type: dict
os:
  description: The host's OS.
  returned: when the host answered
  type: dict
warnings:
  description: Warnings (keys kept, lock-out overridden, management connection changes).
  returned: success
  type: list
  elements: str
calls:
  description: WS-Man requests this task cost, in total and per operation.
  returned: always
  type: dict
"""
