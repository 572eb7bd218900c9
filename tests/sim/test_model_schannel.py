"""Fresh registry per OS, Win32_OperatingSystem, and the Schannel view computed at boot (tests/winsim)."""

import pytest

from tests.winsim import windows_facts as windows
from tests.winsim.host import SimulatedWindows

SCHANNEL = windows.SCHANNEL_KEY


def call(host, method, *params):
    return host.call_stdregprov(method, list(params))


def set_dword(host, key, name, value):
    call(host, "CreateKey", ("sSubKeyName", key))
    assert call(host, "SetDWORDValue", ("sSubKeyName", key), ("sValueName", name), ("uValue", str(value))) == [
        ("ReturnValue", 0)]


@pytest.fixture
def make(tmp_path):
    hosts = []

    def factory(os_key):
        host = SimulatedWindows(f"h{len(hosts)}", os_key, tmp_path)
        hosts.append(host)
        return host

    yield factory
    for h in hosts:
        h.close()


@pytest.mark.parametrize("os_key", tuple(windows.WINDOWS_VERSIONS))
def test_fresh_registry(make, os_key):
    host = make(os_key)
    assert call(host, "EnumKey", ("sSubKeyName", SCHANNEL)) == [
        ("sNames", ["Ciphers", "CipherSuites", "Hashes", "KeyExchangeAlgorithms", "Protocols"]), ("ReturnValue", 0)]
    assert call(host, "GetDWORDValue", ("sSubKeyName", SCHANNEL), ("sValueName", "EventLogging")) == [
        ("uValue", 1), ("ReturnValue", 0)]
    assert call(host, "GetDWORDValue", ("sSubKeyName", SCHANNEL + r"\Protocols\SSL 2.0\Client"),
                ("sValueName", "DisabledByDefault")) == [("uValue", 1), ("ReturnValue", 0)]
    assert call(host, "GetMultiStringValue", ("sSubKeyName", windows.SUITE_LOCAL_KEY), ("sValueName", "Functions")
                ) == [("sValue", list(windows.default_suite_order(os_key))), ("ReturnValue", 0)]
    assert call(host, "EnumValues", ("sSubKeyName", windows.SUITE_POLICY_KEY)) == [("ReturnValue", 2)]
    for view in ("", "Wow6432Node\\"):
        for version in ("v2.0.50727", "v4.0.30319"):
            key = f"SOFTWARE\\{view}Microsoft\\.NETFramework\\{version}"
            assert call(host, "EnumValues", ("sSubKeyName", key)) == [("ReturnValue", 0)]
        key = f"SOFTWARE\\{view}Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp"
        assert call(host, "EnumValues", ("sSubKeyName", key)) == [("ReturnValue", 0)]
    assert call(host, "GetDWORDValue", ("sSubKeyName", r"SYSTEM\CurrentControlSet\Control\Lsa\FipsAlgorithmPolicy"),
                ("sValueName", "Enabled")) == [("uValue", 0), ("ReturnValue", 0)]


@pytest.mark.parametrize("os_key", tuple(windows.WINDOWS_VERSIONS))
def test_win32_operatingsystem(make, os_key):
    host = make(os_key)
    props = host.os_instance()
    names = [n for n, _ignored in props]
    assert names == sorted(names, key=str.casefold)
    info = dict(props)
    os_info = windows.WINDOWS_VERSIONS[os_key]
    assert (info["Caption"], info["Version"], info["BuildNumber"]) == (os_info.caption, os_info.version,
                                                                       str(os_info.build))
    assert info["OSArchitecture"] == "64-bit"
    assert info["Manufacturer"] == "Microsoft Corporation"
    assert info["SystemDirectory"] == "C:\\Windows\\system32"
    assert info["CSName"] == host.name.upper()
    assert info["LastBootUpTime"] == host.last_boot
    assert info["Name"] == host.os_instance_key() == f"{os_info.caption}|C:\\Windows|\\Device\\Harddisk0\\Partition2"


def test_2008r2_caption_keeps_trailing_space(make):
    assert dict(make("2008r2").os_instance())["Caption"] == "Microsoft Windows Server 2008 R2 Standard "


def test_protocol_defaults_per_os(make):
    assert make("2008r2").tls_summary["protocols"] == ["SSL 2.0", "SSL 3.0", "TLS 1.0"]
    assert make("2012r2").tls_summary["protocols"] == ["SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2"]
    assert make("2019").tls_summary["protocols"] == ["TLS 1.0", "TLS 1.1", "TLS 1.2"]
    assert make("2022").tls_summary["protocols"] == ["TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"]


def test_tls13_cannot_be_enabled_on_2019(make):
    host = make("2019")
    set_dword(host, SCHANNEL + r"\Protocols\TLS 1.3\Server", "Enabled", 1)
    set_dword(host, SCHANNEL + r"\Protocols\TLS 1.3\Server", "DisabledByDefault", 0)
    host.boot()
    assert "TLS 1.3" not in host.tls_summary["protocols"]


def test_disable_tls10_server_takes_effect_at_boot(make):
    host = make("2019")
    set_dword(host, SCHANNEL + r"\Protocols\TLS 1.0\Server", "Enabled", 0)
    set_dword(host, SCHANNEL + r"\Protocols\TLS 1.0\Client", "Enabled", 1)
    assert "TLS 1.0" in host.tls_summary["protocols"]
    host.boot()
    summary = host.tls_summary
    assert summary["protocols"] == ["TLS 1.1", "TLS 1.2"]
    assert "TLS 1.0" not in summary["suites_by_protocol"]


@pytest.mark.parametrize(("enabled", "dbd", "offered"), [
    (None, None, False), (1, None, False), (1, 0, True), (None, 0, False), (0xFFFFFFFF, 0, True), (1, 1, False),
])
def test_three_state_protocol_rule_on_2008r2_tls12(make, enabled, dbd, offered):
    host = make("2008r2")
    key = SCHANNEL + r"\Protocols\TLS 1.2\Server"
    call(host, "CreateKey", ("sSubKeyName", key))
    if enabled is not None:
        set_dword(host, key, "Enabled", enabled)
    if dbd is not None:
        set_dword(host, key, "DisabledByDefault", dbd)
    host.boot()
    assert ("TLS 1.2" in host.tls_summary["protocols"]) is offered


def test_disabled_by_default_protocol_not_offered(make):
    host = make("2022")
    set_dword(host, SCHANNEL + r"\Protocols\TLS 1.1\Server", "DisabledByDefault", 1)
    host.boot()
    assert "TLS 1.1" not in host.tls_summary["protocols"]


def test_policy_functions_order_respected_and_unknown_names_ignored(make):
    host = make("2019")
    order = ["TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384", "NOT_A_SUITE",
             "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_AES_128_CBC_SHA"]
    call(host, "CreateKey", ("sSubKeyName", windows.SUITE_POLICY_KEY))
    call(host, "SetStringValue", ("sSubKeyName", windows.SUITE_POLICY_KEY), ("sValueName", "Functions"),
         ("sValue", ",".join(order)))
    host.boot()
    summary = host.tls_summary
    assert summary["order_source"] == "policy"
    assert summary["suites"] == ["TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]
    assert summary["ignored_names"] == ["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384", "NOT_A_SUITE"]
    assert summary["suites_by_protocol"]["TLS 1.0"] == ["TLS_RSA_WITH_AES_128_CBC_SHA"]


def test_policy_functions_read_up_to_1023_characters(make):
    host = make("2022")
    text = "TLS_RSA_WITH_AES_128_CBC_SHA," * 36 + "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"  # starts past char 1023
    call(host, "CreateKey", ("sSubKeyName", windows.SUITE_POLICY_KEY))
    call(host, "SetStringValue", ("sSubKeyName", windows.SUITE_POLICY_KEY), ("sValueName", "Functions"),
         ("sValue", text))
    host.boot()
    assert host.tls_summary["suites"] == ["TLS_RSA_WITH_AES_128_CBC_SHA"]


def test_local_functions_used_without_policy(make):
    host = make("2016")
    call(host, "SetMultiStringValue", ("sSubKeyName", windows.SUITE_LOCAL_KEY), ("sValueName", "Functions"),
         ("sValue", "TLS_RSA_WITH_AES_256_GCM_SHA384"), ("sValue", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"))
    host.boot()
    assert host.tls_summary["order_source"] == "local"
    assert host.tls_summary["suites"] == ["TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"]


def test_rc4_cipher_disabled_removes_rc4_suites(make):
    host = make("2012r2")
    rc4 = ["TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_RC4_128_MD5"]
    assert set(rc4) <= set(host.tls_summary["suites"])
    set_dword(host, SCHANNEL + r"\Ciphers\RC4 128/128", "Enabled", 0)
    host.boot()
    assert not set(rc4) & set(host.tls_summary["suites"])
    assert {"suite": "TLS_RSA_WITH_RC4_128_SHA", "reason": "cipher RC4 128/128 disabled"} in host.tls_summary[
        "dropped"]


def test_hash_and_key_exchange_disabled(make):
    host = make("2019")
    set_dword(host, SCHANNEL + r"\Hashes\SHA", "Enabled", 0)
    set_dword(host, SCHANNEL + r"\KeyExchangeAlgorithms\PKCS", "Enabled", 0)
    host.boot()
    suites = host.tls_summary["suites"]
    assert not [s for s in suites if s.endswith("_SHA") or s.startswith("TLS_RSA_")]
    assert "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" in suites


def test_null_cipher_enabled_still_not_offered(make):
    host = make("2019")
    set_dword(host, SCHANNEL + r"\Ciphers\NULL", "Enabled", 1)
    host.boot()
    assert not [s for s in host.tls_summary["suites"] if "NULL" in s]


def test_tls13_on_2022_by_default(make):
    summary = make("2022").tls_summary
    assert summary["suites_by_protocol"]["TLS 1.3"] == ["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"]
    assert summary["tls13_without_suites"] is False


def test_tls13_enabled_without_suites_is_flagged(make):
    host = make("2022")
    order = [s for s in windows.default_suite_order("2022") if not s.startswith("TLS_AES_")]
    call(host, "CreateKey", ("sSubKeyName", windows.SUITE_POLICY_KEY))
    call(host, "SetStringValue", ("sSubKeyName", windows.SUITE_POLICY_KEY), ("sValueName", "Functions"),
         ("sValue", ",".join(order)))
    host.boot()
    assert "TLS 1.3" in host.tls_summary["protocols"]
    assert host.tls_summary["tls13_without_suites"] is True


def test_curves_policy_and_suffix_order(make):
    host = make("2019")
    call(host, "CreateKey", ("sSubKeyName", windows.SUITE_POLICY_KEY))
    call(host, "SetMultiStringValue", ("sSubKeyName", windows.SUITE_POLICY_KEY), ("sValueName", "EccCurves"),
         ("sValue", "nistp384"), ("sValue", "Bogus"), ("sValue", "NistP256"))
    host.boot()
    assert host.tls_summary["curves"] == ["NistP384", "NistP256"]
    old = make("2012r2")
    call(old, "CreateKey", ("sSubKeyName", windows.SUITE_POLICY_KEY))
    call(old, "SetStringValue", ("sSubKeyName", windows.SUITE_POLICY_KEY), ("sValueName", "Functions"),
         ("sValue", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P521,TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384"))
    call(old, "SetMultiStringValue", ("sSubKeyName", windows.SUITE_POLICY_KEY), ("sValueName", "EccCurves"),
         ("sValue", "NistP256"))  # no curve order setting before 2016
    old.boot()
    assert old.tls_summary["curves"] == ["NistP521", "NistP384"]


def test_dh_key_size(make):
    assert make("2012r2").tls_summary["dh_bits"] == 1024
    host = make("2016")
    assert host.tls_summary["dh_bits"] == 2048
    set_dword(host, SCHANNEL + r"\KeyExchangeAlgorithms\Diffie-Hellman", "ServerMinKeyBitLength", 3072)
    host.boot()
    assert host.tls_summary["dh_bits"] == 3072


def test_served_and_unservable_items_are_listed(make):
    summary = make("2012r2").tls_summary
    unservable = {(u["kind"], u["name"]) for u in summary["unservable"]}
    # SSL 3.0, RC4 and 3DES are served by the second TLS stack (tlslite-ng), not by OpenSSL
    assert "SSL 3.0" in summary["served"]["protocols"]
    assert "SSL 3.0" not in summary["served"]["openssl_protocols"]
    assert summary["served"]["tlslite"]["SSL 3.0"] == ["TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_RC4_128_MD5"]
    assert "TLS_RSA_WITH_3DES_EDE_CBC_SHA" in summary["served"]["tlslite"]["TLS 1.2"]
    assert "RC4-SHA" not in summary["served"]["ciphers"]  # the OpenSSL list
    assert not {("protocol", "SSL 3.0"), ("suite", "TLS_RSA_WITH_RC4_128_SHA"),
                ("suite", "TLS_RSA_WITH_3DES_EDE_CBC_SHA")} & unservable
    # No DSA and no ECDSA certificate: Windows skips those suites (not a limit of the simulator).
    uncertified = {u["name"] for u in summary["uncertified"]}
    assert {"TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA_P256"} <= uncertified
    assert summary["certificate"] == "rsa"
    assert not {("suite", name) for name in uncertified} & unservable
    assert ("protocol", "SSL 2.0") in {(u["kind"], u["name"]) for u in make("2008r2").tls_summary["unservable"]}


DOTNET = r"SOFTWARE\Microsoft\.NETFramework\v4.0.30319"
DOTNET_32 = r"SOFTWARE\Wow6432Node\Microsoft\.NETFramework\v4.0.30319"


@pytest.mark.parametrize(("os_key", "dropped", "kept"), [
    # Per the OS's page, "Allowed by SCH_USE_STRONG_CRYPTO": RC4 "No" everywhere, 3DES "No" from Server 2022 on.
    ("2012r2", {"TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_RC4_128_MD5"}, {"TLS_RSA_WITH_3DES_EDE_CBC_SHA"}),
    ("2022", {"TLS_RSA_WITH_3DES_EDE_CBC_SHA"}, {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}),
])
def test_sch_use_strong_crypto_filters_the_mailstore_view_at_boot(make, os_key, dropped, kept):
    host = make(os_key)
    assert dropped <= set(host.tls_summary["suites"])
    set_dword(host, DOTNET, "SchUseStrongCrypto", 1)
    assert host.dotnet_strong_crypto is False  # .NET reads it when the process starts: at the next boot
    host.boot()
    mailstore = host.tls_summary
    assert mailstore["dotnet_strong_crypto"] is True
    assert not dropped & set(mailstore["suites"])
    assert kept <= set(mailstore["suites"])
    assert "SSL 3.0" not in mailstore["protocols"]
    assert dropped <= set(host.winrm_tls_summary["suites"])  # HTTP.sys: the Schannel registry alone


def test_a_32_bit_mailstore_process_reads_the_wow6432node_view(tmp_path):
    host = SimulatedWindows("h32", "2012r2", tmp_path, mailstore_bits=32)
    set_dword(host, DOTNET, "SchUseStrongCrypto", 1)
    host.boot()
    assert host.dotnet_strong_crypto is False  # the 64-bit view is not what a 32-bit process sees
    set_dword(host, DOTNET_32, "SchUseStrongCrypto", 1)
    host.boot()
    assert host.dotnet_strong_crypto is True
    host.close()
