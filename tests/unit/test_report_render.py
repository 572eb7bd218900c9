"""compliance_report's model and renderers on per-host result files written in the contract's schema."""

from __future__ import annotations

import json
import stat
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from html.parser import HTMLParser

import jsonschema
import pytest

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.compliance_report.model import CONTROLS, control_of
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.compliance_report.task import run_compliance_report
from tests.collection_path import REPO_ROOT
from tests.report_results import host_result, sample_fleet, write_run

SCHEMA = json.loads((REPO_ROOT / "docs" / "compliance-report.schema.json").read_text(encoding="utf-8"))
NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
RUN = "20261202T050000Z"


def render(report_dir, **args):
    options = {"report_dir": str(report_dir), "runs": None, "output_dir": None, "formats": None, "history": True}
    options.update(args)
    return run_compliance_report(options, now=NOW)


def load(result):
    files = result["files"]
    with open(files["json"], encoding="utf-8") as handle:
        data = json.load(handle)
    return data, ET.parse(files["junit"]).getroot(), open(files["html"], encoding="utf-8").read()


class Cells(HTMLParser):
    """Host -> {control: state} from the HTML matrix, plus every external reference the page makes."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.external: list[str] = []
        self._host = None
        self._in_matrix = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href"):
            if attrs.get(name) and not attrs[name].startswith("#"):
                self.external.append(attrs[name])
        if tag == "table" and attrs.get("id") == "matrix":
            self._in_matrix = True
        elif self._in_matrix and tag == "a" and attrs.get("href", "").startswith("#host-"):
            self._host = attrs["href"][6:]
            self.rows[self._host] = {}
        elif self._in_matrix and tag == "td" and "cell" in attrs.get("class", "").split():
            control_label, state = attrs["title"].rsplit(": ", 1)
            control = next(c for c, label in CONTROLS.items() if label == control_label)
            self.rows[self._host][control] = state

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_matrix = False


def test_every_report_validates_and_the_three_formats_agree_host_by_host(tmp_path):
    write_run(tmp_path, "20261201T050000Z", sample_fleet("x")[:8])
    write_run(tmp_path, RUN, sample_fleet(RUN))
    result = render(tmp_path)
    assert result["summary"] == {"total": 12, "compliant": 5, "drifted": 3, "changed": 1, "reboot_pending": 1,
                                 "failed": 1, "unreachable": 1}
    data, junit, html = load(result)
    jsonschema.validate(data, SCHEMA)
    assert data["generated"] == "2026-12-02T06:00:00Z"
    assert [p["run_id"] for p in data["history"]] == ["20261201T050000Z", RUN]

    from_json = {h["host"]: h["controls"] for h in data["hosts"]}
    from_junit: dict[str, dict[str, str]] = {}
    for case in junit.iter("testcase"):
        outcome = "failure" if case.find("failure") is not None else "error" if case.find("error") is not None \
            else "pass"
        from_junit.setdefault(case.get("classname"), {})[case.get("name")] = outcome
    expected_junit = {host: {c: {"drifted": "failure", "failed": "failure", "unreachable": "error"}.get(s, "pass")
                             for c, s in controls.items()} for host, controls in from_json.items()}
    assert from_junit == expected_junit
    assert int(junit.get("tests")) == sum(len(c) for c in from_json.values())
    cells = Cells()
    cells.feed(html)
    assert cells.rows == from_json
    assert cells.external == []  # self-contained: nothing loaded from anywhere
    assert "default-src 'none'" in html

    assert from_json["ms002"]["tls"] == "failed"  # SSL 3.0 + RC4 accepted against recommended
    assert from_json["ms009"] == dict.fromkeys(from_json["ms009"], "unreachable")
    tls = [f for f in data["tls_findings"] if f["host"] == "ms002"]
    assert {("FORBIDDEN_PROTOCOL", "high"), ("RC4", "high"), ("SSLV3", "high"), ("SWEET32", "medium")} <= {
        (f["id"], f["severity"]) for f in tls}


def test_a_split_run_merges_into_the_same_report_as_the_unsplit_run(tmp_path):
    fleet = sample_fleet(RUN)
    whole, split = tmp_path / "whole", tmp_path / "split"
    for directory in (whole, split):
        write_run(directory, "20261201T050000Z", sample_fleet("x")[:10])
    write_run(whole, RUN, fleet)
    write_run(split, RUN + "-1", fleet[0::2])  # AWX job slices, each with its own run id
    write_run(split, RUN + "-2", fleet[1::2])
    one = load(render(whole, runs=[RUN]))
    two = load(render(split, runs=[RUN + "-1", RUN + "-2"]))

    def comparable(data):
        hosts = [{k: v for k, v in h.items() if k != "run_id"} for h in data["hosts"]]
        history = [{k: v for k, v in p.items() if k != "run_id"} for p in data["history"]]
        return {**data, "runs": None, "hosts": hosts, "history": history}

    assert comparable(one[0]) == comparable(two[0])
    assert ET.tostring(one[1]) == ET.tostring(two[1])
    cells_one, cells_two = Cells(), Cells()
    cells_one.feed(one[2])
    cells_two.feed(two[2])
    assert cells_one.rows == cells_two.rows


def test_files_are_private_and_the_latest_run_is_the_default(tmp_path):
    write_run(tmp_path, "20261130T050000Z", sample_fleet("x")[:3])
    write_run(tmp_path, RUN, sample_fleet(RUN)[:2])
    result = render(tmp_path, formats=["json"], history=False)
    assert result["runs"] == [RUN]
    path = tmp_path / RUN / "report" / "compliance-report.json"
    assert result["files"] == {"json": str(path)}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    data = json.loads(path.read_text())
    jsonschema.validate(data, SCHEMA)
    assert data["history"] == []
    assert [h["host"] for h in data["hosts"]] == ["ms001", "ms002"]


def test_a_host_in_two_runs_is_taken_from_the_run_listed_last(tmp_path):
    write_run(tmp_path, "a", [host_result("ms001", "a", "2019", "drifted")])
    write_run(tmp_path, "b", [host_result("ms001", "b", "2019", "compliant")])
    data = load(render(tmp_path, runs=["a", "b"]))[0]
    assert [(h["host"], h["run_id"], h["status"]) for h in data["hosts"]] == [("ms001", "b", "compliant")]
    data = load(render(tmp_path, runs=["b", "a"]))[0]
    assert [(h["host"], h["run_id"], h["status"]) for h in data["hosts"]] == [("ms001", "a", "drifted")]


@pytest.mark.parametrize(("content", "message"), [
    ({"schema": "other"}, "field 'schema' must be 'fleetsec.schannel/host-result'"),
    ({"schema": "fleetsec.schannel/host-result", "schema_version": 2}, "schema_version 2 is not supported"),
    ({"schema": "fleetsec.schannel/host-result", "schema_version": 1, "host": "h", "run_id": "r",
      "status": "great"}, "status 'great' is not one of"),
])
def test_bad_host_files_are_named(tmp_path, content, message):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "h.json").write_text(json.dumps(content))
    with pytest.raises(InputError, match=message) as raised:
        render(tmp_path)
    assert "h.json" in raised.value.message


def test_unknown_runs_and_empty_report_dirs_are_named(tmp_path):
    with pytest.raises(InputError, match="holds no run directory"):
        render(tmp_path)
    write_run(tmp_path, RUN, sample_fleet(RUN)[:1])
    with pytest.raises(InputError, match=r"runs: no run directory .*known runs: 20261202T050000Z"):
        render(tmp_path, runs=["20261203T050000Z"])
    with pytest.raises(InputError, match="not a run id"):
        render(tmp_path, runs=["../etc"])


@pytest.mark.parametrize(("key", "name", "control"), [
    (r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.0\Server", "Enabled",
     "protocols"),
    (r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\KeyExchangeAlgorithms\Diffie-Hellman",
     "ServerMinKeyBitLength", "dh_min_key_bits"),
    (r"HKLM\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002", "EccCurves", "ecc_curves"),
    (r"HKLM\SOFTWARE\Wow6432Node\Microsoft\.NETFramework\v4.0.30319", "SystemDefaultTlsVersions",
     "dotnet_system_default_tls_versions"),
    (r"HKLM\SYSTEM\CurrentControlSet\Control\Lsa\FipsAlgorithmPolicy", "Enabled", "fips_algorithm_policy"),
])
def test_registry_values_map_to_their_control(key, name, control):
    assert control_of(key, name) == control
