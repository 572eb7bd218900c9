# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which backups a restore puts back, and the one list of operations they make together.

The rule (docs/backups-and-restore.md):

- **by default**, the change series being undone: the host's latest backup, and before it every backup whose write
  stopped part-way (a ``<stamp>.partial.json`` record beside it: a fault, or a controller killed mid-write), back to
  the first backup whose write completed. A partial run and the run that completed it are one change: the re-run's
  backup was taken of the half-written host, and only the partial run's backup holds the state before the change.
  A restore marks every backup it put back (``<stamp>.restored`` beside it, and a stopped write's record becomes
  ``<stamp>.partial.restored``): the next change series starts after them, so a backup already undone is not
  written again (when the latest backup is, there is nothing to put back, and check mode says so);
- **by run id**, the state of the host before that run: the backup that run wrote for the host and every later
  backup of the host (the runs after it changed the host too, so their backups are put back with it, as a series;
  check mode names the later runs undone with it). A run's backup is the one its result file names, or the one that
  names the run itself (``run_id`` in the backup JSON): a run whose controller was killed wrote backups but no
  result file, and its id is valid all the same;
- **by file**, exactly that file.

Backups of a series are put back newest first, each over the state the newer ones leave (``compose``), so the host
ends as the oldest one recorded. Every operation of every file must touch a value the collection manages
(``describe.managed_values``, the catalog the engine writes from) or delete a key holding one, and every entry of
``created_parents`` must be a key above a managed one, strictly below a key every Windows installation holds
(``_ALWAYS_PRESENT``): anything else is refused, naming it, before the host is contacted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.describe import managed_values
from ansible_collections.fleetsec.schannel.plugins.module_utils.regfile import DeleteKey, DeleteValue, RegOp, SetValue
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import key_id, value_id
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.backup import (
    backups_in,
    host_folder,
    load_backup,
    partial_record_path,
    restored_at,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.run_record import check_run_id, result_path


@dataclass(frozen=True)
class Series:
    """The backups a restore puts back, newest first, and how they were chosen (shown in check mode)."""

    files: tuple[Path, ...]
    how: str
    # The run that wrote each file, from the result files that name it (None: no result file names it, as for a
    # run whose controller was killed).
    runs: tuple[str | None, ...] = ()


def _run_named(path: Path, field: str) -> Any:
    """``field`` of the JSON object in ``path`` (None when it cannot be read)."""
    try:
        return json.loads(path.read_text(encoding="utf-8")).get(field)
    except (OSError, ValueError, AttributeError):
        return None


def backups_by_run(backup_dir: str, report_dir: Path, host: str) -> dict[str, str]:
    """Run id -> the backup file that run wrote for ``host`` (the runs ``run_id`` can be), oldest backup first:
    the backup its result file names, or a backup in the host's folder that names the run (a run killed before it
    wrote its result file)."""
    runs = {}
    for record in sorted(report_dir.glob("*/%s.json" % host)) if report_dir.is_dir() else []:
        backup = _run_named(record, "backup_file")
        if backup:
            runs[record.parent.name] = str(backup)
    for backup in backups_in(host_folder(backup_dir, host)):
        run = _run_named(backup, "run_id")
        if isinstance(run, str) and run not in runs:
            runs[run] = str(backup)
    return dict(sorted(runs.items(), key=lambda item: Path(item[1]).name))


def latest_series(backup_dir: str, report_dir: str, host: str) -> Series:
    """The host's last change series (module docstring); InputError naming the folder when it holds no backup."""
    folder = host_folder(backup_dir, host)
    found = backups_in(folder)
    if not found:
        raise InputError(
            "no backup of %s in %s (schannel_backup_dir / backup_dir): nothing that win_schannel changed on this "
            "host is recorded there. Set schannel_backup_dir to the folder harden wrote its backups to, or name "
            "one backup with schannel_restore_backup_file" % (host, folder))
    undone = restored_at(found[-1])
    if undone:
        return Series((), "nothing to put back on %s: its latest backup %s was already undone by a restore (%s), "
                      "and the change series start after the backups a restore undid; to write one of them again, "
                      "name it with schannel_restore_backup_file" % (host, found[-1].stem, undone))
    series = [found.pop()]
    while found and partial_record_path(found[-1]).exists() and not restored_at(found[-1]):
        series.append(found.pop())
    stopped = len(series) - 1 + partial_record_path(series[0]).exists()
    how = "the latest change series of %s: %d backup(s) from %s to %s" % (
        host, len(series), series[-1].stem, series[0].stem)
    if stopped:
        how += " (%d write(s) stopped part-way and the run(s) after them are one change), back to the state " \
               "before %s" % (stopped, series[-1].stem)
    run_of = {backup: run for run, backup in backups_by_run(backup_dir, Path(report_dir).expanduser(), host).items()}
    return Series(tuple(series), how, tuple(run_of.get(str(path)) for path in series))


def run_series(backup_dir: str, report_dir: str, run_id: str, host: str) -> Series:
    """The backup run ``run_id`` wrote for ``host`` and every later backup of the host beside it, newest first;
    InputError listing the runs that have one otherwise."""
    reports = Path(report_dir).expanduser()
    record_file = result_path(reports, run_id, host)
    by_run = backups_by_run(backup_dir, reports, host)
    choices = ("runs with a backup of %s: %s" % (host, ", ".join(by_run)) if by_run
               else "no run in %s or %s wrote a backup of %s" % (reports, host_folder(backup_dir, host), host))
    if run_id not in by_run:
        if record_file.exists():
            raise InputError("schannel_restore_run_id %r changed nothing on %s (its result file names no backup, "
                             "and no backup names the run), so there is nothing of that run to undo; %s"
                             % (run_id, host, choices))
        raise InputError("schannel_restore_run_id %r: no result file of %s in %s (%s) and no backup in %s names "
                         "that run; %s. Give one of those run ids, or leave it out to restore the host's latest "
                         "change" % (run_id, host, reports, record_file, host_folder(backup_dir, host), choices))
    first = Path(by_run[run_id])
    later = [p for p in backups_in(first.parent) if p.name > first.name]
    files = (*reversed(later), first)
    run_of = {backup: run for run, backup in by_run.items()}
    how = "the backup run %s wrote for %s: the state before that run" % (run_id, host)
    if later:
        runs = [run_of.get(str(p)) or "%s (no run named)" % p.stem for p in later]
        how += ", so the %d later backup(s) of the host (runs %s) are undone with it" % (len(later), ", ".join(runs))
    return Series(files, how, tuple(run_of.get(str(path)) for path in files))


def choose_series(host: str, *, backup_file: str | None, run_id: str | None, backup_dir: str,
                  report_dir: str) -> Series:
    """One file, one run's backup, or the latest change series (check_choice refuses both given)."""
    check_choice(backup_file, run_id, backup_dir)
    if backup_file:
        return Series((Path(backup_file).expanduser(),), "the file given (backup_file), exactly")
    if run_id:
        return run_series(backup_dir, report_dir, run_id, host)
    return latest_series(backup_dir, report_dir, host)


def check_choice(backup_file: str | None, run_id: str | None, backup_dir: str) -> None:
    """InputError, before any host is contacted, for a restore whose input cannot mean one thing: both a file and
    a run id, a run id that is not one (it names a folder under the report directory), a backup folder that is a
    file."""
    if backup_file and run_id:
        raise InputError("schannel_restore_run_id (%s) and schannel_restore_backup_file (%s) are both given, and "
                         "each chooses what to put back: give only one of them (a run id for the state before that "
                         "run, a file for exactly that backup)" % (run_id, backup_file))
    if run_id:
        check_run_id(run_id, "schannel_restore_run_id")
    folder = Path(backup_dir).expanduser()
    if folder.exists() and not folder.is_dir():
        raise InputError("schannel_backup_dir %s is not a directory: set it to the folder harden wrote its backups "
                         "to (one folder per host in it), such as ~/.ansible/fleetsec_schannel/backups" % folder)


def check_managed(ops: Sequence[RegOp], where: str) -> None:
    """InputError naming the first operation outside what the collection manages."""
    managed = managed_values()
    managed_keys = {kid for kid, _name in managed}
    for index, op in enumerate(ops):
        if isinstance(op, DeleteKey):
            ok, what = key_id(op.key) in managed_keys, "delete_key HKLM\\%s" % op.key
        elif isinstance(op, DeleteValue):
            ok, what = value_id(op.key, op.name) in managed, "delete_value HKLM\\%s %r" % (op.key, op.name)
        else:
            value = op.value
            ok, what = value_id(value.key, value.name) in managed, "set_value HKLM\\%s %r" % (value.key, value.name)
        if not ok:
            raise InputError(
                "%s restore[%d]: %s is outside the Schannel keys and values this collection manages, so the "
                "backup was not written by win_schannel as it stands (edited, corrupted, or another tool's); "
                "nothing was restored. Restore another backup, or put that value back by hand"
                % (where, index, what))


# Keys every Windows installation holds (the hives' own structure, the SCHANNEL key Windows ships, the .NET and
# Internet Settings keys of the OS), so no write of the collection creates them: a created parent lies below one.
_ALWAYS_PRESENT = (
    catalog.SCHANNEL_KEY,
    r"SOFTWARE\Policies\Microsoft",
    r"SYSTEM\CurrentControlSet\Control\Lsa",
    r"SOFTWARE\Microsoft\.NETFramework",
    r"SOFTWARE\Wow6432Node\Microsoft\.NETFramework",
    r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings",
    r"SOFTWARE\Wow6432Node\Microsoft\Windows\CurrentVersion\Internet Settings",
)


def check_created_parents(parents: Sequence[str], where: str) -> None:
    """InputError naming the first ``created_parents`` entry a write of the collection cannot have created: it
    must lie above a managed key (or be one) and strictly below a key every installation holds."""
    managed_keys = {kid for kid, _name in managed_values()}
    for index, parent in enumerate(parents):
        kid = key_id(parent[5:])
        if not (any(under_key(managed, kid) for managed in managed_keys)
                and any(kid != key_id(root) and under_key(kid, root) for root in _ALWAYS_PRESENT)):
            raise InputError(
                "%s created_parents[%d]: %s is not a key above the Schannel, .NET, WinHTTP or policy keys this "
                "collection manages, so no write of it created that key (the backup was edited, corrupted, or "
                "another tool's); nothing was restored. Restore another backup, or remove that key by hand if it "
                "really must go" % (where, index, parent))


def load_series(series: Series, host: str) -> tuple[list[list[RegOp]], list[dict[str, Any]], list[str]]:
    """Each file's operations (newest first), a summary of it, and the parent keys the series' writes created
    (``created_parents``, deepest first), after the host, schema and managed checks."""
    per_file, shown, parents = [], [], []
    for path, run in zip(series.files, series.runs or [None] * len(series.files), strict=True):
        document, ops = load_backup(str(path))
        if str(document.get("host")) != host:
            raise InputError("backup_file %s was written for host %r, not %r: restore it on that host"
                             % (path, document.get("host"), host))
        check_managed(ops, "backup_file %s" % path)
        check_created_parents(document.get("created_parents", []), "backup_file %s" % path)
        per_file.append(ops)
        parents += [k for k in document.get("created_parents", []) if k not in parents]
        shown.append({"file": str(path), "run_id": run, "created": document.get("created"), "operations": len(ops),
                      "stopped_part_way": partial_record_path(path).exists(), "os": document.get("os"),
                      "undone": restored_at(path)})
    parents.sort(key=lambda k: k.count("\\"), reverse=True)
    return per_file, shown, parents


def plan_lines(series: Series, shown: Sequence[dict[str, Any]]) -> list[str]:
    """What check mode shows of a restore before its values: how the backups were chosen, then each file."""
    return [series.how] + ["%s (%s%s%s, %d operation(s))" % (
        entry["file"], "run %s" % entry["run_id"] if entry["run_id"] else "no result file names it",
        ", its write stopped part-way" if entry["stopped_part_way"] else "",
        ", already undone by a restore (%s)" % entry["undone"] if entry.get("undone") else "",
        entry["operations"]) for entry in shown]


def compose(per_file: Sequence[Sequence[RegOp]]) -> list[RegOp]:
    """The operations of backups put back one after another (newest first) as one list: key deletions, then the
    value each value ends with. An older backup's operation wins over a newer one's on the same value; a key an
    older backup deletes takes the newer values under it along."""
    doomed: dict[str, str] = {}
    values: dict[Any, RegOp] = {}
    for ops in per_file:
        for op in ops:
            if isinstance(op, DeleteKey):
                kid = key_id(op.key)
                doomed[kid] = op.key
                values = {vid: v for vid, v in values.items() if not under_key(vid[0], kid)}
                continue
            key, name = (op.value.key, op.value.name) if isinstance(op, SetValue) else (op.key, op.name)
            values[value_id(key, name)] = op
            if isinstance(op, SetValue):  # the key must exist again: an older state had this value in it
                doomed = {kid: k for kid, k in doomed.items() if not under_key(key_id(key), kid)}
    return [DeleteKey(k) for k in doomed.values()] + list(values.values())


def under_key(kid: str, parent: str) -> bool:
    """Whether key id ``kid`` is ``parent`` or below it."""
    parent_kid = key_id(parent)
    return kid == parent_kid or kid.startswith(parent_kid + "\\")
