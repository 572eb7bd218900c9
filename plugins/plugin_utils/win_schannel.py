# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_schannel's job on one host: read, pre-flight, diff, backup, write, mark, read back. One WinRM session.

Cost on the wire (WS-Man requests): 1 WQL query for the OS, 1 EnumKey of the SCHANNEL Protocols container, 1 Get
of the reboot marker, then 1 typed Get per managed value (none under a protocol key the host lacks). A write costs
1 request per value written or deleted, plus 1 CreateKey per key that did not exist, plus the marker; the read-back
is 1 Get per value written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.changes import render_diff
from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import ERROR, WARNING
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import (
    Change,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import POLICY_OPTIONS, Settings
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.backup import (
    DEFAULT_BACKUP_DIR,
    INTERRUPTED,
    backups_in,
    host_dir,
    partial_record_path,
    write_backup,
    write_partial_record,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import FleetsecError, HostError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.host_registry import (
    MARKER,
    RefusedError,
    marker_pending,
    needs_reboot,
    os_result,
    pending_by,
    preflight_lockout,
    read_back,
    read_host,
    set_marker,
    write_changes,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.lifeline import ControllerGone, exit_orphan
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.policy import parse_or_raise, settings_for_os
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.results import change_as_dict, findings_result
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.timestamps import stamp
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.connection import Session
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.stdregprov import (
    StdRegProv,
    learn_key_existence,
)


@dataclass(frozen=True)
class Options:
    """win_schannel's module options (the settings stay raw until the engine parses them)."""

    settings: Mapping[str, Any]
    backup: bool = True
    # Settings per Windows version key (an IIS Crypto template rendered per version); when given, ``settings`` is
    # not used and the host's entry is taken once its version is read.
    settings_by_os: Mapping[str, Mapping[str, Any]] | None = None
    backup_dir: str = DEFAULT_BACKUP_DIR
    allow_lockout: bool = False
    check_mode: bool = False
    # Applied with nothing to write but a reboot still pending (an earlier run's, schannel_reboot: never): report a
    # change, so that a handler notified on change reboots the host (the role sets it where the play may reboot).
    pending_reboot_is_change: bool = False
    # The id of the run this task belongs to: recorded in the backup, the partial-write record and the reboot marker,
    # so that a restore by run id finds a run whose controller was killed before it wrote its result file.
    run_id: str | None = None
    # The rendered diff only with --diff, as Ansible's modules return it: at fleet size the controller's single
    # process handles every host's result, and the diff was a third of it.
    diff: bool = False


def run_schannel(session: Session, options: Options, host: str) -> dict[str, Any]:
    """The whole win_schannel task for one host; raises FleetsecError subclasses for to_result()."""
    by_os = options.settings_by_os
    wanted: Settings | Callable[[str], Settings] = (
        parse_or_raise(options.settings) if by_os is None
        else lambda os_key: parse_or_raise(settings_for_os(by_os, os_key)))  # only the host's version is parsed
    reg = StdRegProv(session.client)
    state = read_host(reg, wanted)
    settings, facts, engine = state.settings, state.os, state.findings
    result: dict[str, Any] = {"os": os_result(facts), "findings": findings_result(engine)}
    errors = [f for f in engine if f.severity == ERROR]
    if errors:
        error = RefusedError(
            "settings refused for %s: %s" % (catalog.os_label(facts.os_key), "; ".join(
                "%s: %s" % (f.field, f.message) for f in errors)), code=errors[0].code)
        error.extra = result
        raise error
    warnings = ["%s: %s" % (f.field, f.message) for f in engine if f.severity == WARNING]
    changes = state.changes
    if changes:
        try:
            warnings += preflight_lockout(settings, facts.os_key, session.endpoint, options.allow_lockout)
        except RefusedError as error:
            error.extra = result
            raise
    reboot_required = any(needs_reboot(c) for c in changes)
    # Pending means written and not yet read by Schannel: check mode writes nothing, so there only the marker counts.
    already_pending = marker_pending(state.marker, facts)
    result.update({
        "changed": bool(changes) or (options.pending_reboot_is_change and not options.check_mode and already_pending),
        "changes": [change_as_dict(c) for c in changes],
        "reboot_required": reboot_required,
        "reboot_pending": already_pending or (reboot_required and not options.check_mode),
        # Which run's writes the pending reboot brings into effect (host_registry.pending_by): a restore's, or harden's.
        "reboot_pending_by": pending_by(state.marker, facts),
        "warnings": warnings,
        "backup_file": None,
        "readback": None,
    })
    if options.diff:
        result["diff"] = render_diff(changes)
    if options.check_mode or not changes:
        if not changes:
            result["readback"] = None if options.check_mode else {"ok": True, "differences": []}
        return result

    run_stamp = stamp()
    folder = host_dir(options.backup_dir, host)
    try:
        learn_key_existence(reg, [c.key for c in changes if c.after is not None]
                            + [MARKER[0]] * reboot_required, state.snapshot)
    except FleetsecError as error:
        error.extra = result
        raise
    warnings += earlier_stops(folder)
    if options.backup:
        files = write_backup(folder, run_stamp, host, changes=changes, snapshot=state.snapshot,
                             os_info=result["os"], run_id=options.run_id)
        result["backup_file"] = str(files.json_path)
    # Until the write ends, a record says it has not: what is left of a worker killed with its controller.
    record = write_partial_record(folder, run_stamp, host, written=[], not_written=map(change_as_dict, changes),
                                  error=INTERRUPTED, backup_file=result["backup_file"])
    written, error = write_changes(reg, changes, state.snapshot)
    if error is not None:
        stopped = partial_write_error(error, folder, run_stamp, host, written=written, changes=changes,
                                      result=result, already_pending=already_pending)
        if isinstance(error, ControllerGone):
            exit_orphan()
        raise stopped
    if reboot_required:
        set_marker(reg, facts, state.marker, state.snapshot.key_exists(MARKER[0]), run_id=options.run_id)
        result["reboot_pending_by"] = {"playbook": "harden", "run_id": options.run_id}
    record.unlink()
    result["readback"] = read_back(reg, written)
    if not result["readback"]["ok"]:
        failure = HostError("read-back after the write differs from what was written (another writer, or a "
                            "policy reverting it): %d value(s)" % len(result["readback"]["differences"]),
                            code="readback")
        failure.extra = result
        raise failure
    return result


def earlier_stops(folder: Path) -> list[str]:
    """A warning when the host's latest backup is of a write that stopped part-way: this run completes it, and a
    restore with defaults undoes both runs as one change (restore_plan)."""
    backups = backups_in(folder)
    if not backups or not partial_record_path(backups[-1]).exists():
        return []
    return ["the write of %s stopped part-way (%s): this run completes it, and a restore with defaults undoes both "
            "as one change" % (backups[-1].stem, partial_record_path(backups[-1]))]


def partial_write_error(
    error: FleetsecError, folder: Path, run_stamp: str, host: str, *, written: Sequence[Change],
    changes: Sequence[Change], result: dict[str, Any], already_pending: bool,
) -> FleetsecError:
    """The write error, with what was and was not written in the result and in a record beside the backup.

    The reboot it reports is the one the values actually written need (none when nothing was written).
    """
    done = [change_as_dict(c) for c in written]
    left = [change_as_dict(c) for c in changes[len(written):]]
    record = write_partial_record(folder, run_stamp, host, written=done, not_written=left, error=error.message,
                                  backup_file=result.get("backup_file"))
    error.message = "write stopped after %d of %d values (record: %s): %s" % (
        len(written), len(changes), record, error.message)
    error.args = (error.message,)
    reboot_required = any(needs_reboot(c) for c in written)
    error.extra = {**result, "changed": bool(written), "reboot_required": reboot_required,
                   "reboot_pending": already_pending or reboot_required,
                   "partial": {"written": done, "not_written": left, "record_file": str(record)}}
    return error


def settings_from_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """The policy options of win_schannel's arguments: those given (None = not managed)."""
    return {k: v for k, v in args.items() if k in POLICY_OPTIONS and v is not None}
