"""What one host costs: WS-Man calls and bytes per ``win_schannel`` run (simulator counters), and where the
controller's CPU goes (cProfile of the check path, the simulator's CPU beside it).

``win_schannel``'s job (``plugin_utils.win_schannel.run_schannel``) is called as its action plugin calls it, through
pywinrm with NTLM and message encryption over HTTP, on one simulated host per Windows version:

* per profile: check mode on a fresh host, apply on the fresh host, check mode on the now compliant host, and
  check mode on a drifted host (compliant, then one protocol value flipped by hand, as an operator would);
* ``--profile-rounds N``: N check-mode runs on compliant hosts under cProfile; prints the functions that take the
  controller's time, the CPU per WS-Man call on both sides, and how much of the controller's CPU is the HTTP/NTLM
  stack (requests, urllib3, spnego, winrm), XML, and the collection's own code.

    .venv/bin/python benchmarks/per_host_cost.py                                  # recommended, 60 rounds
    .venv/bin/python benchmarks/per_host_cost.py --profiles recommended,modern,strict --profile-rounds 0

Ansible's own per-task cost (fork, templating, module loading: the debug-task floor) is measured by
``benchmarks/fleet_playbooks.py``, not here.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.collection_path import ensure_collection_importable  # noqa: E402

ensure_collection_importable()

from winrm.protocol import Protocol  # noqa: E402

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.connection import Endpoint, Session  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.stdregprov import StdRegProv  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.winrm_protocol import client_for_protocol  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.win_schannel import Options, run_schannel  # noqa: E402
from benchmarks.winsim_throughput import cpu_seconds  # noqa: E402
from tests.profiles import profile  # noqa: E402
from tests.support.simulator import Fleet, FleetHost  # noqa: E402

FIRST_IP = "127.20.130.1"
STACKS = {"HTTP/NTLM (requests, urllib3, spnego, winrm, http.client, ssl, socket)":
          ("requests", "urllib3", "spnego", "winrm", "http/client", "ssl.py", "socket.py", "cryptography"),
          "XML (ElementTree)": ("xml/etree",),
          "the collection (plugin_utils, module_utils)": ("fleetsec/schannel/plugins", "schannel/plugins/")}


def session_for(fleet: Fleet, host: FleetHost) -> Session:
    url = f"http://{host.ip}:5985/wsman"
    username, password = credentials(fleet)
    protocol = Protocol(url, transport="ntlm", username=username, password=password, message_encryption="auto")
    return Session(client=client_for_protocol(protocol),
                   endpoint=Endpoint(host=host.ip, port=5985, scheme="http", transport="ntlm", url=url))


@functools.cache
def credentials(fleet: Fleet) -> tuple[str, str]:
    """The fleet's account, read once (the inventory is YAML: parsing it per run would be the harness's cost)."""
    return fleet.username, fleet.password


def measured(fleet: Fleet, host: FleetHost, options: Options, backup_dir: str) -> tuple[int, int, int, int]:
    """(calls, bytes to the host, bytes from it, values changed/to change) of one run_schannel on a new session."""
    fleet.control.reset_counters()
    result = run_schannel(session_for(fleet, host), Options(**{**options.__dict__, "backup_dir": backup_dir}),
                          host.name)
    counters = fleet.control.counters(host.name)
    return counters["wsman_calls"], counters["bytes_in"], counters["bytes_out"], len(result["changes"])


def drift_by_hand(fleet: Fleet, host: FleetHost, settings: dict) -> None:
    """Flip the server side of the first protocol the profile manages, as an operator editing the registry would."""
    name, state = next(iter(settings["protocols"].items()))
    state = state.get("server") if isinstance(state, dict) else state
    key = catalog.SCHANNEL_KEY + "\\Protocols\\" + name + "\\Server"
    reg = StdRegProv(session_for(fleet, host).client)
    reg.create_key(key)
    reg.set_dword(key, "Enabled", 0 if state == "enabled" else 1)


def cost_table(names: list[str], backup_dir: str) -> None:
    print("WS-Man cost of one win_schannel run per host (simulator counters; bytes as sent on the wire)")
    print(f"{'profile':<14} {'os':<7} {'step':<16} {'calls':>5} {'KB out':>7} {'KB in':>7} {'values':>6}")
    for name in names:
        settings = profile(name)
        with Fleet(Path(backup_dir) / f"fleet-{name}", hosts=len(catalog.OS_KEYS), os_mix=catalog.OS_KEYS,
                   first_ip=FIRST_IP) as fleet:
            for host in fleet.hosts:
                steps = [("check, fresh", True), ("apply, fresh", False), ("check, compliant", True)]
                for step, check in steps:
                    row = measured(fleet, host, Options(settings=settings, check_mode=check), backup_dir)
                    print_cost(name, host.os, step, row)
                drift_by_hand(fleet, host, settings)
                row = measured(fleet, host, Options(settings=settings, check_mode=True), backup_dir)
                print_cost(name, host.os, "check, drifted", row)


def print_cost(name: str, os_key: str, step: str, row: tuple[int, int, int, int]) -> None:
    calls, bytes_in, bytes_out, values = row
    print(f"{name:<14} {os_key:<7} {step:<16} {calls:>5} {bytes_in / 1000:>7.1f} {bytes_out / 1000:>7.1f} "
          f"{values:>6}", flush=True)


def profile_check_path(fleet: Fleet, rounds: int, backup_dir: str) -> None:
    settings = profile("recommended")
    hosts = fleet.hosts
    for host in hosts:
        run_schannel(session_for(fleet, host), Options(settings=settings, backup_dir=backup_dir), host.name)
    fleet.control.reset_counters()
    sim_before = cpu_seconds(fleet.process.pid)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    profiler = cProfile.Profile(time.process_time)  # CPU time: waiting for the simulator is not the controller's
    profiler.enable()
    for index in range(rounds):
        host = hosts[index % len(hosts)]
        run_schannel(session_for(fleet, host), Options(settings=settings, check_mode=True), host.name)
    profiler.disable()
    after = resource.getrusage(resource.RUSAGE_SELF)
    controller = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    simulator = cpu_seconds(fleet.process.pid) - sim_before
    calls = fleet.control.counters()["totals"]["wsman_calls"]
    print(f"\nCheck mode on compliant hosts, {rounds} runs (new session each, as one Ansible task), {calls} calls")
    print(f"controller CPU {controller:.2f} s = {controller / rounds * 1000:.0f} ms per run, "
          f"{controller / calls * 1000:.2f} ms per call (under cProfile, which adds about a third)")
    print(f"simulator CPU  {simulator:.2f} s = {simulator / rounds * 1000:.0f} ms per run, "
          f"{simulator / calls * 1000:.2f} ms per call")
    stats = pstats.Stats(profiler)
    total = sum(entry[2] for entry in stats.stats.values())  # tottime over every function
    shares = dict.fromkeys(STACKS, 0.0)
    for (filename, _line, _function), entry in stats.stats.items():
        for label, markers in STACKS.items():
            if any(marker in filename for marker in markers):
                shares[label] += entry[2]
                break
    for label, seconds in shares.items():
        print(f"  {label:<72} {seconds / total:>5.0%}")
    print(f"  {'other (standard library, interpreter)':<72} {1 - sum(shares.values()) / total:>5.0%}")
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(18)
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats("fleetsec|yaml", 12)
    print("\n".join(line for line in text.getvalue().splitlines() if line.strip()))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profiles", default="recommended", help="comma-separated profiles (default recommended)")
    parser.add_argument("--profile-rounds", type=int, default=60, help="check-mode runs to profile (0 = none)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="host-cost-") as work:
        cost_table_dir = Path(work) / "costs"
        cost_table_dir.mkdir()
        cost_table(args.profiles.split(","), str(cost_table_dir))
        if args.profile_rounds:
            with Fleet(Path(work) / "profile-fleet", hosts=len(catalog.OS_KEYS), os_mix=catalog.OS_KEYS,
                       first_ip=FIRST_IP) as fleet:
                profile_check_path(fleet, args.profile_rounds, str(Path(work) / "backups"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
