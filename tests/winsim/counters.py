"""Per-host request counters that tests and benchmarks read back through the control channel."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

SCALARS = (
    "connections",
    "requests",
    "wsman_calls",
    "bytes_in",
    "bytes_out",
    "auth_challenges",
    "auth_failures",
    "faults_sent",
    "resets",
    "boots",
)


@dataclass
class HostCounters:
    """Counts for one host since the simulator started (or since the last reset)."""

    connections: int = 0  # TCP connections accepted on 5985/5986
    requests: int = 0  # HTTP requests, authentication legs included
    wsman_calls: int = 0  # authenticated SOAP requests dispatched
    bytes_in: int = 0  # raw bytes read from 5985/5986 sockets (TLS payload for 5986)
    bytes_out: int = 0
    auth_challenges: int = 0  # 401s that continue or start a handshake
    auth_failures: int = 0  # 401s for rejected credentials
    faults_sent: int = 0  # SOAP faults (HTTP 500)
    resets: int = 0  # requests answered with a TCP reset (reset fault)
    boots: int = 0  # simulated reboots completed
    methods: Counter[str] = field(default_factory=Counter)  # "StdRegProv.GetDWORDValue" -> calls
    tls_handshakes: Counter[str] = field(default_factory=Counter)  # port -> completed handshakes

    def as_dict(self) -> dict:
        data: dict = {name: getattr(self, name) for name in SCALARS}
        data["methods"] = dict(sorted(self.methods.items()))
        data["tls_handshakes"] = dict(sorted(self.tls_handshakes.items()))
        return data

    def reset(self) -> None:
        for name in SCALARS:
            setattr(self, name, 0)
        self.methods.clear()
        self.tls_handshakes.clear()


def totals(per_host: dict[str, dict]) -> dict:
    """Sum of every host's counters (same shape as one host's)."""
    total: dict = {name: 0 for name in SCALARS}
    methods: Counter[str] = Counter()
    handshakes: Counter[str] = Counter()
    for data in per_host.values():
        for name in SCALARS:
            total[name] += data[name]
        methods.update(data["methods"])
        handshakes.update(data["tls_handshakes"])
    total["methods"] = dict(sorted(methods.items()))
    total["tls_handshakes"] = dict(sorted(handshakes.items()))
    return total
