"""The per-host result file: status per outcome, the contract's shape, and how it is stored."""

import shlex
import stat

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common import run_record as host_result
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.run_record import RunInfo, build
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.schannel_results import (
    deferred_warnings,
    harden_command,
    summary_lines,
)

OS_2019 = {"caption": "Microsoft Windows Server 2019 Standard", "version": "10.0.17763", "build": 17763,
           "key": "2019", "last_boot": "2026-12-02T04:00:00Z"}
CHANGE = {"key": r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\SSL 3.0\Server",
          "name": "Enabled", "type": "REG_DWORD", "before": 1, "after": 0}


def run(mode="apply", playbook="harden"):
    return RunInfo("20261202T050000Z", playbook, mode, "recommended", None, {"hashes": {"MD5": "disabled"}},
                   "sha256:ab", "2026-12-02T05:00:00Z")


def applied(**extra):
    result = {"changed": False, "changes": [], "os": OS_2019, "reboot_required": False, "reboot_pending": False,
              "warnings": ["w"], "backup_file": None, "readback": {"ok": True, "differences": []},
              "calls": {"total": 65, "by_operation": {}}}
    result.update(extra)
    return result


def test_record_has_the_contract_shape():
    record = build(run(), "ms001", "127.20.0.1", applied(), finished="2026-12-02T05:00:03Z")
    assert list(record) == [
        "schema", "schema_version", "run_id", "playbook", "mode", "host", "address", "os", "profile", "template",
        "settings", "settings_digest", "status", "drift", "changes", "partial", "backup_file", "reboot", "verification",
        "errors", "warnings", "timings", "calls",
    ]
    assert record["schema"] == "fleetsec.schannel/host-result"
    assert record["schema_version"] == 1
    assert record["status"] == "compliant"
    assert record["timings"] == {"started": "2026-12-02T05:00:00Z", "finished": "2026-12-02T05:00:03Z",
                                 "seconds": 3.0}
    assert record["calls"] == 65
    assert record["verification"] == {"readback": {"ok": True, "differences": []}, "tls": None,
                                      "tls_deferred": None, "client_impact": None}


def test_check_mode_reports_drift_and_changes_nothing():
    record = build(run("check", "drift"), "ms001", "a", applied(changed=True, changes=[CHANGE], readback=None))
    assert record["status"] == "drifted"
    assert record["drift"] == [CHANGE]
    assert record["changes"] == []


def test_a_pending_reboot_is_not_compliant_in_a_check():
    record = build(run("check", "drift"), "ms001", "a", applied(reboot_pending=True, readback=None))
    assert record["status"] == "reboot_pending"
    assert record["reboot"] == {"required": False, "pending": True, "pending_by": None, "performed": False,
                                "elapsed": None}


def test_applied_with_reboot_performed_is_changed_and_no_longer_pending():
    record = build(run(), "ms001", "a", applied(changed=True, changes=[CHANGE], reboot_required=True,
                                                reboot_pending=True, backup_file="/b/ms001/x.json"),
                   reboot={"changed": True, "rebooted": True, "elapsed": 42.5})
    assert record["status"] == "changed"
    assert record["changes"] == [CHANGE]
    assert record["backup_file"] == "/b/ms001/x.json"
    assert record["reboot"] == {"required": True, "pending": False, "pending_by": None, "performed": True,
                                "elapsed": 42.5}


def test_applied_without_reboot_stays_pending():
    record = build(run(), "ms001", "a", applied(changed=True, changes=[CHANGE], reboot_required=True,
                                                reboot_pending=True),
                   reboot={"skipped": True, "changed": False})
    assert record["status"] == "reboot_pending"
    assert record["reboot"]["performed"] is False


def test_failures_keep_type_message_and_code():
    failed = {"failed": True, "msg": "access denied", "error": {"type": "HostError", "message": "access denied",
                                                                "code": 5}}
    record = build(run(), "ms001", "a", failed)
    assert record["status"] == "failed"
    assert record["errors"] == [{"type": "HostError", "message": "apply: access denied", "code": 5}]
    unreachable = {"unreachable": True, "msg": "connection refused", "changed": False}
    assert build(run(), "ms001", "a", unreachable)["status"] == "unreachable"


def test_a_readback_that_differs_fails_the_host_naming_the_values():
    record = build(run(), "ms001", "a", applied(changed=True, changes=[CHANGE],
                                                readback={"ok": False, "differences": [CHANGE]}))
    assert record["status"] == "failed"
    assert record["errors"][0]["code"] == "readback-differs"
    assert r"SSL 3.0\Server\Enabled" in record["errors"][0]["message"]


def test_a_failed_reboot_or_tls_verdict_fails_the_host():
    record = build(run(), "ms001", "a", applied(changed=True, changes=[CHANGE], reboot_pending=True),
                   reboot={"failed": True, "msg": "timed out after 600 s waiting for WinRM"})
    assert record["status"] == "failed"
    assert record["errors"][0]["message"].startswith("reboot: timed out")
    tls = {"verdict": "fail", "ports": {}, "handshakes": 12,
           "findings": [{"id": "protocol-offered", "message": "TLS 1.0 accepted on 8460"}]}
    record = build(run("check", "compliance"), "ms001", "a", applied(readback=None), tls=tls)
    assert record["status"] == "failed"
    assert record["verification"]["tls"] == {"verdict": "fail", "ports": {}, "findings": tls["findings"],
                                             "handshakes": 12}
    assert "TLS 1.0 accepted on 8460" in record["errors"][0]["message"]


def test_a_failed_tls_scan_of_a_reboot_pending_host_is_what_runs_until_the_reboot():
    tls = {"verdict": "fail", "ports": {}, "handshakes": 12,
           "findings": [{"id": "protocol-offered", "message": "TLS 1.0 accepted on 8460"}]}
    record = build(run("check", "compliance"), "ms001", "a", applied(reboot_pending=True, readback=None), tls=tls)
    assert record["status"] == "reboot_pending"
    assert record["errors"] == []
    assert record["verification"]["tls"]["before_reboot"] is True
    assert record["verification"]["tls"]["findings"] == tls["findings"]
    unreachable = build(run("check", "compliance"), "ms001", "a", applied(reboot_pending=True, readback=None),
                        tls={**tls, "verdict": "unreachable"})  # ports that do not answer are no reboot's doing
    assert unreachable["status"] == "failed"


def test_a_tls_verdict_before_a_pending_reboot_is_deferred_not_a_failure():
    """schannel_reboot=never: the scan saw the settings Schannel still runs, not the new ones."""
    tls = {"verdict": "fail", "ports": {}, "handshakes": 12, "findings": [{"id": "FORBIDDEN_PROTOCOL"}]}
    record = build(run(), "ms001", "a", applied(changed=True, changes=[CHANGE], reboot_required=True,
                                                reboot_pending=True), tls=tls)
    assert record["status"] == "reboot_pending"
    assert record["errors"] == []
    assert record["verification"]["tls"] is None
    assert record["verification"]["tls_deferred"] == host_result.TLS_DEFERRED
    lines = summary_lines({"ms001": record}, [])
    assert "    TLS verification deferred, not verified: a reboot is pending" in "\n".join(lines)
    assert deferred_warnings({"ms001": record})[0].startswith("TLS verification deferred on 1 host(s): ms001;")


def test_the_summary_of_a_check_on_a_host_never_reached_says_the_count_is_unknown():
    record = build(run("check", "drift"), "ms003", "a", {"unreachable": True, "msg": "timed out"})
    lines = summary_lines({"ms003": record}, [])
    assert "ms003: unreachable (Windows version unknown; values to change unknown: host not reached)" in lines
    reached = build(run("check", "drift"), "ms001", "a", applied(changed=True, changes=[CHANGE], readback=None))
    assert "ms001: drifted (Microsoft Windows Server 2019 Standard; 1 value(s) to change)" in summary_lines(
        {"ms001": reached}, [])


def test_no_result_at_all_is_a_failure_saying_so():
    assert build(run(), "ms001", "a", None)["errors"][0]["type"] == "NoResult"


def test_written_file_is_private_and_complete(tmp_path):
    record = build(run(), "ms001", "127.20.0.1", applied())
    path = host_result.write(tmp_path / "reports", record)
    assert path == tmp_path / "reports" / "20261202T050000Z" / "ms001.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert host_result.read(path) == record
    assert [p.name for p in path.parent.iterdir()] == ["ms001.json"]  # no temporary file left behind


def test_results_left_by_an_earlier_play_are_not_taken_for_this_run():
    stale_reboot = {"changed": True, "rebooted": True, "elapsed": 9.0, "boot_time_before": "2026-11-30T01:00:00Z"}
    record = build(run(), "ms001", "a", applied(reboot_pending=True), reboot=stale_reboot)
    assert record["reboot"]["performed"] is False
    assert record["status"] == "reboot_pending"
    fresh_reboot = dict(stale_reboot, boot_time_before=OS_2019["last_boot"])
    assert build(run(), "ms001", "a", applied(reboot_pending=True), reboot=fresh_reboot)["status"] == "compliant"
    failed = {"failed": True, "msg": "access denied", "os": OS_2019}
    stale_tls = {"verdict": "pass", "ports": {}, "findings": [], "handshakes": 3}
    assert build(run(), "ms001", "a", failed, tls=stale_tls)["verification"]["tls"] is None


def test_the_harden_command_repeats_the_template_overrides_and_host_pattern_ready_to_copy():
    """The scenario (tests/scenarios/test_copyable_fixes.py) runs a profile's; a template path with a space and
    overrides come back through a shell as given."""
    template = RunInfo("r", "drift", "check", None, "files/IIS Crypto best.ictpl", {}, "", "")
    record = build(template, "ms001", "a", applied(changed=True, changes=[CHANGE], readback=None))
    overrides = {"ciphers": {"Triple DES 168": "disabled"}}
    context = {"inventory": ["/etc/ansible/hosts.yml"], "overrides": overrides, "hosts_pattern": "mail:&dmz"}
    words = shlex.split(harden_command({"ms001": record}, ["ms001"], context, reboot=True))
    assert words == ["ansible-playbook", "-i", "/etc/ansible/hosts.yml", "fleetsec.schannel.harden",
                     "-e", "schannel_iiscrypto_template=files/IIS Crypto best.ictpl",
                     "-e", '{"schannel_overrides": {"ciphers": {"Triple DES 168": "disabled"}}}',
                     "-e", "schannel_hosts=mail:&dmz", "-e", "schannel_reboot=auto", "-l", "ms001"]
    assert "    fix: apply the settings with `%s`" % harden_command({"ms001": record}, ["ms001"], context) in \
        summary_lines({"ms001": record}, [], context)


def test_a_restores_pending_reboot_is_offered_as_a_restore_and_a_hardens_as_a_harden():
    """The reboot marker names whose writes the reboot brings into effect: a restore's would be undone by harden."""
    drift = run("check", "drift")
    by_restore = build(drift, "ms001", "a", applied(
        reboot_pending=True, reboot_pending_by={"playbook": "restore", "run_id": "r1"}, readback=None))
    by_harden = build(drift, "ms002", "a", applied(
        reboot_pending=True, reboot_pending_by={"playbook": "harden", "run_id": "h1"}, readback=None))
    assert by_restore["reboot"]["pending_by"] == {"playbook": "restore", "run_id": "r1"}
    records = {"ms001": by_restore, "ms002": by_harden}
    context = {"inventory": ["inv.yml"]}
    lines = summary_lines(records, [], context)
    restore_line = lines[lines.index("ms001: reboot_pending (Microsoft Windows Server 2019 Standard; 0 value(s) "
                                     "to change)") + 1]
    assert "the values a restore (run r1) put back are written" in restore_line
    assert "`ansible-playbook -i inv.yml fleetsec.schannel.restore -e schannel_reboot=auto -l ms001`" in restore_line
    assert "harden" not in restore_line.split("`")[1]
    harden_line = lines[lines.index("ms002: reboot_pending (Microsoft Windows Server 2019 Standard; 0 value(s) "
                                    "to change)") + 1]
    assert "fleetsec.schannel.harden -e schannel_profile=recommended -e schannel_reboot=auto -l ms002" in harden_line
    # a restore run's own record: its reboot is the restore's even without a marker reading (an earlier release's)
    own = build(run(playbook="restore"), "ms003", "a", {**applied(reboot_pending=True), "readback": None})
    assert "fleetsec.schannel.restore" in summary_lines({"ms003": own}, [], context)[-1]
