"""tls_scan against the simulator's MailStore listeners: both depths, every Windows version, both seed profiles.

Each host's registry holds a profile as of its last boot (tls_fleet.provision). The compliance depth must find
exactly what the registry allows and agree with sslyze's full sweep, at a tenth of the handshakes or fewer.
"""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.handshake import group_name, suite_name
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.expectation import (
    certificate_fits,
    expect_from_options,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.scan import scan_host
from tests.loopback_server import LoopbackServer
from tests.profiles import profile, profiles
from tests.sim.tls_fleet import Planned, provision
from tests.winsim.fleet import Fleet

PROFILES = tuple(sorted(profiles()))
CASES = [(index, os_key, name) for index, (os_key, name) in
         enumerate((os_key, name) for os_key in catalog.OS_KEYS for name in PROFILES)]
# The drifted host: xp_compatible with .NET strong crypto off, so MailStore's listeners serve SSL 3.0 and RC4.
LEGACY = {**profile("xp_compatible"), "dotnet_strong_crypto": False}
PLAN = [*(Planned(os_key, profile(name)) for _index, os_key, name in CASES), Planned("2019", LEGACY)]


@pytest.fixture(scope="module")
def tls_fleet(tmp_path_factory):
    state = tmp_path_factory.mktemp("tls-fleet")
    provision(state, PLAN)
    with Fleet(state, hosts=len(PLAN), os_mix=tuple(p.os for p in PLAN), first_ip="127.20.10.1") as fleet:
        yield fleet


def accepted(port_json: dict) -> dict[str, set[str]]:
    return {name: {s["name"] for s in p["suites"]} for name, p in port_json["protocols"].items() if p["accepted"]}


def _ecdhe(protocol: str, name: str) -> bool:
    return protocol == "TLS 1.3" or name.startswith("TLS_ECDHE_")


def expectations(settings: dict, os_key: str, ports: list[int]) -> dict:
    return {port: expect_from_options(settings, os_key) for port in ports}


def scan(fleet: Fleet, index: int, settings: dict, os_key: str, **kwargs):
    host = fleet.hosts[index]
    return scan_host(host.ip, expectations(settings, os_key, kwargs.pop("ports", [8460])), server_name=host.name,
                     **kwargs)


@pytest.mark.parametrize(("index", "os_key", "name"), CASES, ids=[f"{o}-{n}" for _i, o, n in CASES])
def test_compliance_finds_what_the_registry_allows_and_agrees_with_full(tls_fleet, index, os_key, name):
    settings = profile(name)
    expectation = expect_from_options(settings, os_key)
    quick = scan(tls_fleet, index, settings, os_key, depth="compliance")
    full = scan(tls_fleet, index, settings, os_key, depth="full")
    q, f = quick.to_json()["ports"]["8460"], full.to_json()["ports"]["8460"]
    assert q["complete"], q["detail"]
    assert f["complete"], f["detail"]

    # exactly what the settings allow at the last boot: every allowed suite the host's certificate fits, nothing else
    key_type = q["certificate"]["key_type"]
    wanted = {p: {suite_name(c) for c in codes if certificate_fits(c, key_type)}
              for p, codes in expectation.suites.items()}
    assert {p: names for p, names in accepted(q).items() if names} == {p: names for p, names in wanted.items() if names}
    if any(_ecdhe(protocol, name) for protocol, names in accepted(q).items() for name in names):
        assert set(q["groups"]) == {group_name(g) for g in expectation.groups}
    # and the same as sslyze's sweep, verdict and findings included
    assert accepted(q) == accepted(f)
    assert set(q["groups"]) == set(f["groups"])
    assert q["dh_bits"] == f["dh_bits"]
    assert quick.verdict == full.verdict
    assert quick.verdict == "pass"
    assert sorted((x["id"], x["protocol"] or "", x["suite"] or "") for x in quick.to_json()["findings"]) == sorted(
        (x["id"], x["protocol"] or "", x["suite"] or "") for x in full.to_json()["findings"])
    # a tenth of the handshakes or fewer for the seed's profiles (figures: benchmarks/tls_scan_handshakes.py); the
    # others allow up to 23 suites, one confirming handshake each
    if name in ("recommended", "xp_compatible"):
        assert quick.handshakes * 10 <= full.handshakes, (quick.handshakes, full.handshakes)
    else:
        assert quick.handshakes * 5 <= full.handshakes, (quick.handshakes, full.handshakes)


def test_a_drifted_host_fails_with_named_findings(tls_fleet):
    """The xp_compatible host (SSL 3.0, RC4, 3DES) judged against recommended: what peers would say, by severity."""
    index = PLAN.index(Planned("2019", LEGACY))
    result = scan(tls_fleet, index, profile("recommended"), "2019", ports=[8460, 8462, 8463])
    out = result.to_json()
    assert out["verdict"] == "fail"
    findings = {(f["id"], f["port"], f["protocol"], f["suite"]): f for f in out["findings"]}
    for port in (8460, 8462, 8463):
        assert findings[("FORBIDDEN_PROTOCOL", port, "SSL 3.0", None)]["severity"] == "high"
        assert findings[("SSLV3", port, "SSL 3.0", None)]["severity"] == "high"
        rc4 = findings[("RC4", port, "SSL 3.0", "TLS_RSA_WITH_RC4_128_SHA")]
        assert rc4["severity"] == "high"
        assert "RFC 7465" in rc4["source"]
        sweet32 = findings[("SWEET32", port, "TLS 1.0", "TLS_RSA_WITH_3DES_EDE_CBC_SHA")]  # once, lowest version
        assert sweet32["severity"] == "medium"
        assert "CVE-2016-2183" in sweet32["source"]
        assert findings[("FORBIDDEN_SUITE", port, "TLS 1.2", "TLS_RSA_WITH_RC4_128_SHA")]["severity"] == "high"
        assert findings[("TLS1_0", port, "TLS 1.0", None)]["source"].startswith("RFC 8996")
    # Windows serves SSL 3.0 with RC4 only here (3DES/AES suites are TLS 1.0+ in Microsoft's tables): no CBC on
    # SSL 3.0, so no POODLE, as testssl.sh's POODLE_SSL ("SSLv3+CBC") would say too
    assert not [f for f in out["findings"] if f["id"] == "POODLE"]
    assert out["handshakes"] < 3 * 60


def test_a_port_that_does_not_answer_is_unreachable_never_hardened(tls_fleet):
    index = PLAN.index(Planned("2022", profile("recommended")))
    result = scan(tls_fleet, index, profile("recommended"), "2022", ports=[8460, 8461])
    out = result.to_json()
    assert out["ports"]["8461"]["reachable"] is False
    assert "refused" in out["ports"]["8461"]["detail"]
    assert out["ports"]["8460"]["reachable"] is True
    assert out["verdict"] == "unreachable"

    tls_fleet.control.set_fault(tls_fleet.hosts[index].name, "down")
    try:
        down = scan(tls_fleet, index, profile("recommended"), "2022", ports=[8460, 8462, 8463], depth="full")
    finally:
        tls_fleet.control.clear_fault(tls_fleet.hosts[index].name)
    assert down.verdict == "unreachable"
    assert all(not p.reachable for p in down.ports.values())
    assert down.findings == []


class SilentAfterFirst(LoopbackServer):
    """A TCP relay to a real port that relays the first connection and leaves every later one unanswered."""

    def __init__(self, ip: str, target: tuple[str, int]) -> None:
        self.target = target
        self.connections = 0
        self.held: list[socket.socket] = []
        super().__init__(ip)

    def handle(self, conn: socket.socket) -> None:
        self.connections += 1
        if self.connections > 1:
            self.held.append(conn)  # accepted, never answered
            return
        upstream = socket.create_connection(self.target)
        for a, b in ((conn, upstream), (upstream, conn)):
            threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)  # passes the end on (a close here would not wake the other reader)

    def close(self) -> None:
        super().close()
        for conn in self.held:
            conn.close()


def test_silence_after_an_answer_is_incomplete_within_the_port_bound(tls_fleet):
    index = PLAN.index(Planned("2019", profile("recommended")))
    host = tls_fleet.hosts[index]
    relay = SilentAfterFirst("127.20.10.200", (host.ip, 8460))
    try:
        result = scan_host("127.20.10.200", expectations(profile("recommended"), "2019", [relay.port]),
                           timeout=30, port_timeout=0.5)
    finally:
        relay.close()
    port = result.ports[relay.port]
    assert port.reachable
    assert not port.complete
    assert port.seconds < 2  # bounded by port_timeout, not by the 30 s handshake timeout
    assert result.verdict == "fail"
    assert [f.id for f in result.findings if f.severity == "high"] == ["SCAN_INCOMPLETE"]


def test_a_silent_port_is_unreachable_after_one_handshake_timeout():
    listener = socket.create_server(("127.20.10.201", 0))
    port = listener.getsockname()[1]
    try:
        result = scan_host("127.20.10.201", expectations(profile("recommended"), "2019", [port]), timeout=0.3)
    finally:
        listener.close()
    assert result.verdict == "unreachable"
    assert result.ports[port].handshakes == 1
    assert result.ports[port].seconds < 1


def test_one_batch_task_judges_each_host_by_its_own_version_and_fails_only_the_host_it_cannot_scan(tls_fleet):
    """tls_scan with hosts: what the role runs once per serial batch. Each host gets the result a scan of it alone
    gives; a host without a version key fails alone and a port that does not answer is that host's verdict."""
    from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.task import run_batch_scan

    hardened = [PLAN.index(Planned(os_key, profile("recommended"))) for os_key in ("2012r2", "2019", "2025")]
    legacy = PLAN.index(Planned("2019", LEGACY))
    down = PLAN.index(Planned("2022", profile("recommended")))
    names = {tls_fleet.hosts[i].name: i for i in (*hardened, legacy, down)}
    addresses = {name: tls_fleet.hosts[i].ip for name, i in names.items()}
    addresses["ms-unknown"] = "192.0.2.1"  # TEST-NET-1: never contacted, it has no version key
    os_keys = {name: PLAN[i].os for name, i in names.items()}
    args = {**dict.fromkeys(("host", "server_name")), "ports": [8460, 8462], "depth": "compliance", "timeout": 5,
            "port_timeout": 120, "settings": profile("recommended"), "os": os_keys, "fail_on_findings": False,
            "concurrency": 3}
    tls_fleet.control.set_fault(tls_fleet.hosts[down].name, "down")
    try:
        out = run_batch_scan(args, addresses)
    finally:
        tls_fleet.control.clear_fault(tls_fleet.hosts[down].name)
    hosts = out["hosts"]
    assert set(hosts) == set(addresses)
    for i in hardened:
        alone = scan(tls_fleet, i, profile("recommended"), PLAN[i].os, ports=[8460, 8462]).to_json()
        batch = hosts[tls_fleet.hosts[i].name]
        assert batch["verdict"] == alone["verdict"] == "pass"
        assert {p: accepted(batch["ports"][p]) for p in ("8460", "8462")} == {
            p: accepted(alone["ports"][p]) for p in ("8460", "8462")}
    assert hosts[tls_fleet.hosts[legacy].name]["verdict"] == "fail"
    assert hosts[tls_fleet.hosts[down].name]["verdict"] == "unreachable"
    assert hosts["ms-unknown"]["failed"] is True
    assert "no Windows version for ms-unknown" in hosts["ms-unknown"]["msg"]
    assert out["verdicts"] == {"fail": 1, "failed": 1, "pass": 3, "unreachable": 1}
    assert out["handshakes"] == sum(r.get("handshakes", 0) for r in hosts.values())
