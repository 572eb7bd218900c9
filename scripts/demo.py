"""The main job on a simulated MailStore fleet: find the drift, harden, check again, verify, report.

Starts a simulated fleet of all six Windows Server versions (tests/winsim) and sets the scene over WinRM: a third
of the hosts as Windows ships them, a third hardened to the profile by hand some time ago (and rebooted, as IIS
Crypto asks), a third hardened by hand and then changed again (SSL 3.0 or RC4 ticked back on, a weak suite
order). Then it runs the collection's playbooks with ansible-playbook, as an administrator would:

  1. fleetsec.schannel.drift       check mode: what is wrong, value by value (exits 2: drift found)
  2. fleetsec.schannel.harden      apply with backups, reboot where Schannel needs it, read back
  3. fleetsec.schannel.drift       again: nothing left to change
  4. fleetsec.schannel.compliance  drift plus TLS handshakes against the MailStore ports, and the fleet report

Each step's full ansible-playbook output goes to <out>/<step>.log; the results of every host are the JSON files
under <out>/reports/<run id>/. The fleet is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.collection_path import ensure_collection_importable  # noqa: E402

ensure_collection_importable()

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import Settings  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.policy import SettingsError, parse_or_raise  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.client import WMI_URI, WsmanClient  # noqa: E402
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.stdregprov import (  # noqa: E402
    StdRegProv,
    write_change,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.winrm_protocol import (  # noqa: E402
    client_for_protocol,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.wmi_os import read_os  # noqa: E402
from tests.profiles import profile  # noqa: E402
from tests.support.drift import assess  # noqa: E402
from tests.support.simulator import Fleet  # noqa: E402

PROTOCOLS = catalog.SCHANNEL_KEY + "\\Protocols"
CIPHERS = catalog.SCHANNEL_KEY + "\\Ciphers"
OS_URI = WMI_URI + "/root/cimv2/Win32_OperatingSystem"
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
# ansible-playbook's per-host result lines, and the task whose lines mark a host as done in a step.
HOST_LINE = re.compile(r"^(ok|changed|failed|fatal|skipping): \[([^\]]+?)\]")
# The per-host task of each path: main.yml's apply, check.yml's answer from the batch (drift and compliance).
MAIN_TASKS = ("Apply the settings", "Take each host's answer from the batch", "Verify by TLS handshakes")
REBOOT_HANDLER = "Reboot the host so that Schannel reads its new settings"


# --- the scene: what an administrator's hand left on the hosts -----------------------------------------------

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


PLANTED_DRIFT: tuple[Callable[[StdRegProv], str], ...] = (enable_ssl3, enable_rc4, weaken_suite_order)


def reboot_by_hand(fleet: Fleet, client: WsmanClient, host: str) -> None:
    """Win32_OperatingSystem.Reboot over WMI, then wait until the simulator counts the new boot and is up."""
    boots = fleet.control.counters(host)["boots"]
    client.invoke(OS_URI, "Reboot", [], selectors={"Name": read_os(client).name_key}, idempotent=False)
    deadline = time.monotonic() + 120
    while fleet.control.counters(host)["boots"] == boots:
        if time.monotonic() > deadline:
            raise SystemExit(f"demo: {host} did not come back from its reboot within 120 s")
        time.sleep(0.1)
    fleet.control.wait_for_state(host, "up", timeout=120)


def set_scene(fleet: Fleet, host: str, settings: Settings, index: int) -> str:
    """Put host number ``index`` in one of three states and say which: fresh, hardened, or hardened then drifted.

    "Hardened by hand" writes the values the profile wants, the way an administrator's IIS Crypto run would have,
    and reboots as IIS Crypto asks; this is the demo's scenery, not the collection applying anything.
    """
    if index % 3 == 0:
        return "fresh: as Windows ships it"
    client = client_for_protocol(fleet.protocol(host, scheme="http"))
    reg = StdRegProv(client)
    for change in assess(client, settings).changes:
        write_change(reg, change)
    reboot_by_hand(fleet, client, host)
    if index % 3 == 1:
        return "hardened to the profile by hand earlier"
    reg = StdRegProv(client_for_protocol(fleet.protocol(host, scheme="http")))  # a new session after the reboot
    plants = PLANTED_DRIFT[: 1 + (index // 3) % len(PLANTED_DRIFT)]
    return "hardened by hand, then changed: " + "; ".join(plant(reg) for plant in plants)


# --- running a playbook with progress --------------------------------------------------------------------------

@dataclass
class Step:
    name: str
    playbook: str
    title: str
    extra: dict[str, Any]


def run_step(step: Step, fleet: Fleet, out: Path, hosts: int, common: dict[str, Any]) -> tuple[int, Path]:
    """Run one playbook, its output to <out>/<step>.log, a progress line on the terminal; (exit code, run dir)."""
    run_id = "demo-%s" % step.name
    variables = {**common, "schannel_run_id": run_id, **step.extra}
    log_path = out / ("%s.log" % step.name)
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORKS": str(min(hosts, 20)),
           "ANSIBLE_RETRY_FILES_ENABLED": "0", "ANSIBLE_LOCAL_TEMP": str(out / "ansible-tmp")}
    command = [str(ANSIBLE_PLAYBOOK), "-i", str(fleet.inventory), "fleetsec.schannel.%s" % step.playbook,
               "-e", json.dumps(variables)]
    print(f"\n== {step.title}")
    # What runs, extra variables included (the run id, the report and backup directories, the batch size).
    print("   ANSIBLE_FORKS=%s %s" % (env["ANSIBLE_FORKS"], shlex.join(["ansible-playbook", *command[1:]])))
    started = time.monotonic()
    done: set[str] = set()
    rebooted: set[str] = set()
    section = ""
    with log_path.open("w") as log, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                                     text=True, env=env, cwd=out) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            if line.startswith(("TASK [", "RUNNING HANDLER [")):
                section = line
                continue
            match = HOST_LINE.match(line)
            if not match:
                continue
            if REBOOT_HANDLER in section and match.group(1) == "changed":
                rebooted.add(match.group(2))
            elif any(task in section for task in MAIN_TASKS) and match.group(1) != "skipping":
                done.add(match.group(2))
            else:
                continue
            progress(len(done), hosts, len(rebooted), time.monotonic() - started)
        code = proc.wait()
    progress(len(done), hosts, len(rebooted), time.monotonic() - started, final=True)
    return code, Path(common["schannel_report_dir"]) / run_id


def progress(done: int, hosts: int, rebooted: int, seconds: float, final: bool = False) -> None:
    """One line rewritten in place on a terminal; elsewhere (CI logs) whole lines every few seconds, the count of
    every host done only in the step's closing line (``final``), so that it is said once."""
    text = f"   {done}/{hosts} hosts done, {rebooted} rebooted, {seconds:.0f} s"
    if sys.stdout.isatty():
        sys.stdout.write("\r" + text.ljust(60) + ("\n" if final else ""))
        sys.stdout.flush()
    elif final or (done < hosts and time.monotonic() - progress.last >= 5):  # type: ignore[attr-defined]
        print(text, flush=True)
        progress.last = time.monotonic()  # type: ignore[attr-defined]


progress.last = 0.0  # type: ignore[attr-defined]


# --- what a newcomer reads -------------------------------------------------------------------------------------

def read_results(run_dir: Path) -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(run_dir.glob("*.json"))}


def short_key(change: dict[str, Any]) -> str:
    key = change["key"].split("\\SCHANNEL\\", 1)[-1].replace("HKLM\\SOFTWARE\\", "")
    before = "absent" if change["before"] is None else change["before"]
    after = "absent" if change["after"] is None else change["after"]
    return f"{key} {change['name']}: {before} -> {after}"


def summarise(step: Step, code: int, results: dict[str, dict[str, Any]], scenes: dict[str, str]) -> list[str]:
    counts = Counter(r["status"] for r in results.values())
    lines = [f"   exit code {code}; {len(results)} hosts: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))]
    if step.playbook == "harden":
        rebooted = sum(r["reboot"]["performed"] for r in results.values())
        readback = sum(bool(r["verification"]["readback"] and r["verification"]["readback"]["ok"])
                       for r in results.values())
        written = sum(len(r["changes"]) for r in results.values())
        lines.append(f"   {written} values written, {rebooted} hosts rebooted (only those that changed), read-back "
                     f"matched on {readback}")
    if step.playbook == "compliance":
        verdicts = Counter((r["verification"]["tls"] or {}).get("verdict") for r in results.values())
        lines.append("   TLS verdicts: " + ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items(), key=str)))
    for host, record in results.items():
        if record["status"] == "drifted" and step.name == "drift-before":
            drift = record["drift"]
            lines.append(f"   {host} {record['os']['caption'].replace('Microsoft Windows ', '').strip():<26} "
                         f"{len(drift):>3} values differ  ({scenes[host]})")
            if scenes[host].startswith("hardened by hand, then"):  # the hand-made changes, value by value
                lines += [f"         {short_key(c)}" for c in drift]
        elif record["status"] in ("failed", "unreachable"):
            lines.append(f"   {host}: {record['status']}: " + "; ".join(e["message"] for e in record["errors"]))
    return lines


def positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=positive, default=12, help="simulated hosts (default 12)")
    parser.add_argument("--profile", default="recommended", help="profile of the schannel role (default recommended)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "out" / "demo",
                        help="output directory (default out/demo)")
    args = parser.parse_args(argv)

    try:
        settings = parse_or_raise(profile(args.profile))
    except KeyError as exc:
        raise SystemExit(exc.args[0]) from None
    except SettingsError as exc:
        raise SystemExit(f"profile {args.profile!r} is invalid: {exc}") from None
    out = args.out.resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    common = {"schannel_profile": args.profile, "schannel_report_dir": str(out / "reports"),
              "schannel_backup_dir": str(out / "backups"), "schannel_serial": "50%"}
    steps = [
        Step("drift-before", "drift", "1/4 drift: what differs from the profile (check mode, nothing written)", {}),
        Step("harden", "harden", "2/4 harden: back up, write, reboot where needed, read back (half the fleet at a "
             "time)", {}),
        Step("drift-after", "drift", "3/4 drift again: nothing should be left to change", {}),
        Step("compliance", "compliance", "4/4 compliance: drift plus TLS handshakes on ports 8460/8462/8463, "
             "fleet report", {}),
    ]

    started = time.monotonic()
    print(f"demo: starting {args.hosts} simulated Windows Server hosts ({', '.join(catalog.OS_KEYS)})")
    outcome: dict[str, tuple[int, dict[str, dict[str, Any]]]] = {}
    with Fleet(out / "fleet", hosts=args.hosts, os_mix=catalog.OS_KEYS, first_ip="127.20.9.1",
               reboot_seconds=0.5) as fleet:
        names = [h.name for h in fleet.hosts]
        print("demo: setting the scene over WinRM (fresh hosts, hosts hardened by hand, hand-hardened hosts changed "
              "again)")
        scenes = {host: set_scene(fleet, host, settings, index) for index, host in enumerate(names)}
        for step in steps:
            code, run_dir = run_step(step, fleet, out, len(names), common)
            results = read_results(run_dir)
            outcome[step.name] = (code, results)
            print("\n".join(summarise(step, code, results, scenes)))
    print("\ndemo: fleet stopped after %.0f s" % (time.monotonic() - started))

    final_code, final = outcome["compliance"]
    ok = (outcome["harden"][0] == 0 and outcome["drift-after"][0] == 0 and final_code == 0
          and {r["status"] for r in final.values()} == {"compliant"})
    report = out / "reports" / "demo-compliance" / "report" / "compliance-report.html"
    print(f"demo: per-host results in {out / 'reports'}/<run>/<host>.json (runs: "
          + ", ".join("demo-" + s.name for s in steps) + ")")
    print(f"demo: fleet report {report}" if report.exists() else "demo: no fleet report was written")
    print(f"demo: backups (JSON and .reg for reg import) in {out / 'backups'}; ansible-playbook output in "
          f"{out}/<step>.log")
    print("demo: " + ("every host hardened, verified and compliant" if ok else "NOT every host ended compliant: "
                      "see the lines above and the logs"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
