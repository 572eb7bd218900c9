# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: schannel_resolve
short_description: Resolve the schannel role's profile or IIS Crypto template plus overrides into checked settings
version_added: 0.1.0
description:
  - Runs on the controller only, once per play (the C(fleetsec.schannel.schannel) role calls it with C(run_once)).
    It picks the profile (or reads the IIS Crypto C(.ictpl) template instead), merges the overrides on top, and checks
    the result with the policy engine for every Windows version in O(os_keys).
  - "The result states every option a profile may govern. What the profile, template (for that Windows version) and
    overrides leave out is C(default), which removes any policy so the OS default applies: every protocol side,
    cipher, hash and key exchange of the catalog, the cipher suite order, the curve order and the WinHTTP protocols
    (C([])), both C(dh_min_key_bits) sides, the .NET switches and the FIPS policy. So applying it after any other
    profile or template gives the host exactly what it gives a fresh host, in one run."
  - Fails, naming the role variable and the field to fix, on an unknown profile, an unreadable or malformed
    template, overrides of the wrong type, unknown names, or settings that are an error on one of the Windows
    versions (for example a cipher suite list longer than the 1,023 characters Windows accepts). Nothing is
    read from or written to any host.
  - Fails, naming the variable and the values it takes, on a C(schannel_serial) or C(schannel_max_fail_percentage)
    that is not a batch size or a percentage (O(serial), O(max_fail_percentage)).
  - Takes the run id of the play, a UTC timestamp, when none is given.
author:
  - fleetsec.schannel contributors (@fleetsec)
options:
  profile:
    description: Name of the profile to apply, a key of O(profiles). Ignored when O(template) is given.
    type: str
    default: recommended
  profiles:
    description: Profile name to M(fleetsec.schannel.win_schannel) options (the role's C(schannel_profiles)).
    type: raw
    default: {}
  template:
    description:
      - An IIS Crypto C(.ictpl) template applied instead of a profile; found as Ansible finds files (the role's
        or playbook's C(files/) directory, or a path).
    type: str
  overrides:
    description:
      - Options merged on top of the profile or template; a mapping is merged key by key, a list replaces.
    type: raw
    default: {}
  os_keys:
    description: The Windows versions the settings are checked for.
    type: raw
    default: ["2008r2", "2012r2", "2016", "2019", "2022", "2025"]
  run_id:
    description: The run id of the play; a UTC timestamp C(YYYYMMDDTHHMMSS.ffffffZ) when left out.
    type: str
  batch:
    description:
      - The hosts of the play's current serial batch, returned as given, so that the results of exactly these hosts
        are recorded at the end of the batch (registered results of an earlier play in the same run are not).
    type: list
    elements: str
    default: []
  argument_specs:
    description:
      - The role's argument specs (the C(argument_specs) mapping of its C(meta/argument_specs.yml)). When given,
        the task first refuses C(schannel_*) extra vars that no entry point names (with the name meant, when one
        is close), and a role variable whose value differs on a host of O(check_hosts) from the value of the host
        the task runs for (the role resolves its settings once, for every host), naming the hosts and the fix. The
        connection's C(schannel_allow_insecure_transport) and what only each host's own tasks read
        (C(schannel_backup_dir), C(schannel_reboot), C(schannel_reboot_timeout)) may differ per host.
    type: dict
  check_hosts:
    description:
      - With O(argument_specs), the hosts whose role variables must equal those of the host the task runs for (the
        role gives the play's hosts in its first serial batch, so that no batch is written before a refusal).
    type: list
    elements: str
    default: []
  serial:
    description:
      - The role's C(schannel_serial), checked here before any host is touched - a whole number of hosts, a
        percentage from C(0%) to C(100%), or a list of those (as Ansible's C(serial) reads them).
    type: raw
    default: 20%
  max_fail_percentage:
    description:
      - The role's C(schannel_max_fail_percentage), checked here before any host is touched - a number from 0 to
        100, with or without a trailing C(%) (as Ansible's C(max_fail_percentage) keyword takes it).
    type: raw
    default: 0
  restore:
    description:
      - A restore's choice of what to put back, checked here before any host is touched - both a backup file and a
        run id, a run id that is not one path segment of letters, digits, C(.), C(_) or C(-), or a backup folder
        that exists but is not a directory are refused, naming the role variable.
    type: dict
    suboptions:
      backup_file:
        description: The role's C(schannel_restore_backup_file).
        type: str
      run_id:
        description: The role's C(schannel_restore_run_id).
        type: str
      backup_dir:
        description: The role's C(schannel_backup_dir).
        type: str
        required: true
attributes:
  check_mode:
    support: full
    description: Resolves only; nothing is written anywhere, so check mode changes nothing.
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
- name: Resolve the settings once for the whole play
  fleetsec.schannel.schannel_resolve:
    profile: modern
    profiles: "{{ schannel_profiles }}"
    overrides:
      ciphers:
        Triple DES 168: disabled
  run_once: true
  register: plan
"""

RETURN = r"""
settings:
  description: The M(fleetsec.schannel.win_schannel) options every host gets (for a template with
    C(minimumOSVersion) items, every item; each host gets its version's entry of RV(settings_by_os)).
  returned: success
  type: dict
settings_by_os:
  description:
    - For an IIS Crypto template whose items carry C(minimumOSVersion), the settings per Windows version in
      O(os_keys), rendered as IIS Crypto applies the template (an item for a newer Windows left out on older ones),
      overrides applied and each checked for its version. Empty otherwise.
  returned: success
  type: dict
settings_digest:
  description: C(sha256:) and the hex digest of the settings as canonical JSON.
  returned: success
  type: str
  sample: sha256:3b1f...
profile:
  description: The profile applied, or null when a template was.
  returned: success
  type: str
template:
  description: The template applied, as given, or null.
  returned: success
  type: str
template_name:
  description: The name in the template's header, or null.
  returned: success
  type: str
findings:
  description: What the policy engine warns about, per Windows version (shown by the role with -v).
  returned: success
  type: list
  elements: str
run_id:
  description: The run id, as given or taken now.
  returned: success
  type: str
  sample: 20261202T050000.123456Z
batch:
  description: O(batch), as given.
  returned: success
  type: list
  elements: str
max_fail_percentage:
  description: O(max_fail_percentage) as a number (the role's rollout guard reads it).
  returned: success
  type: float
started:
  description: When the id was taken, ISO-8601 UTC.
  returned: success
  type: str
"""
