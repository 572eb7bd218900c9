"""One task for a batch of hosts (plugin_utils/_common/batch.py): every host gets its own result, built as a task
per host builds it, and a host's fault or a bug in its job costs that host alone."""

from __future__ import annotations

import threading
from collections import Counter
from types import SimpleNamespace

import pytest

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.batch import (
    HANDED_OUT,
    batch_entry,
    counts,
    failing,
    full_result,
    hand_out,
    run_batch,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import (
    HostError,
    HostUnreachable,
    InputError,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.connection import Endpoint, WinrmTarget


def session(calls: int = 0) -> SimpleNamespace:
    return SimpleNamespace(client=SimpleNamespace(calls=Counter({"GetDWORDValue": calls})), endpoint=None,
                           warnings=())


def test_each_host_gets_its_own_result_in_the_order_given_and_once():
    threads = set()

    def job(opened, name):
        threads.add(threading.current_thread().name)
        return {"changed": name != "ms002", "host": name}

    names = ["ms003", "ms001", "ms002", "ms001"]
    results = run_batch(((n, lambda n=n: session(len(n))) for n in names), job, concurrency=2)
    assert list(results) == ["ms003", "ms001", "ms002"]
    assert results["ms001"] == {"changed": True, "host": "ms001",
                                "calls": {"total": 5, "by_operation": {"GetDWORDValue": 5}}}
    assert counts(results) == {"ok": 1, "changed": 2, "failed": 0, "unreachable": 0}
    assert all(name.startswith("wsman-batch") for name in threads)


def test_a_fault_or_a_bug_fails_its_host_alone():
    def job(opened, name):
        if name == "ms002":
            raise HostError("WS-Man fault 2150859174", code=2150859174)
        if name == "ms003":
            raise KeyError("a bug")
        return {"changed": False}

    openers = [("ms001", session), ("ms002", session), ("ms003", session),
               ("ms004", failing(HostUnreachable("cannot reach the WinRM service: Connection refused"))),
               ("ms005", failing(InputError("ms005 is not a host of the inventory")))]
    results = run_batch(openers, job)
    assert results["ms001"] == {"changed": False, "calls": {"total": 0, "by_operation": {"GetDWORDValue": 0}}}
    assert results["ms002"]["failed"] is True
    assert results["ms002"]["error"]["code"] == 2150859174
    assert results["ms003"]["failed"] is True
    assert results["ms003"]["error"]["type"] == "KeyError"
    assert results["ms004"]["unreachable"] is True
    assert "Connection refused" in results["ms004"]["msg"]
    assert results["ms004"]["calls"] == {"total": 0, "by_operation": {}}
    assert results["ms005"]["failed"] is True
    assert counts(results) == {"ok": 1, "changed": 0, "failed": 3, "unreachable": 1}


def test_progress_counts_every_host_and_concurrency_must_be_positive():
    seen = []
    run_batch([(n, session) for n in ("a", "b", "c")], lambda opened, name: {}, concurrency=1, progress=seen.append)
    assert seen == [1, 2, 3]
    with pytest.raises(InputError, match="concurrency must be 1 or more"):
        run_batch([("a", session)], lambda opened, name: {}, concurrency=0)


def test_a_host_s_task_hands_out_the_part_ansible_reads_and_the_record_finds_the_whole():
    entry = {"changed": True, "os": {"key": "2019"}, "changes": [{"name": "Enabled"}] * 3, "findings": [],
             "reboot_required": True, "reboot_pending": False, "warnings": [], "calls": {"total": 64}}
    variables = {"schannel_check": {"hosts": {"ms001": entry}}}
    assert batch_entry(variables, "schannel_check", "ms001") == entry
    assert batch_entry(variables, "schannel_check", "ms009") is None
    assert batch_entry({"schannel_check": {"skipped": True}}, "schannel_check", "ms001") is None
    handed = hand_out(entry, "schannel_check")
    assert set(handed) <= {*HANDED_OUT, "batch", "changes_count"}
    assert handed["changes_count"] == 3
    assert "changes" not in handed
    assert handed["os"] == {"key": "2019"}
    assert full_result(variables, handed, "ms001") == entry
    per_host = {"changed": False, "changes": []}
    assert full_result(variables, per_host, "ms001") is per_host  # an apply's own result is already whole
    assert full_result({}, handed, "ms001") is handed


def test_a_resolved_target_shows_no_credential_in_its_repr():
    endpoint = Endpoint(host="127.20.0.1", port=5985, scheme="http", transport="ntlm", url="http://127.20.0.1:5985/wsman")
    target = WinrmTarget(endpoint=endpoint, kwargs={"username": "Administrator", "password": "S3cret@/%ü"},
                         password="S3cret@/%ü")
    assert "S3cret" not in repr(target)
