"""Per-host switches of the simulator that Windows keeps in the registry (Group Policy and .NET values).

Each switch is the registry value Windows itself reads, so a test can set it three ways with the same effect: at
start (``serve --setting HOST=NAME:on|off``), while running (control route ``POST /v1/hosts/<name>/settings``), or
by writing the value over WMI StdRegProv like any other registry value. The WinRM service reads its policy values
on every request (live); the .NET value is read by the MailStore process when it starts, i.e. at the host's boot.

| name | registry value (HKLM) | absent means |
| --- | --- | --- |
| ``allow-unencrypted`` | ``SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service\\AllowUnencryptedTraffic`` | off |
| ``allow-basic`` | ``SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service\\AllowBasic`` | off |
| ``remote-shell`` | ``SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service\\WinRS\\AllowRemoteShellAccess`` | on |
| ``dotnet-strong-crypto`` | ``SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319\\SchUseStrongCrypto`` (64-bit) | off |
| ``dotnet-strong-crypto-32`` | the same under ``SOFTWARE\\Wow6432Node`` (what a 32-bit process reads) | off |
| ``insecure-renego-clients`` | ``AllowInsecureRenegoClients`` under ``SYSTEM\\...\\SecurityProviders\\SCHANNEL`` | on |

Sources: WindowsRemoteManagement.admx / WindowsRemoteShell.admx (Group Policy settings "Allow unencrypted traffic",
"Allow Basic authentication", "Allow Remote Shell Access"; MS-WSMV 2.2.4.42 WinrsType AllowRemoteShellAccess,
default true; MS-WSMV 2.2.4.34 ServiceAuthType Basic default false); .NET: learn.microsoft.com/dotnet/framework/
network-programming/tls ("SchUseStrongCrypto", read by a 64-bit process from the 64-bit view and by a 32-bit
process from ``Wow6432Node``); Schannel: Microsoft's Exchange TLS guide, "renegotiation strict mode" (off =
strict mode, read at boot; schannel_view.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .windows_facts import SCHANNEL_KEY

if TYPE_CHECKING:
    from tests.winsim.host import SimulatedWindows

HKLM = 2147483650  # HKEY_LOCAL_MACHINE as StdRegProv's hDefKey (MS docs, "StdRegProv class")
WINRM_POLICY_KEY = r"SOFTWARE\Policies\Microsoft\Windows\WinRM\Service"
DOTNET_KEY = r"SOFTWARE\Microsoft\.NETFramework\v4.0.30319"


@dataclass(frozen=True)
class RegistrySwitch:
    """An on/off setting stored as a REG_DWORD (non-zero = on)."""

    key: str
    value: str
    default: bool


SWITCHES: dict[str, RegistrySwitch] = {
    "allow-unencrypted": RegistrySwitch(WINRM_POLICY_KEY, "AllowUnencryptedTraffic", False),
    "allow-basic": RegistrySwitch(WINRM_POLICY_KEY, "AllowBasic", False),
    "remote-shell": RegistrySwitch(WINRM_POLICY_KEY + r"\WinRS", "AllowRemoteShellAccess", True),
    # MailStore Server runs as a 64-bit .NET 4.x process (choice: its current releases ship x64 only), so it reads
    # the 64-bit view; the Wow6432Node copy only matters to 32-bit processes.
    "dotnet-strong-crypto": RegistrySwitch(DOTNET_KEY, "SchUseStrongCrypto", False),
    "dotnet-strong-crypto-32": RegistrySwitch(DOTNET_KEY.replace("SOFTWARE\\", "SOFTWARE\\Wow6432Node\\", 1),
                                              "SchUseStrongCrypto", False),
    # Off = renegotiation strict mode: hellos without RFC 5746 signalling are refused (schannel_view.py).
    "insecure-renego-clients": RegistrySwitch(SCHANNEL_KEY, "AllowInsecureRenegoClients", True),
}

# Per-host options that are not registry values: the machine as installed. Applied at start (serve --host-option).
HOST_OPTIONS: dict[str, tuple[str, ...]] = {
    # The one certificate the TLS listeners present: a MailStore server has one RSA certificate (its setup creates
    # a self-signed RSA one or imports one); ECDSA for hosts given an ECDSA certificate.
    "certificate": ("rsa", "ecdsa"),
    # Bitness of the MailStore .NET process: which registry view it reads SchUseStrongCrypto from.
    "mailstore-bits": ("64", "32"),
    # NTLM as the domain allows it: ``refuse`` is Group Policy "Network security: Restrict NTLM: Incoming NTLM
    # traffic" = "Deny all accounts" (HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa\\MSV1_0
    # RestrictReceivingNTLMTraffic = 2), as hardened domains set it: Negotiate with NTLM inside gets 401 (auth.py).
    "ntlm": ("allow", "refuse"),
    # What an SSL 2.0 CLIENT-HELLO gets: an answer from the TLS stack (default) or Schannel's silence, seen on
    # Windows XP and IIS 7 (legacy_tls.py, routing step 2; weak evidence, hence an option).
    "ssl2-hello": ("answer", "silent"),
}

_ON = {"on", "1", "true", "yes"}
_OFF = {"off", "0", "false", "no"}


class HostSettingError(ValueError):
    """A setting spec that does not parse."""


def parse_setting(text: str) -> tuple[str, str, bool]:
    """``ms002=remote-shell:off`` -> ("ms002", "remote-shell", False); HOST may be ``*``."""
    host, sep, rest = text.partition("=")
    name, sep2, value = rest.partition(":")
    name = name.strip().casefold()
    if not sep or not sep2 or not host.strip():
        raise HostSettingError(f"expected HOST=NAME:on|off, got {text!r}")
    return host.strip(), name, parse_switch(name, value)


def parse_host_option(text: str) -> tuple[str, str, str]:
    """``ms002=certificate:ecdsa`` -> ("ms002", "certificate", "ecdsa"); HOST may be ``*``."""
    host, sep, rest = text.partition("=")
    name, sep2, value = rest.partition(":")
    name, value = name.strip().casefold(), value.strip().casefold()
    if not sep or not sep2 or not host.strip():
        raise HostSettingError(f"expected HOST=NAME:VALUE, got {text!r}")
    if name not in HOST_OPTIONS:
        raise HostSettingError(f"unknown host option {name!r}; known: {', '.join(HOST_OPTIONS)}")
    if value not in HOST_OPTIONS[name]:
        raise HostSettingError(f"host option {name!r} takes {' or '.join(HOST_OPTIONS[name])}, got {value!r}")
    return host.strip(), name, value


def parse_switch(name: str, value: object) -> bool:
    if name not in SWITCHES:
        raise HostSettingError(f"unknown setting {name!r}; known: {', '.join(SWITCHES)}")
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in _ON:
        return True
    if text in _OFF:
        return False
    raise HostSettingError(f"setting {name!r} takes on or off, got {value!r}")


def read_switch(model: SimulatedWindows, name: str) -> bool:
    """The setting as the registry holds it now (absent or another type = Windows' default)."""
    switch = SWITCHES[name]
    out = dict(model.call_stdregprov("GetDWORDValue", [
        ("hDefKey", str(HKLM)), ("sSubKeyName", switch.key), ("sValueName", switch.value)]))
    if out.get("ReturnValue") != 0:
        return switch.default
    return out.get("uValue") != 0


def write_switch(model: SimulatedWindows, name: str, on: bool) -> None:
    """Write the REG_DWORD (1/0), creating the key as Group Policy or an administrator would."""
    switch = SWITCHES[name]
    base = [("hDefKey", str(HKLM)), ("sSubKeyName", switch.key)]
    model.call_stdregprov("CreateKey", base)
    model.call_stdregprov("SetDWORDValue", [*base, ("sValueName", switch.value), ("uValue", "1" if on else "0")])


def dotnet_strong_crypto(model: SimulatedWindows, bits: int) -> bool:
    """``SchUseStrongCrypto`` as a .NET 4.x process of ``bits`` reads it: a 32-bit process sees the Wow6432Node
    view (dotnet/docs docs/framework/network-programming/tls.md: ``HKEY_LOCAL_MACHINE\\SOFTWARE\\[Wow6432Node\\]
    Microsoft\\.NETFramework\\<VERSION>``).

    Absent = off: the page makes 1 the default only for apps targeting .NET Framework 4.6 or later, and nothing
    public says what MailStore Server targets or whether its listener (SslStream.AuthenticateAsServer) passes the
    flag; the simulator therefore leaves Schannel's registry alone in charge unless the value is set (choice).
    """
    return read_switch(model, "dotnet-strong-crypto" if bits == 64 else "dotnet-strong-crypto-32")


def describe(model: SimulatedWindows) -> dict[str, bool]:
    """Every switch's current state, for the control channel's host info."""
    return {name: read_switch(model, name) for name in SWITCHES}
