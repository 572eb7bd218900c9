# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed results of a TLS scan (one per port, one per host) and their JSON form (the tls_scan return value).

As in sslyze's plugins (a typed result per scan, the JSON shape apart in ``to_json``), the scan plans fill these
objects and nothing else knows how they are serialised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils.tls_codes import group_name
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.handshake import suite_name


@dataclass
class ProtocolResult:
    """Suites a port accepted on one protocol version (code points, in the order they were found)."""

    suites: list[int] = field(default_factory=list)
    server_preference: bool | None = None

    @property
    def accepted(self) -> bool:
        return bool(self.suites)

    def to_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "suites": [{"name": suite_name(c), "code": "0x%04X" % c} for c in self.suites],
            "server_preference": self.server_preference,
        }


@dataclass
class PortResult:
    """What one port offers. ``complete`` is False when the port's time bound cut the scan short."""

    port: int
    reachable: bool = False
    protocols: dict[str, ProtocolResult] = field(default_factory=dict)
    groups: list[int] = field(default_factory=list)
    dh_bits: int | None = None
    certificate: dict[str, Any] | None = None
    handshakes: int = 0
    seconds: float = 0.0
    complete: bool = True
    detail: str = ""

    def accepted(self, protocol: str) -> list[int]:
        result = self.protocols.get(protocol)
        return list(result.suites) if result else []

    def add(self, protocol: str, suite: int) -> None:
        found = self.protocols.setdefault(protocol, ProtocolResult())
        if suite not in found.suites:
            found.suites.append(suite)

    def to_json(self) -> dict[str, Any]:
        return {
            "reachable": self.reachable,
            "complete": self.complete,
            "protocols": {name: result.to_json() for name, result in self.protocols.items()},
            "groups": [group_name(g) for g in self.groups],
            "dh_bits": self.dh_bits,
            "certificate": self.certificate,
            "handshakes": self.handshakes,
            "seconds": round(self.seconds, 3),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class TlsFinding:
    """One finding, named as peers (testssl.sh, sslyze, SSL Labs) name it, with a severity and a source."""

    id: str
    severity: str
    port: int
    protocol: str | None
    suite: str | None
    message: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "severity": self.severity, "port": self.port, "protocol": self.protocol,
                "suite": self.suite, "message": self.message, "source": self.source}


@dataclass
class ScanResult:
    """The scan of one host: per-port results, findings and the verdict against the settings."""

    host: str
    depth: str
    ports: dict[int, PortResult]
    findings: list[TlsFinding]
    verdict: str

    @property
    def handshakes(self) -> int:
        return sum(p.handshakes for p in self.ports.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "depth": self.depth,
            "verdict": self.verdict,
            "ports": {str(port): result.to_json() for port, result in sorted(self.ports.items())},
            "findings": [f.to_json() for f in self.findings],
            "handshakes": self.handshakes,
        }
