"""``serve``: run a simulated fleet in one asyncio event loop until SIGTERM/SIGINT.

Start-up order: state dir, accounts file, fleet list (``fleet.json``: name, address, OS of every host ever
created in this state dir — restarts keep them), PKI, Windows models, listeners, control channel
(``control.json``), and last the inventory, so that a caller can wait for the inventory file.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ipaddress
import json
import os
import resource
import signal
from dataclasses import dataclass, field
from pathlib import Path

from tests.winsim.auth import DEFAULT_USER, KerberosMember, UserStore, ensure_users_file, read_accounts
from tests.winsim.control_server import ControlServer
from tests.winsim.faults import FaultSpec
from tests.winsim.host import SimulatedWindows
from tests.winsim.inventory import KerberosInventory, render_inventory, write_atomically
from tests.winsim.kerberos_realm import SERVICE, host_fqdn, keytab_path
from tests.winsim.pki import FleetPki
from tests.winsim.runtime import FleetSettings, HostRuntime

OS_CHOICES = ("2008r2", "2012r2", "2016", "2019", "2022", "2025")
DEFAULT_OS = "2019"
START_BATCH = 200  # listeners opened concurrently
# Set by Fleet to its own pid: the simulator then dies with the test process that started it (see exit_with_parent).
EXIT_WITH_PARENT_ENV = "WINSIM_EXIT_WITH_PARENT"  # = tests.winsim.fleet.EXIT_WITH_PARENT_ENV
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


@dataclass
class ServeOptions:
    state_dir: Path
    inventory: Path
    hosts: int | None = None  # None: every host fleet.json holds, or NEW_FLEET_HOSTS in a new state dir
    os_mix: tuple[str, ...] = (DEFAULT_OS,)
    first_ip: str = "127.20.0.1"
    latency_ms: int = 0
    reboot_seconds: float = 0.5
    scheme: str = "http"
    faults: list[tuple[str, FaultSpec]] = field(default_factory=list)
    settings: list[tuple[str, str, bool]] = field(default_factory=list)  # (host or "*", name, on)
    host_options: list[tuple[str, str, str]] = field(default_factory=list)  # (host or "*", name, value)
    kerberos: Path | None = None  # a test realm's directory (kerberos_realm.py): the hosts are its members
    transport: str = "ntlm"  # what the inventory authenticates with: ntlm, or kerberos (needs ``kerberos``)


NEW_FLEET_HOSTS = 3


def raise_nofile_limit() -> int:
    """Raise RLIMIT_NOFILE to the hard limit: five listeners per host plus connections."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def exit_with_parent() -> None:
    """SIGTERM this process when the process named in $WINSIM_EXIT_WITH_PARENT dies (Linux prctl PDEATHSIG).

    A test run that is killed (CI timeout, a second Ctrl-C) cannot run its fixtures' teardown; without this the
    simulator would keep serving and hold its 127.20.x addresses for the next run. SIGTERM is the normal clean stop.
    """
    parent = os.environ.get(EXIT_WITH_PARENT_ENV)
    if not parent:
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if str(os.getppid()) != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def host_name(index: int) -> str:
    return f"ms{index + 1:03d}"


def plan_fleet(opts: ServeOptions) -> list[dict]:
    """Hosts of this run: those recorded in fleet.json keep address and OS; new ones are appended.

    Without ``hosts`` a restart serves every host the state directory holds (a new one gets NEW_FLEET_HOSTS); a
    number serves that many, the first of those recorded, then new ones.
    """
    path = opts.state_dir / "fleet.json"
    known: list[dict] = json.loads(path.read_text())["hosts"] if path.exists() else []
    count = opts.hosts if opts.hosts is not None else (len(known) or NEW_FLEET_HOSTS)
    first = ipaddress.IPv4Address(opts.first_ip)
    if not first.is_loopback:
        raise ValueError(f"--first-ip must be a loopback address, got {first}")
    hosts = list(known)
    for index in range(len(known), count):
        ip = first + index
        if not ip.is_loopback:
            raise ValueError(f"host {index + 1} would get {ip}, outside 127.0.0.0/8")
        hosts.append({"name": host_name(index), "ip": str(ip), "os": opts.os_mix[index % len(opts.os_mix)]})
    if len(hosts) != len(known):
        write_atomically(path, json.dumps({"hosts": hosts}, indent=1))
    return hosts[:count]


def join_realm(realm_dir: Path) -> dict:
    """Read the realm's ``realm.json`` and point this process's GSSAPI at its krb5.conf."""
    realm = json.loads((realm_dir / "realm.json").read_text())
    os.environ["KRB5_CONFIG"] = realm["krb5_conf"]
    return realm


async def serve(opts: ServeOptions) -> None:
    if opts.transport == "kerberos" and opts.kerberos is None:
        raise ValueError("--inventory-transport kerberos needs --kerberos REALM_DIR")
    realm = join_realm(opts.kerberos) if opts.kerberos else None
    opts.state_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        opts.inventory.unlink()
    raise_nofile_limit()
    users_path = ensure_users_file(opts.state_dir)
    settings = FleetSettings(opts.latency_ms, opts.reboot_seconds, UserStore(users_path))
    pki = FleetPki(opts.state_dir)
    plan = plan_fleet(opts)
    hosts: dict[str, HostRuntime] = {}
    unknown = [name for name, _o, _v in opts.host_options if name != "*" and name not in {e["name"] for e in plan}]
    if unknown:
        raise ValueError(f"--host-option names unknown host {unknown[0]!r}")
    for entry in plan:
        options = {name: value for host, name, value in opts.host_options if host in ("*", entry["name"])}
        model = SimulatedWindows(entry["name"], entry["os"], opts.state_dir,
                                 certificate=options.get("certificate", "rsa"),
                                 mailstore_bits=int(options.get("mailstore-bits", "64")),
                                 ssl2_hello=options.get("ssl2-hello", "answer"))
        certs = pki.host_certificates(entry["name"], entry["ip"])
        runtime = HostRuntime(settings, entry["name"], entry["ip"], model, certs)
        if realm is not None:
            runtime.kerberos = KerberosMember(f"{SERVICE}@{host_fqdn(entry['name'], realm['domain'])}",
                                              keytab_path(Path(realm["keytabs"]), entry["name"]))
        runtime.refuse_ntlm = options.get("ntlm") == "refuse"
        hosts[entry["name"]] = runtime
    for name, spec in opts.faults:
        if name not in hosts:
            raise ValueError(f"--fault names unknown host {name!r}")
        hosts[name].faults.set(spec)
    configured: dict[str, HostRuntime] = {}
    for name, setting, on in opts.settings:
        if name != "*" and name not in hosts:
            raise ValueError(f"--setting names unknown host {name!r}")
        for host in hosts.values() if name == "*" else [hosts[name]]:
            host.set_setting(setting, on)
            configured[host.name] = host
    for host in configured.values():
        host.model.boot()  # configured before this start: what is read at boot (.NET) is in effect from the start

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    exit_with_parent()  # after the handlers: a parent already gone means a clean stop, not a default-action death

    control = ControlServer(hosts)
    runtimes = list(hosts.values())
    try:
        for i in range(0, len(runtimes), START_BATCH):
            await asyncio.gather(*(h.start() for h in runtimes[i : i + START_BATCH]))
        port = await control.start()
        write_atomically(opts.state_dir / "control.json",
                         json.dumps({"url": f"http://127.0.0.1:{port}", "pid": os.getpid()}))
        account = next(a for a in read_accounts(users_path) if a.domain == "" and a.user == DEFAULT_USER)
        kerberos = KerberosInventory(realm["principal"], realm["password"], realm["domain"]) if (
            realm is not None and opts.transport == "kerberos") else None
        text = render_inventory([(e["name"], e["ip"], e["os"]) for e in plan], account.user, account.password,
                                opts.scheme, pki.ca_cert_path, kerberos=kerberos)
        write_atomically(opts.inventory, text)
        os.chmod(opts.inventory, 0o600)
        await stop.wait()
    finally:
        await control.stop()
        await asyncio.gather(*(h.stop() for h in runtimes), return_exceptions=True)
        for host in runtimes:
            host.model.close()
        with contextlib.suppress(FileNotFoundError):
            (opts.state_dir / "control.json").unlink()
