"""drift, harden, compliance and restore, with ansible-playbook, on hosts in the states real fleets are in.

Fresh hosts and hosts hardened by this collection are not what an administrator finds: keys hold some values and
lack others, values carry another type than Schannel documents, a Group Policy left its suite order, a key holds
only its default value, strict renegotiation is on. Each host of all six versions is seeded with all of these
straight into its hive (as regedit, a .reg import or a GPO would, through the simulator's control channel), and the
simulator answers StdRegProv calls about them as real Windows does (1 for a value missing from an existing key,
WBEM_E_TYPE_MISMATCH for a value of another type, the default value hidden from EnumValues).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils.regfile import decode_reg
from tests.winsim.control import ControlClient

from .conftest import ALL_OS, Playbooks

SCHANNEL = r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL"
DOTNET4 = r"SOFTWARE\Microsoft\.NETFramework\v4.0.30319"
SUITE_POLICY = r"SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002"
MARKER_KEY = r"SOFTWARE\fleetsec"  # the collection's own reboot marker: not part of the state restored
REG_SZ, REG_DWORD, REG_QWORD = 1, 4, 11

# Where each state is met on real hosts:
# - a protocol key holding DisabledByDefault without Enabled (half of what IIS Crypto or a script writes);
# - Enabled as REG_SZ "0" (a .reg line "Enabled"="0" instead of dword:00000000) and as REG_QWORD (a script's
#   New-ItemProperty -PropertyType QWord): Schannel documents REG_DWORD;
# - .NET SystemDefaultTlsVersions as REG_SZ "1" next to a missing SchUseStrongCrypto;
# - the suite order Group Policy leaves ("SSL Cipher Suite Order" writes Functions under the policy key);
# - a cipher key holding only its default value (a key created in regedit whose "(Default)" was typed into);
# - strict renegotiation: AllowInsecureRenegoClients = 0 (the Exchange TLS guide's hardening step).
SEED: list[dict[str, Any]] = [
    {"op": "set_value", "key": SCHANNEL + r"\Protocols\TLS 1.0\Server", "name": "DisabledByDefault",
     "type": REG_DWORD, "data": 1},
    {"op": "set_value", "key": SCHANNEL + r"\Protocols\SSL 3.0\Server", "name": "Enabled", "type": REG_SZ,
     "data": "0"},
    {"op": "set_value", "key": SCHANNEL + r"\Hashes\MD5", "name": "Enabled", "type": REG_QWORD, "data": 0},
    {"op": "set_value", "key": DOTNET4, "name": "SystemDefaultTlsVersions", "type": REG_SZ, "data": "1"},
    {"op": "set_value", "key": SUITE_POLICY, "name": "Functions", "type": REG_SZ,
     "data": "TLS_RSA_WITH_AES_256_CBC_SHA,TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
    {"op": "set_value", "key": SCHANNEL + r"\Ciphers\Triple DES 168", "name": "", "type": REG_SZ,
     "data": "set by hand"},
    {"op": "set_value", "key": SCHANNEL, "name": "AllowInsecureRenegoClients", "type": REG_DWORD, "data": 0},
]


def hive(control: ControlClient, host: str) -> dict[str, list[list[Any]]]:
    """The host's whole HKLM as the simulator holds it: every key by its path as spelled, in enumeration order, with
    its values as [name, type, data] (the default ones too), without the collection's reboot marker."""
    flat: dict[str, list[list[Any]]] = {}

    def walk(path: str, node: dict[str, Any]) -> None:
        if path.casefold() == MARKER_KEY.casefold():
            return
        flat[path] = node["values"]
        for sub in node["subkeys"]:
            walk(path + "\\" + sub["name"] if path else sub["name"], sub)
    root = control.registry(host, "")
    assert root is not None
    walk("", root)
    return flat


def change(changes: list[dict[str, Any]], key: str, name: str) -> dict[str, Any]:
    return next(c for c in changes if c["key"].casefold() == ("HKLM\\" + key).casefold()
                and c["name"].casefold() == name.casefold())


def test_drift_harden_restore_on_hosts_in_real_states(six: Playbooks):
    control = six.fleet.control
    hosts = [h.name for h in six.fleet.hosts]
    for host in hosts:
        assert control.edit_registry(host, SEED) == len(SEED)
    before = {host: hive(control, host) for host in hosts}

    # drift names every difference, with both types where the type differs; no host fails
    drift = six.run("drift", schannel_fail_on_drift=False)
    assert drift.returncode == 0, drift.output
    assert set(drift.status().values()) == {"drifted"}, drift.status()
    for host, record in drift.results.items():
        changes = record["drift"]
        assert change(changes, SCHANNEL + r"\Protocols\SSL 3.0\Server", "Enabled") == {
            "key": "HKLM\\" + SCHANNEL + r"\Protocols\SSL 3.0\Server", "name": "Enabled", "type": "REG_DWORD",
            "before": "0", "before_type": "REG_SZ", "after": 0}, host
        assert change(changes, SCHANNEL + r"\Hashes\MD5", "Enabled") == {
            "key": "HKLM\\" + SCHANNEL + r"\Hashes\MD5", "name": "Enabled", "type": "REG_DWORD",
            "before": 0, "before_type": "REG_QWORD", "after": 0}, host
        assert change(changes, DOTNET4, "SystemDefaultTlsVersions")["before_type"] == "REG_SZ"
        assert change(changes, DOTNET4, "SchUseStrongCrypto")["before"] is None  # missing from an existing key
        assert change(changes, SCHANNEL + r"\Protocols\TLS 1.0\Server", "Enabled")["before"] is None
        assert change(changes, SCHANNEL + r"\Ciphers\Triple DES 168", "Enabled") == {
            "key": "HKLM\\" + SCHANNEL + r"\Ciphers\Triple DES 168", "name": "Enabled", "type": "REG_DWORD",
            "before": None, "after": 0}
        assert change(changes, SUITE_POLICY, "Functions")["before"] == SEED[4]["data"]
        assert not [c for c in changes if c["name"] in ("", "AllowInsecureRenegoClients")]
    assert "Protocols/SSL 3.0/Server Enabled: '0' (REG_SZ) -> 0 (REG_DWORD)" in drift.stdout
    assert {host: hive(control, host) for host in hosts} == before  # a check writes nothing

    # harden converges; the backup holds each prior value with its real type and data, in the JSON and the .reg
    harden = six.run("harden")
    assert harden.returncode == 0, harden.output
    assert set(harden.status().values()) == {"changed"}, harden.status()
    for host, record in harden.results.items():
        assert record["verification"]["readback"] == {"ok": True, "differences": []}, host
        backup = json.loads(Path(record["backup_file"]).read_text())
        assert {"op": "set_value", "key": "HKLM\\" + SCHANNEL + r"\Protocols\SSL 3.0\Server", "name": "Enabled",
                "type": "REG_SZ", "data": "0"} in backup["restore"]
        assert {"op": "set_value", "key": "HKLM\\" + SCHANNEL + r"\Hashes\MD5", "name": "Enabled",
                "type": "REG_QWORD", "data": 0} in backup["restore"]
        reg_text = decode_reg(Path(backup["reg_file"]).read_bytes())
        md5 = reg_text.split("[HKEY_LOCAL_MACHINE\\%s\\Hashes\\MD5]" % SCHANNEL, 1)[1].split("\n[", 1)[0]
        assert '"Enabled"=hex(b):00,00,00,00,00,00,00,00' in md5
        ssl3 = reg_text.split("[HKEY_LOCAL_MACHINE\\%s\\Protocols\\SSL 3.0\\Server]" % SCHANNEL, 1)[1]
        assert ssl3.split("\n[", 1)[0].count('"Enabled"="0"') == 1
        # the key holding only a default value existed: the restore sets Enabled back to absent, never deletes it
        assert "[-HKEY_LOCAL_MACHINE\\%s\\Ciphers\\Triple DES 168]" % SCHANNEL not in reg_text
        hardened = control.registry(host, SCHANNEL + r"\Ciphers\Triple DES 168")
        assert hardened["values"] == [["", REG_SZ, "set by hand"], ["Enabled", REG_DWORD, 0]]

    again = six.run("harden")
    assert again.returncode == 0, again.output
    assert set(again.status().values()) == {"compliant"}
    assert all(r["changes"] == [] for r in again.results.values())

    # compliance: the registry and the TLS handshakes (strict renegotiation still on) agree with the settings
    compliance = six.run("compliance")
    assert compliance.returncode == 0, compliance.output
    for host, record in compliance.results.items():
        assert record["status"] == "compliant", (host, record["errors"])
        assert record["verification"]["tls"]["verdict"] == "pass", host

    # restore puts every key, value, type and byte back
    restore = six.run("restore")
    assert restore.returncode == 0, restore.output
    assert set(restore.status().values()) <= {"changed", "reboot_pending"}, restore.status()
    after = {host: hive(control, host) for host in hosts}
    for host in hosts:
        assert after[host] == before[host], host
    assert sorted(h.os for h in six.fleet.hosts) == sorted(ALL_OS)
