# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A port's handshake budget: every probe of one port goes through one Prober, which counts the handshakes and
stops the port's scan when its time bound is reached (one socket at a time per port)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from ansible_collections.fleetsec.schannel.plugins.module_utils.tls_codes import GROUP_NAMES
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.handshake import (
    DEFAULT_SIGNATURE_ALGORITHMS,
    ClientHello,
    Outcome,
    handshake,
    ssl2_handshake,
)

# Every named group the probe knows, x25519 first: its key share is the cheapest to compute (RFC 7748).
ALL_GROUPS: tuple[int, ...] = (0x001D, *sorted(g for g in GROUP_NAMES if g != 0x001D))


# Alerts that say the server did not understand the hello (RFC 8446 6.2: unexpected_message, illegal_parameter,
# decode_error, missing_extension, unsupported_extension), not that it refuses what was offered: the question was
# not answered, so nothing may be concluded from it.
NOT_UNDERSTOOD_ALERTS = frozenset({10, 47, 50, 109, 110})


class PortDeadline(Exception):
    """The port's time bound is reached: the scan of that port stops, its result is marked incomplete."""


class NotUnderstood(PortDeadline):
    """The server answered a hello with an alert that says it did not understand it (NOT_UNDERSTOOD_ALERTS)."""


class PortUnreachable(Exception):
    """The port refused the connection, or never answered its first handshake: unreachable, never "hardened"."""


class Prober:
    """Handshakes against one host:port, each within ``timeout`` seconds, all within ``port_timeout``."""

    def __init__(self, host: str, port: int, *, timeout: float, port_timeout: float,
                 server_name: str | None = None) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.deadline = time.monotonic() + port_timeout
        self.server_name = server_name
        self.handshakes = 0
        self.answered = False  # the port has answered a handshake (alert, ServerHello or a close)

    def _next_timeout(self) -> float:
        """Seconds the next handshake may take; counts it. PortDeadline when the port's time is up."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise PortDeadline("port %d: time bound reached after %d handshakes" % (self.port, self.handshakes))
        self.handshakes += 1
        return min(self.timeout, remaining)

    def offer(self, versions: Sequence[str], suites: Sequence[int], groups: Sequence[int] = ALL_GROUPS) -> Outcome:
        hello = ClientHello(tuple(versions), tuple(suites), tuple(groups), DEFAULT_SIGNATURE_ALGORITHMS,
                            self.server_name)
        return self._answered(handshake(self.host, self.port, hello, self._next_timeout()))

    def ssl2(self, cipher_kinds: Sequence[int]) -> Outcome:
        """One SSL 2.0 CLIENT-HELLO (handshake.ssl2_handshake) within the port's bounds. Its silence is no sign
        of an unreachable port (a Schannel server may leave an SSL 2.0 hello unanswered): only a refused
        connection is."""
        outcome = ssl2_handshake(self.host, self.port, cipher_kinds, self._next_timeout())
        if outcome.kind == "refused":
            raise PortUnreachable("port %d: %s" % (self.port, outcome.detail or outcome.kind))
        return outcome

    def _answered(self, outcome: Outcome) -> Outcome:
        if outcome.kind == "refused" or (outcome.kind == "timeout" and not self.answered):
            raise PortUnreachable("port %d: %s" % (self.port, outcome.detail or outcome.kind))
        self.answered = True
        return outcome

    def accepts(self, version: str, suites: Sequence[int], groups: Sequence[int] = ALL_GROUPS) -> Outcome | None:
        """The outcome when the server accepted one of ``suites`` on exactly ``version``; None otherwise.

        A ServerHello with a lower version is a refusal of ``version`` (sslyze treats it alike). A timeout raises
        PortDeadline: a scan must never read silence as "refused" (sslyze does, reference §1.7), so the port's
        result becomes incomplete instead; so does an alert that says the hello was not understood.
        """
        outcome = self.offer([version], suites, groups)
        if outcome.kind == "timeout":
            raise PortDeadline("port %d: handshake timed out (%s)" % (self.port, outcome.detail))
        if outcome.kind == "alert" and outcome.alert in NOT_UNDERSTOOD_ALERTS:
            raise NotUnderstood(
                "port %d: a %s hello offering %d suites got the alert %s: the server did not understand it, what it "
                "accepts is not known" % (self.port, version, len(suites), outcome.alert_name))
        if outcome.accepted and outcome.version == version:
            return outcome
        return None
