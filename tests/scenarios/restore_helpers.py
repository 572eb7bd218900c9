"""What the restore scenarios share: a host's whole registry as the simulator holds it, compared value by value.

The reboot marker is compared too: a restore that needs a reboot sets it, and the next restore after the reboot
finds it stale and removes it with its keys (README "Reboots"), so ``restore_settled`` walks both.

Address blocks of tests/scenarios (apart from other directories'): 127.20.171.x fault then restore, 127.20.172.x
transports, 127.20.173.x controller killed, 127.20.174.x restore safety, 127.20.175.x restore playbook runs,
127.20.176.x a host lost mid-write and the rollout, 127.20.177.x restore reboots, run ids of killed runs and
refused restore input.
"""

from __future__ import annotations

import subprocess
from typing import Any

from tests.fleet.conftest import Controller, output
from tests.sim.module_runner import host_registry
from tests.winsim.fleet import Fleet

ALL_VERSIONS = ("2008r2", "2012r2", "2016", "2019", "2022", "2025")

Registry = dict[str, dict[str, tuple[int, Any]]]


def registry(fleet: Fleet, host: str) -> Registry:
    """Every key and value of ``host`` (the simulator's store, not an answer of the host), the marker included."""
    return host_registry(fleet, host)


def restore_settled(controller: Controller, fleet: Fleet, *args: str, **extra: Any) -> subprocess.CompletedProcess:
    """``restore`` rebooting the hosts that need it, then the same restore again, which removes the reboot marker
    that boot made stale (and changes nothing else); the first run is returned."""
    first = controller.run("fleetsec.schannel.restore", fleet.inventory, *args, **{**extra, "schannel_reboot": "auto"})
    if first.returncode == 0:
        settle = controller.run("fleetsec.schannel.restore", fleet.inventory, *args, **extra)
        assert settle.returncode == 0, output(settle)[-3000:]
    return first


def differences(before: Registry, now: Registry) -> list[str]:
    """How ``now`` differs from ``before``: every value (type and data, byte for byte), every key that is gone, and
    every new key that holds anything. A new empty key is allowed: a backup leaves the parent keys a change created
    (README "Backups and rollback": deleting them could delete what another tool put there since)."""
    found = []
    for key in sorted(before.keys() | now.keys()):
        if key not in now:
            found.append("key gone: %s" % key)
        elif key not in before:
            if now[key]:
                found.append("new key with values: %s %s" % (key, sorted(now[key])))
        elif before[key] != now[key]:
            names = sorted(n for n in before[key].keys() | now[key].keys() if before[key].get(n) != now[key].get(n))
            found += ["%s\\%s: %r -> %r" % (key, n, before[key].get(n), now[key].get(n)) for n in names]
    return found


def wsman_calls(fleet: Fleet) -> dict[str, int]:
    """WS-Man calls each host served since the counters were last reset."""
    return {name: sum(c["methods"].values()) for name, c in fleet.control.counters()["hosts"].items()}
