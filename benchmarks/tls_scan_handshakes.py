"""Handshakes and time of tls_scan per port, depth ``compliance`` against depth ``full`` (sslyze's sweep).

For each Windows version and each profile (default ``recommended`` and ``xp_compatible``) a simulated host holds
the profile as of its last boot; both depths scan its MailStore ports and must reach the same verdict and the same
accepted suites. Handshakes are counted per port by the scan itself (depth full: the attempts sslyze reports, its
connectivity test not counted). A fleet of ``--fleet`` hosts is then scanned in parallel (``--workers`` hosts at a
time, three ports each), for the wall time and the peak of open sockets a controller needs.

    unshare --net bash -c 'ip link set lo up && .venv/bin/python benchmarks/tls_scan_handshakes.py'
    ... benchmarks/tls_scan_handshakes.py --profiles modern --fleet 60 --workers 20
"""

from __future__ import annotations

import argparse
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
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.expectation import expect_from_options  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.tls_scan.scan import scan_host  # noqa: E402
from tests.profiles import profile  # noqa: E402
from tests.sim.tls_fleet import Planned, provision  # noqa: E402
from tests.support.simulator import Fleet  # noqa: E402

FIRST_IP = "127.20.120.1"
PORTS = (8460, 8462, 8463)


def accepted(result, port: int) -> dict:
    return {p: sorted(r.suites) for p, r in result.ports[port].protocols.items() if r.accepted}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profiles", default="recommended,xp_compatible")
    parser.add_argument("--fleet", type=int, default=30, help="hosts in the parallel run (0: none)")
    parser.add_argument("--workers", type=int, default=10)
    parser.add_argument("--strong-crypto-off", action="store_true",
                        help="set dotnet_strong_crypto false in every profile (MailStore ports then serve SSL 3.0/RC4)")
    opts = parser.parse_args()
    names = opts.profiles.split(",")
    override = {"dotnet_strong_crypto": False} if opts.strong_crypto_off else {}

    def settings_of(name: str) -> dict:
        return {**profile(name), **override}

    plan = [Planned(os_key, settings_of(name)) for name in names for os_key in catalog.OS_KEYS]
    fleet_size = max(opts.fleet, len(plan))
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        provision(state, plan + [plan[i % len(plan)] for i in range(fleet_size - len(plan))])
        with Fleet(state, hosts=fleet_size, os_mix=tuple(p.os for p in plan), first_ip=FIRST_IP) as fleet:
            # os_mix repeats the plan's OS order, and so do the extra hosts' settings
            header = ("profile", "windows", "compliance", "s", "full", "s", "ratio", "same answer")
            print("%-14s %-8s %11s %6s %9s %6s %7s  %s" % header)
            for index, planned in enumerate(plan):
                host = fleet.hosts[index]
                expectations = {8460: expect_from_options(planned.settings, planned.os)}
                quick = scan_host(host.ip, expectations, server_name=host.name)
                full = scan_host(host.ip, expectations, depth="full", server_name=host.name)
                same = accepted(quick, 8460) == accepted(full, 8460) and quick.verdict == full.verdict
                print("%-14s %-8s %11d %6.2f %9d %6.2f %7.3f  %s" % (
                    names[index // len(catalog.OS_KEYS)], planned.os, quick.handshakes, quick.ports[8460].seconds,
                    full.handshakes, full.ports[8460].seconds, quick.handshakes / full.handshakes,
                    "yes" if same else "NO"))
            if opts.fleet:
                def one(index: int):
                    host = fleet.hosts[index]
                    settings = plan[index % len(plan)].settings
                    return scan_host(host.ip, {p: expect_from_options(settings, host.os) for p in PORTS},
                                     server_name=host.name)

                started = time.monotonic()
                with ThreadPoolExecutor(opts.workers) as pool:
                    results = list(pool.map(one, range(opts.fleet)))
                wall = time.monotonic() - started
                verdicts = sorted({r.verdict for r in results})
                print("\nfleet of %d hosts x %d ports, %d hosts at a time: %.1f s wall, %d handshakes, verdicts %s, "
                      "at most %d probe sockets open" % (opts.fleet, len(PORTS), opts.workers, wall,
                                                         sum(r.handshakes for r in results), verdicts,
                                                         opts.workers * len(PORTS)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
