"""Test PKI of the simulated fleet: one CA, one shared RSA and one shared ECDSA key, per-host certificates.

Sharing the two private keys keeps startup of a 1,000-host fleet fast (one signature per certificate, no key
generation per host). Certificates follow the profile that passes sslyze 6.3.1's certificate validation
(cryptography's verifier rejects a critical SAN with a non-empty subject): CA with critical basicConstraints
CA:TRUE and keyCertSign; leaf with critical CA:FALSE, EKU serverAuth, a NON-critical subjectAltName
``IP:<host ip>, DNS:<host name>``, SKI/AKI, 80-day validity.

Layout under the state directory: ``ca.pem`` (the CA certificate clients trust), ``pki/ca-key.pem``,
``pki/rsa-key.pem``, ``pki/ecdsa-key.pem``, ``pki/hosts/<name>-rsa.pem`` and ``pki/hosts/<name>-ecdsa.pem``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LEAF_DAYS = 80
RENEW_BEFORE = dt.timedelta(days=14)


@dataclass(frozen=True)
class HostCertificates:
    """PEM files of one host: RSA and ECDSA leaf certificates, the shared keys, the CA certificate."""

    rsa_cert: Path
    rsa_key: Path
    ecdsa_cert: Path
    ecdsa_key: Path
    ca_cert: Path


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _write_public(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _key_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load_or_create_key(path: Path, make):
    if path.exists():
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    key = make()
    _write_private(path, _key_pem(key))
    return key


class FleetPki:
    """Loads or creates the CA and shared keys under ``state_dir``; issues per-host certificates on demand."""

    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir / "pki"
        (self.dir / "hosts").mkdir(parents=True, exist_ok=True)
        self.ca_cert_path = state_dir / "ca.pem"
        self.rsa_key_path = self.dir / "rsa-key.pem"
        self.ecdsa_key_path = self.dir / "ecdsa-key.pem"
        self._ca_key = _load_or_create_key(
            self.dir / "ca-key.pem", lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
        )
        self._rsa_key = _load_or_create_key(
            self.rsa_key_path, lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
        )
        self._ecdsa_key = _load_or_create_key(self.ecdsa_key_path, lambda: ec.generate_private_key(ec.SECP256R1()))
        if self.ca_cert_path.exists():
            self._ca_cert = x509.load_pem_x509_certificate(self.ca_cert_path.read_bytes())
        else:
            self._ca_cert = self._make_ca()
            _write_public(self.ca_cert_path, self._ca_cert.public_bytes(serialization.Encoding.PEM))

    def _make_ca(self) -> x509.Certificate:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "winsim Test Root CA")])
        now = dt.datetime.now(dt.UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self._ca_key.public_key()), critical=False)
            .sign(self._ca_key, hashes.SHA256())
        )

    def host_certificates(self, name: str, ip: str) -> HostCertificates:
        """The host's certificates, issued now if missing, near expiry, or issued for another address."""
        rsa_cert = self.dir / "hosts" / f"{name}-rsa.pem"
        ecdsa_cert = self.dir / "hosts" / f"{name}-ecdsa.pem"
        for path, key in ((rsa_cert, self._rsa_key), (ecdsa_cert, self._ecdsa_key)):
            if not self._usable(path, name, ip):
                _write_public(path, self._issue(name, ip, key).public_bytes(serialization.Encoding.PEM))
        return HostCertificates(rsa_cert, self.rsa_key_path, ecdsa_cert, self.ecdsa_key_path, self.ca_cert_path)

    def _usable(self, path: Path, name: str, ip: str) -> bool:
        if not path.exists():
            return False
        cert = x509.load_pem_x509_certificate(path.read_bytes())
        if cert.not_valid_after_utc - dt.datetime.now(dt.UTC) < RENEW_BEFORE:
            return False
        if cert.issuer != self._ca_cert.subject:
            return False
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        return san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address(ip)] and san.get_values_for_type(
            x509.DNSName
        ) == [name]

    def _issue(self, name: str, ip: str, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> x509.Certificate:
        now = dt.datetime.now(dt.UTC)
        is_rsa = isinstance(key, rsa.RSAPrivateKey)
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(self._ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=LEAF_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=is_rsa,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip)), x509.DNSName(name)]),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._ca_key.public_key()), critical=False
            )
            .sign(self._ca_key, hashes.SHA256())
        )
