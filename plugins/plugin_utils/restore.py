# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_schannel_restore's job: put back exactly what win_schannel backup JSONs recorded, over WMI.

Which backups, and their operations composed into one list, come from ``restore_plan``; each backup's operations
(``backup.load_backup``) are the ones its ``.reg`` twin holds: delete the keys the change
created (with everything below them), set the prior values back with their types, delete the values that did not
exist. Only what differs from the host's current state is written, so a restore is idempotent. The same pre-flight
as win_schannel runs on the state the host will hold afterwards: it must keep a protocol and a suite in common with
this controller when WinRM runs over HTTPS/CredSSP.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils.changes import compute_changes, render_diff
from ansible_collections.fleetsec.schannel.plugins.module_utils.describe import describe_state, described_values
from ansible_collections.fleetsec.schannel.plugins.module_utils.regfile import DeleteKey, SetValue
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import (
    Change,
    DesiredState,
    Snapshot,
    key_id,
    value_id,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import Settings, parse_settings
from ansible_collections.fleetsec.schannel.plugins.plugin_utils import lifeline
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.apply import (
    RefusedError,
    preflight_lockout,
    write_changes,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.backup import close_partial_record
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.connection import Session
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.drift import change_as_dict
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.errors import FleetsecError, HostError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.host_state import (
    MARKER,
    PROTOCOLS_CONTAINER,
    needs_reboot,
    os_result,
    read_supported_os,
    set_marker,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.restore_plan import (
    Series,
    compose,
    load_series,
    plan_lines,
    under_key,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.stdregprov import (
    WBEM_E_TYPE_MISMATCH,
    StdRegProv,
    WmiReturnCodeError,
    learn_key_existence,
    read_desired,
)

_STATES = {"enabled", "disabled", "default"}


def settings_of_state(state: dict[str, Any]) -> Settings:
    """A described state (describe_state) as Settings, for the lock-out check of what a restore leaves behind.

    ``disabled_by_default`` counts as disabled (not negotiated unless asked for); invalid or mixed entries are left
    to the OS default.
    """
    raw: dict[str, Any] = {"protocols": {}}
    for name, sides in state["protocols"].items():
        raw["protocols"][name] = {
            side: "disabled" if st == "disabled_by_default" else st for side, st in sides.items() if st != "invalid"
        }
    for option in ("ciphers", "hashes", "key_exchanges"):
        raw[option] = {name: st for name, st in state[option].items() if st in _STATES}
    if isinstance(state.get("cipher_suites"), list):
        raw["cipher_suites"] = state["cipher_suites"]
    settings, _findings = parse_settings(raw)
    return settings


def delete_tree(reg: StdRegProv, key: str) -> int:
    """Delete ``key`` and its subkeys, deepest first (StdRegProv.DeleteKey is not recursive); keys deleted."""
    count = 0
    for child in reg.enum_key(key) or []:
        count += delete_tree(reg, key + "\\" + child)
    reg.delete_key(key)
    return count + 1


def empty_created_parents(reg: StdRegProv, parents: list[str], deleted: list[str]) -> list[str]:
    """Of ``parents`` (keys the backed-up write created, deepest first), those that will hold nothing once
    ``deleted`` and the deeper ones are gone: no other subkey, no named value, no default value.

    EnumValues does not list a default value that is the key's only value (it answers no names), so the default value
    is read too: absent (ReturnValue 1 or 2) or not; a default of another type than REG_SZ answers WBEM_E_TYPE_MISMATCH
    and counts as present.
    """
    gone = {key_id(k) for k in deleted}
    empty = []
    for parent in parents:
        children = reg.enum_key(parent)
        if children is None or any(key_id(parent + "\\" + c) not in gone for c in children):
            continue
        if reg.enum_values(parent):
            continue
        try:
            if reg.get_string(parent, "") is not None:
                continue
        except WmiReturnCodeError as error:
            if error.code == WBEM_E_TYPE_MISMATCH:
                continue
            raise
        gone.add(key_id(parent))
        empty.append(parent)
    return empty


def run_restore(session: Session, series: Series, host: str, *, allow_lockout: bool,
                check_mode: bool) -> dict[str, Any]:
    """Put ``series`` back on the host (restore_plan); every file checked before the first request."""
    per_file, shown, created_parents = load_series(series, host)
    ops = compose(per_file)
    backup_file = ", ".join(str(p) for p in series.files)
    reg = StdRegProv(session.client)
    facts = read_supported_os(session.client)
    doomed = [op.key for op in ops if isinstance(op, DeleteKey)]
    desired = DesiredState()
    for op in ops:
        if isinstance(op, SetValue):
            desired.set(op.value.key, op.value.name, op.value.type, op.value.data)
        elif not isinstance(op, DeleteKey):
            desired.absent(op.key, op.name)
    wanted = {value_id(k, n): (k, n, None) for k, n in described_values(facts.os_key)}
    for vid, value in desired.items():
        key, name = desired.spelled(vid)
        wanted[vid] = (key, name, None if value is None else value.type)
    snapshot = read_desired(reg, [*wanted.values(), MARKER], [PROTOCOLS_CONTAINER])
    marker = snapshot.values.pop(value_id(MARKER[0], MARKER[1]), None)
    present_doomed = [k for k in doomed if reg.enum_key(k) is not None]
    kept = [op.value.key for op in ops if isinstance(op, SetValue)]  # an older state's value keeps its key
    created_parents = [k for k in created_parents if not any(under_key(key_id(v), k[5:]) for v in kept)]
    present_doomed += empty_created_parents(reg, [k[5:] for k in created_parents], present_doomed)
    removed = [
        Change(v.key, v.name, v.type, v.data, None) for v in snapshot.values.values()
        if any(under_key(key_id(v.key), k) for k in present_doomed)
    ]
    changes = removed + compute_changes(desired, snapshot)
    after = Snapshot(values=dict(snapshot.values))
    for change in changes:
        if change.after is None:
            after.values.pop(change.id, None)
    for value in desired.values():
        if value is not None:
            after.values[value.id] = value
    result: dict[str, Any] = {"os": os_result(facts), "series": series.how, "backups": shown,
                              "plan": plan_lines(series, shown)}
    warnings: list[str] = []
    if changes or present_doomed:
        try:
            warnings = preflight_lockout(settings_of_state(describe_state(after, facts.os_key)), facts.os_key,
                                         session.endpoint, allow_lockout)
        except RefusedError as error:
            error.extra = result
            raise
    reboot_required = any(needs_reboot(c) for c in changes) or any(
        needs_reboot(Change(k, "", 0, None, None)) for k in present_doomed)
    result.update({
        "changed": bool(changes or present_doomed),
        "diff": render_diff(changes),
        "changes": [change_as_dict(c) for c in changes],
        "deleted_keys": ["HKLM\\" + k for k in present_doomed],
        "reboot_required": reboot_required,
        "warnings": warnings,
    })
    if check_mode:
        return result
    if not result["changed"]:
        close_series(series)
        return result
    try:
        for key in present_doomed:
            lifeline.check()
            delete_tree(reg, key)
        value_changes = [c for c in changes if c not in removed]
        learn_key_existence(reg, [c.key for c in value_changes if c.after is not None]
                            + [MARKER[0]] * reboot_required, snapshot)
        _written, error = write_changes(reg, value_changes, snapshot)
        if error is not None:
            raise error
        if reboot_required:
            set_marker(reg, facts, marker, snapshot.key_exists(MARKER[0]))
    except lifeline.ControllerGone:
        lifeline.exit_orphan()  # nothing recorded: a restore is re-run as it is
    except FleetsecError as error:
        failure = HostError("restore from %s stopped part-way (re-run it to finish): %s" % (backup_file, error.message),
                            code=error.code)
        failure.unreachable = error.unreachable
        failure.extra = result
        raise failure from None
    close_series(series)
    return result


def close_series(series: Series) -> None:
    """The stopped writes a restore undid no longer belong to the next change series (backup.close_partial_record)."""
    for path in series.files:
        close_partial_record(path)
