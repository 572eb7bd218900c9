"""What one win_schannel task costs per host: WS-Man requests by host state and mode, and controller CPU per request.

Runs the job (plugin_utils.win_schannel.run_schannel, what the action plugin calls) against a simulated host per
Windows version, single-threaded, for a profile of roles/schannel/defaults/main.yml (default ``recommended``):

* requests per host for a fresh host (as the OS ships it), a compliant one (after an apply) and a drifted one
  (compliant, then SSL 3.0 and RC4 switched back on by hand), each in check mode and applied; beside them the
  floor the issue sets: managed values + 3 for a compliant check, fewer than the managed values for a fresh check,
  and reads + writes + keys created + 3 for an apply; the apply's cost above that floor is shown apart: EnumKeys
  that learn whether the keys to write exist (so a restore deletes exactly the keys that were created) and the
  read-back (one Get per value written);
* controller CPU per WS-Man request (this process, user + system from /proc; the simulator is another process)
  over ``--rounds`` compliant check runs, and with ``--profile`` the functions that spend it (cProfile timed by
  process CPU time, so waiting for the host does not count) and the Python function calls per request, which unlike
  CPU time on a shared machine do not vary from run to run.

    .venv/bin/python benchmarks/module_cost.py                 # every OS, recommended
    .venv/bin/python benchmarks/module_cost.py --os 2019 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.collection_path import ensure_collection_importable  # noqa: E402

ensure_collection_importable()

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.connection import Endpoint, Session  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.stdregprov import StdRegProv  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.winrm_protocol import client_for_protocol  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.win_schannel import Options, run_schannel  # noqa: E402
from benchmarks.winsim_throughput import cpu_seconds  # noqa: E402
from tests.profiles import profile  # noqa: E402
from tests.support.simulator import Fleet  # noqa: E402

FIRST_IP = "127.20.120.1"


def session_for(fleet: Fleet, name: str) -> Session:
    """A session as the action plugin builds it: pywinrm NTLM with message encryption, re-connect on loss.

    The host's address and credentials are looked up once (the fleet reads its inventory file on every lookup),
    so the CPU figure is the client's alone.
    """
    if name not in _HOSTS:
        host = fleet.host(name)
        _HOSTS[name] = (host.ip, fleet.endpoint(name), {"username": fleet.username, "password": fleet.password,
                                                        "ca_trust_path": str(fleet.ca_cert)})
    ip, url, credentials = _HOSTS[name]

    def protocol():
        from winrm.protocol import Protocol

        return Protocol(url, transport="ntlm", **credentials)

    client = client_for_protocol(protocol(), reconnect=protocol)
    return Session(client, Endpoint(ip, 5985, "http", "ntlm", url))


_HOSTS: dict[str, tuple[str, str, dict[str, str]]] = {}


def run(fleet: Fleet, name: str, settings: dict, backup_dir: str, check: bool) -> dict:
    session = session_for(fleet, name)
    result = run_schannel(session, Options(settings=settings, backup_dir=backup_dir, check_mode=check), name)
    calls = dict(session.client.calls)
    reads = sum(v for k, v in calls.items() if k.startswith(("Get", "Enum")))
    writes = sum(v for k, v in calls.items() if k.startswith(("Set", "Delete")))
    gets = sum(v for k, v in calls.items() if k.startswith("Get"))
    wrote = not check and bool(result["changes"])
    readback = len(result["changes"]) if wrote else 0  # one Get per value written
    lookups = calls.get("EnumKey", 0) - 1 if wrote else 0  # EnumKeys beyond the Protocols one: key existence
    return {"total": sum(calls.values()), "reads": reads - readback - lookups, "gets": gets, "writes": writes,
            "created": calls.get("CreateKey", 0), "readback": readback, "lookups": lookups,
            "changes": len(result["changes"]), "calls": calls}


def drift_by_hand(fleet: Fleet, name: str) -> None:
    reg = StdRegProv(session_for(fleet, name).client)
    for side in ("Server", "Client"):
        key = catalog.SCHANNEL_KEY + "\\Protocols\\SSL 3.0\\" + side
        reg.set_dword(key, "Enabled", 1)
        reg.set_dword(key, "DisabledByDefault", 0)
    reg.set_dword(catalog.SCHANNEL_KEY + "\\Ciphers\\RC4 128/128", "Enabled", 0xFFFFFFFF)


def cost_table(fleet: Fleet, settings: dict, backup_dir: str) -> list[str]:
    lines = ["| OS | state | managed values | check (floor) | apply (floor) | apply: reads, key lookups, writes, "
             "keys created, read-back |",
             "| --- | --- | --- | --- | --- | --- |"]
    for host in fleet.hosts:
        rows = {}
        rows["fresh"] = (run(fleet, host.name, settings, backup_dir, True),
                         run(fleet, host.name, settings, backup_dir, False))
        rows["compliant"] = (run(fleet, host.name, settings, backup_dir, True),
                             run(fleet, host.name, settings, backup_dir, False))
        drift_by_hand(fleet, host.name)
        rows["drifted"] = (run(fleet, host.name, settings, backup_dir, True),
                           run(fleet, host.name, settings, backup_dir, False))
        managed = rows["compliant"][0]["gets"] - 1  # one typed Get per managed value, plus the reboot marker
        for state, (check, apply) in rows.items():
            floor_check = "%d" % (managed + 3) if state != "fresh" else "< %d" % managed
            floor_apply = apply["reads"] + apply["writes"] + apply["created"] + 3
            lines.append("| %s | %s | %d | %d (%s) | %d (%d) | %d, %d, %d, %d, %d |" % (
                host.os, state, managed, check["total"], floor_check, apply["total"], floor_apply, apply["reads"],
                apply["lookups"], apply["writes"], apply["created"], apply["readback"]))
    return lines


def cpu_per_request(fleet: Fleet, name: str, settings: dict, backup_dir: str, *, rounds: int, repeat: int,
                    profile_it: bool) -> list[str]:
    """CPU per request over ``repeat`` batches of ``rounds`` compliant check runs: the best and the median batch
    (the machine is shared; the best batch is the least disturbed)."""
    run(fleet, name, settings, backup_dir, False)  # compliant first
    profiler = cProfile.Profile(time.process_time) if profile_it else None
    per_request = []
    for _batch in range(repeat):
        requests = 0
        start = cpu_seconds(os.getpid())
        if profiler:
            profiler.enable()
        for _round in range(rounds):
            requests += run(fleet, name, settings, backup_dir, True)["total"]
        if profiler:
            profiler.disable()
        per_request.append(1000 * (cpu_seconds(os.getpid()) - start) / requests)
    figures = (min(per_request), statistics.median(per_request), repeat, rounds, requests,
               " [under cProfile]" if profiler else "")
    lines = ["controller CPU per WS-Man request: best %.2f ms, median %.2f ms (%d batches of %d compliant check runs,"
             " %d requests each)%s" % figures]
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        # Unlike CPU time on a shared machine, the number of Python function calls per request is deterministic:
        # the figure to compare before and after a change.
        lines.append("Python function calls per WS-Man request: %d" % (stats.total_calls / (requests * repeat)))
        stats.sort_stats("tottime").print_stats(18)
        lines.append(out.getvalue())
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--profile-name", default="recommended", help="profile of the role's defaults")
    parser.add_argument("--os", action="append", choices=catalog.OS_KEYS, help="OS versions (default: all)")
    parser.add_argument("--rounds", type=int, default=5, help="compliant check runs per CPU batch")
    parser.add_argument("--repeat", type=int, default=5, help="CPU batches (best and median are reported)")
    parser.add_argument("--profile", action="store_true", help="print where the controller CPU goes (cProfile)")
    args = parser.parse_args(argv)
    oses = tuple(args.os or catalog.OS_KEYS)
    settings = profile(args.profile_name)
    with tempfile.TemporaryDirectory() as tmp, Fleet(Path(tmp) / "fleet", hosts=len(oses) + 1,
                                                     os_mix=(*oses, oses[0]), first_ip=FIRST_IP) as fleet:
        backups = str(Path(tmp) / "backups")
        hosts = fleet.hosts
        cpu_host = hosts[-1].name
        fleet_view = _Subset(fleet, hosts[:-1])
        print("WS-Man requests per host, profile %r (single-threaded, NTLM with message encryption)" %
              args.profile_name)
        print("\n".join(cost_table(fleet_view, settings, backups)))
        print()
        cpu = cpu_per_request(fleet, cpu_host, settings, backups, rounds=args.rounds, repeat=args.repeat,
                              profile_it=args.profile)
        print("\n".join(cpu))
    return 0


class _Subset:
    """The fleet, seen as only some of its hosts (the last one is kept for the CPU measurement)."""

    def __init__(self, fleet: Fleet, hosts: list) -> None:
        self._fleet, self.hosts = fleet, hosts

    def __getattr__(self, name: str):
        return getattr(self._fleet, name)


if __name__ == "__main__":
    sys.exit(main())
