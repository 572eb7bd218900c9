"""The collection's playbooks at fleet size, against Ansible's own floor measured in the same run.

For each fleet size and added latency it starts one simulated fleet (``tests.winsim``, OS mix of the six Windows
versions) and runs, in this order, with the same inventory and the same forks:

``floor``          one ``ansible.builtin.debug`` task per host: what Ansible itself costs per host (no connection);
``drift-fresh``    ``fleetsec.schannel.drift`` on hosts as Windows ships them (every host drifted);
``harden``         ``fleetsec.schannel.harden`` with ``schannel_reboot=never`` and no TLS scan (every host written);
``harden-reboot``  ``fleetsec.schannel.harden`` again with reboots allowed and the TLS scan on: every host has a
                   reboot pending from the previous run, so each one reboots through WMI and is then scanned;
``drift``          ``fleetsec.schannel.drift`` on the now compliant hosts: the nightly case;
``compliance``     ``fleetsec.schannel.compliance`` (drift + ``tls_scan`` of three ports at ``compliance`` depth +
                   the fleet report in JSON, JUnit XML and HTML, which the playbook renders at its end);
``drift-sliced``   ``drift`` as two ``--limit`` halves run side by side with one ``schannel_run_id`` (AWX job
                   slicing): the merged run directory must hold what the unsplit ``drift`` run found.

and does so once per ``--transports`` entry, each on a fleet of its own after its own floor:

``ntlm``             NTLM with the hosts' local Administrator (the default);
``kerberos``         Kerberos against a real MIT realm started on loopback with a service principal per host
                     (``tests.winsim.kerberos_realm``), the inventory as a domain fleet's: Ansible's managed kinit
                     with ``ansible_password`` (one kinit per host), ``ansible_winrm_kerberos_hostname_override``;
``kerberos-ticket``  the same realm and hosts with the operator's own ticket: one ``kinit`` before the run,
                     ``ansible_winrm_kinit_mode: manual`` and no password in the inventory.

The KDC's CPU in each run is reported apart (``kdc_cpu``): it stands for the domain controller, not the controller.

Per run it reports wall time, controller CPU (ansible-playbook and every process it started: user + system, from
``RUSAGE_CHILDREN``), the peak controller memory (the largest summed PSS of the ansible-playbook process tree,
sampled every 2 s from /proc; reading every fork's smaps more often took CPU from the run it measures), the
simulator's CPU in the same interval (its /proc stat), WS-Man calls and bytes per host from the simulator's
counters, TLS handshakes per host and host statuses from the run's result files, and the ratio of the wall time to
that of a floor run right before it (``--repeat N``: the read-only scenarios N times, each after its own floor, and
the run of the median ratio kept; the machine's speed drifts over a series, so a floor measured minutes earlier is
not the denominator to trust).

    .venv/bin/python benchmarks/fleet_playbooks.py --sizes 10 --latencies 0           # a first look, ~1 min
    .venv/bin/python benchmarks/fleet_playbooks.py --sizes 10,100,500,1000 --latencies 0,20 --json out/fleet.json
    .venv/bin/python benchmarks/fleet_playbooks.py --sizes 500 --latencies 0 --scenarios drift-fresh,drift --repeat 3
    .venv/bin/python benchmarks/fleet_playbooks.py --sizes 500 --latencies 0 --scenarios drift-fresh \
        --transports ntlm,kerberos,kerberos-ticket

Run it inside a private network namespace when other simulators may run on the machine:
``unshare --net bash -c 'ip link set lo up && .venv/bin/python benchmarks/fleet_playbooks.py'``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.winsim_throughput import cpu_seconds  # noqa: E402
from tests.collection_path import COLLECTIONS_ROOT, ensure_collection_importable  # noqa: E402
from tests.support.simulator import Fleet, KerberosRealm  # noqa: E402

FIRST_IP = "127.20.120.1"
OS_MIX = ("2008r2", "2012r2", "2016", "2019", "2022", "2025")
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"

FLOOR_PLAYBOOK = """\
- name: Ansible's floor, one debug task per host
  hosts: mailstore
  gather_facts: false
  tasks:
    - name: One task per host, no connection
      ansible.builtin.debug:
        msg: "{{ inventory_hostname }}"
"""

# name -> (playbook, extra vars); run in this order on one fleet, each leaving the hosts as the next one expects.
# Every scenario but the floor runs right after a floor run of its own (its ratio's denominator).
SCENARIOS: dict[str, tuple[str, dict]] = {
    "floor": ("floor", {}),
    "drift-fresh": ("fleetsec.schannel.drift", {"schannel_fail_on_drift": False}),
    "harden": ("fleetsec.schannel.harden", {"schannel_reboot": "never", "schannel_verify_tls": False}),
    "harden-reboot": ("fleetsec.schannel.harden", {"schannel_reboot": "auto", "schannel_verify_tls": True}),
    "drift": ("fleetsec.schannel.drift", {}),
    "compliance": ("fleetsec.schannel.compliance", {}),
    # drift again, as two --limit slices side by side sharing one run id (AWX job slicing)
    "drift-sliced": ("fleetsec.schannel.drift", {"schannel_run_id": "20991231T235959Z"}),
}
TRANSPORTS = ("ntlm", "kerberos", "kerberos-ticket")
# Scenarios that write nothing on the hosts, so that running them again measures the same thing (--repeat).
READ_ONLY = frozenset(("drift-fresh", "drift", "compliance"))


@dataclass
class Connection:
    """How ansible-playbook reaches the fleet: the inventory and the variables added to its environment."""

    transport: str
    inventory: Path
    env: dict[str, str] = field(default_factory=dict)
    realm: KerberosRealm | None = None


@dataclass
class RunFigures:
    scenario: str
    hosts: int
    latency_ms: int
    forks: int
    returncode: int
    wall: float
    controller_cpu: float
    controller_peak_mib: float
    simulator_cpu: float
    wsman_calls_per_host: float
    kib_per_host: float
    tls_handshakes_per_host: float
    boots: int
    ratio_to_floor: float | None = None
    transport: str = "ntlm"
    extra: dict = field(default_factory=dict)


class TreeMemorySampler(threading.Thread):
    """Peak of the summed PSS of a process and its descendants, sampled from /proc (a measurement, not a wait)."""

    def __init__(self, root_pid: int, interval: float = 2.0) -> None:
        super().__init__(daemon=True)
        self.root_pid, self.interval = root_pid, interval
        self.peak_kib = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.interval):
            self.peak_kib = max(self.peak_kib, tree_pss_kib(self.root_pid))

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak_kib


def tree_pss_kib(root_pid: int) -> int:
    """Proportional set size (PSS) of a process and its descendants, in KiB: Ansible's forks share most of their
    pages with the parent (copy-on-write), so summing their RSS would count the same memory once per fork."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                parent = int(Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:  # the process ended while we looked
                continue
            children.setdefault(parent, []).append(int(entry.name))
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        for child in children.get(frontier.pop(), ()):
            if child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(pss_kib(pid) for pid in tree)


def pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_playbook(playbook: str, connection: Connection, work: Path, forks: int, extra_vars: dict, *,
                 limits: tuple[str | None, ...] = (None,)) -> tuple[int, float, float, int]:
    """Run one playbook, or one per ``--limit`` slice side by side (as AWX job slicing does); returns (worst exit
    code, wall s, controller CPU s, peak PSS KiB summed over the slices)."""
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS_ROOT), "ANSIBLE_FORKS": str(forks),
           "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0", "ANSIBLE_LOCAL_TEMP": str(work / "tmp"),
           "ANSIBLE_HOME": str(work / "ansible-home"), **connection.env}
    variables = {"schannel_report_dir": str(work / "reports"), "schannel_backup_dir": str(work / "backups"),
                 "schannel_reboot_timeout": 120, **extra_vars}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(work / "ansible.log", "ab") as log:
        log.write(f"\n===== {playbook} {json.dumps(extra_vars)} {limits}\n".encode())
        log.flush()
        running = []
        for limit in limits:
            command = [str(ANSIBLE_PLAYBOOK), "-i", str(connection.inventory), "-e", json.dumps(variables), playbook]
            process = subprocess.Popen(command + (["--limit", limit] if limit else []), cwd=work, env=env,
                                       stdout=log, stderr=subprocess.STDOUT)
            sampler = TreeMemorySampler(process.pid)
            sampler.start()
            running.append((process, sampler))
        codes = [process.wait() for process, _sampler in running]
        peak = sum(sampler.stop() for _process, sampler in running)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return max(codes), wall, cpu, peak


def run_scenario(name: str, fleet: Fleet, connection: Connection, work: Path, *, size: int, latency: int,
                 forks: int) -> RunFigures:
    playbook, extra_vars = SCENARIOS[name]
    if playbook == "floor":
        playbook = str(work / "floor.yml")
    fleet.control.reset_counters()
    previous = {r["host"]: r for r in latest_results(work / "reports")}
    sim_before = cpu_seconds(fleet.process.pid)
    kdc = connection.realm.process if connection.realm is not None else None
    kdc_before = cpu_seconds(kdc.pid) if kdc is not None else 0.0
    limits: tuple[str | None, ...] = (None,)
    if name == "drift-sliced":
        limits = (f"mailstore[0:{size // 2 - 1}]", f"mailstore[{size // 2}:]")
    code, wall, cpu, peak = run_playbook(playbook, connection, work, forks, extra_vars, limits=limits)
    extra: dict = {}
    sim_cpu = cpu_seconds(fleet.process.pid) - sim_before
    if kdc is not None:
        extra["kdc_cpu"] = round(cpu_seconds(kdc.pid) - kdc_before, 2)
    totals = fleet.control.counters()["totals"]
    results = latest_results(work / "reports") if playbook != str(work / "floor.yml") else []
    if results:
        extra["statuses"] = dict(Counter(r["status"] for r in results))
    if name == "drift-sliced":
        # the two slices wrote one run directory; it must say what the unsplit drift run before it said
        extra["same_as_unsplit"] = {r["host"]: (r["status"], r["drift"]) for r in results} == {
            h: (r["status"], r["drift"]) for h, r in previous.items()}
    return RunFigures(
        scenario=name, hosts=size, latency_ms=latency, forks=forks, returncode=code, wall=round(wall, 2),
        controller_cpu=round(cpu, 2), controller_peak_mib=round(peak / 1024, 1), simulator_cpu=round(sim_cpu, 2),
        wsman_calls_per_host=round(totals["wsman_calls"] / size, 1),
        kib_per_host=round((totals["bytes_in"] + totals["bytes_out"]) / size / 1024, 1),
        tls_handshakes_per_host=round(sum(tls_handshakes(r) for r in results) / size, 1),
        boots=totals["boots"], transport=connection.transport, extra=extra,
    )


def latest_results(report_dir: Path) -> list[dict]:
    """The per-host result files of the newest run directory (the run that just ended)."""
    runs = sorted((d for d in report_dir.glob("*") if d.is_dir()), key=lambda d: d.stat().st_mtime)
    records = [json.loads(f.read_text()) for f in runs[-1].glob("*.json")] if runs else []
    return [r for r in records if r.get("schema") == "fleetsec.schannel/host-result"]


def tls_handshakes(result: dict) -> int:
    """Handshakes tls_scan made for a host (its own count: probes stop after the ServerHello, so the simulator's
    counter of completed handshakes does not see them)."""
    tls = (result.get("verification") or {}).get("tls") or {}
    return int(tls.get("handshakes") or 0)


def fleet_runs(size: int, latency: int, forks: int, scenarios: list[str], log: Path | None, *,
               repeat: int = 1, transport: str = "ntlm") -> list[RunFigures]:
    with tempfile.TemporaryDirectory(prefix="fleet-bench-") as tmp:
        work = Path(tmp)
        try:
            return scenario_runs(work, size, latency, forks, scenarios, repeat=repeat, transport=transport)
        finally:
            if log:
                with open(log, "ab") as kept:
                    kept.write((work / "ansible.log").read_bytes())


def scenario_runs(work: Path, size: int, latency: int, forks: int, scenarios: list[str], *,
                  repeat: int = 1, transport: str = "ntlm") -> list[RunFigures]:
    (work / "floor.yml").write_text(FLOOR_PLAYBOOK)
    with contextlib.ExitStack() as stack:
        realm = None
        joined: dict = {}
        if transport != "ntlm":
            realm = stack.enter_context(KerberosRealm(work / "realm", [f"ms{i + 1:03d}" for i in range(size)]))
            joined = {"kerberos": realm.directory, "transport": "kerberos"}
        fleet = stack.enter_context(Fleet(work / "fleet", hosts=size, os_mix=OS_MIX, first_ip=FIRST_IP,
                                          latency_ms=latency, reboot_seconds=0.5, start_timeout=900, **joined))
        connection = Connection(transport, fleet.inventory, realm.env() if realm else {}, realm)
        if transport == "kerberos-ticket":
            connection = own_ticket(connection, work)
        results = []
        for name in scenarios:
            figures = run_with_floor(name, fleet, connection, work, size=size, latency=latency, forks=forks,
                                     repeat=repeat if name in READ_ONLY else 1)
            if figures.returncode != 0:
                print(f"  {name}: ansible-playbook exited {figures.returncode}; tail of the log:\n"
                      + (work / "ansible.log").read_text(errors="replace")[-3000:], file=sys.stderr)
            results.append(figures)
            print_row(figures)
        return results


def own_ticket(connection: Connection, work: Path) -> Connection:
    """The operator's own ticket: ``kinit`` once into a cache the run is given (KRB5CCNAME), and an inventory with
    ``ansible_winrm_kinit_mode: manual`` and no password (ansible-core's winrm connection then uses that cache)."""
    import yaml

    realm = connection.realm
    assert realm is not None
    ccache = work / "ccache"
    kinit = realm.kinit(ccache)
    if kinit.returncode != 0:
        raise RuntimeError(f"kinit failed: {kinit.stderr.strip()}")
    inventory = yaml.safe_load(connection.inventory.read_text())
    group = inventory["all"]["children"]["mailstore"]["vars"]
    group.pop("ansible_password")
    group.pop("ansible_winrm_kinit_env_vars", None)
    group["ansible_winrm_kinit_mode"] = "manual"
    path = work / "inventory-own-ticket.yml"
    path.write_text(yaml.safe_dump(inventory))
    return Connection(connection.transport, path, realm.env(ccache), realm)


def run_with_floor(name: str, fleet: Fleet, connection: Connection, work: Path, *, size: int, latency: int,
                   forks: int, repeat: int) -> RunFigures:
    """A scenario with the floor run right before it, ``repeat`` times (read-only scenarios only), keeping the run of
    the median ratio. The machine's speed drifts over a series (a shared machine): a floor measured minutes earlier
    made the later ratios say more about the machine than about the run."""
    if name == "floor":
        figures = run_scenario(name, fleet, connection, work, size=size, latency=latency, forks=forks)
        figures.ratio_to_floor = 1.0
        return figures
    rounds = []
    for _round in range(repeat):
        floor = run_scenario("floor", fleet, connection, work, size=size, latency=latency, forks=forks)
        figures = run_scenario(name, fleet, connection, work, size=size, latency=latency, forks=forks)
        figures.ratio_to_floor = round(figures.wall / floor.wall, 2)
        figures.extra["floor_s"] = floor.wall
        rounds.append(figures)
    rounds.sort(key=lambda r: r.ratio_to_floor or 0.0)
    chosen = rounds[len(rounds) // 2]
    if repeat > 1:
        chosen.extra["ratios"] = [r.ratio_to_floor for r in rounds]
    return chosen


def print_row(figures: RunFigures) -> None:
    ratio = f"{figures.ratio_to_floor:.2f}" if figures.ratio_to_floor is not None else "-"
    print(f"{figures.hosts:>5} {figures.latency_ms:>4} {figures.forks:>5} {figures.transport:<15} "
          f"{figures.scenario:<14} {figures.returncode:>3} {figures.wall:>8.1f} {ratio:>6} "
          f"{figures.controller_cpu:>8.1f} {figures.controller_peak_mib:>8.0f} {figures.simulator_cpu:>8.1f} "
          f"{figures.wsman_calls_per_host:>7.1f} {figures.kib_per_host:>7.0f} {figures.tls_handshakes_per_host:>5.1f} "
          f"{figures.boots:>5}"
          + (f"  {figures.extra}" if figures.extra else ""), flush=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100", help="fleet sizes, comma-separated (default 10,100)")
    parser.add_argument("--latencies", default="0,20", help="added WinRM latency in ms, comma-separated")
    parser.add_argument("--forks", type=int, default=50, help="Ansible forks (default 50, the recommended value)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help=f"comma-separated subset of {', '.join(SCENARIOS)} (floor is always run first)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each read-only scenario (drift, compliance) this many times, each right after its "
                             "own floor, and keep the run of the median ratio (default 1)")
    parser.add_argument("--transports", default="ntlm",
                        help=f"comma-separated subset of {', '.join(TRANSPORTS)}, each on a fleet of its own "
                             "(default ntlm)")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument("--log", type=Path, help="append the output of every ansible-playbook run to this file")
    args = parser.parse_args(argv)
    ensure_collection_importable()
    chosen = [s for s in args.scenarios.split(",") if s]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s) {sorted(unknown)}; choose from {', '.join(SCENARIOS)}")
    scenarios = ["floor", *[s for s in SCENARIOS if s in chosen and s != "floor"]]
    transports = [t for t in args.transports.split(",") if t]
    if set(transports) - set(TRANSPORTS):
        parser.error(f"unknown transport(s) {sorted(set(transports) - set(TRANSPORTS))}; choose from "
                     f"{', '.join(TRANSPORTS)}")

    print(f"{os.cpu_count()} CPUs; load average at start {os.getloadavg()[0]:.2f}")
    print(f"{'hosts':>5} {'lat':>4} {'forks':>5} {'transport':<15} {'scenario':<14} {'rc':>3} {'wall s':>8} "
          f"{'x floor':>6} {'ctl CPU':>8} {'ctl MiB':>8} {'sim CPU':>8} {'calls/h':>7} {'KiB/h':>7} {'hs/h':>5} "
          f"{'boots':>5}")
    figures: list[RunFigures] = []
    for size in (int(s) for s in args.sizes.split(",")):
        for latency in (int(s) for s in args.latencies.split(",")):
            for transport in transports:
                figures += fleet_runs(size, latency, args.forks, scenarios, args.log, repeat=args.repeat,
                                      transport=transport)
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(f) for f in figures], indent=1))
    return 0 if all(f.returncode == 0 for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
