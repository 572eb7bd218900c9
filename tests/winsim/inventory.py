"""The Ansible inventory the simulator writes for the hosts it serves (group ``mailstore``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.winsim.kerberos_realm import host_fqdn


@dataclass(frozen=True)
class KerberosInventory:
    """A domain account of the test realm and the domain the hosts are members of."""

    principal: str  # winadmin@FLEETSEC.TEST
    password: str
    domain: str  # fleetsec.test


def render_inventory(hosts: list[tuple[str, str, str]], user: str, password: str, scheme: str,
                     ca_cert: Path, *, kerberos: KerberosInventory | None = None) -> str:
    """``hosts`` = (name, ip, os_key). Connection variables as a real NTLM-over-WinRM Windows inventory has them, or
    with ``kerberos`` as a domain fleet's Kerberos inventory does (ansible-core winrm connection options):
    ``ansible_winrm_transport: kerberos``, the user as ``user@REALM``, ``ansible_winrm_kinit_mode: managed`` (Ansible
    runs kinit with ``ansible_password`` into a private ticket cache), ``ansible_winrm_kinit_env_vars`` passing
    KRB5_CONFIG to that kinit, and per host ``ansible_winrm_kerberos_hostname_override`` = its domain name: the hosts
    are reached by address, and the ticket is for ``HTTP/<name>.<domain>``.

    HTTP (5985) relies on WinRM message encryption (pywinrm ``message_encryption: auto``); HTTPS (5986) validates
    the host certificate against the simulator's CA.
    """
    group_vars: dict[str, object] = {
        "ansible_connection": "winrm",
        "ansible_user": user,
        "ansible_password": password,
        "ansible_winrm_transport": "ntlm",
        "ansible_winrm_scheme": scheme,
        "ansible_port": 5985 if scheme == "http" else 5986,
        "ansible_winrm_message_encryption": "auto",
    }
    if scheme == "https":
        group_vars["ansible_winrm_server_cert_validation"] = "validate"
        group_vars["ansible_winrm_ca_trust_path"] = str(ca_cert)
    host_vars: dict[str, dict[str, str]] = {
        name: {"ansible_host": ip, "winsim_os": os_key} for name, ip, os_key in hosts}
    if kerberos is not None:
        group_vars.update({"ansible_user": kerberos.principal, "ansible_password": kerberos.password,
                           "ansible_winrm_transport": "kerberos", "ansible_winrm_kinit_mode": "managed",
                           "ansible_winrm_kinit_env_vars": ["KRB5_CONFIG"]})
        for name, variables in host_vars.items():
            variables["ansible_winrm_kerberos_hostname_override"] = host_fqdn(name, kerberos.domain)
    doc = {"all": {"children": {"mailstore": {"hosts": host_vars, "vars": group_vars}}}}
    return "# Written by `python -m tests.winsim serve`; regenerated on every start.\n" + yaml.safe_dump(
        doc, sort_keys=False, default_flow_style=False)


def write_atomically(path: Path, text: str) -> None:
    """Readers waiting for the file never see it half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
