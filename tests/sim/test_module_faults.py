"""The modules when hosts misbehave, through ansible-playbook: faults fail one host with its code, partial writes are
recorded and converge on a re-run, lost connections are recovered, refusals happen before any write, bad input names
the option, no password is shown, a host that forbids remote shells is hardened, reboots come back.

Loopback blocks 127.20.18.x (shared fault fleet) and 127.20.19.x (HTTPS fleet).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.profiles import profile
from tests.sim.module_runner import host_registry, recap, result, run_playbook, write_playbook
from tests.winsim.fleet import Fleet

OS_MIX = ("2019", "2016", "2022", "2012r2", "2025")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("module-faults")
    with Fleet(tmp / "fleet", hosts=5, os_mix=OS_MIX, first_ip="127.20.18.1", reboot_seconds=0.3,
               settings=("ms005=remote-shell:off",)) as running:
        yield running


def harden(tmp: Path, backup_dir: Path | None = None, **options) -> dict:
    args = {**profile("recommended"), "backup_dir": str(backup_dir or tmp / "backups"), **options}
    return {"name": "harden", "fleetsec.schannel.win_schannel": args}


def play(fleet: Fleet, tmp: Path, name: str, tasks: list[dict], *extra: str, hosts: str = "mailstore"):
    playbook = write_playbook(tmp / f"{name}.yml", tasks, hosts=hosts)
    proc = run_playbook(fleet.inventory, playbook, tmp / name, *extra)
    return proc, (recap(proc.stdout) if "PLAY RECAP" in proc.stdout else {})


def test_each_fault_fails_its_host_alone_with_its_code(fleet, control, tmp_path):
    control.set_fault("ms001", "access-denied")
    control.set_fault("ms002", "fault-after:3")
    control.set_fault("ms003", "down")
    control.set_fault("ms004", "slow:20")  # slow is not a failure
    ms004_before = host_registry(fleet, "ms004")
    proc, summary = play(fleet, tmp_path, "faults", [harden(tmp_path)], "--limit", "ms001,ms002,ms003,ms004")
    assert proc.returncode == 4, proc.stdout + proc.stderr  # some unreachable (and failed)
    assert (summary["ms001"]["failed"], summary["ms002"]["failed"], summary["ms003"]["unreachable"]) == (1, 1, 1)
    assert summary["ms004"]["changed"] == 1
    denied = result(tmp_path / "faults", "ms001")
    assert denied["error"]["code"] == 5
    assert "returned 5 ERROR_ACCESS_DENIED" in denied["msg"]
    assert denied["partial"]["written"] == []
    assert len(denied["partial"]["not_written"]) == len(denied["changes"])
    faulted = result(tmp_path / "faults", "ms002")
    assert faulted["error"]["code"] == 2150858843 or "WS-Man fault" in faulted["msg"]
    assert "w:InternalError" in faulted["msg"]
    assert "Connection refused" in result(tmp_path / "faults", "ms003")["msg"]
    assert host_registry(fleet, "ms004") != ms004_before


def test_partial_write_is_recorded_and_a_rerun_converges(fleet, control, tmp_path):
    before = host_registry(fleet, "ms002")
    control.set_fault("ms002", "fault-after:70")  # past the reads, in the middle of the writes
    proc, summary = play(fleet, tmp_path, "partial", [harden(tmp_path)], hosts="ms002")
    assert summary["ms002"]["failed"] == 1, proc.stdout
    res = result(tmp_path / "partial", "ms002")
    partial = res["partial"]
    assert partial["written"]
    assert partial["not_written"]
    assert len(partial["written"]) + len(partial["not_written"]) == len(res["changes"])
    assert res["msg"].startswith("write stopped after %d of %d values" % (len(partial["written"]),
                                                                          len(res["changes"])))
    record = json.loads(Path(partial["record_file"]).read_text())
    assert (record["written"], record["not_written"]) == (partial["written"], partial["not_written"])
    assert Path(res["backup_file"]).exists()
    assert host_registry(fleet, "ms002") != before
    control.clear_fault("ms002")
    proc, summary = play(fleet, tmp_path, "rerun", [harden(tmp_path), harden(tmp_path)], hosts="ms002")
    assert summary["ms002"]["failed"] == 0, proc.stdout
    rerun = result(tmp_path / "rerun", "ms002")  # the tree holds the last task: the second run
    assert rerun["changed"] is False


def test_a_lost_connection_costs_one_retried_request_not_the_host(fleet, control, tmp_path):
    control.set_fault("ms003", "reset:1")
    control.reset_counters()
    proc, summary = play(fleet, tmp_path, "reset", [{"name": "info", "fleetsec.schannel.win_schannel_info": {}}],
                         hosts="ms003")
    assert summary["ms003"]["ok"] == 1, proc.stdout + proc.stderr
    counters = control.counters("ms003")
    assert counters["resets"] == 1
    res = result(tmp_path / "reset", "ms003")
    assert res["calls"]["total"] == counters["wsman_calls"]  # the reset request was sent twice and counted twice
    control.set_fault("ms003", "reset")
    proc, summary = play(fleet, tmp_path, "resets", [{"name": "info", "fleetsec.schannel.win_schannel_info": {}}],
                         hosts="ms003")
    assert summary["ms003"]["unreachable"] == 1
    assert "gave up after re-connecting and re-authenticating 3 times" in result(tmp_path / "resets", "ms003")["msg"]


def test_inconsistent_settings_are_refused_before_any_write(fleet, control, tmp_path):
    before = host_registry(fleet, "ms003")
    control.reset_counters()
    task = harden(tmp_path, protocols={"TLS 1.3": "enabled", "TLS 1.2": "enabled"},
                  cipher_suites=["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"])
    proc, summary = play(fleet, tmp_path, "refused", [task], hosts="ms003")  # 2022: TLS 1.3 without a suite
    assert summary["ms003"]["failed"] == 1, proc.stdout
    res = result(tmp_path / "refused", "ms003")
    assert res["msg"].startswith("settings refused for Windows Server 2022")
    assert res["error"]["code"] == "tls13-no-suite"
    assert host_registry(fleet, "ms003") == before
    assert not [m for m in control.counters("ms003")["methods"] if ".Set" in m or ".Create" in m]


@pytest.mark.parametrize(("args", "message"), [
    ({"protocols": "TLS 1.2"}, "argument 'protocols' is of type"),
    ({"protocol": {"TLS 1.2": "enabled"}}, "Unsupported parameters for (fleetsec.schannel.win_schannel) module: "
                                           "protocol"),
    ({"ciphers": {"AES 265/256": "enabled"}}, "did you mean 'AES 256/256'"),
    ({"protocols": {"TLS 1.2": "on"}}, "protocols.TLS 1.2"),
])
def test_wrong_types_and_unknown_names_name_the_option(fleet, tmp_path, args, message):
    before = host_registry(fleet, "ms001")
    proc, summary = play(fleet, tmp_path, "bad", [{"name": "bad", "fleetsec.schannel.win_schannel": args}],
                         hosts="ms001")
    assert summary["ms001"]["failed"] == 1, proc.stdout
    assert message in result(tmp_path / "bad", "ms001")["msg"]
    assert host_registry(fleet, "ms001") == before


@pytest.mark.parametrize("connection", ["local", "psrp"])
def test_a_connection_other_than_winrm_gets_a_clear_error(fleet, tmp_path, connection):
    tasks = [{"name": "info", "fleetsec.schannel.win_schannel_info": {}, "vars": {"ansible_connection": connection}}]
    proc, summary = play(fleet, tmp_path, "conn", tasks, hosts="ms001")
    assert summary["ms001"]["failed"] == 1, proc.stdout
    msg = result(tmp_path / "conn", "ms001")["msg"]
    assert msg.startswith("ansible_connection is '%s', but the fleetsec.schannel modules talk WMI" % connection)
    assert "Traceback" not in proc.stdout + proc.stderr


def test_no_password_at_vvvv_nor_in_files(fleet, control, tmp_path):
    control.set_fault("ms004", "wrong-password")
    control.set_fault("ms001", "access-denied")
    backups = tmp_path / "backups"
    proc, _summary = play(fleet, tmp_path, "loud", [harden(tmp_path, backups)], "-vvvv", "--diff",
                          "--limit", "ms001,ms003,ms004")
    assert "returned 5 ERROR_ACCESS_DENIED" in proc.stdout
    assert "credentials were rejected" in proc.stdout
    assert fleet.password not in proc.stdout + proc.stderr
    written = [p for p in backups.rglob("*") if p.is_file()]
    assert written
    for path in written:
        assert fleet.password.encode() not in path.read_bytes()
        assert fleet.password.encode("utf-16-le") not in path.read_bytes()
    assert result(tmp_path / "loud", "ms004")["unreachable"] is True


def test_a_host_that_forbids_remote_shells_is_hardened_while_raw_fails(fleet, control, tmp_path):
    control.reset_counters()
    tasks = [harden(tmp_path, dotnet_strong_crypto=False), harden(tmp_path)]  # both write, whatever ran before
    proc, summary = play(fleet, tmp_path, "noshell", tasks, hosts="ms005")
    assert summary["ms005"]["changed"] == 2, proc.stdout + proc.stderr
    assert result(tmp_path / "noshell", "ms005")["readback"]["ok"] is True
    assert not [m for m in control.counters("ms005")["methods"] if m.startswith("Shell.")]
    proc, summary = play(fleet, tmp_path, "raw", [{"name": "raw", "ansible.builtin.raw": "echo hello"}],
                         hosts="ms005")
    assert summary["ms005"]["unreachable"] + summary["ms005"]["failed"] == 1
    assert "not accept any remote shell requests" in proc.stdout
    assert control.counters("ms005")["methods"]["Shell.Create"] == 1


def test_reboot_comes_back_with_a_new_boot_time_and_a_hung_host_fails_alone(fleet, control, tmp_path):
    tasks = [{"name": "reboot", "fleetsec.schannel.win_wmi_reboot": {"reboot_timeout": 20}}]
    proc, summary = play(fleet, tmp_path, "reboot-check", tasks, "--check", hosts="ms001")
    checked = result(tmp_path / "reboot-check", "ms001")
    assert (checked["rebooted"], checked["boot_time_after"]) == (False, None)
    control.set_fault("ms002", "reboot-hang")
    tasks = [{"name": "reboot", "fleetsec.schannel.win_wmi_reboot": {"reboot_timeout": 4, "connect_timeout": 1}}]
    proc, summary = play(fleet, tmp_path, "reboot", tasks, hosts="ms001,ms002")
    assert summary["ms001"]["changed"] == 1, proc.stdout + proc.stderr
    done = result(tmp_path / "reboot", "ms001")
    assert done["rebooted"] is True
    assert done["boot_time_after"] > done["boot_time_before"] == checked["boot_time_before"]
    assert summary["ms002"]["unreachable"] == 1
    hung = result(tmp_path / "reboot", "ms002")
    assert "did not come back with a new boot time within reboot_timeout=4s" in hung["msg"]
    control.power_on("ms002")


@pytest.fixture(scope="module")
def https_fleet(tmp_path_factory):
    with Fleet(tmp_path_factory.mktemp("module-https"), hosts=1, os_mix=("2019",), first_ip="127.20.19.1",
               scheme="https") as running:
        yield running


def test_lockout_of_an_https_management_channel_is_refused_before_any_write(https_fleet, tmp_path):
    fleet = https_fleet
    before = host_registry(fleet, "ms001")
    cut = {"protocols": {"TLS 1.2": "disabled"}, "backup_dir": str(tmp_path / "backups")}
    proc, summary = play(fleet, tmp_path, "lockout", [{"name": "cut", "fleetsec.schannel.win_schannel": cut}])
    assert summary["ms001"]["failed"] == 1, proc.stdout
    res = result(tmp_path / "lockout", "ms001")
    assert res["error"]["code"] == "lockout"
    assert "would cut the WinRM management channel" in res["msg"]
    assert "the host would offer TLS 1.0, TLS 1.1" in res["msg"]
    assert "today it negotiates TLS 1.2 with" in res["msg"]  # checked against the live connection
    assert host_registry(fleet, "ms001") == before
    overridden = {**cut, "allow_lockout": True}
    tasks = [{"name": "cut", "fleetsec.schannel.win_schannel": overridden, "register": "cut"},
             {"name": "keep", "ansible.builtin.set_fact": {"seen": "{{ cut }}"}}]
    proc, summary = play(fleet, tmp_path, "override", tasks, "--check")
    res = result(tmp_path / "override", "ms001")["ansible_facts"]["seen"]
    assert res["changed"] is True, proc.stdout
    assert "[WARNING]: allow_lockout is set: these settings would cut" in proc.stdout + proc.stderr
    assert any(w.startswith("allow_lockout is set: these settings would cut") for w in res["warnings"])
    harmless = {"ciphers": {"RC4 128/128": "disabled"}, "backup_dir": str(tmp_path / "backups")}
    proc, summary = play(fleet, tmp_path, "harmless", [{"name": "rc4", "fleetsec.schannel.win_schannel": harmless}])
    assert summary["ms001"]["changed"] == 1, proc.stdout
