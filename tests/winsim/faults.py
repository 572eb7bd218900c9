"""Faults a test can switch on per simulated host, and the per-host state they need."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_SLOW_MS = 500

# Fault syntax -> what it does; the CLI's --help prints this table.
FAULT_KINDS: dict[str, str] = {
    "down": "the host is unreachable: every port refuses connections until the fault is cleared",
    "slow[:MS]": f"every HTTP request on 5985/5986 is answered MS milliseconds late (default {DEFAULT_SLOW_MS})",
    "wrong-password": "the host rejects every credential with HTTP 401 (as if the account's password had changed)",
    "access-denied": "StdRegProv writes (Set*/Create*/Delete*) return ReturnValue 5 (ERROR_ACCESS_DENIED)",
    "fault-after:N": "after N more WS-Man calls every call gets a SOAP fault (w:InternalError, quota exceeded)",
    "reset[:N]": "the next N WS-Man requests (every one if N is left out) get a TCP reset instead of a response",
    "reboot-hang": "the next reboot never comes back (the host stays unreachable until the fault is cleared)",
}


class FaultSpecError(ValueError):
    """A fault spec that does not parse."""


@dataclass(frozen=True)
class FaultSpec:
    kind: str
    arg: int | None = None

    def __str__(self) -> str:
        return self.kind if self.arg is None else f"{self.kind}:{self.arg}"


_ARG_KINDS = {"slow": False, "fault-after": True, "reset": False}  # kind -> argument required?
_PLAIN_KINDS = {"down", "wrong-password", "access-denied", "reboot-hang"}


def parse_fault(text: str) -> FaultSpec:
    """``down`` / ``slow:250`` / ``fault-after:3`` ... -> FaultSpec; raises FaultSpecError with the valid kinds."""
    kind, sep, arg = text.strip().partition(":")
    kind = kind.casefold()
    if kind in _PLAIN_KINDS:
        if sep:
            raise FaultSpecError(f"fault '{kind}' takes no argument")
        return FaultSpec(kind)
    if kind in _ARG_KINDS:
        if not sep:
            if _ARG_KINDS[kind]:
                raise FaultSpecError(f"fault '{kind}' needs an argument: {kind}:N")
            return FaultSpec(kind)
        try:
            value = int(arg)
        except ValueError:
            raise FaultSpecError(f"fault '{kind}' needs an integer argument, got {arg!r}") from None
        if value < 0:
            raise FaultSpecError(f"fault '{kind}' needs a non-negative argument, got {value}")
        return FaultSpec(kind, value)
    raise FaultSpecError(f"unknown fault {kind!r}; known: {', '.join(sorted(_PLAIN_KINDS | set(_ARG_KINDS)))}")


def parse_host_fault(text: str) -> tuple[str, FaultSpec]:
    """``ms003=down`` -> ("ms003", FaultSpec("down"))."""
    host, sep, spec = text.partition("=")
    if not sep or not host.strip():
        raise FaultSpecError(f"expected HOST=KIND[:ARG], got {text!r}")
    return host.strip(), parse_fault(spec)


@dataclass
class HostFaults:
    """Active faults of one host plus the countdowns they need."""

    active: dict[str, FaultSpec] = field(default_factory=dict)
    calls_until_fault: int | None = None  # fault-after: WS-Man calls left before faults start
    resets_left: int | None = None  # reset:N: resets left; None with 'reset' active = every request

    def set(self, spec: FaultSpec) -> None:
        self.active[spec.kind] = spec
        if spec.kind == "fault-after":
            self.calls_until_fault = spec.arg
        elif spec.kind == "reset":
            self.resets_left = spec.arg

    def clear(self, kind: str | None = None) -> None:
        kinds = list(self.active) if kind is None else [kind.casefold()]
        for k in kinds:
            self.active.pop(k, None)
            if k == "fault-after":
                self.calls_until_fault = None
            elif k == "reset":
                self.resets_left = None

    def has(self, kind: str) -> bool:
        return kind in self.active

    def slow_ms(self) -> int:
        spec = self.active.get("slow")
        if spec is None:
            return 0
        return DEFAULT_SLOW_MS if spec.arg is None else spec.arg

    def take_reset(self) -> bool:
        """Whether this WS-Man request is to be reset; counts down reset:N and clears it at zero."""
        if "reset" not in self.active:
            return False
        if self.resets_left is None:
            return True
        if self.resets_left <= 0:
            self.clear("reset")
            return False
        self.resets_left -= 1
        if self.resets_left == 0:
            self.clear("reset")
        return True

    def take_call(self) -> bool:
        """Count one WS-Man call against fault-after:N; True when this call must fail."""
        if self.calls_until_fault is None:
            return False
        if self.calls_until_fault > 0:
            self.calls_until_fault -= 1
            return False
        return True

    def describe(self) -> list[str]:
        out = []
        for spec in self.active.values():
            if spec.kind == "fault-after":
                out.append(f"fault-after:{spec.arg} ({self.calls_until_fault} calls left)")
            elif spec.kind == "reset" and spec.arg is not None:
                out.append(f"reset:{spec.arg} ({self.resets_left} left)")
            else:
                out.append(str(spec))
        return out
