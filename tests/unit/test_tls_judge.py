"""tls_scan's findings and verdict on port results (no network): peers' names, severities, sources."""

from __future__ import annotations

import pytest

from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.expectation import expect_from_options
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.judge import judge_port, verdict
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.results import PortResult
from tests.profiles import profile

SEED = ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", 0xC028)
BROWSER_SUITES = (0xC030, 0xC02F)  # ECDHE_RSA AES-256/128-GCM, after the seed's suite in recommended


@pytest.fixture(scope="module")
def recommended():
    return expect_from_options(profile("recommended"), "2019")


def port(accepted: dict[str, list[int]], **kwargs) -> PortResult:
    result = PortResult(8460, reachable=True, **kwargs)
    for protocol, codes in accepted.items():
        for code in codes:
            result.add(protocol, code)
    return result


def ids(findings) -> set[tuple[str, str, str | None]]:
    return {(f.id, f.severity, f.suite) for f in findings}


def test_exactly_the_profile_passes_with_the_seed_warnings(recommended):
    result = port({"TLS 1.2": [SEED[1], *BROWSER_SUITES]}, groups=list(recommended.groups))
    findings = judge_port(result, recommended)
    assert verdict({8460: result}, findings) == "pass"
    assert ids(findings) == {("PROTOCOL_ENABLED_UNUSABLE", "low", None)}
    assert sorted(f.protocol for f in findings) == ["TLS 1.0", "TLS 1.1"]  # enabled but unusable, as the seed's


def test_ssl3_with_cbc_is_poodle_and_rc4_is_named_with_its_rfc(recommended):
    result = port({"SSL 3.0": [0x000A, 0x0005], "TLS 1.2": [SEED[1]]}, groups=list(recommended.groups))
    findings = judge_port(result, recommended)
    assert verdict({8460: result}, findings) == "fail"
    got = {f.id: f for f in findings}
    assert got["POODLE"].severity == "high"
    assert "CVE-2014-3566" in got["POODLE"].source
    assert got["RC4"].severity == "high"
    assert got["RC4"].source.startswith("RFC 7465")
    assert got["SWEET32"].suite == "TLS_RSA_WITH_3DES_EDE_CBC_SHA"
    assert got["SSLV3"].severity == "high"
    assert got["FORBIDDEN_PROTOCOL"].protocol == "SSL 3.0"


def test_weak_dh_no_forward_secrecy_and_insecure_suites(recommended):
    result = port({"TLS 1.2": [0x002F, 0x0001, 0x0018, 0x0003]}, dh_bits=1024)
    found = ids(judge_port(result, recommended))
    assert {("LOGJAM", "medium", None), ("NO_FORWARD_SECRECY", "medium", None), ("FORBIDDEN_DH_SIZE", "high", None),
            ("NULL_CIPHER", "critical", "TLS_RSA_WITH_NULL_MD5"),
            ("ANON_CIPHER", "critical", "TLS_DH_anon_WITH_RC4_128_MD5"),
            ("EXPORT_CIPHER", "critical", "TLS_RSA_EXPORT_WITH_RC4_40_MD5")} <= found
    assert ("WEAK_DH", "low", None) in ids(judge_port(port({"TLS 1.2": [0x009E]}, dh_bits=1536), recommended))


def test_a_forbidden_group_fails_and_an_incomplete_port_never_passes(recommended):
    result = port({"TLS 1.2": [SEED[1]]}, groups=[*recommended.groups, 0x001D])  # x25519: recommended has P-521, P-384
    findings = judge_port(result, recommended)
    assert ("FORBIDDEN_GROUP", "medium", None) in ids(findings)
    assert verdict({8460: result}, findings) == "fail"
    cut = port({"TLS 1.2": [SEED[1]]}, groups=list(recommended.groups), complete=False, detail="time bound")
    findings = judge_port(cut, recommended)
    assert ("SCAN_INCOMPLETE", "high", None) in ids(findings)
    assert not [f for f in findings if f.id == "PROTOCOL_ENABLED_UNUSABLE"]  # not known from a partial scan
    assert verdict({8460: cut}, findings) == "fail"


def test_a_port_that_did_not_answer_makes_the_host_unreachable_unless_another_fails(recommended):
    down = PortResult(8462, reachable=False, detail="refused")
    good = port({"TLS 1.2": [SEED[1]]}, groups=list(recommended.groups))
    assert verdict({8460: good, 8462: down}, judge_port(good, recommended)) == "unreachable"
    bad = port({"TLS 1.0": [0x002F]}, groups=list(recommended.groups))
    assert verdict({8460: bad, 8462: down}, judge_port(bad, recommended)) == "fail"


def test_a_port_that_accepts_no_handshake_on_any_enabled_protocol_fails(recommended):
    """An ECDSA certificate with the RSA-only recommended suites: the port answers TCP and no handshake completes,
    so MailStore Server is cut off from every client; a failing finding naming the port and the likely cause, never
    a pass with low "enabled but unusable" warnings."""
    result = port({}, certificate={"key_type": "ECDSA"})
    findings = judge_port(result, recommended)
    assert ids(findings) == {("NO_HANDSHAKE", "high", None)}
    message = findings[0].message
    assert "port 8460" in message
    assert "certificate (ECDSA)" in message
    assert "whose key is RSA" in message
    assert verdict({8460: result}, findings) == "fail"
