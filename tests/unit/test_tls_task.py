"""tls_scan's options: what is wrong is named before any handshake, and a missing library says how to install it."""

from __future__ import annotations

import sys

import pytest

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common import handshake
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan import sweep
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.task import run_tls_scan, server_name_for
from tests.profiles import profile

ARGS = {"host": "192.0.2.1", "ports": [8460], "depth": "compliance", "timeout": 5, "port_timeout": 120,
        "settings": None, "os": None, "server_name": None, "fail_on_findings": False}


@pytest.mark.parametrize(("change", "message"), [
    ({}, r"settings \(or settings_by_os\) and os are required"),
    ({"settings": {}, "os": "2019", "ports": [0]}, "ports must be TCP ports 1-65535"),
    ({"settings": {}, "os": "2019", "timeout": 0}, "timeout must be a positive number"),
    ({"settings": {}, "os": "Server 2019"}, "os must be one of 2008r2"),
    ({"settings": {"protocols": {"TLS 1.5": "enabled"}}, "os": "2019"}, "settings: protocols"),
])
def test_bad_options_fail_before_any_handshake(change, message):
    with pytest.raises(InputError, match=message):
        run_tls_scan({**ARGS, **change}, "ms001", None)


def test_options_that_no_listener_reads_are_accepted():
    settings = {**profile("recommended"), "backup_dir": "/tmp/x", "dotnet_system_default_tls_versions": True}
    with pytest.raises(InputError, match="depth must be one of"):  # got past the settings
        run_tls_scan({**ARGS, "settings": settings, "os": "2019", "depth": "deep"}, "ms001", None)


def test_sni_is_a_name_never_an_ip_literal():
    assert server_name_for("10.0.0.5", "ms001", None) == "ms001"
    assert server_name_for("mailstore.example.org", "ms001", None) == "mailstore.example.org"
    assert server_name_for("10.0.0.5", "10.0.0.5", None) is None
    assert server_name_for("10.0.0.5", "ms001", "archive.example.org") == "archive.example.org"


def test_missing_tlslite_is_named_with_the_install_command(monkeypatch):
    monkeypatch.setattr(handshake, "tls_constants", None)
    with pytest.raises(InputError, match=r"needs the Python package tlslite-ng .*pip install tlslite-ng==0\.8\.2"):
        run_tls_scan({**ARGS, "settings": profile("recommended"), "os": "2019"}, "ms001", None)


def test_missing_sslyze_is_named_for_depth_full(monkeypatch):
    monkeypatch.setitem(sys.modules, "sslyze", None)  # import sslyze raises ImportError
    with pytest.raises(InputError, match=r"depth 'full' needs the Python package sslyze .*or use depth 'compliance'"):
        sweep.require_sslyze()


def test_a_batch_refuses_a_concurrency_below_one_and_fails_only_the_host_of_an_unknown_version():
    from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.task import run_batch_scan

    args = {**ARGS, "host": None, "settings": profile("recommended"), "concurrency": 0, "os": "2019"}
    with pytest.raises(InputError, match="concurrency must be 1 or more"):
        run_batch_scan(args, {"ms001": "192.0.2.1"})
    # Neither host can be scanned, and neither stops the other: no handshake is tried for either.
    out = run_batch_scan({**args, "concurrency": 2, "os": {"ms001": "Server 2019"}},
                         {"ms001": "192.0.2.1", "ms002": "192.0.2.2"})
    assert out["hosts"]["ms001"]["failed"] is True
    assert "os must be one of 2008r2" in out["hosts"]["ms001"]["msg"]
    assert "no Windows version for ms002" in out["hosts"]["ms002"]["msg"]
    assert out["verdicts"] == {"failed": 2}
    assert out["handshakes"] == 0


@pytest.mark.parametrize(("change", "message"), [
    ({"os": {"ms001": "2019"}}, "os is one Windows version key"),
    ({"os": "2019", "os_from": "schannel_apply"}, "os_from needs hosts"),
    ({"hosts": ["ms001"], "host": "192.0.2.1", "os": "2019"}, "host and server_name name one host"),
    ({"hosts": ["ms001"], "os": ["2019"]}, "os must be a version key or a mapping"),
    ({"hosts": ["ms001"], "os": "2019", "os_from": "schannel_apply"}, "either as os or as os_from"),
    ({"hosts": ["ms001"], "os": None}, "either as os or as os_from"),
])
def test_one_host_or_a_batch_never_a_mix(change, message):
    from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.task import check_targets

    with pytest.raises(InputError, match=message):
        check_targets({**ARGS, "host": None, "hosts": None, "os_from": None, **change})


def test_settings_by_os_judges_each_version_by_its_own_entry_and_fails_a_version_without_one():
    from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.task import (
        expectations_for,
        run_batch_scan,
    )

    by_os = {"2019": {"protocols": {"TLS 1.0": "enabled"}}, "2022": {"protocols": {"TLS 1.0": "disabled"}}}
    args = {**ARGS, "host": None, "settings": None, "settings_by_os": by_os, "os": "2019", "concurrency": 1}
    assert "TLS 1.0" in expectations_for(args, "2019")[8460].protocols
    assert "TLS 1.0" not in expectations_for(args, "2022")[8460].protocols
    out = run_batch_scan({**args, "os": {"ms001": "2016"}}, {"ms001": "192.0.2.1"})
    assert out["hosts"]["ms001"]["failed"] is True
    assert "settings_by_os has no entry for Windows Server 2016 (2016)" in out["hosts"]["ms001"]["msg"]
    with pytest.raises(InputError, match="mutually exclusive"):
        run_batch_scan({**args, "settings": {}}, {"ms001": "192.0.2.1"})
