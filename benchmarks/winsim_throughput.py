"""Throughput and memory of the WinRM simulator (``python -m tests.winsim serve``).

For each fleet size (default 10, 100, 1000 hosts) it starts a simulator subprocess on a fresh state directory and
measures:

* startup: seconds until the inventory file exists (every listener up), first start (PKI and registries created);
* RSS of the simulator process once started, and memory per host = (RSS(N) - RSS(1)) / (N - 1), where RSS(1)
  comes from a one-host fleet started the same way;
* throughput: StdRegProv.GetDWORDValue calls per second through unmodified pywinrm, NTLM with WinRM message
  encryption over HTTP (pywinrm's default), spread over every host of the fleet. Load comes from ``--procs``
  client processes with ``--threads`` threads each; each thread first authenticates one Protocol per host of its
  share (untimed warm-up: NTLM runs once per connection, as with Ansible), then calls its hosts round-robin for
  ``--seconds``;
* latency p50/p95 of those calls as the client saw them;
* server CPU seconds spent during the load (warm-up included) and per call the simulator counted.

The simulator is one process, one event loop: client and server share the machine's CPUs (on a two-core machine
they compete for them), so the figures are a floor for the server. Run:

    .venv/bin/python benchmarks/winsim_throughput.py                 # 10, 100, 1000 hosts, 5 s each
    .venv/bin/python benchmarks/winsim_throughput.py --sizes 10 --seconds 3 --procs 1 --threads 4
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.sim.wsman_client import SCHANNEL, reg  # noqa: E402 - needs the repository on sys.path
from tests.support.simulator import Fleet  # noqa: E402

FIRST_IP = "127.20.100.1"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _client(args: tuple[list[tuple[str, str]], str, str, int, float]) -> tuple[int, int, list[float]]:
    """One client process: ``threads`` threads calling GetDWORDValue on its hosts until the deadline."""
    from winrm.protocol import Protocol

    hosts, user, password, threads, seconds = args
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start_gate = threading.Barrier(threads)

    def worker(index: int) -> None:
        nonlocal errors
        mine = hosts[index::threads] or hosts
        protocols = {}
        local: list[float] = []
        failures = 0
        for name, ip in mine:  # warm-up, not timed: one authenticated connection per host
            protocols[name] = Protocol(f"http://{ip}:5985/wsman", transport="ntlm", username=user,
                                       password=password, ca_trust_path=None)
            reg(protocols[name], "GetDWORDValue", SCHANNEL, "EventLogging")
        start_gate.wait()
        deadline = time.monotonic() + seconds
        i = 0
        while time.monotonic() < deadline:
            name, ip = mine[i % len(mine)]
            i += 1
            proto = protocols.get(name)
            if proto is None:
                proto = protocols[name] = Protocol(f"http://{ip}:5985/wsman", transport="ntlm", username=user,
                                                   password=password, ca_trust_path=None)
            started = time.perf_counter()
            try:
                reg(proto, "GetDWORDValue", SCHANNEL, "EventLogging")
            except Exception:  # counted and reported; the benchmark goes on
                failures += 1
                protocols.pop(name, None)
                continue
            local.append(time.perf_counter() - started)
        with lock:
            latencies.extend(local)
            errors += failures

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return len(latencies), errors, latencies


def measure(size: int, seconds: float, procs: int, threads: int, workdir: Path) -> dict:
    fleet = Fleet(workdir / f"fleet-{size}", hosts=size, first_ip=FIRST_IP, start_timeout=600)
    started = time.monotonic()
    fleet.start()
    startup = time.monotonic() - started
    try:
        rss = rss_kib(fleet.process.pid)
        hosts = [(h.name, h.ip) for h in fleet.hosts]
        slices = [hosts[p::procs] or hosts for p in range(procs)]
        jobs = [(s, fleet.username, fleet.password, threads, seconds) for s in slices]
        cpu_before = cpu_seconds(fleet.process.pid)
        with multiprocessing.get_context("spawn").Pool(procs) as pool:
            results = pool.map(_client, jobs)
        server_cpu = cpu_seconds(fleet.process.pid) - cpu_before
        calls = sum(r[0] for r in results)
        errors = sum(r[1] for r in results)
        latencies = sorted(x for r in results for x in r[2])
        counters = fleet.control.counters()["totals"]
        rss_after = rss_kib(fleet.process.pid)
    finally:
        fleet.stop()
    return {
        "hosts": size, "startup_s": startup, "rss_kib": rss, "rss_after_kib": rss_after,
        # Every client thread runs for exactly ``seconds`` after a start barrier.
        "calls": calls, "errors": errors, "rps": calls / seconds,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p95_ms": latencies[int(len(latencies) * 0.95)] * 1000 if latencies else float("nan"),
        "server_cpu_s": server_cpu,
        "server_calls": counters["methods"].get("StdRegProv.GetDWORDValue", 0),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000", help="fleet sizes, comma-separated")
    parser.add_argument("--seconds", type=float, default=5.0, help="load duration per fleet size")
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per client process")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="winsim-bench-") as tmp:
        workdir = Path(tmp)
        base = Fleet(workdir / "fleet-1", hosts=1, first_ip=FIRST_IP)
        base.start()
        base_rss = rss_kib(base.process.pid)
        base.stop()
        rows = [measure(size, args.seconds, args.procs, args.threads, workdir) for size in sizes]
    print(f"baseline: 1-host simulator RSS {base_rss / 1024:.1f} MiB; load: {args.procs} procs x {args.threads} "
          f"threads, {args.seconds:g} s, GetDWORDValue over NTLM + message encryption (HTTP)")
    header = (f"{'hosts':>6} {'startup s':>10} {'RSS MiB':>9} {'KiB/host':>9} {'req/s':>8} {'p50 ms':>8} "
              f"{'p95 ms':>8} {'calls':>7} {'errors':>7} {'srv CPU s':>10} {'srv ms/call':>11}")
    print(header)
    print("-" * len(header))
    for r in rows:
        per_host = (r["rss_kib"] - base_rss) / (r["hosts"] - 1) if r["hosts"] > 1 else float("nan")
        print(f"{r['hosts']:>6} {r['startup_s']:>10.2f} {r['rss_kib'] / 1024:>9.1f} {per_host:>9.1f} "
              f"{r['rps']:>8.0f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['calls']:>7} {r['errors']:>7} "
              f"{r['server_cpu_s']:>10.1f} {1000 * r['server_cpu_s'] / max(r['server_calls'], 1):>11.2f}")
        if r["server_calls"] < r["calls"]:
            print(f"  warning: the simulator counted {r['server_calls']} calls, clients {r['calls']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
