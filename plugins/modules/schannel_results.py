# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: schannel_results
short_description: Write the per-host result files of a fleetsec.schannel run on the controller
version_added: 0.1.0
description:
  - Runs on the controller only. The C(fleetsec.schannel.schannel) role calls it once per play (or serial batch)
    with C(run_once), and the playbooks once more at the end with O(summary=true) to read them back.
  - For each host in O(hosts) (the hosts of the current serial batch) that has results, writes
    C(<report_dir>/<run_id>/<host>.json) (schema C(fleetsec.schannel/host-result) version 1; file mode 0600,
    directories 0700) from the role's registered results of that host (C(schannel_apply),
    C(schannel_reboot_result), C(schannel_tls), C(schannel_impact)).
  - Writes in check mode too, since the record of a drift check is what the check is for. It never touches a host.
author:
  - fleetsec.schannel contributors (@fleetsec)
options:
  report_dir:
    description: Directory holding one sub-directory per run.
    type: path
    required: true
  run:
    description: The run, as returned by M(fleetsec.schannel.schannel_resolve) (run_id, started, settings, profile).
    type: dict
    required: true
  playbook:
    description: Which playbook the run is.
    type: str
    required: true
    choices: [harden, drift, compliance, restore]
  hosts:
    description: Inventory names of the hosts to record.
    type: list
    elements: str
    required: true
  summary:
    description:
      - Write nothing; read the files written for O(hosts) in this run and return a readable summary of the run.
    type: bool
    default: false
  registered:
    description:
      - The variables the play registered each host's results in; required unless O(summary=true).
    type: dict
    suboptions:
      apply:
        description: The result of M(fleetsec.schannel.win_schannel) or M(fleetsec.schannel.win_schannel_restore).
        type: str
        required: true
      reboot:
        description: The result of M(fleetsec.schannel.win_wmi_reboot).
        type: str
      tls:
        description: The result of M(fleetsec.schannel.tls_scan) (per host, or one batch scan with C(hosts)).
        type: str
      impact:
        description: The looped result of M(fleetsec.schannel.client_impact), one item per Windows version.
        type: str
  previous:
    description:
      - The C(schannel_last_run) fact an earlier call of this run returned (its earlier serial batches); empty for
        the first.
    type: dict
    default: {}
  mode:
    description: C(check) or C(apply); by default the task's check mode.
    type: str
    choices: [check, apply]
  context:
    description: Anything the closing play needs to know of the run (the role passes its failure switches).
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    description: Writes the result files in check mode too (they record the check); no host is touched.
  diff_mode:
    support: none
    description: No diff; nothing on a host changes.
  platform:
    support: full
    platforms: all
    description: Runs on the controller and uses no connection.
notes:
  - An action plugin; it uses no connection.
"""

EXAMPLES = r"""
- name: Record the results of this batch
  fleetsec.schannel.schannel_results:
    report_dir: "{{ schannel_report_dir }}"
    run: "{{ schannel_plan }}"
    playbook: harden
    hosts: "{{ ansible_play_hosts_all }}"
    registered:
      apply: schannel_apply
  run_once: true
"""

RETURN = r"""
written:
  description: Paths of the files written by this call.
  returned: always
  type: list
  elements: str
run_dir:
  description: The run's directory.
  returned: always
  type: str
statuses:
  description: Host to status (compliant, drifted, changed, reboot_pending, failed, unreachable) of the hosts recorded.
  returned: always
  type: dict
counts:
  description: Status to number of hosts.
  returned: always
  type: dict
ansible_facts:
  description: The fact C(schannel_last_run), where the run is recorded (directory, run, playbook, hosts, mode).
  returned: always
  type: dict
lines:
  description: One line per host with its status, then the values to change and the errors of that host.
  returned: when O(summary=true)
  type: list
  elements: str
"""
