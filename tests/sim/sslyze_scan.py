"""Accepted cipher suites per protocol version of one TLS port, as sslyze (nassl) sees them."""

from __future__ import annotations

from sslyze import (
    ScanCommand,
    ScanCommandAttemptStatusEnum,
    Scanner,
    ServerNetworkConfiguration,
    ServerNetworkLocation,
    ServerScanRequest,
    ServerScanStatusEnum,
)

VERSION_COMMANDS = {
    "SSL 3.0": ScanCommand.SSL_3_0_CIPHER_SUITES,
    "TLS 1.0": ScanCommand.TLS_1_0_CIPHER_SUITES,
    "TLS 1.1": ScanCommand.TLS_1_1_CIPHER_SUITES,
    "TLS 1.2": ScanCommand.TLS_1_2_CIPHER_SUITES,
    "TLS 1.3": ScanCommand.TLS_1_3_CIPHER_SUITES,
}


def accepted_suites(ip: str, port: int) -> dict[str, set[str]]:
    """IANA names of the suites accepted per version; fails on a timed-out handshake.

    sslyze counts a handshake that timed out as a rejection (sslyze 6.3.1
    plugins/openssl_cipher_suites/_test_cipher_suite.py), which would make a slow host look hardened.
    """
    request = ServerScanRequest(
        server_location=ServerNetworkLocation(hostname="localhost", port=port, ip_address=ip),
        network_configuration=ServerNetworkConfiguration(tls_server_name_indication="localhost", network_timeout=5),
        scan_commands=set(VERSION_COMMANDS.values()),
    )
    scanner = Scanner()
    scanner.queue_scans([request])
    (result,) = list(scanner.get_results())
    assert result.scan_status == ServerScanStatusEnum.COMPLETED
    accepted = {}
    for name, command in VERSION_COMMANDS.items():
        attempt = getattr(result.scan_result, command.value)
        assert attempt.status == ScanCommandAttemptStatusEnum.COMPLETED
        accepted[name] = {c.cipher_suite.name for c in attempt.result.accepted_cipher_suites}
        timeouts = [c for c in attempt.result.rejected_cipher_suites if "timed out" in (c.error_message or "")]
        assert not timeouts, timeouts
    return accepted
