# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of fleetsec.schannel.schannel_results: every host's result file of a run, in one task."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, ClassVar

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.plugin_utils import host_result
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.batch import full_result
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.controller_action import (
    ControllerAction,
    registered_vars,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.host_result import RunInfo

# What the role registers on each host (roles/schannel/tasks/main.yml, handlers/main.yml).
APPLY_VAR = "schannel_apply"
REBOOT_VAR = "schannel_reboot_result"
TLS_VAR = "schannel_tls"
IMPACT_VAR = "schannel_impact"


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


class ActionModule(ControllerAction):
    """Writes on the controller, check mode included: the record of a check is the point of a check run."""

    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {
        "report_dir": {"type": "path", "required": True},
        "run": {"type": "dict", "required": True},
        "playbook": {"type": "str", "required": True, "choices": ["harden", "drift", "compliance", "restore"]},
        "hosts": {"type": "list", "elements": "str", "required": True},
        "summary": {"type": "bool", "default": False},
        "context": {"type": "dict", "default": {}},
        "mode": {"type": "str", "choices": ["check", "apply"]},
    }

    def run_job(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        plan = args["run"]
        run = RunInfo(
            run_id=plan["run_id"],
            playbook=args["playbook"],
            mode=args["mode"] or ("check" if self._play_context.check_mode else "apply"),
            profile=plan.get("profile"),
            template=plan.get("template"),
            settings=plan.get("settings") or {},
            settings_digest=plan.get("settings_digest") or "",
            settings_by_os=plan.get("settings_by_os") or {},
            settings_digest_by_os=plan.get("settings_digest_by_os") or {},
            started=plan.get("started") or "",
        )
        unsafe = host_result.open_to_others_warning(args["report_dir"])
        if unsafe:
            self._display.warning(unsafe)
        all_vars = task_vars.get("hostvars", {})
        impact = None if args["summary"] else task_vars.get(IMPACT_VAR)  # run once: the same on every host
        written: list[str] = []
        records: dict[str, dict[str, Any]] = {}
        for host in args["hosts"]:
            path = host_result.result_path(args["report_dir"], run.run_id, host)
            if args["summary"]:  # read only: a host this run did not reach may hold results of an earlier play
                if path.exists():
                    records[host] = host_result.read(path)
                continue
            registered = registered_vars(all_vars, host)
            apply = full_result(registered, registered.get(APPLY_VAR), host)  # a check's whole entry: in its batch
            if apply is None:
                continue  # not reached yet in this run (a later serial batch), or not a host of this play
            record = host_result.build(
                run, host, self.host_address(all_vars, registered, host), apply,
                reboot=registered.get(REBOOT_VAR), tls=_tls_for(registered.get(TLS_VAR), host),
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
        # Where the run is recorded, for the playbooks' closing play (which runs on localhost, after serial batches):
        # the hosts of every batch of this play so far.
        previous = (all_vars.get("localhost") or {}).get("ansible_facts", {}).get("schannel_last_run") or {}
        hosts = list(args["hosts"])
        if (previous.get("run") or {}).get("run_id") == run.run_id and previous.get("context") == args["context"]:
            hosts = previous["hosts"] + [host for host in hosts if host not in previous["hosts"]]
        result["ansible_facts"] = {"schannel_last_run": {
            "report_dir": args["report_dir"], "run": plan, "playbook": args["playbook"], "hosts": hosts,
            "mode": run.mode, "context": args["context"],
        }}
        if args["summary"]:
            result["lines"] = summary_lines(records)
        return result


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


def summary_lines(records: dict[str, dict[str, Any]]) -> list[str]:
    """The counts, then each host that is not compliant with what is wrong there: the play's closing output."""
    counts = Counter(record["status"] for record in records.values())
    lines = ["%d host(s): %s" % (len(records), ", ".join("%d %s" % (n, s) for s, n in sorted(counts.items())))]
    compliant = sorted(host for host, record in records.items() if record["status"] == "compliant")
    if compliant:
        lines.append("compliant: %s" % ", ".join(compliant))
    for host in sorted(set(records) - set(compliant)):
        record = records[host]
        os_label = ((record.get("os") or {}).get("caption") or "Windows version unknown").strip()
        changes = (record.get("drift") if record["mode"] == "check" else record.get("changes")) or []
        lines.append("%s: %s (%s; %d value(s) %s)" % (
            host, record["status"], os_label, len(changes), "to change" if record["mode"] == "check" else "changed"))
        lines += ["    %s" % describe_change(change) for change in changes]
        if record["reboot"]["pending"]:
            lines.append("    applied, reboot pending: Schannel uses the new settings after the next reboot")
        for error in record.get("errors") or []:
            lines.append("    error: %s" % error.get("message"))
    return lines
