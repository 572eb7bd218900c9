# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error hierarchy of the collection's controller side.

Every error a module can meet derives from :class:`FleetsecError`; an action plugin turns any of them into its
task result with :meth:`FleetsecError.to_result`, so the mapping to ``failed``/``unreachable`` lives in one place.
Transport failures (the host did not answer, TLS or authentication failed before any WS-Man reply) make the host
unreachable; faults the host answered with (WS-Man/WMI codes) fail it; bad input fails it before anything is
written.

The families of the client layer derive from these: ``wsman.WsmanError`` (a HostError; its transport failures are
HostUnreachable), ``stdregprov.RegistryError`` (a HostError carrying the WMI ReturnValue as ``code``) and
``stdregprov.UnsupportedValueType`` (a HostError: the host holds a value of a type that cannot be handled).
"""

from __future__ import annotations

from typing import Any


class FleetsecError(Exception):
    """Base of every error the collection raises; ``code`` is the WS-Man/WMI/engine code when there is one.

    ``extra`` holds result keys the task returns beside ``msg`` (a partial write's record, the OS read so far).
    """

    unreachable = False

    def __init__(self, message: str, *, code: str | int | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = dict(details or {})
        self.extra: dict[str, Any] = {}

    def to_result(self) -> dict[str, Any]:
        """The task result for this error: ``failed`` (or ``unreachable``), ``msg`` and a structured ``error``."""
        error: dict[str, Any] = {"type": type(self).__name__, "message": self.message}
        if self.code is not None:
            error["code"] = self.code
        if self.details:
            error["details"] = self.details
        result: dict[str, Any] = {**self.extra, "msg": self.message, "error": error}
        # Ansible counts a result as unreachable only when it is not also failed (TaskResult.is_failed wins).
        result["unreachable" if self.unreachable else "failed"] = True
        return result


class InputError(FleetsecError):
    """An option or file the user gave is wrong; the message names the field and the fix. Nothing was written."""


class HostError(FleetsecError):
    """The host answered with a fault (WS-Man fault code, WMI return code)."""


class HostUnreachable(HostError):
    """The host could not be reached or authenticated (connection refused, timeout, TLS, 401)."""

    unreachable = True
