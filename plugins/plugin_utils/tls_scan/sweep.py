# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Depth ``full``: sslyze's sweep of one port, every suite of every version one handshake each (SSL 2.0 to
TLS 1.3, through nassl's OpenSSL 1.0.2 and 1.1.1), plus its elliptic-curve sweep.

sslyze counts a handshake that timed out as a rejected suite (sslyze 6.3.1
``plugins/openssl_cipher_suites/_test_cipher_suite.py``): such a rejection makes the port's result incomplete here,
so a slow host never looks hardened. The sweep runs in a worker thread and is waited for at most until the port's
time bound; its connections per port are limited to two at a time.

Every suite sslyze reports is recorded by its code point (``suite_code``: the IANA name, else the OpenSSL name, as
the IANA table iana.py lists both), so it is named and judged whatever it is; a failed curve scan makes the result
incomplete. SNI is the DNS name the task was given, or absent: sslyze always sets one (its hostname by default), so
the IP literal it would send is dropped before it reaches the wire (``_without_ip_literal_sni``; RFC 6066 3:
"Literal IPv4 and IPv6 addresses are not permitted in HostName").
"""

from __future__ import annotations

import functools
import ipaddress
import threading
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils.tls_codes import GROUP_CODES, suite_codes_by_name
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.probe import PortDeadline, PortUnreachable
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.results import PortResult

MISSING_SSLYZE = (
    "depth 'full' needs the Python package sslyze on the Ansible controller (pip install sslyze==6.3.1 "
    "nassl==5.4.0, pinned in the collection's requirements/verify.txt; sslyze is AGPL-3.0 and pins cryptography<47, "
    "so a dedicated virtualenv or execution environment is advisable); install it, or use depth 'compliance'"
)
_GROUP_CODES = {name.lower(): code for name, code in GROUP_CODES.items()}
_GROUP_CODES["prime256v1"] = 0x0017  # OpenSSL's name for secp256r1
CONNECTIONS_PER_PORT = 2


def _commands() -> dict[str, Any]:
    try:
        from sslyze import ScanCommand
    except ImportError as exc:
        raise InputError(MISSING_SSLYZE, code="sslyze-missing") from exc
    return {
        "SSL 2.0": ScanCommand.SSL_2_0_CIPHER_SUITES,
        "SSL 3.0": ScanCommand.SSL_3_0_CIPHER_SUITES,
        "TLS 1.0": ScanCommand.TLS_1_0_CIPHER_SUITES,
        "TLS 1.1": ScanCommand.TLS_1_1_CIPHER_SUITES,
        "TLS 1.2": ScanCommand.TLS_1_2_CIPHER_SUITES,
        "TLS 1.3": ScanCommand.TLS_1_3_CIPHER_SUITES,
    }


def require_sslyze() -> None:
    _commands()


@functools.cache
def _without_ip_literal_sni() -> None:
    """Make nassl (sslyze's TLS client) leave out an SNI that is an IP literal; installed once per process."""
    from nassl.ssl_client import BaseSslClient

    original = BaseSslClient.set_tlsext_host_name

    def set_tlsext_host_name(self: Any, name_indication: str) -> None:
        try:
            ipaddress.ip_address(name_indication)
        except ValueError:
            original(self, name_indication)

    BaseSslClient.set_tlsext_host_name = set_tlsext_host_name


def _run(request: Any, box: list) -> None:
    from sslyze import Scanner

    try:
        scanner = Scanner(per_server_concurrent_connections_limit=CONNECTIONS_PER_PORT, concurrent_server_scans_limit=1)
        scanner.queue_scans([request])
        box.extend(scanner.get_results())
    except Exception as exc:  # reported as the port's detail: the worker must not die silently
        box.append(exc)


def full_sweep(host: str, port: int, result: PortResult, *, timeout: float, seconds_left: float,
               server_name: str | None) -> None:
    """Fill ``result`` from sslyze's sweep. Raises PortUnreachable / PortDeadline."""
    from sslyze import (
        ScanCommand,
        ScanCommandAttemptStatusEnum,
        ServerNetworkConfiguration,
        ServerNetworkLocation,
        ServerScanRequest,
        ServerScanStatusEnum,
    )

    commands = _commands()
    _without_ip_literal_sni()
    request = ServerScanRequest(
        server_location=ServerNetworkLocation(hostname=server_name or host, port=port, ip_address=host),
        network_configuration=ServerNetworkConfiguration(tls_server_name_indication=server_name or host,
                                                         network_timeout=max(1, int(timeout)),
                                                         network_max_retries=0),
        scan_commands={*commands.values(), ScanCommand.ELLIPTIC_CURVES},
    )
    box: list = []
    worker = threading.Thread(target=_run, args=(request, box), daemon=True, name="sslyze-%s-%d" % (host, port))
    worker.start()
    worker.join(seconds_left)
    if worker.is_alive():
        raise PortDeadline("port %d: sslyze's sweep did not finish within the port's time bound" % port)
    (scan,) = box
    if isinstance(scan, Exception):
        raise PortDeadline("port %d: sslyze failed: %s" % (port, scan))
    if scan.scan_status == ServerScanStatusEnum.ERROR_NO_CONNECTIVITY:
        raise PortUnreachable("port %d: %s" % (port, scan.connectivity_error_trace or "no connectivity"))
    timeouts = 0
    for protocol, command in commands.items():
        attempt = getattr(scan.scan_result, command.value)
        if attempt.status != ScanCommandAttemptStatusEnum.COMPLETED:
            raise PortDeadline("port %d: sslyze %s: %s" % (port, command.value, attempt.error_reason))
        found = attempt.result
        result.handshakes += len(found.accepted_cipher_suites) + len(found.rejected_cipher_suites)
        if protocol != "SSL 2.0":  # silence to SSL 2.0 is "not offered" (compliance.py): Schannel may not answer
            timeouts += sum("timed out" in (r.error_message or "") for r in found.rejected_cipher_suites)
        for accepted in found.accepted_cipher_suites:
            result.add(protocol, suite_code(accepted.cipher_suite.name, accepted.cipher_suite.openssl_name, port))
            key = accepted.ephemeral_key
            if key is not None and type(key).__name__ == "DhEphemeralKeyInfo" and result.dh_bits is None:
                result.dh_bits = key.size
    curves = getattr(scan.scan_result, ScanCommand.ELLIPTIC_CURVES.value)
    if curves.status != ScanCommandAttemptStatusEnum.COMPLETED:
        raise PortDeadline("port %d: sslyze's curve scan failed: %s" % (port, curves.error_reason))
    found = curves.result
    result.handshakes += len(found.supported_curves or []) + len(found.rejected_curves or [])
    for curve in found.supported_curves or []:
        code = _GROUP_CODES.get(curve.name.lower())
        if code is None:
            raise PortDeadline("port %d: sslyze reports the curve %s, which has no known group code"
                               % (port, curve.name))
        if code not in result.groups:
            result.groups.append(code)
    if timeouts:
        raise PortDeadline("port %d: %d of sslyze's handshakes timed out (sslyze counts them as rejections)"
                           % (port, timeouts))


_CODES: dict[str, int] = {}


def suite_code(name: str, openssl_name: str, port: int) -> int:
    """IANA code point of a suite as sslyze reports it: its name (the catalog's, the IANA registry's, tlslite-ng's),
    else its OpenSSL name. A suite none of them knows cannot be judged: PortDeadline, the result is incomplete."""
    if not _CODES:
        from tlslite.constants import CipherSuite

        _CODES.update({n: c for c, n in CipherSuite.ietfNames.items()})
        _CODES.update(suite_codes_by_name())  # OpenSSL names, below the IANA ones, below the catalog's
    code = _CODES.get(name, _CODES.get(openssl_name))
    if code is None:
        raise PortDeadline("port %d: sslyze reports the suite %s (%s), which has no known code point"
                           % (port, name, openssl_name))
    return code
