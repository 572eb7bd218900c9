"""Real handshakes against tls_context(): what a scanner sees must be what the Schannel view offers."""

import socket
import ssl
import threading

import pytest

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.handshake import offer
from tests.loopback_server import LoopbackServer
from tests.sim.sslyze_scan import VERSION_COMMANDS, accepted_suites
from tests.winsim import legacy_tls
from tests.winsim import windows_facts as windows
from tests.winsim.host import SimulatedWindows
from tests.winsim.pki import FleetPki

ADDRESS = "127.20.250.1"
SCHANNEL = windows.SCHANNEL_KEY


class Listener(LoopbackServer):
    """A thread-per-connection TLS server on ADDRESS that completes handshakes and closes.

    ClientHellos are routed as the simulator's listeners route them (legacy_tls.py): Schannel's refusals get its
    alert, the pairs OpenSSL cannot serve go to tlslite-ng.
    """

    def __init__(self, ctx: ssl.SSLContext, router: legacy_tls.HelloRouter) -> None:
        self.ctx = ctx
        self.router = router
        super().__init__(ADDRESS)

    def handle(self, conn: socket.socket) -> None:
        threading.Thread(target=self._handshake, args=(conn,), daemon=True).start()

    def _handshake(self, conn: socket.socket) -> None:
        try:
            pin = self.router.route(legacy_tls.peek_first_record_blocking(conn))
            conn.settimeout(5)
            if isinstance(pin, legacy_tls.Refusal):
                legacy_tls.refuse(conn, pin)
                return
            if isinstance(pin, legacy_tls.Pin):
                self.router.handshake(conn, pin).read(max=1)
                return
            with (pin or self.ctx).wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        except (ssl.SSLError, *legacy_tls.TLSLITE_ERRORS):
            pass
        finally:
            conn.close()


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return FleetPki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def serve(tmp_path, pki):
    listeners = []

    def start(host: SimulatedWindows) -> Listener:
        certs = pki.host_certificates(host.name, ADDRESS)
        listener = Listener(host.tls_context(certs), host.hello_router(certs))
        listeners.append(listener)
        return listener

    yield start
    for listener in listeners:
        listener.close()


def expected(host: SimulatedWindows) -> dict[str, set[str]]:
    """What the view offers per protocol, minus what the summary says neither OpenSSL nor tlslite-ng can serve and
    what the host's certificate cannot serve."""
    summary = host.tls_summary
    unserved = {(u["name"], p) for u in [*summary["unservable"], *summary["uncertified"]] if u["kind"] == "suite"
                for p in u.get("protocols", host.view.protocols)}
    unserved_protocols = {u["name"] for u in host.tls_summary["unservable"] if u["kind"] == "protocol"}
    out = {name: set() for name in VERSION_COMMANDS}
    for suite in host.view.suites:
        for protocol in suite.protocols:
            served = protocol not in unserved_protocols and (suite.windows_name, protocol) not in unserved
            if protocol in out and served:
                out[protocol].add(suite.name)
    assert out == {name: set(host.tls_summary["served"]["suites_by_protocol"].get(name, [])) for name in out}
    return out


def client(max_version=ssl.TLSVersion.TLSv1_3, ciphers=None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.maximum_version = max_version
    if ciphers:
        ctx.set_ciphers(ciphers)
    return ctx


def handshake(port: int, ctx: ssl.SSLContext) -> tuple[str, str]:
    with socket.create_connection((ADDRESS, port), timeout=5) as raw, ctx.wrap_socket(raw) as tls:
        return tls.version(), tls.cipher()[0]


def test_fresh_2022_offers_exactly_its_view(tmp_path, serve):
    host = SimulatedWindows("tls2022", "2022", tmp_path)
    listener = serve(host)
    seen = accepted_suites(ADDRESS, listener.port)
    assert seen == expected(host)
    assert seen["TLS 1.3"] == {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"}
    # One RSA certificate, as a MailStore server has: ECDSA suites are skipped as Schannel skips them.
    assert not {s for s in seen["TLS 1.2"] if "ECDSA" in s}
    assert "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" in seen["TLS 1.2"]
    assert "TLS_RSA_WITH_3DES_EDE_CBC_SHA" in seen["TLS 1.2"]  # enabled by default on 2022, served by tlslite-ng
    # server preference = Windows order: the first TLS 1.3 suite wins
    assert handshake(listener.port, client()) == ("TLSv1.3", "TLS_AES_256_GCM_SHA384")
    host.close()


def test_registry_edits_after_reboot(tmp_path, serve):
    host = SimulatedWindows("tls2019", "2019", tmp_path)
    key = SCHANNEL + r"\Protocols\TLS 1.0\Server"
    host.call_stdregprov("CreateKey", [("sSubKeyName", key)])
    host.call_stdregprov("SetDWORDValue", [("sSubKeyName", key), ("sValueName", "Enabled"), ("uValue", "0")])
    host.call_stdregprov("CreateKey", [("sSubKeyName", windows.SUITE_POLICY_KEY)])
    order = "TLS_RSA_WITH_AES_128_CBC_SHA,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"
    host.call_stdregprov("SetStringValue", [("sSubKeyName", windows.SUITE_POLICY_KEY), ("sValueName", "Functions"),
                                            ("sValue", order)])
    host.boot()
    listener = serve(host)
    seen = accepted_suites(ADDRESS, listener.port)
    assert seen == expected(host)
    assert seen["TLS 1.0"] == set()
    assert seen["TLS 1.1"] == {"TLS_RSA_WITH_AES_128_CBC_SHA"}
    assert seen["TLS 1.2"] == {"TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                               "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"}
    assert seen["TLS 1.3"] == set()
    # Windows order wins over the client's preference
    assert handshake(listener.port, client(ciphers="ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA")) == (
        "TLSv1.2", "AES128-SHA")
    host.close()


def test_tls13_enabled_without_tls13_suites_fails_like_windows(tmp_path, serve):
    host = SimulatedWindows("tls13none", "2022", tmp_path)
    order = ",".join(s for s in windows.default_suite_order("2022") if not s.startswith("TLS_AES_"))
    host.call_stdregprov("CreateKey", [("sSubKeyName", windows.SUITE_POLICY_KEY)])
    host.call_stdregprov("SetStringValue", [("sSubKeyName", windows.SUITE_POLICY_KEY), ("sValueName", "Functions"),
                                            ("sValue", order)])
    host.boot()
    listener = serve(host)
    with pytest.raises(ssl.SSLError, match="HANDSHAKE_FAILURE"):
        handshake(listener.port, client())
    assert handshake(listener.port, client(ssl.TLSVersion.TLSv1_2)) == ("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384")
    host.close()


def test_dh_group_size_follows_registry(tmp_path, serve):
    host = SimulatedWindows("tlsdh", "2012r2", tmp_path)
    listener = serve(host)
    ctx = client(ssl.TLSVersion.TLSv1_2, ciphers="DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0")
    with socket.create_connection((ADDRESS, listener.port), timeout=5) as raw, ctx.wrap_socket(raw) as tls:
        assert tls.cipher()[0] == "DHE-RSA-AES128-GCM-SHA256"
    assert host.tls_summary["dh_bits"] == 1024
    assert (tmp_path / "dhparams" / "dh1024.pem").exists()
    host.close()


def test_ecdsa_certificate_option_serves_ecdsa_suites_only(tmp_path, serve):
    host = SimulatedWindows("tlsecdsa", "2019", tmp_path, certificate="ecdsa")
    listener = serve(host)
    seen = accepted_suites(ADDRESS, listener.port)
    assert seen == expected(host)
    assert seen["TLS 1.2"]
    assert all("ECDSA" in s for s in seen["TLS 1.2"])
    assert handshake(listener.port, client(ssl.TLSVersion.TLSv1_2)) == ("TLSv1.2", "ECDHE-ECDSA-AES256-GCM-SHA384")
    host.close()


def test_a_tls13_hello_gets_a_tls12_serverhello_where_windows_has_no_tls13(tmp_path, serve):
    """Server 2019 "will respond to TLSv1.3 handshakes with a TLSv1.2 response" (rbsec/sslscan PR 280): its
    Schannel has no TLS 1.3 and ignores supported_versions. The scan reads such an answer as "TLS 1.3 refused"."""
    host = SimulatedWindows("tls13on2019", "2019", tmp_path)
    listener = serve(host)
    answer = offer(ADDRESS, listener.port, ["TLS 1.3"], [0x1302, 0x1301, 0xC030], timeout=5)
    assert (answer.kind, answer.version, answer.suite_name) == (
        "accepted", "TLS 1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
    assert not answer.hello_retry
    host.close()
    host = SimulatedWindows("tls13off2022", "2022", tmp_path)  # TLS 1.3 implemented, disabled: no common version
    key = SCHANNEL + r"\Protocols\TLS 1.3\Server"
    host.call_stdregprov("CreateKey", [("sSubKeyName", key)])
    host.call_stdregprov("SetDWORDValue", [("sSubKeyName", key), ("sValueName", "Enabled"), ("uValue", "0")])
    host.boot()
    listener = serve(host)
    answer = offer(ADDRESS, listener.port, ["TLS 1.3"], [0x1302, 0x1301, 0xC030], timeout=5)
    assert answer.kind == "closed"  # reset, as Schannel resets a hello below its versions (tls_prober)
    assert "reset" in answer.detail
    host.close()
