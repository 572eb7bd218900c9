# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The TLS scan of one host: its ports in parallel (one thread and at most one probe socket per port, sslyze two),
each at the chosen depth within its time bound, then findings and the verdict against the settings.

    expectations = {port: expect(settings, "2019") for port in (8460, 8462, 8463)}
    result = scan_host("127.20.0.1", expectations, depth="compliance", timeout=5, port_timeout=120)
    result.to_json()   # the tls_scan return value: verdict, ports, findings, handshakes
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.fleetsec.schannel.plugins.module_utils.tls_codes import VERSIONS
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.handshake import require_tlslite
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.compliance import (
    compliance_scan,
    first_contact,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.expectation import Expectation
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.judge import judge_port, verdict
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.probe import (
    PortDeadline,
    PortUnreachable,
    Prober,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.results import PortResult, ScanResult
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.sweep import full_sweep, require_sslyze

DEPTHS = ("compliance", "full")


def server_preference(prober: Prober, result: PortResult) -> None:
    """Whether the server chooses by its own order, per protocol with two accepted suites or more.

    Offer the accepted suites in ascending code order: a pick other than the first proves server preference;
    otherwise the reversed order decides (the client's first again = the client's preference).
    """
    for version, found in result.protocols.items():
        if len(found.suites) < 2 or version not in VERSIONS:
            continue
        ordered = sorted(found.suites)
        first = prober.accepts(version, ordered)
        if first is None:
            continue
        if first.suite != ordered[0]:
            found.server_preference = True
            continue
        second = prober.accepts(version, ordered[::-1])
        if second is not None:
            found.server_preference = second.suite != ordered[-1]


def scan_port(host: str, port: int, expectation: Expectation, *, depth: str, timeout: float, port_timeout: float,
              server_name: str | None = None) -> PortResult:
    result = PortResult(port)
    started = time.monotonic()
    prober = Prober(host, port, timeout=timeout, port_timeout=port_timeout, server_name=server_name)
    try:
        first_contact(prober, result)
        if depth == "full":
            full_sweep(host, port, result, timeout=timeout, seconds_left=prober.deadline - time.monotonic(),
                       server_name=server_name)
        else:
            compliance_scan(prober, expectation, result)
        server_preference(prober, result)
    except PortUnreachable as exc:
        # After the first contact answered, a later refusal or silence is a probe that failed, not an absent port.
        result.complete = not prober.answered
        result.detail = str(exc)
    except PortDeadline as exc:
        result.complete = False
        result.detail = str(exc)
    result.reachable = prober.answered
    result.handshakes += prober.handshakes
    result.seconds = time.monotonic() - started
    return result


def scan_host(host: str, expectations: Mapping[int, Expectation], *, depth: str = "compliance",
              timeout: float = 5.0, port_timeout: float = 120.0, server_name: str | None = None) -> ScanResult:
    """Scan the ports of ``host`` that ``expectations`` names, each judged by its own (module docstring)."""
    ports = list(expectations)
    require_tlslite()
    if depth not in DEPTHS:
        raise InputError("depth must be one of %s, not %r" % (", ".join(DEPTHS), depth), code="depth")
    if depth == "full":
        require_sslyze()
    if not ports:
        raise InputError("ports must list at least one TCP port, e.g. [8460, 8462, 8463]", code="ports")
    with ThreadPoolExecutor(max_workers=len(ports), thread_name_prefix="tls-scan") as pool:
        futures = {port: pool.submit(scan_port, host, port, expectations[port], depth=depth, timeout=timeout,
                                     port_timeout=port_timeout, server_name=server_name) for port in ports}
        results = {port: future.result() for port, future in futures.items()}
    findings = [f for port in ports if results[port].reachable
                for f in judge_port(results[port], expectations[port])]
    return ScanResult(host, depth, results, findings, verdict(results, findings))
