"""A real OpenSSL server context that offers what a host's Schannel view offers, and what it cannot.

Mapping of a ``SchannelView`` onto OpenSSL (the local OpenSSL 3 build, reached through Python's ``ssl``):
- protocol range = min..max of the servable offered TLS versions; a disabled version inside the range is excluded
  with OP_NO_TLSv1_x (OpenSSL honours such holes; verified with sslyze);
- TLS <= 1.2 suites = exactly the OpenSSL names of the offered suites in Windows priority order, served with
  OP_CIPHER_SERVER_PREFERENCE (Schannel chooses by its own priority list) and ``@SECLEVEL=0``: OpenSSL refuses
  TLS 1.0/1.1, SHA-1 signatures and 1024-bit DH above level 0 (SSL_CTX_set_security_level(3)), while Schannel has no
  security level and serves whatever is configured;
- TLS 1.3 suites = exactly the offered ones (``SSL_CTX_set_ciphersuites`` through libssl.py);
- groups = the view's curve order (``SSL_CTX_set1_groups_list``);
- the host's one certificate: RSA by default, as a MailStore server has (its setup creates or imports one RSA
  certificate), ECDSA as a per-host option; suites whose authentication the certificate cannot do are skipped
  as Schannel skips them (``uncertified`` in the summary; legacy_tls.py step 1);
- DHE group: RFC 7919 ffdhe group of the configured size (rounded up to 2048/3072/4096/6144/8192), or generated
  1024-bit parameters for sizes up to 1024; written once into ``<state dir>/dhparams``.
- TLS 1.3 enabled without any TLS 1.3 suite: Schannel picks TLS 1.3 for a client offering it and then finds no
  suite, so the handshake fails (diyan/pywinrm#363). OpenSSL would refuse every
  handshake instead ("no ciphers available" sanity check on the maximum version), so the range stops at TLS 1.2 and
  a ClientHello callback fails the ClientHellos that offer TLS 1.3 with handshake_failure.
- Nothing servable by OpenSSL: every ClientHello that reaches it fails with handshake_failure (ClientHellos the
  view answers with a tlslite-ng pair never reach OpenSSL, see below).

What this OpenSSL cannot serve (SSL 3.0; the RC4 and 3DES suites, absent from this build) is served by a second
real TLS stack, tlslite-ng, for exactly the (protocol, suite) pairs the view offers (``TlsPlan.legacy``; routing per
ClientHello in legacy_tls.py, Windows-fidelity notes there). Served by neither (listed in
``summary()["unservable"]``, never faked): SSL 2.0 (in neither stack), single-DES and EXPORT suites (in neither),
EXPORT1024 suites (no implementation), and curves without an OpenSSL TLS group.
"""

from __future__ import annotations

import functools
import os
import ssl
import subprocess
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import legacy_tls, libssl
from .schannel_view import OfferedSuite, SchannelView
from .windows_facts import PROTOCOL_DEFAULTS

if TYPE_CHECKING:
    from .pki import HostCertificates

TLS_VERSIONS = {
    "TLS 1.0": ssl.TLSVersion.TLSv1,
    "TLS 1.1": ssl.TLSVersion.TLSv1_1,
    "TLS 1.2": ssl.TLSVersion.TLSv1_2,
    "TLS 1.3": ssl.TLSVersion.TLSv1_3,
}
_NO_VERSION_OPTION = {"TLS 1.0": ssl.OP_NO_TLSv1, "TLS 1.1": ssl.OP_NO_TLSv1_1, "TLS 1.2": ssl.OP_NO_TLSv1_2}
# Windows curve name -> OpenSSL TLS group name (MicrosoftDocs/win32 tls-elliptic-curves-in-windows-10-1607-and-later.md,
# testssl/testssl.sh etc/curves-mapping.txt; the secP*r1 names are the same curves).
OPENSSL_GROUPS = {
    "curve25519": "X25519",
    "nistp256": "P-256",
    "nistp384": "P-384",
    "nistp521": "P-521",
    "secp256r1": "P-256",
    "secp384r1": "P-384",
    "secp521r1": "P-521",
    "brainpoolp256r1": "brainpoolP256r1",
    "brainpoolp384r1": "brainpoolP384r1",
    "brainpoolp512r1": "brainpoolP512r1",
}
FFDHE_SIZES = (2048, 3072, 4096, 6144, 8192)


@dataclass
class TlsPlan:
    versions: list[str]  # TLS versions OpenSSL serves, ascending
    ciphers: list[str]  # OpenSSL names for TLS <= 1.2, priority order
    tls13_suites: list[str]
    groups: list[str]
    dh_bits: int
    refuse_tls13_clients: bool
    refuse_all: bool  # for OpenSSL; tlslite may still serve legacy ClientHellos
    legacy: dict[tuple[str, int], legacy_tls.Pin] = field(default_factory=dict)  # (protocol, code) -> tlslite pin
    served_protocols: list[str] = field(default_factory=list)  # by either stack, ascending
    unservable: list[dict] = field(default_factory=list)
    servable: frozenset[tuple[str, int]] = frozenset()  # (protocol, code) pairs either stack serves
    certificate: str = "rsa"
    uncertified: list[dict] = field(default_factory=list)  # suites the certificate cannot serve (Windows skips)


@functools.cache
def _openssl_has_cipher(name: str) -> bool:
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        probe.set_ciphers(f"{name}:@SECLEVEL=0")
    except ssl.SSLError:
        return False
    return any(c["name"] == name for c in probe.get_ciphers())


@functools.cache
def _openssl_has_group(name: str) -> bool:
    try:
        libssl.set_groups(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER), [name])
    except ValueError:
        return False
    return True


CERTIFICATE_AUTHENTICATION = {"rsa": "RSA", "ecdsa": "ECDSA"}


def plan(view: SchannelView, certificate: str = "rsa") -> TlsPlan:
    """What OpenSSL and tlslite-ng (legacy_tls.py) will serve for ``view`` with the host's ``certificate`` kind,
    and what neither can."""
    tls_on = [p for p in view.protocols if p in TLS_VERSIONS]
    ciphers: list[str] = []
    tls13: list[str] = []
    openssl_reason: dict[str, str] = {}  # windows name -> why OpenSSL cannot serve it
    can_sign = {CERTIFICATE_AUTHENTICATION[certificate], "ANY"}
    uncertified = [{"kind": "suite", "name": s.windows_name,
                    "reason": f"needs a {s.authentication} certificate; the host's certificate is "
                              f"{CERTIFICATE_AUTHENTICATION[certificate]}"}
                   for s in view.suites if s.authentication not in can_sign]
    skipped = {u["name"] for u in uncertified}
    for suite in view.suites:
        if suite.windows_name in skipped:
            continue
        reason = None
        if not any(p in TLS_VERSIONS for p in suite.protocols):
            reason = "offered only on SSL 2.0/3.0"
        elif suite.openssl_name is None:
            reason = "no OpenSSL implementation (EXPORT1024)"
        elif suite.protocols == ["TLS 1.3"]:
            if suite.openssl_name not in tls13:
                tls13.append(suite.openssl_name)
            continue
        elif not _openssl_has_cipher(suite.openssl_name):
            reason = "not in this OpenSSL build"
        if reason is not None:
            openssl_reason[suite.windows_name] = reason
        elif suite.openssl_name not in ciphers:
            ciphers.append(suite.openssl_name)  # the _P256/_P384 variants share one OpenSSL name
    groups: list[str] = []
    unservable_curves: list[dict] = []
    for curve in view.curves:
        group = OPENSSL_GROUPS.get(curve.casefold())
        if group is None or not _openssl_has_group(group):
            unservable_curves.append({"kind": "curve", "name": curve, "reason": "no OpenSSL TLS group"})
        elif group not in groups:
            groups.append(group)
    versions = [v for v in tls_on if (tls13 if v == "TLS 1.3" else ciphers)]

    def openssl_serves(protocol: str, suite: OfferedSuite) -> bool:
        return protocol in versions and suite.windows_name not in openssl_reason

    # The second stack takes exactly the (protocol, suite) pairs the view offers and OpenSSL cannot serve.
    legacy: dict[tuple[str, int], legacy_tls.Pin] = {}
    unservable: list[dict] = []
    servable: set[tuple[str, int]] = set()
    for suite in view.suites:
        if suite.windows_name in skipped:
            continue
        missing = []
        for protocol in suite.protocols:
            if openssl_serves(protocol, suite):
                servable.add((protocol, suite.code))
                continue
            pin = legacy_tls.tlslite_pin(suite.code, protocol) if suite.authentication == "RSA" else None
            if pin is None:
                missing.append(protocol)
            else:
                legacy[(protocol, suite.code)] = legacy_tls.Pin(protocol, suite.windows_name, suite.code, *pin)
                servable.add((protocol, suite.code))
        if missing:
            reason = openssl_reason.get(suite.windows_name, "not in this OpenSSL build")
            if reason == "not in this OpenSSL build":
                reason = "in neither this OpenSSL build nor tlslite-ng"
            entry = {"kind": "suite", "name": suite.windows_name, "reason": reason}
            if missing != suite.protocols:
                entry["protocols"] = missing  # served on its other protocols
            unservable.append(entry)
    legacy_protocols = {protocol for protocol, _code in legacy}
    for name in view.protocols:
        if name not in TLS_VERSIONS and name not in legacy_protocols:
            reason = ("in neither this OpenSSL nor tlslite-ng" if name == "SSL 2.0" else
                      "not in this OpenSSL, and tlslite-ng serves none of its offered suites")
            unservable.insert(0, {"kind": "protocol", "name": name, "reason": reason})
    unservable.extend(unservable_curves)
    return TlsPlan(
        versions=versions,
        ciphers=ciphers,
        tls13_suites=tls13,
        groups=groups,
        dh_bits=view.dh_bits,
        refuse_tls13_clients="TLS 1.3" in tls_on and not tls13,
        refuse_all=not versions,
        legacy=legacy,
        served_protocols=[p for p in view.protocols if p in versions or p in legacy_protocols],
        unservable=unservable,
        servable=frozenset(servable),
        certificate=certificate,
        uncertified=uncertified,
    )


def summary(view: SchannelView, p: TlsPlan) -> dict:
    """Offered protocols/suites (as Windows would offer them) plus what the two stacks serve and cannot serve."""
    unserved = {(u["name"], proto) for u in [*p.unservable, *p.uncertified] if u["kind"] == "suite"
                for proto in u.get("protocols", view.protocols)}
    by_protocol: dict[str, list[str]] = {name: [] for name in view.protocols}
    served_by_protocol: dict[str, list[str]] = {name: [] for name in p.served_protocols}
    for suite in view.suites:
        for name in suite.protocols:
            by_protocol[name].append(suite.name)
            if name in served_by_protocol and (suite.windows_name, name) not in unserved:
                served_by_protocol[name].append(suite.name)
    tlslite: dict[str, list[str]] = {}
    for (protocol, _code), pin in p.legacy.items():
        tlslite.setdefault(protocol, []).append(pin.suite)
    return {
        "os": view.os_key,
        "protocols": list(view.protocols),
        "suites": [s.windows_name for s in view.suites],
        "suites_by_protocol": {k: list(dict.fromkeys(v)) for k, v in by_protocol.items()},
        "order_source": view.order_source,
        "curves": list(view.curves),
        "dh_bits": view.dh_bits,
        "dropped": list(view.dropped),
        "ignored_names": list(view.ignored_names),
        "tls13_without_suites": p.refuse_tls13_clients,
        "served": {"protocols": p.served_protocols,
                   "suites_by_protocol": {k: list(dict.fromkeys(v)) for k, v in served_by_protocol.items()},
                   "openssl_protocols": p.versions, "ciphers": p.ciphers, "tls13_suites": p.tls13_suites,
                   "groups": p.groups,
                   "tlslite": {k: tlslite[k] for k in view.protocols if k in tlslite}},
        "unservable": p.unservable,
        "certificate": p.certificate,
        "uncertified": p.uncertified,
    }


def dh_params_file(directory: Path, bits: int) -> Path:
    """PEM DH parameters of ``bits`` (see the module docstring), created once and reused."""
    if bits <= 1024:
        size, args = 1024, ["dhparam", "-out", "{out}", "1024"]
    else:
        size = next((s for s in FFDHE_SIZES if s >= bits), FFDHE_SIZES[-1])
        args = ["genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", f"group:ffdhe{size}", "-out", "{out}"]
    target = directory / f"dh{size}.pem"
    if not target.exists():
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f".dh{size}.{os.getpid()}.{threading.get_ident()}.tmp"  # boots run in threads
        subprocess.run(["openssl", *[a.format(out=tmp) for a in args]], check=True, capture_output=True, timeout=120)
        os.replace(tmp, target)
    return target


_FIXED_METHODS = {"TLS 1.0": ssl.PROTOCOL_TLSv1, "TLS 1.1": ssl.PROTOCOL_TLSv1_1, "TLS 1.2": ssl.PROTOCOL_TLSv1_2}


def build_context(p: TlsPlan, certs: HostCertificates, dh_dir: Path, fixed: str | None = None) -> ssl.SSLContext:
    """A server ``SSLContext`` that serves the OpenSSL part of plan ``p``; with ``fixed``, only that protocol, from
    OpenSSL's fixed-version method, which reads client_version and ignores supported_versions (legacy_tls.py,
    routing step 3)."""
    if fixed is not None:
        with warnings.catch_warnings():  # fixed-version methods are deprecated in Python, still in OpenSSL 3
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx = ssl.SSLContext(_FIXED_METHODS[fixed])
        _serve_plan(ctx, p, certs, dh_dir)
        return ctx
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _serve_plan(ctx, p, certs, dh_dir)
    versions = p.versions or ["TLS 1.2"]  # refuse_all: any valid setup, the ClientHello callback fails everything
    with warnings.catch_warnings():  # TLSv1/TLSv1_1 and OP_NO_TLS* are deprecated in Python, still honoured
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = TLS_VERSIONS[versions[0]]
        ctx.maximum_version = TLS_VERSIONS[versions[-1]]
        names = list(TLS_VERSIONS)
        for name in names[names.index(versions[0]): names.index(versions[-1])]:
            if name not in versions:
                ctx.options |= _NO_VERSION_OPTION[name]
    if p.tls13_suites:
        libssl.set_ciphersuites(ctx, p.tls13_suites)
    if p.refuse_all or p.refuse_tls13_clients:
        libssl.refuse_client_hellos(ctx, everything=p.refuse_all, offering_tls13=p.refuse_tls13_clients)
    return ctx


def _serve_plan(ctx: ssl.SSLContext, p: TlsPlan, certs: HostCertificates, dh_dir: Path) -> None:
    """Suites, certificate, DH group, server preference and groups of plan ``p`` on ``ctx``."""
    # security level first: it also governs whether 1024-bit DH parameters load. Without any TLS <= 1.2 suite those
    # versions are outside the range, so OpenSSL's DEFAULT list is never used.
    ctx.set_ciphers(":".join(p.ciphers or ["DEFAULT"]) + ":@SECLEVEL=0")
    if p.certificate == "ecdsa":
        ctx.load_cert_chain(certs.ecdsa_cert, certs.ecdsa_key)
    else:
        ctx.load_cert_chain(certs.rsa_cert, certs.rsa_key)
    ctx.load_dh_params(str(dh_params_file(dh_dir, p.dh_bits)))
    ctx.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    if p.groups:
        libssl.set_groups(ctx, p.groups)


def build_router(view: SchannelView, p: TlsPlan, certs: HostCertificates, dh_dir: Path, *,
                 ssl2_silent: bool = False) -> legacy_tls.HelloRouter:
    """The per-ClientHello router of a listener, with the tlslite-ng server for what OpenSSL cannot serve and, on
    a Windows version without TLS 1.3, a fixed-version OpenSSL context per TLS version OpenSSL serves."""
    fixed = {} if "TLS 1.3" in PROTOCOL_DEFAULTS[view.os_key] else {
        protocol: build_context(p, certs, dh_dir, protocol) for protocol in p.versions if protocol in _FIXED_METHODS}
    return legacy_tls.HelloRouter(view, p.servable, p.legacy, certs.rsa_cert, certs.rsa_key, ssl2_silent=ssl2_silent,
                                  fixed_contexts=fixed)
