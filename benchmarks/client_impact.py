"""Cost of the client impact: the prediction (pure, per profile x OS x client) and its proof by handshakes.

* Prediction: every profile of roles/schannel/defaults/main.yml on every Windows version for every client of the
  table, repeated ``--rounds`` times; controller CPU per matrix and per prediction.
* Proof: against a simulated host of each Windows version hardened to ``--profile`` (written through StdRegProv,
  then rebooted over WMI), one ``prove`` run over ``--ports``: ClientHellos sent (one TCP connection each; the
  probe stops after the server's first flight, so the simulator's completed-handshake counter does not see them)
  and wall time.

    .venv/bin/python benchmarks/client_impact.py                     # run inside a private network namespace
    .venv/bin/python benchmarks/client_impact.py --profile xp_compatible --ports 8460,8462,8463
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.collection_path import ensure_collection_importable  # noqa: E402

ensure_collection_importable()

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.module_utils.clients import CLIENTS  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.handshake import offer  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.policy import parse_or_raise  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.client_impact.impact import (  # noqa: E402
    ImpactOptions,
    run_client_impact,
)
from tests.profiles import profile, profiles  # noqa: E402
from tests.sim.hardening import harden_and_reboot  # noqa: E402
from tests.support.client_impact import client_matrix  # noqa: E402
from tests.support.simulator import Fleet  # noqa: E402

FIRST_IP = "127.20.112.1"


def prediction_cost(rounds: int) -> tuple[int, float]:
    """(predictions per matrix, CPU seconds per matrix) for every profile x OS x client."""
    settings = {name: parse_or_raise(raw) for name, raw in profiles().items()}
    start = time.process_time()
    matrix = client_matrix(settings)
    for _round in range(rounds - 1):
        matrix = client_matrix(settings)
    seconds = (time.process_time() - start) / rounds
    count = sum(len(per_os) for per_profile in matrix.values() for per_os in per_profile.values())
    return count, seconds


def proof_cost(profile_name: str, ports: list[int]) -> list[tuple[str, int, float, int]]:
    """Per OS: (os, ClientHellos sent, wall seconds, disagreements)."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp, Fleet(
            Path(tmp), hosts=len(catalog.OS_KEYS), os_mix=catalog.OS_KEYS, first_ip=FIRST_IP, reboot_seconds=0.5,
    ) as fleet:
        # ECDSA-only hello to a fresh host: accepted only if the simulated hosts present an ECDSA certificate
        ecdsa = offer(fleet.hosts[0].ip, ports[0], ["TLS 1.0", "TLS 1.1", "TLS 1.2"], (0xC02C, 0xC02B, 0xC00A, 0xC009))
        certificates = ("RSA", "ECDSA") if ecdsa.accepted else ("RSA",)
        for os_key, host in zip(catalog.OS_KEYS, fleet.hosts, strict=True):
            harden_and_reboot(fleet, host.name, profile_name)
            start = time.monotonic()
            result = run_client_impact(ImpactOptions(settings=profile(profile_name), os_key=os_key, host=host.ip,
                                                     ports=ports, prove=True, certificates=certificates))
            wall = time.monotonic() - start
            sent = sum(len(per_client) for per_client in result["proof"].values())
            rows.append((os_key, sent, wall, len(result["disagreements"])))
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20, help="prediction matrices to average over")
    parser.add_argument("--profile", default="recommended", help="profile the proven hosts are hardened to")
    parser.add_argument("--ports", default="8460,8462,8463", help="comma-separated MailStore ports to prove on")
    args = parser.parse_args(argv)
    count, seconds = prediction_cost(args.rounds)
    print(f"prediction: {len(profiles())} profiles x {len(catalog.OS_KEYS)} Windows versions x {len(CLIENTS)} "
          f"clients = {count} predictions in {seconds * 1000:.1f} ms CPU ({seconds / count * 1e6:.0f} us each)")
    ports = [int(p) for p in args.ports.split(",")]
    print(f"proof of {args.profile} on ports {args.ports}:")
    print("os       hellos sent  wall s  disagreements")
    for os_key, sent, wall, disagreements in proof_cost(args.profile, ports):
        print(f"{os_key:<8} {sent:>11}  {wall:>6.2f}  {disagreements:>13}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
