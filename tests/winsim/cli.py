"""Command line of the simulator: ``python -m tests.winsim {serve,fault,counters,hosts} ...``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from tests.winsim.control import ControlClient, ControlClientError
from tests.winsim.faults import FAULT_KINDS, FaultSpecError, parse_host_fault
from tests.winsim.host_settings import HOST_OPTIONS, SWITCHES, HostSettingError, parse_host_option, parse_setting
from tests.winsim.server import DEFAULT_OS, OS_CHOICES, ServeOptions, serve

DESCRIPTION = """\
Simulated fleet of Windows Server (MailStore Server) hosts for testing fleetsec.schannel.

One process serves every host, each on its own loopback address (127.20.0.1, 127.20.0.2, ...) with the real ports:
  5985  WinRM HTTP  - NTLM with WinRM message encryption; Basic only with allow-basic and allow-unencrypted
  5986  WinRM HTTPS - NTLM over TLS, Basic only with allow-basic (certificate signed by <state-dir>/ca.pem)
  8460, 8462, 8463  MailStore Server TLS ports
WinRM speaks WS-Management: cmd shell Create/Delete (commands are refused with a SOAP fault), WMI StdRegProv
methods on root/default and root/cimv2, Win32_OperatingSystem Get / WQL Enumerate+Pull / Win32Shutdown / Reboot.
5986 and the MailStore ports offer the TLS protocols and suites the host's Schannel registry allowed at its last
boot (the MailStore ports also follow .NET SchUseStrongCrypto); a WMI reboot takes the host away for
--reboot-seconds and rebuilds them.
"""

EPILOG = (
    "faults (serve --fault HOST=KIND[:ARG], or `fault` while running):\n"
    + "\n".join(f"  {kind:<16}{text}" for kind, text in FAULT_KINDS.items())
    + """


settings (serve --setting HOST=NAME:on|off, HOST may be '*'; or POST /v1/hosts/<name>/settings while running;
or write the registry value over WMI): each is the registry value Windows reads (HKLM)
"""
    + "\n".join(f"  {name:<22}{s.key}\\{s.value} (absent = {'on' if s.default else 'off'})"
                for name, s in SWITCHES.items())
    + """


host options (serve --host-option HOST=NAME:VALUE, HOST may be '*'; the machine as installed, given at start):
""" + "\n".join(f"  {name:<22}{' | '.join(values)} (default {values[0]})" for name, values in HOST_OPTIONS.items())
    + """

state directory (kept across restarts, the same hosts come back with their registry and certificates):
  users.txt      accounts, one DOMAIN:USER:PASSWORD line each (empty DOMAIN = local account; created on first
                 start with Administrator and a random password; also pyspnego's NTLM_USER_FILE)
  ca.pem         CA certificate that signed every host certificate (pki/ holds keys and host certificates)
  fleet.json     name, address and OS of every host created in this state directory
  hosts/<name>/  registry and boot state of each host
  control.json   {"url": "http://127.0.0.1:PORT", "pid": N} while serve runs

control channel (HTTP/JSON at the url in control.json; Python client tests/winsim/control.py):
  GET  /v1/hosts, /v1/hosts/<name>, /v1/counters[?host=<name>]
  POST /v1/faults {"host", "fault"}, /v1/faults/clear {"host", "kind"}, /v1/counters/reset,
       /v1/hosts/<name>/allow-unencrypted {"allowed"}, /v1/hosts/<name>/power-on,
       /v1/hosts/<name>/settings {"name", "on"}
  GET  /v1/hosts/<name>/registry?key=PATH   the key's values and subkeys, as the host holds them
  POST /v1/hosts/<name>/registry {"edits": [{"op": set_value|create_key|delete_key|delete_value, "key", "name",
       "type", "data"}, ...]}   write the registry as regedit or a GPO would (not through WMI)
(tests/winsim/control_server.py documents each route's answer)
counters per host: connections, requests, wsman_calls, bytes_in, bytes_out, auth_challenges, auth_failures,
  faults_sent, resets, boots, methods {"StdRegProv.GetDWORDValue": n, ...}, tls_handshakes {port: n}

examples:
  python -m tests.winsim serve --state-dir out/fleet --inventory out/fleet/hosts.yml --hosts 20 --os-mix 2012r2,2019
  python -m tests.winsim fault --state-dir out/fleet ms003=down ms004=slow:250
  python -m tests.winsim fault --state-dir out/fleet --clear ms003
  python -m tests.winsim counters --state-dir out/fleet --json
  python -m tests.winsim.kerberos_realm out/realm --hosts 20 &    # a Kerberos realm (KDC) for 20 hosts, then
  python -m tests.winsim serve --state-dir out/krb --inventory out/krb/hosts.yml --hosts 20 --kerberos out/realm
      --inventory-transport kerberos     # ansible-playbook then needs KRB5_CONFIG=out/realm/krb5.conf
"""
)


def _os_list(text: str) -> tuple[str, ...]:
    items = tuple(part.strip() for part in text.split(",") if part.strip())
    bad = [item for item in items if item not in OS_CHOICES]
    if not items or bad:
        raise argparse.ArgumentTypeError(f"OS must be among {', '.join(OS_CHOICES)}; got {text!r}")
    return items


def _host_fault(text: str):
    try:
        return parse_host_fault(text)
    except FaultSpecError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _host_setting(text: str):
    try:
        return parse_setting(text)
    except HostSettingError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _host_option(text: str):
    try:
        return parse_host_option(text)
    except HostSettingError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.winsim", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run the fleet in the foreground until SIGTERM/SIGINT",
                       description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("--state-dir", type=Path, required=True, help="where hosts, accounts and certificates persist")
    s.add_argument("--inventory", type=Path, required=True,
                   help="Ansible YAML inventory to write (group mailstore) once every listener is up")
    s.add_argument("--hosts", type=int, help="number of hosts ms001..msNNN (default: every host the state "
                   "directory holds, 3 in a new one; a larger number adds hosts, a smaller serves the first ones)")
    os_group = s.add_mutually_exclusive_group()
    os_group.add_argument("--os", choices=OS_CHOICES,
                          help=f"OS of new hosts: one of {' '.join(OS_CHOICES)}; default {DEFAULT_OS} (Windows "
                               "Server 2019: the newest release without TLS 1.3 and the most common MailStore base)")
    os_group.add_argument("--os-mix", type=_os_list, dest="os_mix", help="OS,OS,... assigned round-robin to new hosts")
    s.add_argument("--first-ip", default="127.20.0.1", help="address of ms001; the others follow (default 127.20.0.1)")
    s.add_argument("--latency-ms", type=int, default=0, help="latency added to every WinRM request (default 0)")
    s.add_argument("--reboot-seconds", type=float, default=0.5,
                   help="how long a rebooting host refuses connections (default 0.5)")
    s.add_argument("--inventory-scheme", choices=("http", "https"), default="http",
                   help="WinRM scheme the inventory uses: http = 5985 with message encryption (default), "
                        "https = 5986 validating the certificate against <state-dir>/ca.pem")
    s.add_argument("--kerberos", type=Path, metavar="REALM_DIR",
                   help="join the hosts to the test Kerberos realm in REALM_DIR (python -m "
                        "tests.winsim.kerberos_realm): each accepts tickets for HTTP/<host>.<domain> besides NTLM")
    s.add_argument("--inventory-transport", choices=("ntlm", "kerberos"), default="ntlm",
                   help="how the inventory authenticates: ntlm with the local Administrator (default), or kerberos "
                        "with the realm's user (kinit managed by Ansible; needs --kerberos)")
    s.add_argument("--fault", type=_host_fault, action="append", default=[], metavar="HOST=KIND[:ARG]",
                   help="switch a fault on at start (repeatable); kinds below")
    s.add_argument("--setting", type=_host_setting, action="append", default=[], metavar="HOST=NAME:on|off",
                   help="write a host setting's registry value at start (repeatable); names below")
    s.add_argument("--host-option", type=_host_option, action="append", default=[], metavar="HOST=NAME:VALUE",
                   help="certificate kind or MailStore process bitness of a host (repeatable); names below")

    f = sub.add_parser("fault", help="switch faults on or off in a running fleet")
    f.add_argument("--state-dir", type=Path, required=True)
    f.add_argument("--clear", action="store_true",
                   help="clear instead: HOST clears every fault of HOST, HOST=KIND only that kind")
    f.add_argument("specs", nargs="+", metavar="HOST=KIND[:ARG]", help="HOST may be '*' for every host")

    c = sub.add_parser("counters", help="print the per-host counters of a running fleet")
    c.add_argument("--state-dir", type=Path, required=True)
    c.add_argument("--host", help="only this host")
    c.add_argument("--json", action="store_true", help="print JSON instead of a table")
    c.add_argument("--reset", action="store_true", help="reset the counters after printing them")

    h = sub.add_parser("hosts", help="print the hosts of a running fleet and their state")
    h.add_argument("--state-dir", type=Path, required=True)
    h.add_argument("--json", action="store_true")
    return parser


def _cmd_fault(args) -> int:
    client = ControlClient.from_state_dir(args.state_dir)
    for spec in args.specs:
        if args.clear:
            host, _ignored, kind = spec.partition("=")
            infos = client.clear_fault(host, kind or None)
        else:
            host, fault = parse_host_fault(spec)
            infos = client.set_fault(host, str(fault))
        for info in infos:
            print(f"{info['name']}: {info['state']} faults={','.join(info['faults']) or '-'}")
    return 0


def _cmd_counters(args) -> int:
    client = ControlClient.from_state_dir(args.state_dir)
    data = client.counters()
    if args.host:
        data = {"hosts": {args.host: data["hosts"][args.host]}, "totals": data["hosts"][args.host]}
    if args.json:
        print(json.dumps(data, indent=1))
    else:
        cols = ("requests", "wsman_calls", "bytes_in", "bytes_out", "auth_failures", "faults_sent", "resets", "boots")
        print(f"{'host':<8}" + "".join(f"{c:>14}" for c in cols))
        for name, row in [*data["hosts"].items(), ("total", data["totals"])]:
            print(f"{name:<8}" + "".join(f"{row[c]:>14}" for c in cols))
        print("methods: " + ", ".join(f"{k}={v}" for k, v in data["totals"]["methods"].items()))
    if args.reset:
        client.reset_counters()
    return 0


def _cmd_hosts(args) -> int:
    hosts = ControlClient.from_state_dir(args.state_dir).hosts()
    if args.json:
        print(json.dumps(hosts, indent=1))
    else:
        for info in hosts:
            print(f"{info['name']:<8}{info['ip']:<16}{info['os']:<8}{info['state']:<10}"
                  f"{','.join(info['faults']) or '-'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            opts = ServeOptions(
                state_dir=args.state_dir.resolve(), inventory=args.inventory.resolve(), hosts=args.hosts,
                os_mix=args.os_mix or ((args.os,) if args.os else (DEFAULT_OS,)), first_ip=args.first_ip,
                latency_ms=args.latency_ms,
                reboot_seconds=args.reboot_seconds, scheme=args.inventory_scheme, faults=args.fault,
                settings=args.setting, host_options=args.host_option,
                kerberos=args.kerberos.resolve() if args.kerberos else None, transport=args.inventory_transport)
            asyncio.run(serve(opts))
            return 0
        return {"fault": _cmd_fault, "counters": _cmd_counters, "hosts": _cmd_hosts}[args.command](args)
    except (ControlClientError, FaultSpecError, HostSettingError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
