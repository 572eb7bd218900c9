# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_schannel_restore's job: put back exactly what win_schannel backup JSONs recorded, over WMI.

Which backups, and their operations composed into one list, come from ``restore_plan``; each backup's operations
(``backup.load_backup``) are the ones its ``.reg`` twin holds: delete the keys the change created, set the prior
values back with their types, delete the values that did not exist. Every file is checked first (host, Windows
version and build, schema, every operation's type and data, managed keys and values) and the host is refused as a
whole before any write. Never lose a setting: a key the change created is deleted (with its subkeys) only when
nothing lives in it that the change did not write; otherwise it is kept, the values the change wrote are removed
from it, and a warning names it and what it holds (``Pruning``). Only what differs from the host's current state
is written, so a restore is idempotent. A reboot marker whose boot is over is removed (README "Reboots"); a
restore that needs a reboot sets it, naming itself (``restore <run id>``). A restore whose own reboot is still
pending (the marker names a restore: it ran with schannel_reboot=never, or was stopped before its reboot) requires
that reboot again even when it finds nothing more to put back, so that re-running it reboots the host into the state
it restored (docs/reboots.md). The same pre-flight as win_schannel runs on the state the host will hold
afterwards: it must keep a protocol and a suite in common with this controller when WinRM runs over HTTPS/CredSSP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils.changes import compute_changes, render_diff
from ansible_collections.fleetsec.schannel.plugins.module_utils.describe import (
    describe_state,
    described_values,
    managed_values,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.regfile import DeleteKey, SetValue
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import (
    Change,
    DesiredState,
    Snapshot,
    ValueId,
    key_id,
    value_id,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import (
    ALGORITHM_OPTIONS,
    Settings,
    parse_settings,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common import lifeline
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.backup import mark_restored
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import (
    FleetsecError,
    HostError,
    InputError,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.host_registry import (
    MARKER,
    PROTOCOLS_CONTAINER,
    RefusedError,
    marker_pending,
    needs_reboot,
    os_result,
    pending_by,
    preflight_lockout,
    read_supported_os,
    set_marker,
    write_changes,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.results import change_as_dict
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.connection import Session
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.stdregprov import (
    WBEM_E_TYPE_MISMATCH,
    StdRegProv,
    WmiReturnCodeError,
    learn_key_existence,
    read_desired,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.wmi_os import OsFacts
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.win_schannel_restore.plan import (
    Series,
    compose,
    load_series,
    plan_lines,
    under_key,
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
    for option, _kind in ALGORITHM_OPTIONS:
        raw[option] = {name: st for name, st in state[option].items() if st in _STATES}
    if isinstance(state.get("cipher_suites"), list):
        raw["cipher_suites"] = state["cipher_suites"]
    settings, _findings = parse_settings(raw)
    return settings


@dataclass
class Pruning:
    """What a restore does with the keys the undone change created (``DeleteKey``): a key in which nothing lives
    that the change did not write is deleted with its subkeys (``trees``); a key that holds anything else (another
    value, a default value, a subkey the collection does not write) is kept, with only the managed values the change
    wrote removed from it (``values``), and one warning naming it and what it holds (``kept``)."""

    trees: list[str] = field(default_factory=list)
    values: list[tuple[str, str, int]] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def holds_default(reg: StdRegProv, key: str, names: Sequence[str]) -> bool:
    """Whether ``key`` holds a default value. EnumValues does not list a default value that is the key's only
    value (it answers no names), so then it is read: absent (ReturnValue 1 or 2) or not; a default of another type
    than REG_SZ answers WBEM_E_TYPE_MISMATCH and counts as present."""
    if names:
        return "" in names
    try:
        return reg.get_string(key, "") is not None
    except WmiReturnCodeError as error:
        if error.code == WBEM_E_TYPE_MISMATCH:
            return True
        raise


def _foreign(reg: StdRegProv, key: str, managed: frozenset[ValueId], plan: Pruning) -> list[str] | None:
    """What lives in ``key``'s tree that the collection does not write (None: the key does not exist); the
    deletions that remove the rest go to ``plan``: the whole tree when nothing foreign lives there."""
    found = reg.enum_values(key)
    if found is None:
        return None
    names = [name for name, _type in found]
    foreign = ["value %r" % name for name in names if name and value_id(key, name) not in managed]
    if holds_default(reg, key, names):
        foreign.append("a default value")
    inner = Pruning()
    managed_keys = {kid for kid, _name in managed}
    for child in reg.enum_key(key) or []:
        path = key + "\\" + child
        if not any(under_key(kid, path) for kid in managed_keys):
            foreign.append("subkey %s" % child)
            continue
        below = _foreign(reg, path, managed, inner)
        foreign += ["%s in %s" % (what, child) for what in below or []]
    if not foreign:
        plan.trees.append(key)
        return foreign
    plan.trees += inner.trees
    plan.values += [(key, name, reg_type) for name, reg_type in found if name and value_id(key, name) in managed]
    plan.values += inner.values
    return foreign


def prune_created(reg: StdRegProv, keys: Sequence[str]) -> Pruning:
    """The Pruning of ``keys`` (keys a change created) as the host holds them now; keys gone already are left."""
    plan = Pruning()
    managed = managed_values()
    for key in keys:
        foreign = _foreign(reg, key, managed, plan)
        if foreign:
            plan.kept.append(
                "kept HKLM\\%s, which the change being undone created: it holds %s, which the change did not write; "
                "only the values the change wrote are removed from it. Delete the key by hand if that is meant"
                % (key, ", ".join(foreign)))
    return plan


def delete_tree(reg: StdRegProv, key: str) -> int:
    """Delete ``key`` and its subkeys, deepest first (StdRegProv.DeleteKey is not recursive); keys deleted."""
    count = 0
    for child in reg.enum_key(key) or []:
        count += delete_tree(reg, key + "\\" + child)
    reg.delete_key(key)
    return count + 1


def empty_created_parents(reg: StdRegProv, parents: list[str], deleted: list[str]) -> list[str]:
    """Of ``parents`` (keys the backed-up write created, deepest first), those that will hold nothing once
    ``deleted`` and the deeper ones are gone: no other subkey, no named value, no default value."""
    gone = {key_id(k) for k in deleted}
    empty = []
    for parent in parents:
        children = reg.enum_key(parent)
        if children is None or any(key_id(parent + "\\" + c) not in gone for c in children):
            continue
        if reg.enum_values(parent) or holds_default(reg, parent, []):
            continue
        gone.add(key_id(parent))
        empty.append(parent)
    return empty


def run_restore(session: Session, series: Series, host: str, *, allow_lockout: bool, check_mode: bool,
                run_id: str | None = None, pending_reboot_is_change: bool = False) -> dict[str, Any]:
    """Put ``series`` back on the host (restore_plan); every file checked before the first request.

    ``run_id``: this restore's run, named in the reboot marker it sets; ``pending_reboot_is_change``: report a
    change when the only thing left to do is the pending reboot of a restore (the role sets it where it may reboot),
    so that the handler notified on change reboots the host."""
    per_file, shown, created_parents = load_series(series, host)
    ops = compose(per_file)
    reg = StdRegProv(session.client)
    facts = read_supported_os(session.client)
    check_os(shown, facts, host)
    desired = DesiredState()
    for op in ops:
        if isinstance(op, SetValue):
            desired.set(op.value.key, op.value.name, op.value.type, op.value.data)
        elif not isinstance(op, DeleteKey):
            desired.absent(op.key, op.name)
    pruning = prune_created(reg, [op.key for op in ops if isinstance(op, DeleteKey)])
    wanted = {value_id(k, n): (k, n, None) for k, n in described_values(facts.os_key)}
    wanted.update({value_id(k, n): (k, n, t) for k, n, t in pruning.values})
    for vid, value in desired.items():
        key, name = desired.spelled(vid)
        wanted[vid] = (key, name, None if value is None else value.type)
    snapshot = read_desired(reg, [*wanted.values(), MARKER], [PROTOCOLS_CONTAINER])
    marker = snapshot.values.pop(value_id(MARKER[0], MARKER[1]), None)
    trees = list(pruning.trees)
    kept = [op.value.key for op in ops if isinstance(op, SetValue)]  # an older state's value keeps its key
    created_parents = [k for k in created_parents if not any(under_key(key_id(v), k[5:]) for v in kept)]
    trees += empty_created_parents(reg, [k[5:] for k in created_parents], trees)
    in_trees = [Change(v.key, v.name, v.type, v.data, None) for v in snapshot.values.values()
                if any(under_key(key_id(v.key), k) for k in trees)]
    owned = [snapshot.get(key, name) for key, name, _type in pruning.values]
    from_kept = [Change(v.key, v.name, v.type, v.data, None) for v in owned if v is not None]
    removed = {c.id for c in in_trees + from_kept}
    value_changes = from_kept + [c for c in compute_changes(desired, snapshot) if c.id not in removed]
    changes = in_trees + value_changes
    after = Snapshot(values=dict(snapshot.values))
    for change in changes:
        if change.after is None:
            after.values.pop(change.id, None)
    for value in desired.values():
        if value is not None:
            after.values[value.id] = value
    result: dict[str, Any] = {"os": os_result(facts), "series": series.how, "backups": shown,
                              "plan": plan_lines(series, shown)}
    warnings: list[str] = list(pruning.kept)
    if changes or trees:
        try:
            warnings += preflight_lockout(settings_of_state(describe_state(after, facts.os_key)), facts.os_key,
                                          session.endpoint, allow_lockout)
        except RefusedError as error:
            error.extra = result
            raise
    writes_need_reboot = any(needs_reboot(c) for c in changes) or any(
        needs_reboot(Change(k, "", 0, None, None)) for k in trees)
    earlier = pending_by(marker, facts)
    own_pending = (earlier or {}).get("playbook") == "restore"
    reboot_required = writes_need_reboot or own_pending
    if own_pending and not (changes or trees):
        result["plan"].append("nothing more to put back, but the reboot of the restore%s that put these values back "
                              "is still pending: the host reboots into them when schannel_reboot=auto"
                              % (" (run %s)" % earlier["run_id"] if earlier["run_id"] else ""))
    if marker is not None and not reboot_required and not marker_pending(marker, facts):
        # A stale reboot marker (README "Reboots"): the boot it names is over, so it goes, and its keys with it
        value_changes.append(Change(MARKER[0], MARKER[1], marker.type, marker.data, None))
        changes.append(value_changes[-1])
    result.update({
        "changed": bool(changes or trees) or (own_pending and pending_reboot_is_change and not check_mode),
        "diff": render_diff(changes),
        "changes": [change_as_dict(c) for c in changes],
        "deleted_keys": ["HKLM\\" + k for k in trees],
        "kept_keys": ["HKLM\\" + k for k in sorted({k for k, _n, _t in pruning.values})],
        "reboot_required": reboot_required,
        # A restore's reboot that is pending once this task is over: this one's writes (check mode writes nothing),
        # or an earlier restore's still (the marker); a harden's pending reboot is harden's to report.
        "reboot_pending": own_pending or (writes_need_reboot and not check_mode),
        "reboot_pending_by": {"playbook": "restore", "run_id": run_id} if writes_need_reboot and not check_mode
        else earlier if own_pending else None,
        "warnings": warnings,
    })
    if check_mode:
        return result
    if not (changes or trees):
        result["warnings"] += close_series(series)
        return result
    deleted: list[str] = []
    written: list[Change] = []
    try:
        for key in trees:
            lifeline.check()
            delete_tree(reg, key)
            deleted.append(key)
        learn_key_existence(reg, [c.key for c in value_changes if c.after is not None]
                            + [MARKER[0]] * writes_need_reboot, snapshot)
        written, error = write_changes(reg, value_changes, snapshot)
        if error is not None:
            raise error
        if writes_need_reboot:
            set_marker(reg, facts, marker, snapshot.key_exists(MARKER[0]), playbook="restore", run_id=run_id)
        elif marker is not None and not marker_pending(marker, facts):
            for key in empty_created_parents(reg, [MARKER[0], MARKER[0].rsplit("\\", 1)[0]], []):
                reg.delete_key(key)
    except lifeline.ControllerGone:
        lifeline.exit_orphan()  # nothing recorded: a restore is re-run as it is
    except FleetsecError as error:
        done = len(deleted) + len(written)
        failure = HostError(
            "restore stopped part-way after %d of %d operations (planned: %d key deletion(s), %d value(s)); re-run "
            "it to finish. Cause: %s. What it did: changes and deleted_keys in this result and in the run's result "
            "file" % (done, len(trees) + len(value_changes), len(trees), len(value_changes), error.message),
            code=error.code)
        failure.unreachable = error.unreachable
        # Only what was done: the values of the keys deleted so far, and the values written.
        done_changes = [c for c in in_trees if any(under_key(key_id(c.key), k) for k in deleted)] + written
        failure.extra = {**result, "changed": done > 0, "operations_done": done,
                         "changes": [change_as_dict(c) for c in done_changes],
                         "deleted_keys": ["HKLM\\" + k for k in deleted], "diff": render_diff(done_changes)}
        raise failure from None
    result["warnings"] += close_series(series)
    return result


def check_os(shown: Sequence[dict[str, Any]], facts: OsFacts, host: str) -> None:
    """InputError when a backup was taken on another Windows version or build than the host runs now: the host
    was reinstalled or upgraded since, and the backup describes a system that is gone."""
    now = os_result(facts)
    for entry in shown:
        then = entry.get("os") if isinstance(entry.get("os"), dict) else {}
        if then.get("key") not in (None, now["key"]) or then.get("build") not in (None, now["build"]):
            raise InputError(
                "backup_file %s was taken on %s (OS key %s, build %s) but %s runs %s (OS key %s, build %s) now: "
                "the backup belongs to the host before it was reinstalled or upgraded, and nothing was restored. "
                "Harden the host afresh; restore that backup by hand from its .reg file only if that is really meant"
                % (entry["file"], then.get("caption") or "another Windows", then.get("key"), then.get("build"),
                   host, now["caption"], now["key"], now["build"]))


def close_series(series: Series) -> list[str]:
    """The backups a restore put back no longer belong to the next change series (backup.mark_restored); a warning
    for each that cannot be marked (a file named by backup_file in a folder the controller may not write): the
    host is restored, but the next default restore would put that backup back again."""
    warnings = []
    for path in series.files:
        try:
            mark_restored(path, series.how)
        except OSError as exc:
            warnings.append("%s was put back but cannot be marked as undone (%s): a restore with the defaults "
                            "would write it again; restore by run id or by file instead" % (path, exc))
    return warnings
