# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tls_scan task: validated options in, the task result out (the action plugin is a thin shell around this)."""

from __future__ import annotations

import ipaddress
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.plugin_utils.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls.expectation import WINRM_PORTS, expect_from_options
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls.scan import scan_host

# The win_schannel options that decide what a TLS listener offers; the others (.NET, WinHTTP, FIPS, backup) are
# accepted and not read, so the role can hand over the settings it applied unchanged.
LISTENER_OPTIONS = ("protocols", "protocol_sides", "ciphers", "hashes", "key_exchanges", "cipher_suites",
                    "ecc_curves", "dh_min_key_bits", "dotnet_strong_crypto")
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


def run_tls_scan(args: dict[str, Any], inventory_name: str, ansible_host: str | None) -> dict[str, Any]:
    """Scan the host's ports and judge them against the settings; the tls_scan return value."""
    if args.get("settings") is None or args.get("os") is None:
        raise InputError("settings and os are required to judge the scan: pass the win_schannel settings the host "
                         "should have and its os.key (as win_schannel returns it)", code="settings")
    if not isinstance(args["settings"], dict):
        raise InputError("settings must be a mapping of win_schannel options", code="settings")
    for field in ("timeout", "port_timeout"):
        if args[field] <= 0:
            raise InputError("%s must be a positive number of seconds, not %r" % (field, args[field]), code=field)
    bad_ports = [p for p in args["ports"] if not 0 < p < 65536]
    if bad_ports:
        raise InputError("ports must be TCP ports 1-65535, not %s" % bad_ports, code="ports")
    relevant = {k: v for k, v in args["settings"].items() if k in LISTENER_OPTIONS}
    expectations = {port: expect_from_options(relevant, str(args["os"]), dotnet_listener=port not in WINRM_PORTS)
                    for port in dict.fromkeys(args["ports"])}
    host = args.get("host") or ansible_host or inventory_name
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
