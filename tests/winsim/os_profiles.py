"""Per-OS facts of a simulated host: what a fresh install ships in the registry, and its Win32_OperatingSystem.

Fresh registry (only the keys the collection reads or writes; everything else of a real hive is left out):
- SCHANNEL root with ``EventLogging`` = 1, and empty ``Ciphers``, ``CipherSuites``, ``Hashes``,
  ``KeyExchangeAlgorithms`` and ``Protocols`` keys; ``Protocols\\SSL 2.0\\Client`` with ``DisabledByDefault`` = 1.
  Source: a real IIS Crypto 3.x ``/backup`` file (BanterBoy/PSNartacIISCrypto RegBackupHOTH.reg) deletes every
  protocol/cipher/hash/KEX key it touched (so they did not exist) except ``SSL 2.0\\Client``, which it restores
  with only ``DisabledByDefault``=1 — the OS-shipped value. The backup's OS is unknown; the simulator ships that
  key on every OS (choice: it is harmless where SSL 2.0 is not supported, 2016+).
- ``Local\\SSL\\00010002`` ``Functions`` (REG_MULTI_SZ) = the OS's enabled-by-default suites in default priority
  order (windows_facts ``default_suite_order``, from the OS's suite page); the CNG local list (AD FS
  Manage-SSL-Protocols-in-AD-FS.md; MicrosoftDocs/win32 prioritizing-schannel-cipher-suites.md). No policy
  ``00010002`` key (IIS Crypto's backup deletes the policy ``Functions`` value, so it was absent);
  ``SOFTWARE\\Policies\\Microsoft`` exists as on any
  installed Windows.
- .NET ``v2.0.50727`` and ``v4.0.30319`` keys under ``SOFTWARE\\Microsoft\\.NETFramework`` and its Wow6432Node view,
  without ``SchUseStrongCrypto``/``SystemDefaultTlsVersions`` (SChannelDsc TLS12State and Hass v1.10 add these
  values); the WinHttp key (both views) without ``DefaultSecureProtocols``; ``Lsa\\FipsAlgorithmPolicy``
  ``Enabled`` = 0 (as in RegBackupHOTH.reg).

Win32_OperatingSystem: captions/versions/builds from windows_facts ``WINDOWS_VERSIONS``; the other properties are the
common ones of a default Server install (real Server 2012 WQL capture, tariksetia/txwinrm
txwinrm/test/data/server_2012/Win32_OperatingSystem_star_000.xml), listed in WMI's case-insensitive alphabetical
property order as in that capture.
"""

from __future__ import annotations

import datetime

from . import windows_facts as windows
from .registry_store import Registry
from .windows_facts import REG_DWORD, REG_MULTI_SZ

SCHANNEL = windows.SCHANNEL_KEY
NET_FRAMEWORK_KEYS = tuple(
    f"SOFTWARE\\{view}Microsoft\\.NETFramework\\{version}"
    for view in ("", "Wow6432Node\\")
    for version in ("v2.0.50727", "v4.0.30319")
)
WINHTTP_KEYS = tuple(
    f"SOFTWARE\\{view}Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp" for view in ("", "Wow6432Node\\")
)
FIPS_KEY = r"SYSTEM\CurrentControlSet\Control\Lsa\FipsAlgorithmPolicy"
POLICIES_KEY = r"SOFTWARE\Policies\Microsoft"
WINDOWS_DIRECTORY = "C:\\Windows"
SYSTEM_PARTITION = "\\Device\\Harddisk0\\Partition2"


def fresh_registry(os_key: str) -> Registry:
    """The registry of a freshly installed host of ``os_key`` (see the module docstring)."""
    reg = Registry()
    reg.create_key(SCHANNEL)
    reg.set_value(SCHANNEL, "EventLogging", REG_DWORD, 1)
    for sub in ("Ciphers", "CipherSuites", "Hashes", "KeyExchangeAlgorithms", "Protocols"):
        reg.create_key(f"{SCHANNEL}\\{sub}")
    ssl2_client = f"{SCHANNEL}\\Protocols\\SSL 2.0\\Client"
    reg.create_key(ssl2_client)
    reg.set_value(ssl2_client, "DisabledByDefault", REG_DWORD, 1)
    reg.create_key(windows.SUITE_LOCAL_KEY)
    reg.set_value(windows.SUITE_LOCAL_KEY, "Functions", REG_MULTI_SZ, windows.default_suite_order(os_key))
    reg.create_key(POLICIES_KEY)
    for key in (*NET_FRAMEWORK_KEYS, *WINHTTP_KEYS):
        reg.create_key(key)
    reg.create_key(FIPS_KEY)
    reg.set_value(FIPS_KEY, "Enabled", REG_DWORD, 0)
    return reg


def computer_name(host_name: str) -> str:
    """CSName: the NetBIOS computer name, upper case, at most 15 characters (MS "Naming conventions in AD")."""
    return host_name.split(".", maxsplit=1)[0].upper()[:15]


def os_instance_key(os_key: str) -> str:
    """Win32_OperatingSystem.Name, the class key: "<Caption>|<WindowsDirectory>|<system partition>"."""
    return f"{windows.WINDOWS_VERSIONS[os_key].caption}|{WINDOWS_DIRECTORY}|{SYSTEM_PARTITION}"


def os_properties(os_key: str, host_name: str, last_boot: datetime.datetime,
                  now: datetime.datetime) -> list[tuple[str, object]]:
    """Win32_OperatingSystem properties in WMI's order; datetimes are UTC."""
    info = windows.WINDOWS_VERSIONS[os_key]
    service_pack = 1 if os_key == "2008r2" else 0  # 6.1.7601 is Service Pack 1 (build 7601)
    props: dict[str, object] = {
        "BootDevice": "\\Device\\HarddiskVolume1",
        "BuildNumber": str(info.build),
        "BuildType": "Multiprocessor Free",
        "Caption": info.caption,
        "CodeSet": "1252",
        "CountryCode": "1",
        "CreationClassName": "Win32_OperatingSystem",
        "CSCreationClassName": "Win32_ComputerSystem",
        "CSDVersion": "Service Pack 1" if service_pack else None,
        "CSName": computer_name(host_name),
        "CurrentTimeZone": 0,
        "Description": "",
        "InstallDate": datetime.datetime(2024, 1, 8, 9, 30, tzinfo=datetime.UTC),
        "LastBootUpTime": last_boot,
        "LocalDateTime": now,
        "Locale": "0409",
        "Manufacturer": "Microsoft Corporation",
        "Name": os_instance_key(os_key),
        "OSArchitecture": "64-bit",
        "OSLanguage": 1033,
        "OSProductSuite": 272,
        "OSType": 18,
        "Primary": True,
        "ProductType": 3,
        "ServicePackMajorVersion": service_pack,
        "ServicePackMinorVersion": 0,
        "Status": "OK",
        "SystemDevice": "\\Device\\HarddiskVolume2",
        "SystemDirectory": "C:\\Windows\\system32",
        "SystemDrive": "C:",
        "Version": info.version,
        "WindowsDirectory": WINDOWS_DIRECTORY,
    }
    return sorted(props.items(), key=lambda kv: kv[0].casefold())
