"""restore_plan: which backups a restore takes, how their operations compose, what it refuses; and the transport
guard and the private folders that go with them."""

from __future__ import annotations

import json
import os
import stat

import pytest

from tests.collection_path import ensure_collection_importable

ensure_collection_importable()

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.module_utils.regfile import (  # noqa: E402
    DeleteKey,
    DeleteValue,
    SetValue,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import REG_DWORD, RegValue  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.backup import (  # noqa: E402
    close_partial_record,
    mark_restored,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.private_file import private_dir  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.connection import transport_problems  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.win_schannel_restore.plan import (  # noqa: E402
    check_managed,
    choose_series,
    compose,
)

TLS10 = catalog.protocol_key("TLS 1.0", "Server")
RC4 = catalog.algorithm_key("cipher", "RC4 128/128", "2019")


def backup(folder, stamp, *, partial=False):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (stamp + ".json")
    path.write_text(json.dumps({"schema": "fleetsec.schannel/backup", "schema_version": 1, "host": folder.name,
                                "restore": []}))
    if partial:
        (folder / (stamp + ".partial.json")).write_text("{}")
    return path


def test_the_default_series_is_the_latest_backup_and_the_stopped_writes_before_it(tmp_path):
    host = tmp_path / "ms001"
    old = backup(host, "20261201T000000.000000Z")
    stopped = backup(host, "20261202T000000.000000Z", partial=True)
    completed = backup(host, "20261203T000000.000000Z")
    series = choose_series("ms001", backup_file=None, run_id=None, backup_dir=str(tmp_path), report_dir="/none")
    assert series.files == (completed, stopped)
    assert old not in series.files
    assert "1 write(s) stopped part-way" in series.how
    completed_alone = backup(host, "20261204T000000.000000Z")
    assert choose_series("ms001", backup_file=None, run_id=None, backup_dir=str(tmp_path),
                         report_dir="/none").files == (completed_alone,)


def test_an_unknown_run_id_lists_the_runs_that_have_a_backup(tmp_path):
    (tmp_path / "run-a").mkdir()
    (tmp_path / "run-a" / "ms001.json").write_text(json.dumps({"backup_file": "/b/ms001/x.json"}))
    (tmp_path / "run-b").mkdir()
    (tmp_path / "run-b" / "ms001.json").write_text(json.dumps({"backup_file": None}))
    with pytest.raises(InputError, match=r"runs with a backup of ms001: run-a[.] Give one of those run ids"):
        choose_series("ms001", backup_file=None, run_id="run-x", backup_dir="/none", report_dir=str(tmp_path))
    with pytest.raises(InputError, match="'run-b' changed nothing on ms001"):
        choose_series("ms001", backup_file=None, run_id="run-b", backup_dir="/none", report_dir=str(tmp_path))
    assert [str(p) for p in choose_series("ms001", backup_file=None, run_id="run-a", backup_dir="/none",
                                          report_dir=str(tmp_path)).files] == ["/b/ms001/x.json"]


def test_older_backups_win_and_a_key_they_delete_takes_the_newer_values_along():
    newer = [DeleteKey(RC4), SetValue(RegValue(TLS10, "Enabled", REG_DWORD, 0))]
    older = [SetValue(RegValue(RC4, "Enabled", REG_DWORD, 1)), DeleteKey(TLS10)]
    assert compose([newer, older]) == [DeleteKey(TLS10), SetValue(RegValue(RC4, "Enabled", REG_DWORD, 1))]


@pytest.mark.parametrize("op", [
    DeleteKey("SOFTWARE\\Microsoft"),
    DeleteKey(catalog.SCHANNEL_KEY + "\\Protocols"),
    DeleteValue(TLS10, "Something"),
    SetValue(RegValue("SOFTWARE\\Contoso", "Enabled", REG_DWORD, 1)),
], ids=["foreign-key", "a-parent-of-managed-keys", "unmanaged-value", "foreign-value"])
def test_an_operation_outside_the_managed_values_is_refused_naming_it(op):
    with pytest.raises(InputError, match=r"restore\[1\]: .* is outside the Schannel keys and values"):
        check_managed([DeleteKey(TLS10), op], "backup_file x.json")


def test_the_managed_operations_pass():
    check_managed([DeleteKey(TLS10), DeleteValue(TLS10, "DisabledByDefault"),
                   SetValue(RegValue(catalog.SUITE_POLICY_KEY, "Functions", 1, "TLS_AES_128_GCM_SHA256"))], "x")


@pytest.mark.parametrize(("scheme", "transport", "kwargs", "refused"), [
    ("http", "basic", {}, "sends the password in clear"),
    ("http", "plaintext", {}, "sends the password in clear"),
    ("http", "ntlm", {"message_encryption": "never"}, "sends every WinRM message in clear"),
    ("http", "ntlm", {"message_encryption": "auto"}, None),
    ("http", "kerberos", {}, None),
    ("https", "basic", {}, None),
    ("https", "ntlm", {"message_encryption": "never"}, None),
])
def test_transports_in_clear_are_refused(scheme, transport, kwargs, refused):
    refusal, _warnings = transport_problems(scheme, transport, kwargs)
    if refused is None:
        assert refusal is None
    else:
        assert refused in refusal
        assert "ansible_winrm_scheme: https" in refusal


def test_certificate_validation_off_is_a_warning():
    assert transport_problems("https", "ntlm", {"server_cert_validation": "ignore"})[1]
    assert transport_problems("https", "ntlm", {"server_cert_validation": "validate"})[1] == []


def test_private_dir_makes_every_missing_level_0700_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        made = private_dir(tmp_path / "root" / "backups" / "ms001")
    finally:
        os.umask(old)
    for path in (made, made.parent, made.parent.parent):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path


def test_a_restored_stopped_write_no_longer_belongs_to_the_next_series(tmp_path):
    host = tmp_path / "ms001"
    stopped = backup(host, "20261202T000000.000000Z", partial=True)
    close_partial_record(stopped)
    assert (host / "20261202T000000.000000Z.partial.restored").exists()
    later = backup(host, "20261205T000000.000000Z")
    assert choose_series("ms001", backup_file=None, run_id=None, backup_dir=str(tmp_path),
                         report_dir="/none").files == (later,)


def test_the_default_series_starts_after_the_backups_a_restore_undid(tmp_path):
    host = tmp_path / "ms001"
    first = backup(host, "20261201T000000.000000Z")
    second = backup(host, "20261202T000000.000000Z")
    for path in (second, first):  # a restore by the first run's id put both back
        mark_restored(path, "the backup run runA recorded for ms001")
    assert (host / "20261202T000000.000000Z.restored").exists()
    nothing = choose_series("ms001", backup_file=None, run_id=None, backup_dir=str(tmp_path), report_dir="/none")
    assert nothing.files == ()
    assert "nothing to put back on ms001: its latest backup 20261202T000000.000000Z was already undone" in nothing.how
    assert "schannel_restore_backup_file" in nothing.how
    later = backup(host, "20261205T000000.000000Z", partial=True)
    completed = backup(host, "20261206T000000.000000Z")
    assert choose_series("ms001", backup_file=None, run_id=None, backup_dir=str(tmp_path),
                         report_dir="/none").files == (completed, later)


def test_a_run_id_named_only_by_its_backup_is_valid_and_names_the_later_runs(tmp_path):
    """A run killed before it wrote its result file: its backup names it, so its id restores the state before it."""
    folder = tmp_path / "backups" / "ms001"
    killed = backup(folder, "20261201T000000.000000Z")
    completing = backup(folder, "20261201T000100.000000Z")
    for path, run_id in ((killed, "killed"), (completing, "completing")):
        path.write_text(json.dumps({**json.loads(path.read_text()), "run_id": run_id}))
    reports = tmp_path / "reports"
    (reports / "completing").mkdir(parents=True)
    (reports / "completing" / "ms001.json").write_text(json.dumps({"backup_file": str(completing)}))
    series = choose_series("ms001", backup_file=None, run_id="killed", backup_dir=str(tmp_path / "backups"),
                           report_dir=str(reports))
    assert series.files == (completing, killed)
    assert series.runs == ("completing", "killed")
    assert "(runs completing) are undone with it" in series.how
    with pytest.raises(InputError, match=r"runs with a backup of ms001: killed, completing[.]"):
        choose_series("ms001", backup_file=None, run_id="other", backup_dir=str(tmp_path / "backups"),
                      report_dir=str(reports))


@pytest.mark.parametrize(("given", "message"), [
    ({"backup_file": "/b/ms001/x.json", "run_id": "r1"},
     r"schannel_restore_run_id \(r1\) and schannel_restore_backup_file \(/b/ms001/x.json\) are both given"),
    ({"run_id": "../../etc"}, r"schannel_restore_run_id '../../etc' must be one path segment"),
    ({"backup_dir": "/etc/passwd"}, r"schannel_backup_dir /etc/passwd is not a directory: set it to the folder"),
])
def test_a_restore_choice_that_cannot_mean_one_thing_is_refused(tmp_path, given, message):
    arguments = {"backup_file": None, "run_id": None, "backup_dir": str(tmp_path), **given}
    with pytest.raises(InputError, match=message):
        choose_series("ms001", report_dir=str(tmp_path), **arguments)
