# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tls_scan task: validated options in, the task result out (the action plugin is a thin shell around this).

One host (the task's own, run per host) or a batch (O(hosts), run once): at fleet size every task per host costs
Ansible about a fork, so the role scans a whole serial batch from one task, ``concurrency`` hosts at a time.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import POLICY
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.policy import given_policy, settings_for_os
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.expectation import (
    WINRM_PORTS,
    Expectation,
    expect_from_options,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.scan import scan_host

# The win_schannel options that decide what a TLS listener offers; the others (.NET, WinHTTP, FIPS, backup) are
# accepted and not read, so the role can hand over the settings it applied unchanged.
LISTENER_OPTIONS = tuple(option.name for option in POLICY if option.listener)
FAILING_SEVERITIES = ("critical", "high")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def server_name_for(host: str, inventory_name: str, given: str | None) -> str | None:
    """SNI to send: the option, else the host when it is a DNS name, else the inventory name when that is one.

    RFC 6066 3: "Literal IPv4 and IPv6 addresses are not permitted in HostName".
    """
    if given:
        return given
    for name in (host, inventory_name):
        if name and not _is_ip(name):
            return name
    return None


def check_options(args: dict[str, Any]) -> None:
    """InputError naming the option, before any handshake."""
    if (args.get("settings") is None and args.get("settings_by_os") is None) or args.get("os") is None:
        raise InputError("settings (or settings_by_os) and os are required to judge the scan: pass the win_schannel "
                         "settings the host should have and its os.key (as win_schannel returns it)", code="settings")
    given_policy(args)
    for field in ("timeout", "port_timeout"):
        if args[field] <= 0:
            raise InputError("%s must be a positive number of seconds, not %r" % (field, args[field]), code=field)
    bad_ports = [p for p in args["ports"] if not 0 < p < 65536]
    if bad_ports:
        raise InputError("ports must be TCP ports 1-65535, not %s" % bad_ports, code="ports")


def check_targets(args: dict[str, Any]) -> None:
    """One host (``host``, ``os``, ``server_name``) or a batch (``hosts`` with ``os`` or ``os_from``), not a mix."""
    if args.get("hosts") is None:
        if isinstance(args.get("os"), Mapping) or args.get("os_from"):
            raise InputError("os is one Windows version key (such as '2019'), and os_from needs hosts: give hosts "
                             "to scan several hosts from one task", code="os")
        return
    if args.get("host") or args.get("server_name"):
        raise InputError("host and server_name name one host: leave them out with hosts (each host is scanned at "
                         "its ansible_host, and its name is sent as SNI when it is a DNS name)", code="hosts")
    if args.get("os") is not None and not isinstance(args["os"], (str, Mapping)):
        raise InputError("os must be a version key or a mapping of inventory host to version key", code="os")
    if (args.get("os") is None) == (args.get("os_from") is None):
        raise InputError("give the hosts' Windows versions either as os or as os_from (the variable each host "
                         "registered a win_schannel or win_schannel_info result in)", code="os")


def run_tls_scan(args: dict[str, Any], inventory_name: str, ansible_host: str | None) -> dict[str, Any]:
    """Scan the host's ports and judge them against the settings; the tls_scan return value."""
    check_options(args)
    return _scan_one(args, expectations_for(args, str(args["os"])), inventory_name,
                     args.get("host") or ansible_host or inventory_name)


def run_batch_scan(args: dict[str, Any], addresses: Mapping[str, str]) -> dict[str, Any]:
    """Scan every host of ``addresses`` (inventory name -> address), ``concurrency`` at a time.

    O(os) is one version key for all, or a mapping inventory name -> key. A host whose scan cannot start (no OS
    known for it) gets ``failed`` and ``msg`` in its own result; the others are scanned all the same.
    """
    check_options(args)
    if args["concurrency"] < 1:
        raise InputError("concurrency must be 1 or more hosts at a time, not %r" % args["concurrency"],
                         code="concurrency")
    os_keys = args["os"] if isinstance(args["os"], Mapping) else dict.fromkeys(addresses, args["os"])
    by_os: dict[str, dict[int, Expectation] | InputError] = {}
    for os_key in {str(key) for key in os_keys.values() if key}:
        try:
            by_os[os_key] = expectations_for(args, os_key)
        except InputError as error:  # an unknown version fails its hosts, not the batch
            by_os[os_key] = error

    def scan(name: str) -> dict[str, Any]:
        expectations = by_os.get(str(os_keys.get(name) or ""))
        if expectations is None:
            return {"failed": True, "host": addresses[name],
                    "msg": "no Windows version for %s in os: give its os.key as win_schannel returns it" % name}
        if isinstance(expectations, InputError):
            return {**expectations.to_result(), "host": addresses[name]}
        return _scan_one(args, expectations, name, addresses[name])

    with ThreadPoolExecutor(max_workers=min(args["concurrency"], max(len(addresses), 1)),
                            thread_name_prefix="tls-batch") as pool:
        results = dict(zip(addresses, pool.map(scan, addresses), strict=True))
    verdicts = Counter(r.get("verdict", "failed") for r in results.values())
    out: dict[str, Any] = {
        "hosts": results,
        "verdicts": dict(sorted(verdicts.items())),
        "handshakes": sum(r.get("handshakes", 0) for r in results.values()),
        "depth": args["depth"],
        "changed": False,
    }
    if args.get("fail_on_findings"):
        bad = sorted(name for name, r in results.items() if r.get("failed"))
        if bad:
            out["failed"] = True
            out["msg"] = "TLS scan: %d of %d host(s) did not pass: %s" % (len(bad), len(results), ", ".join(bad))
    return out


def expectations_for(args: dict[str, Any], os_key: str) -> dict[int, Expectation]:
    """What each port should accept under the settings on this Windows version (InputError for a bad version, or
    for a version settings_by_os has no entry for)."""
    settings = args["settings"] if args.get("settings_by_os") is None else settings_for_os(args["settings_by_os"],
                                                                                           os_key)
    relevant = {k: v for k, v in settings.items() if k in LISTENER_OPTIONS}
    return {port: expect_from_options(relevant, os_key, dotnet_listener=port not in WINRM_PORTS)
            for port in dict.fromkeys(args["ports"])}


def _scan_one(args: dict[str, Any], expectations: dict[int, Expectation], inventory_name: str,
              host: str) -> dict[str, Any]:
    result = scan_host(host, expectations, depth=args["depth"],
                       timeout=float(args["timeout"]), port_timeout=float(args["port_timeout"]),
                       server_name=server_name_for(host, inventory_name, args.get("server_name")))
    out = result.to_json()
    out["expected"] = {str(port): e.to_json() for port, e in expectations.items()}
    out["changed"] = False
    if args.get("fail_on_findings"):
        serious = [f for f in result.findings if f.severity in FAILING_SEVERITIES]
        if result.verdict != "pass" or serious:
            out["failed"] = True
            out["msg"] = "TLS scan of %s: verdict %s, %d finding(s) of severity critical/high%s" % (
                host, result.verdict, len(serious), (": " + "; ".join(f.message for f in serious[:5])) if serious
                else "")
    return out
