"""Accounts of the simulated hosts and the HTTP authentication WinRM performs (Negotiate/NTLM and Basic).

Accounts live in ``<state-dir>/users.txt``, one ``DOMAIN:USER:PASSWORD`` line each (empty DOMAIN = local account):
the format pyspnego's NTLM acceptor reads from the file named by ``NTLM_USER_FILE`` (pyspnego 0.12.4
spnego/_ntlm.py ``_get_credential``). The file is
created on first start with one local administrator and a random password.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import spnego
import spnego.exceptions

DEFAULT_USER = "Administrator"


@dataclass(frozen=True)
class Account:
    domain: str
    user: str
    password: str


def ensure_users_file(state_dir: Path) -> Path:
    """Create ``users.txt`` with a local Administrator on first start; point NTLM_USER_FILE at it."""
    path = state_dir / "users.txt"
    if not path.exists():
        password = "Sim-" + secrets.token_urlsafe(12)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(f":{DEFAULT_USER}:{password}\n")
        os.replace(tmp, path)
    os.environ["NTLM_USER_FILE"] = str(path)
    return path


def read_accounts(path: Path) -> list[Account]:
    accounts = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        domain, user, password = line.split(":", 2)
        accounts.append(Account(domain, user, password))
    return accounts


class UserStore:
    """The accounts file, re-read when it changes (tests may add accounts while the fleet runs)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._mtime = -1.0
        self._accounts: list[Account] = []

    def accounts(self) -> list[Account]:
        mtime = self.path.stat().st_mtime
        if mtime != self._mtime:
            self._accounts = read_accounts(self.path)
            self._mtime = mtime
        return self._accounts

    def check_basic(self, header_value: str, host_name: str) -> str | None:
        """The account name when these are Basic credentials of a LOCAL account (Basic works only for local accounts:
        pywinrm README), else None."""
        try:
            decoded = base64.b64decode(header_value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        username, sep, password = decoded.partition(":")
        if not sep:
            return None
        domain, _ignored, user = username.rpartition("\\")
        if domain.casefold() not in ("", ".", host_name.casefold()):
            return None
        return next((a.user for a in self.accounts() if a.domain == "" and a.user.casefold() == user.casefold()
                     and secrets.compare_digest(a.password, password)), None)


@dataclass
class NtlmSession:
    """NTLM acceptor state of one TCP connection (auth is per connection: requests_ntlm 1.3.0 requests_ntlm.py)."""

    context: spnego.ContextProxy | None = None
    complete: bool = False
    user: str | None = None
    scheme: str = "Negotiate"

    def step(self, token: bytes) -> bytes | None:
        """Feed one client token; returns the server token to send back (None when the exchange is done).

        Raises spnego.exceptions.SpnegoError (or ValueError for garbage) when authentication fails.
        """
        if token.startswith(b"NTLMSSP\x00\x01"):
            # A new NEGOTIATE restarts authentication on this connection.
            self.context = spnego.server(protocol="ntlm")
            self.complete = False
        if self.context is None:
            raise ValueError("NTLM AUTHENTICATE without NEGOTIATE")
        out = self.context.step(token)
        if self.context.complete:
            self.complete = True
            self.user = self.context.client_principal
        return out

    def unwrap(self, signature: bytes, sealed: bytes) -> bytes:
        assert self.context is not None
        return self.context.unwrap(signature + sealed).data

    def wrap(self, data: bytes) -> tuple[bytes, bytes]:
        """-> (signature, sealed)."""
        assert self.context is not None
        wrapped = self.context.wrap(data, encrypt=True).data
        return wrapped[:16], wrapped[16:]


AUTH_ERRORS = (spnego.exceptions.SpnegoError, ValueError, binascii.Error)


def parse_authorization(value: str) -> tuple[str, str]:
    """``Negotiate TlRMTVNT...`` -> ("negotiate", "TlRMTVNT...")."""
    scheme, _ignored, data = value.strip().partition(" ")
    return scheme.casefold(), data.strip()
