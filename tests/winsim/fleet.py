"""``Fleet``: run ``python -m tests.winsim serve`` as a subprocess for tests and benchmarks.

    with Fleet(tmp_path / "fleet", hosts=3, first_ip="127.20.1.1") as fleet:
        fleet.control.set_fault("ms002", "down")
        proto = fleet.protocol("ms001")            # pywinrm Protocol, NTLM over HTTP with encryption
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.winsim.control import ControlClient

# Read by tests.winsim.server.exit_with_parent (kept here so that importing Fleet does not import the simulator).
EXIT_WITH_PARENT_ENV = "WINSIM_EXIT_WITH_PARENT"

REPO_ROOT = Path(__file__).resolve().parents[2]


class FleetError(RuntimeError):
    """The simulator did not start (its log is in the message) or did not stop in time."""


@dataclass(frozen=True)
class FleetHost:
    """One host as the inventory names it: ``ms001``, its loopback address, its OS key (``winsim_os``)."""

    name: str
    ip: str
    os: str


class Fleet:
    """Start/stop a simulator on ``state_dir``; the inventory goes to ``state_dir/inventory.yml`` by default."""

    def __init__(self, state_dir: Path, *, hosts: int | None = 3, os_mix: tuple[str, ...] | None = None,
                 first_ip: str = "127.20.0.1", latency_ms: int = 0, reboot_seconds: float = 0.5,
                 faults: tuple[str, ...] = (), settings: tuple[str, ...] = (), host_options: tuple[str, ...] = (),
                 inventory: Path | None = None,
                 scheme: str = "http",
                 kerberos: Path | None = None, transport: str = "ntlm",
                 start_timeout: float = 120.0) -> None:
        self.state_dir = Path(state_dir)
        self.inventory = inventory or self.state_dir / "inventory.yml"
        # hosts None: serve's default, every host the state directory holds
        self.args = [*(["--hosts", str(hosts)] if hosts is not None else []), "--first-ip", first_ip,
                     "--latency-ms", str(latency_ms), "--reboot-seconds", str(reboot_seconds),
                     "--inventory-scheme", scheme]
        if os_mix:
            self.args += ["--os-mix", ",".join(os_mix)]
        for fault in faults:
            self.args += ["--fault", fault]
        for setting in settings:  # "ms002=remote-shell:off" (tests.winsim.host_settings)
            self.args += ["--setting", setting]
        for option in host_options:  # "ms002=certificate:ecdsa"
            self.args += ["--host-option", option]
        if kerberos is not None:  # a started KerberosRealm's directory (tests.winsim.kerberos_realm)
            self.args += ["--kerberos", str(kerberos), "--inventory-transport", transport]
        self.start_timeout = start_timeout
        self.process: subprocess.Popen | None = None
        self._control: ControlClient | None = None

    # --- lifecycle ------------------------------------------------------------------------------------------

    def __enter__(self) -> Fleet:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if self.inventory.exists():
            self.inventory.unlink()
        self._control = None
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get(
            "PYTHONPATH")])), EXIT_WITH_PARENT_ENV: str(os.getpid())}
        self._log = open(self.state_dir / "serve.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.winsim", "serve", "--state-dir", str(self.state_dir),
             "--inventory", str(self.inventory), *self.args],
            cwd=REPO_ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + self.start_timeout
        while not self.inventory.exists():
            if self.process.poll() is not None:
                raise FleetError(f"simulator exited with {self.process.returncode}:\n{self.log_text()}")
            if time.monotonic() > deadline:
                self.kill()
                raise FleetError(f"no inventory after {self.start_timeout} s:\n{self.log_text()}")
            time.sleep(0.02)

    def stop(self, timeout: float = 30.0, sig: int = signal.SIGTERM) -> int | None:
        """SIGTERM (or ``sig``, e.g. SIGINT as Ctrl-C sends it) and wait; returns the exit code."""
        return self._signal(sig, timeout)

    def kill(self) -> int | None:
        """SIGKILL (a crash: no clean shutdown) and wait."""
        return self._signal(signal.SIGKILL, 30.0)

    def _signal(self, sig: int, timeout: float) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise FleetError(f"simulator ignored signal {sig} for {timeout} s") from None
        code = self.process.returncode
        self.process = None
        self._log.close()
        return code

    def log_text(self) -> str:
        return (self.state_dir / "serve.log").read_text(errors="replace")[-4000:]

    # --- what tests use ------------------------------------------------------------------------------------

    @property
    def control(self) -> ControlClient:
        if self._control is None:
            self._control = ControlClient.from_state_dir(self.state_dir)
        return self._control

    def inventory_data(self) -> dict:
        return yaml.safe_load(self.inventory.read_text())["all"]["children"]["mailstore"]

    @property
    def hosts(self) -> list[FleetHost]:
        return [FleetHost(name, v["ansible_host"], v["winsim_os"]) for name, v in self.inventory_data()[
            "hosts"].items()]

    def host(self, name: str) -> FleetHost:
        return next(h for h in self.hosts if h.name == name)

    @property
    def username(self) -> str:
        return self.inventory_data()["vars"]["ansible_user"]

    @property
    def password(self) -> str:
        return self.inventory_data()["vars"]["ansible_password"]

    @property
    def ca_cert(self) -> Path:
        return self.state_dir / "ca.pem"

    def endpoint(self, name: str, scheme: str = "http") -> str:
        return f"{scheme}://{self.host(name).ip}:{5985 if scheme == 'http' else 5986}/wsman"

    def protocol(self, name: str, scheme: str = "http", transport: str = "ntlm", **kwargs):
        """An unmodified pywinrm Protocol for host ``name`` (HTTPS validates against the fleet's CA)."""
        from winrm.protocol import Protocol

        kwargs.setdefault("username", self.username)
        kwargs.setdefault("password", self.password)
        kwargs.setdefault("ca_trust_path", str(self.ca_cert))  # explicit, so pywinrm does not fall back to env vars
        return Protocol(self.endpoint(name, scheme), transport=transport, **kwargs)
