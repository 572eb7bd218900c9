"""``Get`` of ``http://schemas.microsoft.com/wbem/wsman/1/config``: the WinRM configuration as Windows answers an
administrator (what ``winrm get winrm/config`` prints, and what pypsrp's ``WSMan.update_max_payload_size`` reads).

Values are the WinRM 3.0+ defaults of Server 2012 R2 and later as ``winrm get winrm/config`` prints them on a fresh
host (Ansible's windows_winrm.rst "WinRM Service Options" output: RootSDDL, MaxConcurrentOperations 4294967295,
MaxConcurrentOperationsPerUser 1500, EnumerationTimeoutms 240000, MaxConnections 300,
MaxPacketRetrievalTimeSeconds 120, Winrs IdleTimeout 7200000 and 2147483647 limits; MaxEnvelopeSizekb 500, the
WinRM 3.0 value, where Microsoft's "Installation and configuration for Windows Remote Management" page still says 150
of WinRM 2.0). Auth defaults per MS-WSMV 2.2.4.34 ServiceAuthType and the same page: Basic false, Kerberos true,
Negotiate true, Certificate false, CredSSP false, CbtHardeningLevel Relaxed. The three policy-backed values
(AllowUnencrypted, Auth/Basic, Winrs/AllowRemoteShellAccess) are read from the host's registry
(host_settings.py) and carry ``Source="GPO"`` when a policy value sets them, as ``winrm get`` shows
("[Source="GPO"]").

Not from a source: the Client block, MaxTimeoutms, MaxBatchItems, MaxProviderRequests and the Service listener
values (IPv4/IPv6Filter, EnableCompatibilityHttp(s)Listener, CertificateThumbprint, AllowRemoteAccess) are the
values usually printed by ``winrm get winrm/config`` but no capture or Microsoft page here states them; nothing in
the collection or its tests reads them (tests/winsim/README.md "Limits").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.winsim import host_settings
from tests.winsim.soap import ENV_METHOD, NS_X, WsmanRequest, envelope

if TYPE_CHECKING:
    from tests.winsim.runtime import HostRuntime

CONFIG_URI = "http://schemas.microsoft.com/wbem/wsman/1/config"
ROOT_SDDL = "O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"


def _element(name: str, value: object, source: str | None = None) -> str:
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    attr = f' Source="{source}"' if source else ""
    return f"<cfg:{name}{attr}>{text}</cfg:{name}>" if text else f"<cfg:{name}{attr}/>"


def _policy(host: HostRuntime, setting: str, name: str) -> str:
    """``<cfg:Name Source="GPO">value</cfg:Name>`` for a policy-backed setting."""
    switch = host_settings.SWITCHES[setting]
    out = dict(host.model.call_stdregprov("GetDWORDValue", [
        ("hDefKey", str(host_settings.HKLM)), ("sSubKeyName", switch.key), ("sValueName", switch.value)]))
    source = "GPO" if out.get("ReturnValue") == 0 else None
    return _element(name, host.setting(setting), source)


def config_xml(host: HostRuntime) -> str:
    e = _element
    client = (
        "<cfg:Client>" + e("NetworkDelayms", 5000) + e("URLPrefix", "wsman") + e("AllowUnencrypted", False)
        + "<cfg:Auth>" + e("Basic", True) + e("Digest", True) + e("Kerberos", True) + e("Negotiate", True)
        + e("Certificate", True) + e("CredSSP", False) + "</cfg:Auth>"
        + "<cfg:DefaultPorts>" + e("HTTP", 5985) + e("HTTPS", 5986) + "</cfg:DefaultPorts>"
        + e("TrustedHosts", "") + "</cfg:Client>"
    )
    service = (
        "<cfg:Service>" + e("RootSDDL", ROOT_SDDL) + e("MaxConcurrentOperations", 4294967295)
        + e("MaxConcurrentOperationsPerUser", 1500) + e("EnumerationTimeoutms", 240000) + e("MaxConnections", 300)
        + e("MaxPacketRetrievalTimeSeconds", 120) + _policy(host, "allow-unencrypted", "AllowUnencrypted")
        + "<cfg:Auth>" + _policy(host, "allow-basic", "Basic") + e("Kerberos", True) + e("Negotiate", True)
        + e("Certificate", False) + e("CredSSP", False) + e("CbtHardeningLevel", "Relaxed") + "</cfg:Auth>"
        + "<cfg:DefaultPorts>" + e("HTTP", 5985) + e("HTTPS", 5986) + "</cfg:DefaultPorts>"
        + e("IPv4Filter", "*") + e("IPv6Filter", "*") + e("EnableCompatibilityHttpListener", False)
        + e("EnableCompatibilityHttpsListener", False) + e("CertificateThumbprint", "")
        + e("AllowRemoteAccess", True) + "</cfg:Service>"
    )
    winrs = (
        "<cfg:Winrs>" + _policy(host, "remote-shell", "AllowRemoteShellAccess") + e("IdleTimeout", 7200000)
        + e("MaxConcurrentUsers", 2147483647) + e("MaxShellRunTime", 2147483647)
        + e("MaxProcessesPerShell", 2147483647) + e("MaxMemoryPerShellMB", 2147483647)
        + e("MaxShellsPerUser", 2147483647) + "</cfg:Winrs>"
    )
    return (
        f'<cfg:Config xmlns:cfg="{CONFIG_URI}">' + e("MaxEnvelopeSizekb", 500) + e("MaxTimeoutms", 60000)
        + e("MaxBatchItems", 32000) + e("MaxProviderRequests", 4294967295) + client + service + winrs
        + "</cfg:Config>"
    )


def get_response(host: HostRuntime, req: WsmanRequest) -> bytes:
    return envelope(ENV_METHOD, f"{NS_X}/GetResponse", req.message_id, config_xml(host))
