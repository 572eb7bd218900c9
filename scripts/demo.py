"""The main job, as far as the collection goes today: a drift check of a simulated MailStore fleet.

Starts a simulated fleet of mixed Windows Server versions (tests/winsim) and sets the scene over WinRM: a third
of the hosts stay as Windows ships them, a third were hardened to the profile by hand some time ago, and a third
were hardened and then changed again (SSL 3.0 or RC4 ticked back on, a weak suite order), as an administrator
clicking in IIS Crypto would leave them. Then it reads every host's Schannel registry over WinRM
(NTLM with message encryption, WMI StdRegProv — no PowerShell) and compares it with a profile of
roles/schannel/defaults/main.yml. Writes a JSON and a text drift report, stops the fleet and prints where the
report is. It applies nothing: applying, rebooting and TLS verification come with the win_schannel modules.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.collection_path import ensure_collection_importable  # noqa: E402

ensure_collection_importable()

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import Settings  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.drift import (  # noqa: E402
    SettingsError,
    assess,
    parse_or_raise,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.errors import FleetsecError  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.stdregprov import (  # noqa: E402
    StdRegProv,
    write_change,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.winrm_protocol import (  # noqa: E402
    client_for_protocol,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.wsman import WsmanClient  # noqa: E402
from tests.profiles import profile  # noqa: E402
from tests.winsim.fleet import Fleet  # noqa: E402

REPORT_SCHEMA = "fleetsec.schannel/drift-report/0"
PROTOCOLS = catalog.SCHANNEL_KEY + "\\Protocols"
CIPHERS = catalog.SCHANNEL_KEY + "\\Ciphers"


def enable_ssl3(reg: StdRegProv) -> str:
    for side in ("Server", "Client"):
        key = f"{PROTOCOLS}\\SSL 3.0\\{side}"
        reg.create_key(key)
        reg.set_dword(key, "Enabled", 1)
        reg.set_dword(key, "DisabledByDefault", 0)
    return "SSL 3.0 enabled on both sides"


def enable_rc4(reg: StdRegProv) -> str:
    key = f"{CIPHERS}\\RC4 128/128"
    reg.create_key(key)
    reg.set_dword(key, "Enabled", 0xFFFFFFFF)
    return "RC4 128/128 enabled"


def weaken_suite_order(reg: StdRegProv) -> str:
    reg.create_key(catalog.SUITE_POLICY_KEY)
    reg.set_string(catalog.SUITE_POLICY_KEY, "Functions", "TLS_RSA_WITH_AES_128_CBC_SHA,TLS_RSA_WITH_3DES_EDE_CBC_SHA")
    return "suite order set to two static-RSA suites, one of them 3DES"


# Drift planted on hardened hosts, by what a hand-made change typically looks like.
PLANTED_DRIFT: tuple[Callable[[StdRegProv], str], ...] = (enable_ssl3, enable_rc4, weaken_suite_order)


def set_scene(client: WsmanClient, settings: Settings, index: int) -> str:
    """Put host number ``index`` in one of three states and say which: fresh, hardened, or hardened then drifted.

    "Hardened by hand" writes the values the profile wants, the way an administrator's IIS Crypto run would have;
    this is the demo's scenery, not the collection applying anything.
    """
    if index % 3 == 0:
        return "fresh: as Windows ships it"
    reg = StdRegProv(client)
    for change in assess(client, settings).changes:
        write_change(reg, change)
    if index % 3 == 1:
        return "hardened to the profile by hand earlier"
    plants = PLANTED_DRIFT[: 1 + (index // 3) % len(PLANTED_DRIFT)]
    return "hardened by hand, then changed: " + "; ".join(plant(reg) for plant in plants)


def client_for(fleet: Fleet, host: str) -> WsmanClient:
    # NTLM with WinRM message encryption over HTTP (pywinrm's default): Server 2008 R2 ships TLS 1.0 as its only
    # enabled protocol, which a controller on OpenSSL 3 refuses, so HTTPS would fail there as it does for real.
    return client_for_protocol(fleet.protocol(host, scheme="http"))


def check_host(fleet: Fleet, host: str, settings: Settings) -> dict[str, Any]:
    """One host's assessment, or its error: one failing host is a FAILED line, not the end of the demo.

    Every error of the client layer is a FleetsecError (transport, WS-Man fault, WMI return code, unsupported OS).
    Their messages hold no credentials (wsman.py scrubs its own; registry errors name keys only).
    """
    try:
        return {"host": host, **assess(client_for(fleet, host), settings).as_dict()}
    except FleetsecError as exc:
        return {"host": host, "error": str(exc), "compliant": False}


def text_report(report: dict[str, Any]) -> str:
    lines = [
        f"Drift report: profile {report['profile']!r}, {report['generated']}",
        f"{report['summary']['hosts']} hosts, {report['summary']['compliant']} compliant, "
        f"{report['summary']['drifted']} drifted, {report['summary']['failed']} failed",
        "",
        "changes: values to write or delete to reach the profile (wrong = present with other data, missing = absent,",
        "extra = present but the profile wants it gone); errors/warnings: what the engine says of the profile there",
        "",
        f"{'host':<7} {'os':<41} {'wrong':>5} {'missing':>7} {'extra':>5} {'errors':>6} {'warnings':>8} {'calls':>5}",
    ]
    for entry in report["hosts"]:
        if "error" in entry:
            lines.append(f"{entry['host']:<7} FAILED: {entry['error']}")
            continue
        findings, changes = entry["findings"], entry["changes"]
        wrong = sum(c["before"] is not None and c["after"] is not None for c in changes)
        missing = sum(c["before"] is None for c in changes)
        extra = len(changes) - wrong - missing
        errors = sum(f["severity"] == "error" for f in findings)
        warnings = len(findings) - errors
        calls = sum(entry["wsman_calls"].values())
        lines.append(
            f"{entry['host']:<7} {entry['os']['caption']:<41} {wrong:>5} {missing:>7} {extra:>5} "
            f"{errors:>6} {warnings:>8} {calls:>5}"
        )
    lines += ["", "scene set before the check:"]
    lines += [f"  {entry['host']}: {entry['scene']}" for entry in report["hosts"]]
    for entry in report["hosts"]:
        if entry["scene"].startswith("hardened by hand, then"):
            lines += ["", f"{entry['host']}: present and wrong:"]
            lines += [
                f"  {c['key']}\\{c['name']}: {c['before']!r} -> {c['after']!r}"
                for c in entry["changes"]
                if c["before"] is not None
            ]
    first = next((e for e in report["hosts"] if e.get("findings")), None)
    if first:
        lines += ["", f"What the engine says of profile {report['profile']!r} on {first['os']['caption']}:"]
        lines += [f"  {f['severity']}: {f['field']}: {f['message']}" for f in first["findings"]]
    return "\n".join(lines) + "\n"


def positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=positive, default=12, help="simulated hosts (default 12)")
    parser.add_argument("--profile", default="recommended", help="profile of the schannel role (default recommended)")
    parser.add_argument(
        "--out", type=Path, default=REPO_ROOT / "out" / "demo", help="report directory (default out/demo)"
    )
    args = parser.parse_args(argv)

    try:
        settings = parse_or_raise(profile(args.profile))
    except KeyError as exc:
        raise SystemExit(exc.args[0]) from None
    except SettingsError as exc:
        raise SystemExit(f"profile {args.profile!r} is invalid: {exc}") from None
    args.out.mkdir(parents=True, exist_ok=True)
    state_dir = args.out / "fleet"
    if state_dir.exists():
        shutil.rmtree(state_dir)

    started = time.monotonic()
    print(f"demo: starting {args.hosts} simulated hosts ({', '.join(catalog.OS_KEYS)}) under {state_dir}")
    with Fleet(state_dir, hosts=args.hosts, os_mix=catalog.OS_KEYS, first_ip="127.20.9.1") as fleet:
        names = [h.name for h in fleet.hosts]
        scenes = {host: set_scene(client_for(fleet, host), settings, index) for index, host in enumerate(names)}
        print("demo: scene set over WinRM (fresh, hardened by hand, hardened then drifted); checking every host")
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda h: check_host(fleet, h, settings), names))
    for entry in results:
        entry["scene"] = scenes[entry["host"]]

    report = {
        "schema": REPORT_SCHEMA,
        "profile": args.profile,
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "summary": {
            "hosts": len(results),
            "compliant": sum(bool(e.get("compliant")) for e in results),
            "drifted": sum(bool(e.get("changes")) for e in results),
            "failed": sum("error" in e for e in results),
            "seconds": round(time.monotonic() - started, 1),
        },
        "hosts": results,
    }
    (args.out / "drift-report.json").write_text(json.dumps(report, indent=2) + "\n")
    text = text_report(report)
    (args.out / "drift-report.txt").write_text(text)
    print(text)
    print(f"demo: report written to {args.out / 'drift-report.json'} and {args.out / 'drift-report.txt'}")
    print("demo: this run only read the fleet; applying a profile arrives with the win_schannel modules")
    return 1 if report["summary"]["failed"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
