"""A real MIT Kerberos realm on loopback for the tests: the KDC a domain-joined fleet authenticates against.

``KerberosRealm(directory).start()`` writes its own ``krb5.conf`` and ``kdc.conf`` (the machine's ``/etc/krb5.conf``
is never read: every process that uses the realm gets ``KRB5_CONFIG`` from ``realm.env()``), creates the database
with ``kdb5_util``, adds a user principal with a password and one ``HTTP/<host>.<domain>`` service principal per
simulated host, exports each to the host's own keytab (``keytabs/<host>.keytab``: like a domain member, which holds
only its own account's keys, a simulated host can decrypt only tickets for its own name; auth.py), and runs
``krb5kdc`` in the foreground on 127.0.0.1 until ``stop()``. Debian packages ``krb5-kdc``,
``krb5-admin-server`` (``kadmin.local``) and ``krb5-user`` (``kinit``, ``klist``) provide the programs
(scripts/system-packages.sh).

How it models an Active Directory domain (what a Windows domain controller does, as far as a client can tell):
pre-authentication is required for every principal (AD's default: "Do not require Kerberos preauthentication" is off
unless set per account), AES keys only (Windows Server 2008+ domains; RC4 is not needed by any client here), and
a 5-minute clock skew limit (RFC 4120 section 1.6 and the AD default "Maximum tolerance for computer clock
synchronization": 5 minutes). ``rdns = false`` and ``dns_canonicalize_hostname = false`` keep MIT's client from
resolving names: the simulated hosts are reached by loopback address and named by
``ansible_winrm_kerberos_hostname_override`` (inventory.py).

    python -m tests.winsim.kerberos_realm DIR --hosts 3     # start a realm for a demo; Ctrl-C stops it
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REALM = "FLEETSEC.TEST"
DOMAIN = "fleetsec.test"
USER = "winadmin"  # the domain account the tests manage the fleet with
SERVICE = "HTTP"  # WinRM's SPN class (MS-WSMV 2.2.9.1.1: WinRM authenticates as the HTTP service)
KDC_ADDRESS = "127.0.0.1"
CLOCK_SKEW_SECONDS = 300
SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")


class RealmError(RuntimeError):
    """A realm program failed or the KDC did not come up (its output is in the message)."""


def host_fqdn(host_name: str, domain: str = DOMAIN) -> str:
    """``ms001`` -> ``ms001.fleetsec.test``: the name a domain member's SPN carries."""
    return f"{host_name}.{domain}"


def _program(name: str) -> str:
    path = shutil.which(name) or next((f"{d}/{name}" for d in SBIN_DIRS if Path(d, name).exists()), None)
    if path is None:
        raise RealmError(f"{name} not found: install krb5-kdc, krb5-admin-server and krb5-user "
                         "(scripts/system-packages.sh)")
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((KDC_ADDRESS, 0))
        return sock.getsockname()[1]


@dataclass
class KerberosRealm:
    """One realm in ``directory``; ``hosts`` are the simulated hosts' short names (``ms001``...)."""

    directory: Path
    hosts: list[str] = field(default_factory=list)
    realm: str = REALM
    domain: str = DOMAIN
    user: str = USER
    password: str = field(default_factory=lambda: "Krb-" + secrets.token_urlsafe(12))
    port: int = 0
    process: subprocess.Popen | None = None

    # --- files -------------------------------------------------------------------------------------------------

    @property
    def krb5_conf(self) -> Path:
        return self.directory / "krb5.conf"

    @property
    def description(self) -> Path:
        """``realm.json``: what the simulator reads (``serve --kerberos DIR``) to join its hosts to this realm."""
        return self.directory / "realm.json"

    @property
    def keytabs(self) -> Path:
        """The folder of the hosts' keytabs, ``<host>.keytab`` each (keytab_path)."""
        return self.directory / "keytabs"

    @property
    def principal(self) -> str:
        """The user principal, as ``ansible_user`` names it (``winadmin@FLEETSEC.TEST``)."""
        return f"{self.user}@{self.realm}"

    def spn(self, host_name: str) -> str:
        return f"{SERVICE}/{host_fqdn(host_name, self.domain)}@{self.realm}"

    def env(self, ccache: Path | None = None) -> dict[str, str]:
        """Variables a client or the simulator needs: this realm's krb5.conf and keytab, a ticket cache if given."""
        env = {"KRB5_CONFIG": str(self.krb5_conf), "KRB5_KDC_PROFILE": str(self.directory / "kdc.conf")}
        if ccache is not None:
            env["KRB5CCNAME"] = f"FILE:{ccache}"
        return env

    def _write_config(self) -> None:
        d = self.directory
        # krb5.conf(5): TCP first (udp_preference_limit = 1), no DNS.
        self.krb5_conf.write_text(
            "[libdefaults]\n"
            f"  default_realm = {self.realm}\n"
            "  dns_lookup_kdc = false\n  dns_lookup_realm = false\n"
            "  rdns = false\n  dns_canonicalize_hostname = false\n"
            "  udp_preference_limit = 1\n"
            f"  clockskew = {CLOCK_SKEW_SECONDS}\n"
            "  kdc_timesync = 1\n"
            "  permitted_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96\n"
            f"[realms]\n  {self.realm} = {{\n    kdc = {KDC_ADDRESS}:{self.port}\n  }}\n"
            f"[domain_realm]\n  .{self.domain} = {self.realm}\n  {self.domain} = {self.realm}\n"
        )
        # kdc.conf(5).
        (d / "kdc.conf").write_text(
            f"[kdcdefaults]\n  kdc_listen = {KDC_ADDRESS}:{self.port}\n"
            f"  kdc_tcp_listen = {KDC_ADDRESS}:{self.port}\n"
            f"[realms]\n  {self.realm} = {{\n"
            f"    database_name = {d / 'principal'}\n"
            f"    key_stash_file = {d / 'stash'}\n"
            f"    acl_file = {d / 'kadm5.acl'}\n"
            "    max_life = 10h\n    max_renewable_life = 7d\n"
            "    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal\n"
            "    default_principal_flags = +preauth\n"
            "  }\n"
            f"[logging]\n  kdc = FILE:{d / 'kdc.log'}\n"
        )
        (d / "kadm5.acl").write_text("")

    def _run(self, *args: str, stdin: str | None = None) -> str:
        proc = subprocess.run(args, input=stdin, capture_output=True, text=True,
                              env={**os.environ, **self.env()}, timeout=60, check=False)
        if proc.returncode != 0:
            raise RealmError(f"{' '.join(args[:2])} failed ({proc.returncode}): {proc.stderr.strip()}")
        return proc.stdout

    def kadmin(self, *queries: str) -> str:
        """Run ``kadmin.local`` queries in one process (it reads one query per stdin line)."""
        return self._run(_program("kadmin.local"), "-r", self.realm, stdin="".join(q + "\n" for q in queries))

    # --- lifecycle ---------------------------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> KerberosRealm:
        self.directory.mkdir(parents=True, exist_ok=True)
        for stale in ("principal", "principal.ok", "principal.kadm5", "principal.kadm5.lock", "stash"):
            (self.directory / stale).unlink(missing_ok=True)
        shutil.rmtree(self.keytabs, ignore_errors=True)
        self.keytabs.mkdir()
        self.port = self.port or _free_port()
        self._write_config()
        self._run(_program("kdb5_util"), "create", "-s", "-r", self.realm, "-P", secrets.token_urlsafe(16))
        self.kadmin(f"addprinc -pw {self.password} {self.user}")
        self.add_hosts(self.hosts)
        fd = os.open(self.description, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds the user's password
        with os.fdopen(fd, "w") as fh:
            json.dump({"realm": self.realm, "domain": self.domain, "principal": self.principal,
                       "password": self.password, "krb5_conf": str(self.krb5_conf), "keytabs": str(self.keytabs)}, fh)
        self.process = subprocess.Popen(
            [_program("krb5kdc"), "-n", "-r", self.realm], env={**os.environ, **self.env()},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RealmError(f"krb5kdc exited with {self.process.returncode}: {error}")
            try:
                socket.create_connection((KDC_ADDRESS, self.port), timeout=0.5).close()
                return self
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RealmError(f"KDC not listening on {KDC_ADDRESS}:{self.port} after {timeout} s") from None
                time.sleep(0.02)

    def add_hosts(self, hosts: list[str]) -> None:
        """A random-key service principal per host, exported to the host's keytab (``ktadd`` with ``-norandkey`` keeps
        the key the KDC issues tickets with)."""
        queries = []
        for name in hosts:
            spn = self.spn(name)
            queries += [f"addprinc -randkey {spn}", f"ktadd -k {keytab_path(self.keytabs, name)} -norandkey {spn}"]
        if queries:
            self.kadmin(*queries)
        self.hosts = sorted(set(self.hosts) | set(hosts))

    def add_user(self, user: str, password: str) -> None:
        self.kadmin(f"addprinc -pw {password} {user}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def __enter__(self) -> KerberosRealm:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- client side -------------------------------------------------------------------------------------------

    def kinit(self, ccache: Path, *, principal: str | None = None, password: str | None = None,
              lifetime: str | None = None) -> subprocess.CompletedProcess:
        """``kinit`` into ``ccache`` as an administrator would (password on stdin); unchecked: tests read the error."""
        args = [_program("kinit"), "-c", f"FILE:{ccache}"]
        if lifetime:
            args += ["-l", lifetime]
        args.append(principal or self.principal)
        return subprocess.run(args, input=(password if password is not None else self.password) + "\n",
                              capture_output=True, text=True, env={**os.environ, **self.env(ccache)}, timeout=30,
                              check=False)


def keytab_path(keytabs: Path, host_name: str) -> Path:
    return keytabs / f"{host_name}.keytab"


def skew_ccache(ccache: Path, seconds: int) -> None:
    """Make every later request from this ticket cache carry a clock ``seconds`` off, as a controller whose clock is
    wrong does: MIT's FILE ccache (version 4) stores the KDC time offset in its header (tag 1, "DeltaTime": seconds
    and microseconds, big-endian; krb5 src/lib/krb5/ccache/cc_file.c, doc/formats/ccache_file_format.rst) and
    libkrb5 adds it to the local clock when ``kdc_timesync`` is on."""
    data = ccache.read_bytes()
    version, header_length = struct.unpack(">HH", data[:4])
    if version != 0x0504:
        raise ValueError(f"{ccache}: not a version 4 FILE ccache")
    header = struct.pack(">HHii", 1, 8, seconds, 0)
    ccache.write_bytes(struct.pack(">HH", version, len(header)) + header + data[4 + header_length:])


def _credentials(data: bytes) -> Iterator[tuple[int, bytes, bytes]]:
    """The credentials of a FILE ccache (version 4): (offset of their four times, session key, ticket) each.

    The layout (krb5 doc/formats/ccache_file_format.rst): header, default principal, then per credential: client,
    server, keyblock (16-bit enctype, counted key), four 32-bit times authtime/starttime/endtime/renew_till, is_skey,
    32-bit ticket flags, addresses and authdata (count, then 16-bit type and counted data each), ticket, second
    ticket (counted each).
    """
    (header_length,) = struct.unpack(">H", data[2:4])

    def counted(at: int) -> int:
        (length,) = struct.unpack(">I", data[at:at + 4])
        return at + 4 + length

    def principal(at: int) -> int:
        (count,) = struct.unpack(">I", data[at + 4:at + 8])
        at = counted(at + 8)  # name type, component count, realm
        for _component in range(count):
            at = counted(at)
        return at

    pos = principal(4 + header_length)  # the default principal
    while pos < len(data):
        pos = principal(principal(pos))  # client, server
        key_end = counted(pos + 2)
        key, times = data[pos + 6:key_end], key_end
        pos = times + 16 + 1 + 4  # times, is_skey, ticket flags
        for _list in range(2):  # addresses, then authorization data
            (count,) = struct.unpack(">I", data[pos:pos + 4])
            pos += 4
            for _entry in range(count):
                pos = counted(pos + 2)
        ticket_end = counted(pos)
        ticket, pos = data[pos + 4:ticket_end], counted(ticket_end)
        yield times, key, ticket


def ccache_secrets(ccache: Path) -> list[bytes]:
    """The session keys and tickets a ticket cache holds: what must never show in any output. (The cache's
    configuration entries, ``krb5_ccache_conf_data`` with a few bytes of ticket each, are left out.)"""
    return [secret for _times, key, ticket in _credentials(ccache.read_bytes()) for secret in (key, ticket)
            if len(secret) >= 16]


def keytab_keys(keytab: Path) -> list[bytes]:
    """The keys a keytab holds (``klist -k -K``, which prints each as ``(0x<hex>)``)."""
    listing = subprocess.run([_program("klist"), "-k", "-K", str(keytab)], capture_output=True, text=True,
                             timeout=30, check=True).stdout
    return [bytes.fromhex(hex_key) for hex_key in re.findall(r"\(0x([0-9a-fA-F]+)\)", listing)]


def expire_ccache(ccache: Path, seconds_ago: int) -> None:
    """Make every ticket in this cache end ``seconds_ago`` seconds ago, as a cache looks the morning after ``kinit``
    (ticket lifetime 10 h): the client reads the end time from the cache entry (_credentials). Waiting for a real
    expiry would take more than the realm's 5-minute clock skew, within which the KDC still honours an expired
    ticket."""
    data = bytearray(ccache.read_bytes())
    end = int(time.time()) - seconds_ago
    for times, _key, _ticket in list(_credentials(bytes(data))):
        struct.pack_into(">IIII", data, times, *(min(t, end) for t in struct.unpack(">IIII", data[times:times + 16])))
    ccache.write_bytes(bytes(data))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.winsim.kerberos_realm",
                                     description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--hosts", type=int, default=3, help="service principals for ms001..msNNN (default 3)")
    args = parser.parse_args(argv)
    realm = KerberosRealm(args.directory, [f"ms{i + 1:03d}" for i in range(args.hosts)])
    started = time.monotonic()
    with realm:
        print(f"realm {realm.realm} on {KDC_ADDRESS}:{realm.port} ready in {time.monotonic() - started:.1f} s")
        print(f"export KRB5_CONFIG={realm.krb5_conf}  # user {realm.principal}, password in {realm.description}")
        print(f"python -m tests.winsim serve --kerberos {args.directory} ... joins the simulated hosts to it")
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
