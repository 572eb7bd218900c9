"""The ClientHello each client row becomes, and when a handshake agrees with a prediction (no network here)."""

from __future__ import annotations

from ansible_collections.fleetsec.schannel.plugins.module_utils.client_impact import Prediction
from ansible_collections.fleetsec.schannel.plugins.module_utils.clients import CLIENTS
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.handshake import DEFAULT_GROUPS
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.client_impact.proof import agrees, client_hello


def test_chrome_hello_keeps_its_order_without_the_ml_kem_hybrid():
    hello = client_hello(CLIENTS["chrome"])
    assert hello.versions == ("TLS 1.2", "TLS 1.3")
    # RFC 8446 B.4 / RFC 5289 / RFC 7905 code points, in Chrome's order (chromium ssl_client_socket_impl.cc).
    assert hello.suites[:5] == (0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F)
    assert hello.groups == (0x001D, 0x0017, 0x0018)  # x25519, P-256, P-384; X25519MLKEM768 left out


def test_xp_hello_offers_ssl3_and_tls10_with_rc4_first():
    hello = client_hello(CLIENTS["windows_xp"])
    assert hello.versions == ("SSL 3.0", "TLS 1.0")
    assert hello.suites[:3] == (0x0004, 0x0005, 0x000A)  # RC4-MD5, RC4-SHA, DES-CBC3-SHA
    assert hello.groups == DEFAULT_GROUPS  # XP has no curve; no suite of it can use one


def test_every_client_row_makes_a_hello():
    for client in CLIENTS.values():
        hello = client_hello(client)
        assert len(hello.suites) == len(client.suites)


def _prediction(connects, protocol=None, suite=None):
    return Prediction("x", "X", connects, protocol, suite, None, None if connects else "no common suite", "")


def test_agreement_needs_the_same_outcome_protocol_and_suite():
    seen = {"connects": True, "protocol": "TLS 1.2", "suite": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}
    assert agrees(_prediction(True, "TLS 1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"), seen)
    assert not agrees(_prediction(True, "TLS 1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), seen)
    assert not agrees(_prediction(False, "TLS 1.2"), seen)
    assert agrees(_prediction(False, "TLS 1.0"), {"connects": False, "protocol": None, "suite": None})
