"""One simulated Windows host: registry (StdRegProv), Win32_OperatingSystem, boot state and TLS listeners' view.

State lives under ``<state_dir>/hosts/<name>/``: the registry (registry_store.py) and ``boot.json`` with the OS
key, LastBootUpTime, the boot count and the Schannel view as of the last boot. Restarting the simulator process is
not a reboot of the host: everything, including the Schannel view, is reloaded as it was.

Power actions (Win32_OperatingSystem.Win32Shutdown flags; MS doc
"Win32Shutdown method of the Win32_OperatingSystem class"): 0 log off -> ReturnValue 0, nothing happens to the host;
2 reboot and 6 forced reboot (and the Reboot() method, passed as flags 2) -> ``pending_power_action = "reboot"``;
1/5 shutdown and 8/12 power off -> ``"shutdown"`` (the host goes down and does not come back). ``request_shutdown``
only records the request and returns the ReturnValue; the network side takes the host down and, for a reboot,
calls ``boot()`` when it brings it back. Any other flag value returns 87 (ERROR_INVALID_PARAMETER; choice).
"""

from __future__ import annotations

import datetime
import json
import os
import ssl
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from . import host_settings, legacy_tls, os_profiles, tls
from .registry_store import Registry, RegistryStore, check_edit
from .schannel_view import SchannelView, compute_view, strong_crypto_view
from .stdregprov import StdRegProv, WmiMethodError, WmiValue
from .windows_facts import WINDOWS_VERSIONS

if TYPE_CHECKING:
    from .pki import HostCertificates

__all__ = ["SimulatedWindows", "WmiMethodError", "WmiValue"]

_REBOOT_FLAGS = frozenset({2, 6})
_SHUTDOWN_FLAGS = frozenset({1, 5, 8, 12})
_LOGOFF_FLAGS = frozenset({0, 4})
ERROR_INVALID_PARAMETER = 87


class SimulatedWindows:
    """A Windows Server host of ``os_key`` named ``name``, persisted under ``state_dir/hosts/<name>``.

    ``certificate`` ("rsa" | "ecdsa") is the kind of the one certificate its TLS listeners present;
    ``mailstore_bits`` (64 | 32) the bitness of the MailStore .NET process, which decides the registry view it
    reads ``SchUseStrongCrypto`` from (host_settings.py); ``ssl2_hello`` ("answer" | "silent") what an SSL 2.0
    CLIENT-HELLO gets (legacy_tls.py).
    """

    def __init__(self, name: str, os_key: str, state_dir: Path, *, certificate: str = "rsa",
                 mailstore_bits: int = 64, ssl2_hello: str = "answer") -> None:
        if os_key not in WINDOWS_VERSIONS:
            raise ValueError(f"unknown OS key {os_key!r}; expected one of {', '.join(WINDOWS_VERSIONS)}")
        if certificate not in tls.CERTIFICATE_AUTHENTICATION or mailstore_bits not in (32, 64):
            raise ValueError(f"certificate must be rsa or ecdsa and mailstore_bits 32 or 64, got {certificate!r}, "
                             f"{mailstore_bits!r}")
        self.name = name
        self.os_key = os_key
        self.certificate = certificate
        self.mailstore_bits = mailstore_bits
        self.ssl2_hello = ssl2_hello
        self.state_dir = Path(state_dir)
        self.host_dir = self.state_dir / "hosts" / name
        self.pending_power_action: str | None = None
        self._lock = threading.RLock()
        self._store = RegistryStore(self.host_dir)
        self._boot_file = self.host_dir / "boot.json"
        if self._store.exists():
            self.registry: Registry = self._store.load()
        else:
            self.registry = os_profiles.fresh_registry(os_key)
            self._store.create(self.registry)
        self._regprov = StdRegProv(self.registry, self._store.write)
        if self._boot_file.exists():
            boot = json.loads(self._boot_file.read_text(encoding="utf-8"))
            if boot["os_key"] != os_key:
                raise ValueError(f"host {name!r} in {self.host_dir} is {boot['os_key']}, not {os_key}")
            self.last_boot = datetime.datetime.fromisoformat(boot["last_boot"])
            self.boot_count: int = boot["boot_count"]
            self._set_view(SchannelView.from_json(boot["schannel"]), boot.get("dotnet_strong_crypto", False))
        else:
            self.boot_count = 0
            self.boot()

    # --- WMI -----------------------------------------------------------------------------------------------------
    def call_stdregprov(self, method: str, params: list[tuple[str, str]], *, deny_writes: bool = False
                        ) -> list[tuple[str, WmiValue]]:
        """Ordered out-parameters then ("ReturnValue", int); raises WmiMethodError (stdregprov.py)."""
        with self._lock:
            return self._regprov.call(method, params, deny_writes=deny_writes)

    def edit_registry(self, ops: list[object]) -> None:
        """Apply edits as regedit, reg import or Group Policy would: straight to the hive, not through WMI, so a
        test can seed any state a real host is found in (a value of another type, a key holding only its default
        value). Every edit is checked before any is applied (ValueError); a set_value creates its key."""
        checked = [check_edit(op) for op in ops]
        with self._lock:
            for op in checked:
                if op["op"] == "set_value" and self.registry.find(op["key"]) is None:
                    self._store.write({"op": "create_key", "key": op["key"]})
                    self.registry.apply({"op": "create_key", "key": op["key"]})
                self._store.write(op)
                self.registry.apply(op)

    def registry_dump(self, path: str) -> dict | None:
        """The subtree at ``path`` with every value (registry_store.Registry.dump); None for a missing key."""
        with self._lock:
            return self.registry.dump(path)

    def os_instance(self) -> list[tuple[str, WmiValue]]:
        """Win32_OperatingSystem properties in WMI's order (datetimes in UTC)."""
        now = datetime.datetime.now(datetime.UTC)
        return os_profiles.os_properties(self.os_key, self.name, self.last_boot, now)  # type: ignore[return-value]

    def os_instance_key(self) -> str:
        return os_profiles.os_instance_key(self.os_key)

    def request_shutdown(self, flags: int) -> int:
        """Win32Shutdown(Flags) / Reboot() (flags 2): the ReturnValue; records ``pending_power_action``."""
        with self._lock:
            if flags in _REBOOT_FLAGS:
                self.pending_power_action = "reboot"
            elif flags in _SHUTDOWN_FLAGS:
                self.pending_power_action = "shutdown"
            elif flags not in _LOGOFF_FLAGS:
                return ERROR_INVALID_PARAMETER
            return 0

    # --- boot ----------------------------------------------------------------------------------------------------
    def boot(self) -> None:
        """Start the host: new LastBootUpTime, boot count + 1, Schannel view recomputed and persisted."""
        with self._lock:
            now = datetime.datetime.now(datetime.UTC)
            previous = getattr(self, "last_boot", None)
            if previous is not None and now <= previous:  # a reboot always moves the boot time forward
                now = previous + datetime.timedelta(microseconds=1)
            self.last_boot = now
            self.boot_count += 1
            self._set_view(compute_view(self.registry, self.os_key),
                           host_settings.dotnet_strong_crypto(self, self.mailstore_bits))
            self.pending_power_action = None
            self._write_boot_state()

    def _set_view(self, view: SchannelView, dotnet_strong_crypto: bool) -> None:
        """The Schannel view as of this boot, what MailStore's .NET listeners make of it, and what the two TLS
        stacks will serve of each (planned once).

        WinRM (5986) is HTTP.sys, native Schannel: the registry's view as is. The MailStore ports are a .NET
        process: with ``SchUseStrongCrypto`` = 1 .NET passes SCH_USE_STRONG_CRYPTO (schannel_view.py
        ``strong_crypto_view``). .NET reads the value when the process starts, i.e. at the host's boot.
        """
        self.view = view
        self.dotnet_strong_crypto = dotnet_strong_crypto
        self.mailstore_view = strong_crypto_view(view) if dotnet_strong_crypto else view
        self.tls_plan = tls.plan(self.mailstore_view, self.certificate)
        self.winrm_tls_plan = tls.plan(view, self.certificate)

    def _write_boot_state(self) -> None:
        self.host_dir.mkdir(parents=True, exist_ok=True)
        state = {"os_key": self.os_key, "last_boot": self.last_boot.isoformat(), "boot_count": self.boot_count,
                 "schannel": self.view.to_json(), "dotnet_strong_crypto": self.dotnet_strong_crypto}
        tmp = self._boot_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
        os.replace(tmp, self._boot_file)

    # --- TLS listeners -------------------------------------------------------------------------------------------
    def _plan(self, listener: str) -> tuple[SchannelView, tls.TlsPlan]:
        if listener == "winrm":
            return self.view, self.winrm_tls_plan
        return self.mailstore_view, self.tls_plan

    def tls_context(self, certs: HostCertificates, listener: str = "mailstore") -> ssl.SSLContext:
        """Server context for the MailStore ports (or ``listener="winrm"``: 5986) as of the last boot (tls.py)."""
        return tls.build_context(self._plan(listener)[1], certs, self.state_dir / "dhparams")

    def hello_router(self, certs: HostCertificates, listener: str = "mailstore") -> legacy_tls.HelloRouter:
        """Per-ClientHello routing and refusals, and the tlslite-ng server for SSL 3.0/RC4/3DES (legacy_tls.py)."""
        view, plan = self._plan(listener)
        return tls.build_router(view, plan, certs, self.state_dir / "dhparams", ssl2_silent=self.ssl2_hello == "silent")

    @property
    def tls_summary(self) -> dict:
        """MailStore ports: offered protocols/suites/curves as of the last boot, what each stack serves."""
        return {**tls.summary(self.mailstore_view, self.tls_plan), "dotnet_strong_crypto": self.dotnet_strong_crypto}

    @property
    def winrm_tls_summary(self) -> dict:
        """The same for WinRM's 5986 (HTTP.sys: Schannel's registry alone)."""
        return tls.summary(self.view, self.winrm_tls_plan)

    def close(self) -> None:
        """Release the journal file descriptor (state stays on disk)."""
        self._store.close()
