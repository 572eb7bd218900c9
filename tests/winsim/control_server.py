"""HTTP/JSON control channel of a running simulator (127.0.0.1, port in ``<state-dir>/control.json``).

Routes (all JSON; errors are ``{"error": "..."}`` with 400/404):
  GET  /v1/hosts                          -> {"hosts": [host, ...]}
  GET  /v1/hosts/<name>                   -> host + "tls": the MailStore ports' TLS summary as of the last boot,
                                             "winrm_tls": the same for 5986
  GET  /v1/counters[?host=<name>]         -> {"hosts": {name: counters}, "totals": counters}
  POST /v1/counters/reset                 -> {"reset": true}
  POST /v1/faults        {"host": name|"*", "fault": "KIND[:ARG]"}   -> {"hosts": [host, ...]}
  POST /v1/faults/clear  {"host": name|"*", "kind": KIND|null}       -> {"hosts": [host, ...]}  (null = all)
  POST /v1/hosts/<name>/allow-unencrypted {"allowed": bool}          -> host
  POST /v1/hosts/<name>/settings {"name": SETTING, "on": bool}        -> host  (host_settings.py: remote-shell,
                                                                         allow-basic, allow-unencrypted, ...)
  POST /v1/hosts/<name>/power-on                                     -> host  (after a WMI shutdown)
  GET  /v1/hosts/<name>/registry?key=PATH                           -> {"key": PATH, "tree": {name, values:
                                             [[name, type, data]], subkeys: [...]} | null}  (every value, the
                                             default one too: the witness's own view, not StdRegProv's)
  POST /v1/hosts/<name>/registry {"edits": [{"op": "set_value", "key", "name", "type", "data"} | create_key |
                                 delete_key | delete_value, ...]}     -> {"applied": N}  (as regedit/GPO would)
A host is {"name", "ip", "os", "state" (up|down|rebooting|hung|off), "faults": [...], "boot_count",
"last_boot" (ISO 8601), "allow_unencrypted", "settings": {name: bool}}.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

from tests.winsim import host_settings, httpwire
from tests.winsim.counters import totals
from tests.winsim.faults import FaultSpecError, parse_fault
from tests.winsim.runtime import HostRuntime


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def host_info(host: HostRuntime) -> dict:
    return {
        "name": host.name,
        "ip": host.ip,
        "os": host.model.os_key,
        "state": host.state,
        "faults": host.faults.describe(),
        "boot_count": host.model.boot_count,
        "last_boot": host.model.last_boot.isoformat(),
        "allow_unencrypted": host.allow_unencrypted(),
        "settings": host_settings.describe(host.model),
    }


class ControlServer:
    def __init__(self, hosts: dict[str, HostRuntime]) -> None:
        self.hosts = hosts
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    req = await httpwire.read_request(reader)
                except httpwire.BadRequest as exc:
                    writer.write(httpwire.response(exc.status, close=True))
                    break
                if req is None:
                    break
                try:
                    status, payload = 200, await self._route(req)
                except ControlError as exc:
                    status, payload = exc.status, {"error": str(exc)}
                body = json.dumps(payload).encode()
                writer.write(httpwire.response(status, body, content_type="application/json"))
                await writer.drain()
                if not req.keep_alive():
                    break
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    def _host(self, name: str) -> HostRuntime:
        try:
            return self.hosts[name]
        except KeyError:
            raise ControlError(404, f"no host {name!r}") from None

    def _targets(self, name: object) -> list[HostRuntime]:
        if name == "*":
            return list(self.hosts.values())
        if not isinstance(name, str):
            raise ControlError(400, "'host' must be a host name or '*'")
        return [self._host(name)]

    async def _route(self, req: httpwire.HttpRequest) -> dict:
        url = urlsplit(req.target)
        parts = [p for p in url.path.split("/") if p]
        if parts[:1] != ["v1"]:
            raise ControlError(404, f"no route {url.path}")
        parts = parts[1:]
        try:
            data = json.loads(req.body) if req.body else {}
        except json.JSONDecodeError:
            raise ControlError(400, "body is not JSON") from None
        handler = self._routes().get((req.method, tuple(p if i != 1 else "*" for i, p in enumerate(parts))))
        if handler is None:
            raise ControlError(404, f"no route {req.method} {url.path}")
        return await handler(parts, data, parse_qs(url.query))

    def _routes(self) -> dict[tuple[str, tuple[str, ...]], Callable[..., Awaitable[dict]]]:
        return {
            ("GET", ("hosts",)): self._list_hosts,
            ("GET", ("hosts", "*")): self._get_host,
            ("GET", ("counters",)): self._counters,
            ("POST", ("counters", "*")): self._reset_counters,
            ("POST", ("faults",)): self._set_fault,
            ("POST", ("faults", "*")): self._clear_fault,
            ("POST", ("hosts", "*", "allow-unencrypted")): self._allow_unencrypted,
            ("POST", ("hosts", "*", "power-on")): self._power_on,
            ("POST", ("hosts", "*", "settings")): self._setting,
            ("GET", ("hosts", "*", "registry")): self._registry_dump,
            ("POST", ("hosts", "*", "registry")): self._registry_edit,
        }

    async def _registry_dump(self, parts, data, query) -> dict:
        host = self._host(parts[1])
        key = (query.get("key") or [""])[0]
        return {"key": key, "tree": host.model.registry_dump(key)}

    async def _registry_edit(self, parts, data, query) -> dict:
        host = self._host(parts[1])
        edits = data.get("edits")
        if not isinstance(edits, list):
            raise ControlError(400, "'edits' must be a list of registry edits")
        try:
            host.model.edit_registry(edits)
        except ValueError as exc:
            raise ControlError(400, str(exc)) from None
        return {"applied": len(edits)}

    async def _list_hosts(self, parts, data, query) -> dict:
        return {"hosts": [host_info(h) for h in self.hosts.values()]}

    async def _get_host(self, parts, data, query) -> dict:
        host = self._host(parts[1])
        return {**host_info(host), "tls": host.model.tls_summary, "winrm_tls": host.model.winrm_tls_summary}

    async def _counters(self, parts, data, query) -> dict:
        names = query.get("host") or list(self.hosts)
        per_host = {name: self._host(name).counters.as_dict() for name in names}
        return {"hosts": per_host, "totals": totals(per_host)}

    async def _reset_counters(self, parts, data, query) -> dict:
        if parts[1] != "reset":
            raise ControlError(404, "no route")
        for host in self.hosts.values():
            host.counters.reset()
        return {"reset": True}

    async def _set_fault(self, parts, data, query) -> dict:
        try:
            spec = parse_fault(str(data.get("fault", "")))
        except FaultSpecError as exc:
            raise ControlError(400, str(exc)) from None
        targets = self._targets(data.get("host"))
        for host in targets:
            await host.set_fault(spec)
        return {"hosts": [host_info(h) for h in targets]}

    async def _clear_fault(self, parts, data, query) -> dict:
        if parts[1] != "clear":
            raise ControlError(404, "no route")
        targets = self._targets(data.get("host"))
        kind = data.get("kind")
        for host in targets:
            await host.clear_fault(kind)
        return {"hosts": [host_info(h) for h in targets]}

    async def _allow_unencrypted(self, parts, data, query) -> dict:
        host = self._host(parts[1])
        host.set_setting("allow-unencrypted", bool(data.get("allowed")))
        return host_info(host)

    async def _power_on(self, parts, data, query) -> dict:
        host = self._host(parts[1])
        await host.power_on()
        return host_info(host)

    async def _setting(self, parts, data, query) -> dict:
        host = self._host(parts[1])
        name = str(data.get("name", "")).casefold()
        try:
            on = host_settings.parse_switch(name, data.get("on"))
        except host_settings.HostSettingError as exc:
            raise ControlError(400, str(exc)) from None
        host.set_setting(name, on)
        return host_info(host)
