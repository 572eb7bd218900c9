# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""schannel_results' job: every host's result file of a run, in one task; the run's summary, rollout and verdict.

The play tells it where each host's results were registered (``registered``) and what an earlier batch of the
same run recorded (``previous``, the ``schannel_last_run`` fact the previous call returned): it reads nothing of the
play by name.
"""

from __future__ import annotations

import json
import shlex
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common import run_record as host_result
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.batch import full_result
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.run_record import RunInfo


def _impact_for(impact: Any, apply: Any) -> Any:
    """The pre-flight client_impact result for the host's Windows version (the role runs it once per version)."""
    if not isinstance(impact, Mapping) or not isinstance(apply, Mapping):
        return None
    os_key = (apply.get("os") or {}).get("key")
    for item in impact.get("results") or []:
        if item.get("item") == os_key and not item.get("skipped"):
            return {k: item.get(k) for k in ("clients", "cut_off", "required_cut_off", "disagreements")}
    return None


def _tls_for(tls: Any, host: str) -> Any:
    """The host's TLS scan: its entry in the batch scan the role runs once (``hosts``), or a per-host result."""
    if isinstance(tls, Mapping) and isinstance(tls.get("hosts"), Mapping):
        return tls["hosts"].get(host)
    return tls


@dataclass(frozen=True)
class Registered:
    """The variables under which the play registered each host's results (the task's ``registered`` option)."""

    apply: str
    reboot: str | None = None
    tls: str | None = None
    impact: str | None = None


def registered_names(given: Mapping[str, Any] | None, summary: bool) -> Registered | None:
    """The ``registered`` option as typed names; InputError when recording without it (a summary reads files)."""
    if summary:
        return None
    if not given or not given.get("apply"):
        raise InputError("registered.apply is required unless summary=true: name the variable the play registered "
                         "win_schannel's (or win_schannel_restore's) result in", code="registered")
    return Registered(**{name: given.get(name) for name in ("apply", "reboot", "tls", "impact")})


def run_info(args: Mapping[str, Any], check_mode: bool) -> RunInfo:
    """The run as the task was given it (schannel_resolve's result), with its playbook and mode."""
    plan = args["run"]
    return RunInfo(
        run_id=plan["run_id"],
        playbook=args["playbook"],
        mode=args["mode"] or ("check" if check_mode else "apply"),
        profile=plan.get("profile"),
        template=plan.get("template"),
        settings=plan.get("settings") or {},
        settings_digest=plan.get("settings_digest") or "",
        settings_by_os=plan.get("settings_by_os") or {},
        settings_digest_by_os=plan.get("settings_digest_by_os") or {},
        started=plan.get("started") or "",
    )


def record_results(
    args: Mapping[str, Any],
    run: RunInfo,
    *,
    registered_of: Callable[[str], Mapping[str, Any]],
    address_of: Callable[[Mapping[str, Any], str], str],
    run_vars: Mapping[str, Any],
) -> dict[str, Any]:
    """The task's result: every host's record written (or, with ``summary``, read), then the rollout, the summary
    or the verdict.

    ``registered_of(host)`` gives a host's variables as stored, ``address_of(registered, host)`` its address,
    ``run_vars`` the variables of the task's own host (where a run-once result such as client_impact's is).
    """
    result: dict[str, Any] = {}
    names = registered_names(args.get("registered"), args["summary"])
    impact = task_value(run_vars, names.impact) if names else None  # run once: the same on every host
    written: list[str] = []
    records: dict[str, dict[str, Any]] = {}
    for host in args["hosts"]:
        path = host_result.result_path(args["report_dir"], run.run_id, host)
        if names is None:  # read only: a host this run did not reach may hold results of an earlier play
            if path.exists():
                records[host] = host_result.read(path)
            continue
        registered = registered_of(host)
        apply = full_result(registered, registered.get(names.apply), host)  # a check's whole entry: in its batch
        if apply is None:
            continue  # not reached yet in this run (a later serial batch), or not a host of this play
        record = host_result.build(
            run, host, address_of(registered, host), apply,
            reboot=task_value(registered, names.reboot), tls=_tls_for(task_value(registered, names.tls), host),
            impact=_impact_for(impact, apply),
        )
        written.append(str(host_result.write(args["report_dir"], record)))
        records[host] = record
    result.update(
        changed=False,
        written=written,
        run_dir=str(host_result.run_dir(args["report_dir"], run.run_id)),
        statuses={host: record["status"] for host, record in records.items()},
        counts=dict(Counter(record["status"] for record in records.values())),
    )
    # Where the run is recorded, for the summary that closes it (after the play's last serial batch, or the
    # batch that stopped the rollout): the hosts of every batch of this play so far.
    previous = args.get("previous") or {}
    hosts = list(args["hosts"])
    same_run = (previous.get("run") or {}).get("run_id") == run.run_id and previous.get("context") == args["context"]
    if same_run:
        hosts = previous["hosts"] + [host for host in hosts if host not in previous["hosts"]]
    play_hosts = args["play_hosts"] or previous.get("play_hosts") or hosts
    not_started = [host for host in play_hosts if host not in records]
    # The hosts whose own task ended them failed or unreachable in an earlier batch of the run (record.yml).
    marked: dict[str, str] = dict(previous.get("marked") or {}) if same_run else {}
    if args["verdict"]:  # its message is all a person needs to read there
        return {"changed": False, **verdict(
            records, playbook=args["playbook"], context=args["context"], run_dir=result["run_dir"],
            rollout_stopped=args["rollout_stopped"], not_started=[] if args["host_outcome"] else not_started,
            marked=None if args["host_outcome"] else marked)}
    if args["summary"]:
        result["lines"] = summary_lines(records, not_started, args["context"])
        closing = verdict(records, playbook=args["playbook"], context=args["context"], run_dir=result["run_dir"],
                          rollout_stopped=args["rollout_stopped"], not_started=not_started, marked=None)
        if closing:
            result["lines"].append("exit code %d: %s" % (4 if closing.get("unreachable") else 2, closing["msg"]))
        result["warnings"] = impact_warnings(records) + deferred_warnings(records)
    else:
        result["rollout"] = rollout(records, args["hosts"], play_hosts, hosts, args["max_fail_percentage"],
                                    outcome=lambda record: host_outcome(record, args["playbook"], args["context"]))
        marked.update(result["rollout"]["marks"])
    result["ansible_facts"] = {"schannel_last_run": {
        "report_dir": args["report_dir"], "run": args["run"], "playbook": args["playbook"], "hosts": hosts,
        "play_hosts": play_hosts, "mode": run.mode, "context": args["context"], "marked": marked,
    }}
    return result


def task_value(variables: Mapping[str, Any], name: str | None) -> Any:
    """A registered result by its variable's name (None when the play names none)."""
    return variables.get(name) if name else None


def impact_warnings(records: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The client-impact prediction said once per run: only for the Windows versions the run's hosts have, the
    versions that cut off the same clients in one warning, each naming its hosts (the pre-flight predicts for every
    version before any host is read, and says nothing itself)."""
    groups: dict[tuple[str, tuple[str, ...]], dict[str, list[str]]] = {}
    for host, record in sorted(records.items()):
        impact = (record.get("verification") or {}).get("client_impact") or {}
        cut = tuple("%s (%s)" % (c.get("name"), c.get("reason")) for c in impact.get("clients") or []
                    if not c.get("connects"))
        os_key = (record.get("os") or {}).get("key")
        if cut and os_key in catalog.OS_INFO:
            subject = "`%s`" % record["profile"] if record.get("profile") else "these settings"
            groups.setdefault((subject, cut), {}).setdefault(catalog.os_label(os_key), []).append(host)
    warnings = []
    for (subject, cut), versions in groups.items():
        where = ", ".join("%s (%s)" % (label, ", ".join(hosts) if len(hosts) <= 5 else "%d hosts" % len(hosts))
                          for label, hosts in versions.items())
        warnings.append("applying %s on %s cuts off: %s" % (subject, where, "; ".join(cut)))
    return warnings


def deferred_warnings(records: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """One warning for the hosts whose TLS verification waits for their reboot (schannel_reboot=never)."""
    hosts = sorted(host for host, record in records.items()
                   if (record.get("verification") or {}).get("tls_deferred"))
    if not hosts:
        return []
    return ["TLS verification deferred on %d host(s): %s; a reboot is pending there (schannel_reboot=never) and "
            "Schannel runs the new settings only after it, so the run's exit code does not say they are verified: "
            "run fleetsec.schannel.compliance after rebooting them" % (len(hosts), ", ".join(hosts))]


def host_outcome(record: Mapping[str, Any], playbook: str, context: Mapping[str, Any]) -> str | None:
    """What a host's record makes of it for the recap and the exit code: ``unreachable`` (exit 4), ``failed`` (2: it
    failed, or a check found it drifted or its reboot pending, or harden or restore with --check would change it,
    with schannel_fail_on_drift), or None (ok)."""
    status = record["status"]
    if status in ("unreachable", "failed"):
        return status
    if not context.get("fail_on_drift"):
        return None
    checked = playbook in ("drift", "compliance")
    if status in ("drifted", "reboot_pending") and checked:
        return "failed"
    if status == "drifted" and not checked and record.get("mode") == "check":
        return "failed"
    return None


def rollout(records: Mapping[str, Mapping[str, Any]], batch: list[str], play_hosts: list[str], recorded: list[str],
            max_fail_percentage: float, *, outcome: Callable[[Mapping[str, Any]], str | None]) -> dict[str, Any]:
    """What the batch just recorded means for the rollout (DESIGN "Rollout").

    ``stop``: more than ``max_fail_percentage`` percent of the batch are hosts whose change failed or broke them
    (host_result.changed_the_host); a host never touched (unreachable, refused before any write) does not count.
    ``last``: no host of the play is left for a later batch. The role closes the run (its summary) after a batch
    that is either, and Ansible starts no further batch after one that stops the rollout (record.yml).
    ``marks``: the hosts of the batch that end with their own ``failed`` or ``unreachable`` task result
    (``outcome``, host_outcome), so that the recap and ansible-playbook's exit code name them (marks_of).
    """
    broken = sorted(host for host, record in records.items()
                    if record["status"] == "failed" and host_result.changed_the_host(record))
    stop = bool(broken) and 100.0 * len(broken) / max(len(batch), 1) > max_fail_percentage
    last = set(play_hosts) <= set(recorded)
    outcomes = {host: found for host in batch if host in records and (found := outcome(records[host]))}
    return {"last": last, "stop": stop, "broken": broken, "marks": marks_of(outcomes, batch, last=last, stop=stop),
            "failed": sorted(host for host, record in records.items() if record["status"] in ("failed", "unreachable"))}


def marks_of(outcomes: Mapping[str, str], batch: list[str], *, last: bool, stop: bool) -> dict[str, str]:
    """The hosts of a batch that end with their own outcome, within what Ansible's serial batches allow.

    The batch that stops the rollout: every host with an outcome ends ``failed`` (a stopped rollout exits 2). Any
    other batch: each with its own outcome, unless every host of the batch has one and a batch follows: Ansible
    ends a serial play after a batch in which every host failed or was unreachable (``PlaybookExecutor.run``), and
    a host never touched does not stop the rollout, so such a batch marks none and the run's closing verdict
    carries their exit code (verdict).
    """
    if stop:
        return {host: "failed" for host in outcomes}
    return dict(outcomes) if last or len(outcomes) < len(batch) else {}


def verdict(records: Mapping[str, Mapping[str, Any]], *, playbook: str, context: Mapping[str, Any], run_dir: str,
            rollout_stopped: bool, not_started: list[str], marked: Mapping[str, str] | None) -> dict[str, Any]:
    """The exit code of ``records`` as a task result: ``unreachable`` when a host was unreachable (ansible-playbook
    exits 4), ``failed`` when a host failed or drifted, or harden or restore with --check would change it (2),
    nothing otherwise; the message names the hosts. After a
    batch that stops the rollout the answer is ``failed`` (exit 2, even with unreachable hosts).

    ``marked`` None: the answer as it is (a host's own task in record.yml, or the summary's line). Else the run's
    closing task, run once after the hosts of ``marked`` (of every batch) ended with their own outcome: it fails
    only when those do not already give ansible-playbook the run's exit code (hosts of a batch that could not mark
    them, marks_of), and then the recap counts it on the host it ran for.
    """
    def hosts_with(status: str) -> list[str]:
        return sorted(host for host, record in records.items() if record["status"] == status)

    parts = []
    checked = playbook in ("drift", "compliance")
    drifted = hosts_with("drifted") if context.get("fail_on_drift") and checked else []
    if drifted:
        parts.append("%d host(s) drifted from the settings: %s (apply them with `%s`, or set schannel_fail_on_drift="
                     "false to report without failing)"
                     % (len(drifted), ", ".join(drifted), harden_command(records, drifted, context)))
    # A reboot-pending host runs its old settings until it reboots: not compliant, in drift as in compliance (whose
    # TLS scan sees the old settings), so both exit alike.
    pending = hosts_with("reboot_pending") if context.get("fail_on_drift") and checked else []
    if pending:
        parts.append("%d host(s) reboot pending: %s (%s; or set schannel_fail_on_drift=false to report without "
                     "failing)" % (len(pending), ", ".join(pending), pending_fix(records, pending, context)))
    # harden or restore with --check: a host they would change fails the run as a drifted one does.
    previewed = [host for host in hosts_with("drifted") if not checked and records[host]["mode"] == "check"
                 and context.get("fail_on_drift")]
    if previewed:
        parts.append("%d host(s) would change: %s (run the same command without --check to %s, or set "
                     "schannel_fail_on_drift=false to report without failing)" % (
                         len(previewed), ", ".join(previewed), "restore them" if playbook == "restore" else "apply"))
    failed = hosts_with("failed")
    # A check whose TLS scan fails on a host that does not hold the settings (never hardened with them, or
    # drifted): applying the settings is the fix, as for a drifted host.
    unapplied = [host for host in failed if checked and records[host].get("drift")]
    if unapplied:
        parts.append("%d host(s) failed: %s (not holding the settings: never hardened with them, or drifted; apply "
                     "them with `%s`)" % (len(unapplied), ", ".join(unapplied),
                                          harden_command(records, unapplied, context)))
    for found, what in (([host for host in failed if host not in unapplied], "failed"),
                        (hosts_with("unreachable"), "could not be reached or authenticated")):
        if found:
            parts.append("%d host(s) %s: %s" % (len(found), what, ", ".join(found)))
    if rollout_stopped and not_started:
        parts.append("the rollout stopped, a host's change failed or broke it (more than schannel_max_fail_percentage "
                     "of its batch): not started %s" % ", ".join(not_started))
    if not parts:
        return {}
    message = "; ".join(parts) + ". The values and causes are listed above and in %s" % run_dir
    needed = "unreachable" if hosts_with("unreachable") and not rollout_stopped else "failed"
    if marked is not None:
        if needed in marked.values():
            return {}
        unmarked = sorted(host for host, record in records.items()
                          if host not in marked and host_outcome(record, playbook, context))
        message = "exit code for %s (a batch whose hosts all failed or were unreachable cannot end them so and let " \
                  "the rollout go on): %s" % (", ".join(unmarked), message)
    return {needed: True, "msg": message}


def harden_command(records: Mapping[str, Mapping[str, Any]], hosts: list[str], context: Mapping[str, Any], *,
                   reboot: bool = False) -> str:
    """The command that applies the run's settings to ``hosts`` with harden, ready to copy: the run's inventory,
    its profile or template and overrides (``context``, from record.yml), ``-l`` the hosts; with ``reboot``,
    ``schannel_reboot=auto`` whatever the inventory sets (a host whose reboot is pending reboots)."""
    record = records[hosts[0]]
    words = playbook_words("harden", context)
    if record.get("template"):
        words += ["-e", "schannel_iiscrypto_template=%s" % record["template"]]
    elif record.get("profile"):
        words += ["-e", "schannel_profile=%s" % record["profile"]]
    if context.get("overrides"):
        words += ["-e", json.dumps({"schannel_overrides": context["overrides"]}, sort_keys=True)]
    return command_line(words, hosts, context, reboot=reboot)


def playbook_words(playbook: str, context: Mapping[str, Any]) -> list[str]:
    """``ansible-playbook -i <the run's inventory> fleetsec.schannel.<playbook>``."""
    words = ["ansible-playbook"]
    for source in context.get("inventory") or ["INVENTORY"]:
        words += ["-i", str(source)]
    return [*words, "fleetsec.schannel.%s" % playbook]


def command_line(words: list[str], hosts: list[str], context: Mapping[str, Any], *, reboot: bool) -> str:
    """``words`` with the run's host pattern, ``schannel_reboot=auto`` when asked, ``-l`` the hosts, quoted for
    a shell."""
    if context.get("hosts_pattern"):
        words = [*words, "-e", "schannel_hosts=%s" % context["hosts_pattern"]]
    if reboot:
        words = [*words, "-e", "schannel_reboot=auto"]
    return " ".join(shlex.quote(word) for word in [*words, "-l", ",".join(hosts)])


def restore_command(hosts: list[str], context: Mapping[str, Any]) -> str:
    """The restore command that reboots ``hosts`` whose restore's reboot is pending, ready to copy: a restore that
    finds nothing more to put back reboots such a host and keeps the state it restored (docs/reboots.md)."""
    return command_line(playbook_words("restore", context), hosts, context, reboot=True)


def restore_pending(record: Mapping[str, Any]) -> bool:
    """Whether the host's pending reboot brings a restore's state into effect (not settings harden wrote)."""
    by = (record.get("reboot") or {}).get("pending_by") or {}
    return by.get("playbook") == "restore" if by else record.get("playbook") == "restore"


def pending_fix(records: Mapping[str, Mapping[str, Any]], hosts: list[str], context: Mapping[str, Any]) -> str:
    """What to do about the hosts whose reboot is pending: the command that reboots them without changing what
    the pending change wrote (restore's for a restore, harden's for settings), one per kind."""
    restored = [host for host in hosts if restore_pending(records[host])]
    hardened = [host for host in hosts if host not in restored]
    fixes = []
    if hardened:
        fixes.append("the settings are written but Schannel reads them at boot, so they take effect at the next "
                     "reboot: reboot with `%s` (harden reboots a host whose reboot is pending) or by hand"
                     % harden_command(records, hardened, context, reboot=True))
    if restored:
        by = sorted({str((records[h]["reboot"].get("pending_by") or {}).get("run_id") or "") for h in restored} - {""})
        fixes.append("the values a restore%s put back are written but Schannel reads them at boot, so they take "
                     "effect at the next reboot: reboot with `%s` (a restore that finds nothing more to put back "
                     "reboots a host whose restore's reboot is pending; harden would apply the settings again) or by "
                     "hand" % (" (run %s)" % ", ".join(by) if by else "", restore_command(restored, context)))
    return "; ".join(fixes)


def partial_fix(records: Mapping[str, Mapping[str, Any]], host: str, context: Mapping[str, Any]) -> str:
    """What a write that stopped part-way left, and what to do (docs/backups-and-restore.md): the re-run completes
    it; a restore with defaults undoes the stopped run and the one that completed it as one change."""
    partial = records[host]["partial"]
    return ("stopped part-way: %d of %d values written; re-run harden to complete it with `%s` (a restore with "
            "defaults undoes both as one change)" % (partial["written"], partial["planned"],
                                                     harden_command(records, [host], context)))


SCHANNEL_PREFIX = "HKLM\\%s\\" % catalog.SCHANNEL_KEY


def describe_change(change: dict[str, Any]) -> str:
    """``Protocols/TLS 1.0/Server Enabled: 1 -> 0`` (absent for a missing value); the full key is in the file.

    A value of another type names both types: ``Protocols/SSL 3.0/Server Enabled: '0' (REG_SZ) -> 0 (REG_DWORD)``.
    """
    key = str(change.get("key") or "")
    key = key[len(SCHANNEL_PREFIX):] if key.startswith(SCHANNEL_PREFIX) else key
    before, after = (("absent" if v is None else repr(v)) for v in (change.get("before"), change.get("after")))
    if change.get("before_type"):
        before, after = "%s (%s)" % (before, change["before_type"]), "%s (%s)" % (after, change.get("type"))
    return "%s %s: %s -> %s" % (key.replace("\\", "/"), change.get("name"), before, after)


def summary_lines(records: dict[str, dict[str, Any]], not_started: list[str],
                  context: Mapping[str, Any] | None = None) -> list[str]:
    """The counts, then each host that is not compliant with what is wrong there and the command that fixes it:
    the play's closing output. ``not_started``: hosts of the play that no batch reached (the rollout stopped
    before theirs); ``context``: the run's, for the commands (harden_command)."""
    context = context or {}
    counts = Counter(record["status"] for record in records.values())
    lines = ["%d host(s): %s" % (len(records), ", ".join("%d %s" % (n, s) for s, n in sorted(counts.items())))]
    if not_started:
        lines.append("not started, the rollout stopped before their batch: %s" % ", ".join(not_started))
    compliant = sorted(host for host, record in records.items() if record["status"] == "compliant")
    if compliant:
        lines.append("compliant: %s" % ", ".join(compliant))
    for host in sorted(set(records) - set(compliant)):
        record = records[host]
        os_label = ((record.get("os") or {}).get("caption") or "Windows version unknown").strip()
        changes = (record.get("drift") if record["mode"] == "check" else record.get("changes")) or []
        verb = "to change" if record["mode"] == "check" else "changed"
        if record["mode"] == "check" and record.get("os") is None:  # never read: what differs is not known
            count = "values to change unknown: %s" % (
                "host not reached" if record["status"] == "unreachable" else "its settings were not read")
        else:
            count = "%d value(s) %s" % (len(changes), verb)
        lines.append("%s: %s (%s; %s)" % (host, record["status"], os_label, count))
        lines += ["    %s" % describe_change(change) for change in changes]
        if record.get("partial"):
            lines.append("    %s" % partial_fix(records, host, context))
        elif record["reboot"]["pending"]:
            lines.append("    applied, reboot pending: %s" % pending_fix(records, [host], context))
        tls = (record.get("verification") or {}).get("tls") or {}
        if tls.get("before_reboot"):
            lines.append("    TLS scan, of the settings that run until the reboot: verdict %s" % tls.get("verdict"))
        if (record.get("verification") or {}).get("tls_deferred"):
            lines.append("    TLS verification deferred, %s" % record["verification"]["tls_deferred"])
        for error in record.get("errors") or []:
            lines.append("    error: %s" % error.get("message"))
        if record["mode"] == "check" and changes and record["reboot"]["required"]:
            lines.append("    needs a reboot when applied: Schannel reads these values at boot")
        if record["mode"] == "check" and changes and record["playbook"] in ("drift", "compliance"):
            lines.append("    fix: apply the settings with `%s`" % harden_command(records, [host], context))
    return lines
