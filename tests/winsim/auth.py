"""Accounts of the simulated hosts and the HTTP authentication WinRM performs (Negotiate with NTLM or Kerberos,
Kerberos, Basic).

Accounts live in ``<state-dir>/users.txt``, one ``DOMAIN:USER:PASSWORD`` line each (empty DOMAIN = local account):
the format pyspnego's NTLM acceptor reads from the file named by ``NTLM_USER_FILE`` (pyspnego 0.12.4
spnego/_ntlm.py ``_get_credential``). The file is
created on first start with one local administrator and a random password. Kerberos accounts live in the test
realm's KDC (kerberos_realm.py); the host accepts with a real GSSAPI acceptor (pyspnego over python-gssapi and MIT
krb5) from the fleet keytab.
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
from spnego._context import GSSMech

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


KRB5_OID = bytes.fromhex("06092a864886f712010202")  # DER of 1.2.840.113554.1.2.2 (RFC 1964 section 1)
SPNEGO_OID = bytes.fromhex("06062b0601050502")  # DER of 1.3.6.1.5.5.2 (RFC 4178 section 3.2)


class NtlmRefused(ValueError):
    """NTLM reached a host whose domain refuses it ("Network security: Restrict NTLM: Incoming NTLM traffic" = Deny
    all; RestrictReceivingNTLMTraffic = 2 under HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa\\MSV1_0)."""


def initial_mechanism(token: bytes) -> str | None:
    """Which acceptor a first token needs: ``ntlm`` for a raw NTLMSSP NEGOTIATE, ``kerberos`` for a raw GSS krb5
    initial context token (RFC 2743 section 3.1: 0x60, length, mech OID, ...) as pykerberos sends it under the
    ``Negotiate`` scheme, ``negotiate`` for a SPNEGO NegTokenInit; None for a continuation token."""
    if token.startswith(b"NTLMSSP\x00\x01"):
        return "ntlm"
    if token[:1] == b"\x60":
        # The OID follows the DER length: one byte below 128, else 0x8N and N length bytes.
        offset = 2 + (token[1] & 0x7F if len(token) > 1 and token[1] & 0x80 else 0)
        if token[offset : offset + len(KRB5_OID)] == KRB5_OID:
            return "kerberos"
        if token[offset : offset + len(SPNEGO_OID)] == SPNEGO_OID:
            return "negotiate"
    return None


@dataclass(frozen=True)
class KerberosMember:
    """A host's membership of the test realm: its service name and the keytab holding only its own key."""

    name: str  # HTTP@ms001.fleetsec.test
    keytab: Path

    def acceptor(self, protocol: str) -> spnego.ContextProxy:
        """A pyspnego acceptor (``kerberos`` or ``negotiate``) whose Kerberos part uses this host's keytab alone.

        pyspnego 0.12.4 builds its GSSAPI acceptor from the default keytab ($KRB5_KTNAME, one per process) and, even
        given a service name, accepted a ticket for another name found there (seen with MIT krb5 1.20); so the
        credential is acquired here from the host's own keytab (gss_acquire_cred_from, MIT cred store "keytab") and
        handed to pyspnego through its ``_gssapi_credential`` / ``_negotiate_contexts`` arguments.
        """
        import gssapi  # here: a simulator outside any realm runs without python-gssapi

        try:
            credential = gssapi.Credentials(usage="accept", store={"keytab": f"FILE:{self.keytab}"})
        except gssapi.exceptions.GSSError as exc:  # no keytab: the realm was made for fewer hosts than serve runs
            raise ValueError(f"no Kerberos key for {self.name} in {self.keytab}") from exc
        kerberos = spnego.server(protocol="kerberos", _gssapi_credential=credential)
        if protocol == "kerberos":
            return kerberos
        ntlm = spnego.server(protocol="ntlm")
        for inner in (kerberos, ntlm):
            inner._is_wrapped = True  # as NegotiateProxy marks the contexts it builds itself (spnego/_negotiate.py)
        return spnego.server(protocol="negotiate", _negotiate_contexts={GSSMech.kerberos: kerberos,
                                                                        GSSMech.ntlm: ntlm})


@dataclass
class AuthSession:
    """Acceptor state of one TCP connection: HTTP.sys authenticates the connection, not the request (NTLM: requests_ntlm
    1.3.0 requests_ntlm.py; Kerberos and Negotiate likewise, RFC 4559 section 4).

    ``kerberos`` is the host's membership of the test realm (None: not a member, Kerberos tokens fail); it accepts
    only tickets for its own name, as a domain member decrypts only tickets issued for its own account.
    ``refuse_ntlm`` models a domain that refuses NTLM.
    """

    kerberos: KerberosMember | None = None
    refuse_ntlm: bool = False
    context: spnego.ContextProxy | None = None
    complete: bool = False
    user: str | None = None
    mechanism: str | None = None  # ntlm or kerberos, once known

    def step(self, token: bytes) -> bytes | None:
        """Feed one client token; returns the server token to send back (for Kerberos also after completion: the
        AP-REP of mutual authentication, RFC 4559 section 5), None when there is none.

        Raises spnego.exceptions.SpnegoError (or ValueError for garbage) when authentication fails.
        """
        first = initial_mechanism(token)
        if first is not None:
            # A new initial token restarts authentication on this connection.
            if first == "ntlm" or (first == "negotiate" and self.kerberos is None):
                self.context = spnego.server(protocol=first)
            elif self.kerberos is None:
                raise ValueError("not a member of a Kerberos realm")
            else:
                self.context = self.kerberos.acceptor(first)
            self.complete = False
            self.mechanism = None
        if self.context is None:
            raise ValueError("continuation token without an initial token")
        try:
            out = self.context.step(token)
        except AttributeError as exc:
            # A ticket the acceptor cannot take (for another name, say): python-gssapi hands back MIT's error token
            # without raising, and pyspnego 0.12.4 then fails reading the flags of a context never established.
            raise ValueError("Kerberos token not accepted") from exc
        self.mechanism = self.context.negotiated_protocol or self.mechanism
        if self.mechanism == "ntlm" and self.refuse_ntlm and self.context.complete:
            # Refused on the AUTHENTICATE message, raw or inside SPNEGO: only there does the server know the account,
            # which the policy's other setting ("Deny all domain accounts") needs; the challenge goes out before.
            raise NtlmRefused("NTLM refused")
        if self.context.complete:
            self.complete = True
            self.user = self.context.client_principal
        return out

    def unwrap(self, signature: bytes, sealed: bytes) -> bytes:
        """MS-WSMV 2.2.9.1.1.2.2: the length-prefixed part is the wrap header (NTLM: the 16-byte signature; Kerberos:
        the RFC 4121 wrap token header) and the rest the sealed data; pyspnego's WinRM unwrap takes both."""
        assert self.context is not None
        return self.context.unwrap_winrm(signature, sealed)

    def wrap(self, data: bytes) -> tuple[bytes, bytes]:
        """-> (signature, sealed): pyspnego's ``wrap_winrm`` (the mirror of pywinrm's ``_build_*_message``)."""
        assert self.context is not None
        wrapped = self.context.wrap_winrm(data)
        return wrapped.header, wrapped.data


AUTH_ERRORS = (spnego.exceptions.SpnegoError, ValueError, binascii.Error)


def parse_authorization(value: str) -> tuple[str, str]:
    """``Negotiate TlRMTVNT...`` -> ("negotiate", "TlRMTVNT...")."""
    scheme, _ignored, data = value.strip().partition(" ")
    return scheme.casefold(), data.strip()
