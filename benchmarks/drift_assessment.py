"""Cost of a read-only drift assessment (tests/support/drift.py) per host and per fleet.

For a profile of roles/schannel/defaults/main.yml (default ``recommended``), against a simulated fleet of the six
Windows versions, it reports:

* WS-Man calls and bytes per host, from the simulator's counters, for three host states: fresh (as the OS ships),
  drifted (compliant, then one protocol changed by hand) and compliant (every value as the profile wants);
* wall time and controller CPU (this process, user + system) for assessing every host of fleets of the given
  sizes with ``--workers`` threads, beside the simulator's own CPU in the same interval, so the figures are honest
  about who spent what on this shared 2-core machine.

Compliant hosts are made by writing the assessed changes through StdRegProv, as win_schannel will.

    .venv/bin/python benchmarks/drift_assessment.py                      # 60 and 300 hosts
    .venv/bin/python benchmarks/drift_assessment.py --sizes 12 --profile modern
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.collection_path import ensure_collection_importable  # noqa: E402

ensure_collection_importable()

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.policy import parse_or_raise  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.stdregprov import StdRegProv, write_change  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.winrm_protocol import client_for_protocol  # noqa: E402
from benchmarks.winsim_throughput import cpu_seconds  # noqa: E402
from tests.profiles import profile  # noqa: E402
from tests.support.drift import assess  # noqa: E402
from tests.support.simulator import Fleet  # noqa: E402

FIRST_IP = "127.20.110.1"


def per_host_costs(fleet: Fleet, settings) -> list[tuple[str, str, int, int, int]]:
    """(os, state, calls, bytes in, bytes out) per OS for fresh, compliant and drifted hosts."""
    rows = []
    for host in fleet.hosts[: len(catalog.OS_KEYS)]:
        client = client_for_protocol(fleet.protocol(host.name))
        for state in ("fresh", "compliant", "drifted"):
            if state == "compliant":
                for change in assess(client, settings).changes:
                    write_change(StdRegProv(client), change)
            if state == "drifted":
                # flip the server side of the first protocol the profile manages, as a hand edit would
                name, sides = next(iter(settings.protocols.items()))
                key = catalog.SCHANNEL_KEY + "\\Protocols\\" + name + "\\Server"
                StdRegProv(client).create_key(key)
                StdRegProv(client).set_dword(key, "Enabled", 0 if sides.get("server") == "enabled" else 1)
            fleet.control.reset_counters()
            assess(client, settings)
            counters = fleet.control.counters(host.name)
            rows.append((host.os, state, counters["wsman_calls"], counters["bytes_in"], counters["bytes_out"]))
    return rows


def fleet_run(size: int, settings, workers: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="drift-bench-") as state_dir, \
            Fleet(Path(state_dir), hosts=size, os_mix=catalog.OS_KEYS, first_ip=FIRST_IP,
                  start_timeout=600) as fleet:
        # Protocols are built before the clock starts (reading the inventory is the harness's cost, not the
        # assessment's); NTLM authentication happens on each client's first request, inside the timed part.
        clients = [client_for_protocol(fleet.protocol(h.name)) for h in fleet.hosts]
        sim_cpu = cpu_seconds(fleet.process.pid)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda client: assess(client, settings), clients))
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
        calls = fleet.control.counters()["totals"]["wsman_calls"]
        return {
            "hosts": size,
            "wall": wall,
            "controller_cpu": (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime),
            "simulator_cpu": cpu_seconds(fleet.process.pid) - sim_cpu,
            "calls_per_host": calls / size,
            "drifted": sum(bool(r.changes) for r in results),
        }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="recommended")
    parser.add_argument("--sizes", default="60,300", help="fleet sizes, comma-separated (default 60,300)")
    parser.add_argument("--workers", type=int, default=16, help="assessment threads (default 16)")
    args = parser.parse_args(argv)
    settings = parse_or_raise(profile(args.profile))

    with tempfile.TemporaryDirectory(prefix="drift-bench-") as state_dir, \
            Fleet(Path(state_dir), hosts=len(catalog.OS_KEYS), os_mix=catalog.OS_KEYS, first_ip=FIRST_IP) as fleet:
        rows = per_host_costs(fleet, settings)
    print(f"WS-Man cost of one assessment, profile {args.profile!r} (simulator counters)")
    print(f"{'os':<8} {'state':<10} {'calls':>5} {'bytes in':>9} {'bytes out':>9}")
    for os_key, state, calls, bytes_in, bytes_out in rows:
        print(f"{os_key:<8} {state:<10} {calls:>5} {bytes_in:>9} {bytes_out:>9}")

    print(f"\nFleet assessment, {args.workers} threads, NTLM with message encryption over HTTP")
    print(f"{'hosts':>5} {'wall s':>7} {'hosts/s':>8} {'ctl CPU s':>9} {'sim CPU s':>9} {'calls/host':>10}")
    for size in (int(s) for s in args.sizes.split(",")):
        r = fleet_run(size, settings, args.workers)
        print(f"{r['hosts']:>5} {r['wall']:>7.1f} {r['hosts'] / r['wall']:>8.1f} {r['controller_cpu']:>9.1f} "
              f"{r['simulator_cpu']:>9.1f} {r['calls_per_host']:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
