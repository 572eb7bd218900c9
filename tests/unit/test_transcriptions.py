"""The simulator's transcription of Microsoft's tables (tests/winsim/windows_facts.py, data/windows_suites.json)
against the collection's (plugins/module_utils/catalog.py, suites.py).

Two independent transcriptions of the same pages: every difference is either listed in ``RESOLVED`` with what
the source says and who follows it, or the test fails naming it. A listed difference that no longer exists fails
too, so the list stays true.
"""

from __future__ import annotations

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog, registry
from tests.winsim import transcribe
from tests.winsim import windows_facts as windows

OS_KEYS = tuple(windows.WINDOWS_VERSIONS)

# (table, os, item, field) -> resolution against the source.
RESOLVED: dict[tuple[str, str, str, str], str] = {
    ("curve", "2016+", "secP192r1", "supported"): (
        "Page tls-elliptic-curves-in-windows-10-1607-and-later.md (@85aabcb3) lists secP192r1 among the supported, "
        "not enabled curves; the catalog's ECC_CURVES lacks it, so an EccCurves list naming it would be refused by "
        "the collection although Windows accepts it. The page is the source: the catalog is incomplete, to be "
        "corrected there."),
}
for _name in ("TLS_RSA_EXPORT1024_WITH_RC4_56_SHA", "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA",
              "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA"):
    RESOLVED[("suite", "*", _name, "openssl_name")] = (
        "Not a Microsoft fact: testssl.sh's mapping names the EXPORT1024 suites after OpenSSL 0.9.x (EXP1024-*); "
        "the catalog records None because no current OpenSSL implements them. Both agree that neither TLS stack "
        "here can serve them (the simulator lists them as unservable).")


def _suite_differences() -> dict[tuple[str, str, str, str], tuple[object, object]]:
    out: dict[tuple[str, str, str, str], tuple[object, object]] = {}
    for os_key in OS_KEYS:
        mine = windows.os_suites(os_key)
        theirs = catalog.os_suites(os_key)
        if [s.windows_name for s in mine] != [s.windows_name for s in theirs]:
            out[("suite", os_key, "*", "order")] = ([s.windows_name for s in mine], [s.windows_name for s in theirs])
            continue
        for m, t in zip(mine, theirs, strict=True):
            pairs = {
                "enabled_by_default": (m.enabled_by_default, t.enabled_by_default),
                "strong_crypto": (m.strong_crypto, t.strong_crypto),
                "explicit_only": (m.explicit_only, t.explicit_only),
                "psk": (m.psk, t.suite.authentication == "PSK"),
                "protocols": (frozenset(m.protocols), t.suite.protocols),
                "code": (m.code, t.suite.code),
                "key_exchange": (m.key_exchange, t.suite.key_exchange),
                "cipher": (m.cipher, t.suite.cipher),
                "hash": (m.hash, t.suite.hash),
                "authentication": (m.authentication, t.suite.authentication),
            }
            for field, (a, b) in pairs.items():
                if a != b:
                    out[("suite", os_key, m.windows_name, field)] = (a, b)
            if m.openssl_name != t.suite.openssl_name:
                out[("suite", "*", m.name, "openssl_name")] = (m.openssl_name, t.suite.openssl_name)
    return out


def _other_differences() -> dict[tuple[str, str, str, str], tuple[object, object]]:
    out: dict[tuple[str, str, str, str], tuple[object, object]] = {}
    for os_key in OS_KEYS:
        info, mine = catalog.OS_INFO[os_key], windows.WINDOWS_VERSIONS[os_key]
        for field in ("caption", "version", "build"):
            if getattr(mine, field) != getattr(info, field):
                out[("os", os_key, "*", field)] = (getattr(mine, field), getattr(info, field))
        for name, proto in catalog.PROTOCOLS.items():
            theirs = proto.defaults[os_key]
            pair = (theirs.client, theirs.server) if theirs is not None else None
            if windows.PROTOCOL_DEFAULTS[os_key].get(name) != pair:
                out[("protocol", os_key, name, "defaults")] = (windows.PROTOCOL_DEFAULTS[os_key].get(name), pair)
        if windows.default_curves(os_key) != catalog.default_curve_order(os_key):
            out[("curve", os_key, "*", "default_order")] = (windows.default_curves(os_key),
                                                            catalog.default_curve_order(os_key))
        if (os_key in windows.WINDOWS_10_FAMILY) != catalog.curve_order_supported(os_key):
            out[("curve", os_key, "*", "order_setting")] = (os_key in windows.WINDOWS_10_FAMILY, None)
    theirs_curves = {c.casefold(): c for c, info in catalog.ECC_CURVES.items() if "2016" in info.supported}
    for curve in windows.SUPPORTED_CURVES_WIN10:
        info = catalog.ECC_CURVES.get(theirs_curves.get(curve.casefold(), ""))
        if info is None:
            out[("curve", "2016+", curve, "supported")] = (True, False)
        elif info.iana_group != windows.CURVE_GROUPS[curve.casefold()]:
            out[("curve", "2016+", curve, "iana_group")] = (windows.CURVE_GROUPS[curve.casefold()], info.iana_group)
    for curve in set(theirs_curves) - {c.casefold() for c in windows.SUPPORTED_CURVES_WIN10}:
        out[("curve", "2016+", theirs_curves[curve], "supported")] = (False, True)
    for suffix, curve in windows.SUFFIX_CURVES.items():
        if catalog.curve_for_suffix(suffix).casefold() != curve.casefold():
            out[("curve", "2012r2", suffix, "suffix")] = (curve, catalog.curve_for_suffix(suffix))
    constants = {
        "SCHANNEL_KEY": (windows.SCHANNEL_KEY, catalog.SCHANNEL_KEY),
        "SUITE_POLICY_KEY": (windows.SUITE_POLICY_KEY, catalog.SUITE_POLICY_KEY),
        "SUITE_LOCAL_KEY": (windows.SUITE_LOCAL_KEY, catalog.SUITE_LOCAL_KEY),
        "FUNCTIONS_MAX_CHARS": (windows.FUNCTIONS_MAX_CHARS, catalog.SUITE_FUNCTIONS_MAX_CHARS),
        "HKLM": (windows.HKLM, registry.HKLM),
        **{name: (getattr(windows, name), getattr(registry, name))
           for name in ("REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_MULTI_SZ", "REG_QWORD")},
    }
    for name, (a, b) in constants.items():
        if a != b:
            out[("constant", "*", name, "value")] = (a, b)
    return out


def test_every_difference_between_the_transcriptions_is_resolved():
    found = {**_suite_differences(), **_other_differences()}
    unresolved = {key: value for key, value in found.items() if key not in RESOLVED}
    assert not unresolved, "differences (simulator, catalog) without a resolution:\n" + "\n".join(
        f"  {key}: {value}" for key, value in unresolved.items())
    stale = sorted(set(RESOLVED) - set(found))
    assert not stale, f"listed differences that no longer exist: {stale}"


def test_each_table_cites_its_page():
    for os_key in OS_KEYS:
        source = windows.suite_page_source(os_key)
        assert source.startswith("MicrosoftDocs/win32@")
        assert source.endswith(transcribe.SUITE_PAGES[os_key])


@pytest.mark.parametrize(("row", "expected"), [
    ("| TLS\\_RSA\\_WITH\\_NULL\\_SHA <br/> Only used when application explicitly requests.<br/> | Yes<br/> "
     "| TLS 1.2, TLS 1.1, TLS 1.0, SSL 3.0<br/> |",
     ["TLS_RSA_WITH_NULL_SHA", True, ["TLS 1.2", "TLS 1.1", "TLS 1.0", "SSL 3.0"], True]),
    ("| **TLS_AES_256_GCM_SHA384** | No | TLS 1.3 |", ["TLS_AES_256_GCM_SHA384", False, ["TLS 1.3"], False]),
])
def test_the_transcriber_reads_page_rows(row, expected):
    page = ("ms.date: 01/02/2025\nThe following cipher suites are enabled and in this priority order by default:\n"
            "| Cipher suite string | Allowed by SCH_USE_STRONG_CRYPTO | TLS/SSL Protocol versions |\n"
            "|---|---|---|\n" + row + "\n")
    assert transcribe.parse_page(page) == {"ms_date": "01/02/2025", "enabled": [expected], "not_enabled": [],
                                           "psk": []}


def test_the_simulator_imports_nothing_from_the_collection():
    from pathlib import Path

    root = Path(windows.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if any(name in p.read_text(encoding="utf-8")
                        for name in ("ansible_collections", "plugins.module_utils", "plugins.plugin_utils"))]
    assert offenders == []
