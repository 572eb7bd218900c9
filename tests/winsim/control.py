"""Client of a running simulator's control channel (see control_server.py for the routes)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote


class ControlClientError(RuntimeError):
    """The control channel answered with an error."""


class ControlClient:
    """``ControlClient.from_state_dir(dir)`` or ``ControlClient("http://127.0.0.1:PORT")``."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    @classmethod
    def from_state_dir(cls, state_dir: Path | str) -> ControlClient:
        path = Path(state_dir) / "control.json"
        try:
            info = json.loads(path.read_text())
        except FileNotFoundError:
            raise ControlClientError(f"no running simulator: {path} does not exist") from None
        return cls(info["url"])

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        data = json.dumps(payload).encode() if payload is not None else None
        req = urllib.request.Request(f"{self.url}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read()).get("error", str(exc))
            except ValueError:
                message = str(exc)
            raise ControlClientError(message) from None

    def hosts(self) -> list[dict]:
        return self._call("GET", "/v1/hosts")["hosts"]

    def host(self, name: str) -> dict:
        return self._call("GET", f"/v1/hosts/{name}")

    def counters(self, host: str | None = None) -> dict:
        """``{"hosts": {name: counters}, "totals": counters}``; with ``host``, that host's counters only."""
        if host is None:
            return self._call("GET", "/v1/counters")
        return self._call("GET", f"/v1/counters?host={host}")["hosts"][host]

    def reset_counters(self) -> None:
        self._call("POST", "/v1/counters/reset", {})

    def set_fault(self, host: str, fault: str) -> list[dict]:
        """``set_fault("ms003", "slow:200")``; host ``"*"`` = every host."""
        return self._call("POST", "/v1/faults", {"host": host, "fault": fault})["hosts"]

    def clear_fault(self, host: str, kind: str | None = None) -> list[dict]:
        """Clear one fault kind, or every fault when ``kind`` is None."""
        return self._call("POST", "/v1/faults/clear", {"host": host, "kind": kind})["hosts"]

    def set_allow_unencrypted(self, host: str, allowed: bool) -> dict:
        return self._call("POST", f"/v1/hosts/{host}/allow-unencrypted", {"allowed": allowed})

    def set_setting(self, host: str, name: str, on: bool) -> dict:
        """``set_setting("ms002", "remote-shell", False)``: write the registry value behind a host setting."""
        return self._call("POST", f"/v1/hosts/{host}/settings", {"name": name, "on": on})

    def registry(self, host: str, key: str) -> dict | None:
        """The subtree at ``key`` with every value and type (None for a missing key): for exact comparisons."""
        return self._call("GET", f"/v1/hosts/{host}/registry?key={quote(key)}")["tree"]

    def edit_registry(self, host: str, edits: list[dict]) -> int:
        """Seed a state straight into the hive (regedit/GPO, not WMI): ``{"op": "set_value", "key", "name",
        "type": 4, "data": 1}``, ``create_key``, ``delete_key``, ``delete_value``."""
        return self._call("POST", f"/v1/hosts/{host}/registry", {"edits": edits})["applied"]

    def power_on(self, host: str) -> dict:
        return self._call("POST", f"/v1/hosts/{host}/power-on", {})

    def wait_for_state(self, host: str, state: str, timeout: float = 30.0) -> dict:
        """Poll until the host reaches ``state`` (up, down, rebooting, hung, off); raises TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            info = self.host(host)
            if info["state"] == state:
                return info
            if time.monotonic() > deadline:
                raise TimeoutError(f"{host} is {info['state']!r}, not {state!r}, after {timeout} s")
            time.sleep(0.05)
