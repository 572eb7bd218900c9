"""schannel_results' job reads a host's results under the names its task gives (``registered``), and carries an
earlier batch's hosts only through ``previous``: it knows no register name of the role."""

import pytest

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.schannel_results import (
    marks_of,
    record_results,
    run_info,
)
from tests.unit.test_host_result import applied

PLAN = {"run_id": "20261202T050000Z", "started": "2026-12-02T05:00:00Z", "profile": "recommended",
        "settings": {"hashes": {"MD5": "disabled"}}, "settings_digest": "sha256:ab"}


def args(tmp_path, **extra):
    given = {"report_dir": str(tmp_path), "run": PLAN, "playbook": "harden", "hosts": ["ms001"], "summary": False,
             "registered": None, "previous": {}, "context": {}, "mode": None, "play_hosts": None,
             "max_fail_percentage": 0, "verdict": False, "rollout_stopped": False, "host_outcome": False}
    given.update(extra)
    return given


def record(given, registered_vars):
    return record_results(given, run_info(given, check_mode=False), registered_of=lambda host: registered_vars,
                          address_of=lambda registered, host: host, run_vars={})


def test_results_are_read_under_the_names_the_task_gives(tmp_path):
    host_vars = {"my_apply": applied(), "my_reboot": {"changed": True, "rebooted": True, "elapsed": 3.0}}
    result = record(args(tmp_path, registered={"apply": "my_apply", "reboot": "my_reboot"}), host_vars)
    assert result["statuses"] == {"ms001": "compliant"}
    assert len(result["written"]) == 1
    assert result["ansible_facts"]["schannel_last_run"]["hosts"] == ["ms001"]


def test_a_host_without_a_result_under_that_name_is_not_recorded(tmp_path):
    result = record(args(tmp_path, registered={"apply": "other_name"}), {"schannel_apply": applied()})
    assert result["statuses"] == {}
    assert result["written"] == []


def test_recording_without_registered_names_the_option(tmp_path):
    with pytest.raises(InputError, match=r"registered\.apply is required unless summary=true"):
        record(args(tmp_path), {"schannel_apply": applied()})


def test_earlier_batches_come_from_previous(tmp_path):
    previous = {"run": PLAN, "context": {}, "hosts": ["ms000"], "play_hosts": ["ms000", "ms001", "ms002"]}
    given = args(tmp_path, registered={"apply": "a"}, previous=previous)
    result = record(given, {"a": applied()})
    assert result["ansible_facts"]["schannel_last_run"]["hosts"] == ["ms000", "ms001"]
    assert result["rollout"]["last"] is False  # ms002 is left for a later batch


@pytest.mark.parametrize(("outcomes", "last", "stop", "marks"), [
    # a batch with a host that goes on: each host with an outcome ends with it
    ({"ms001": "unreachable"}, False, False, {"ms001": "unreachable"}),
    # every host of an earlier batch with an outcome: none marked, or Ansible would end the rollout there
    ({"ms001": "unreachable", "ms002": "failed"}, False, False, {}),
    # the last batch: every host with its own
    ({"ms001": "unreachable", "ms002": "failed"}, True, False, {"ms001": "unreachable", "ms002": "failed"}),
    # the batch that stops the rollout: failed (exit 2)
    ({"ms001": "unreachable", "ms002": "failed"}, False, True, {"ms001": "failed", "ms002": "failed"}),
])
def test_which_hosts_of_a_batch_end_with_their_own_outcome(outcomes, last, stop, marks):
    assert marks_of(outcomes, ["ms001", "ms002"], last=last, stop=stop) == marks
