"""A self-signed certificate so the local org speaks HTTPS like a real one.

simple-salesforce builds every URL as ``https://...``; rather than patch it,
the org serves TLS with a certificate that clients trust by passing the
certificate file as ``verify=``. The certificate is its own CA (CA:TRUE, with
key identifiers and key usage) because OpenSSL only accepts a trust anchor
that is a proper CA certificate.

The pair is generated once and cached in a directory, so a developer's
``verify=`` path stays valid across restarts.
"""

from __future__ import annotations

import fcntl
import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERT_NAME = "local-org-cert.pem"
KEY_NAME = "local-org-key.pem"
_HOSTS = ("localhost",)
_IPS = (ipaddress.ip_address("127.0.0.1"),)


@dataclass(frozen=True)
class TlsFiles:
    cert_file: Path
    key_file: Path


def ensure_certificate(directory: Path, *, days_valid: int = 825) -> TlsFiles:
    """Return the cached certificate and key, generating them when missing or stale."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(directory / CERT_NAME, directory / KEY_NAME)
    # A lock, so two orgs starting at once cannot write a mismatched pair.
    with open(directory / ".tls.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _usable(files):
            key, cert = _generate(days_valid)
            _write(files.key_file, key, mode=0o600)
            _write(files.cert_file, cert, mode=0o644)
    return files


def _usable(files: TlsFiles) -> bool:
    if not (files.cert_file.exists() and files.key_file.exists()):
        return False
    try:
        cert = x509.load_pem_x509_certificate(files.cert_file.read_bytes())
        key = serialization.load_pem_private_key(files.key_file.read_bytes(), password=None)
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    fresh = cert.not_valid_after_utc > datetime.now(UTC) + timedelta(days=1)
    covers = set(_HOSTS) <= set(names.get_values_for_type(x509.DNSName)) and set(_IPS) <= set(
        names.get_values_for_type(x509.IPAddress)
    )
    matches = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return fresh and covers and matches


def self_signed_builder(name: x509.Name, public_key, days_valid: int) -> x509.CertificateBuilder:
    """A certificate that is its own issuer, valid from five minutes ago (clock skew)."""
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days_valid))
    )


def _generate(days_valid: int) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Rapport"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Rapport local org"),
        ]
    )
    key_id = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        self_signed_builder(name, key.public_key(), days_valid)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(h) for h in _HOSTS] + [x509.IPAddress(ip) for ip in _IPS]
            ),
            critical=False,
        )
        .add_extension(key_id, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(key_id),
            critical=False,
        )
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
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
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def _write(path: Path, content: bytes, mode: int) -> None:
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    os.replace(temporary, path)
