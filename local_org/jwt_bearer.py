"""The OAuth 2.0 JWT bearer grant: sign-in for servers, with no password.

A connected app holds an RSA private key; the org holds the matching
certificate (or public key) under the app's consumer key. The client sends an
RS256-signed assertion naming the app (``iss``), the user (``sub``), the
login server (``aud``) and an expiry (``exp``); the org checks each, as
Salesforce does, and answers with an access token.

PyJWT does the signature and expiry checks; this module only knows which key
belongs to which app and which audiences the org accepts.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.x509.oid import NameOID

from local_org.tls import self_signed_builder
from rapport.errors import RapportError

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
LOGIN_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")
_MY_DOMAIN_SUFFIX = ".my.salesforce.com"


@dataclass(frozen=True)
class JwtKeyPair:
    """A connected app's signing key and the certificate uploaded to the org."""

    private_key_pem: str
    public_key_pem: str
    certificate_pem: str


def generate_jwt_key_pair(common_name: str = "Rapport connected app") -> JwtKeyPair:
    """A fresh RSA key and self-signed certificate, for tests and demos."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = self_signed_builder(name, key.public_key(), days_valid=365).sign(
        key, hashes.SHA256()
    )
    return JwtKeyPair(
        private_key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        public_key_pem=key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
    )


class JwtRejected(RapportError):
    """An assertion the org refuses, as an OAuth error and description."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


def load_public_key(pem: str | bytes) -> RSAPublicKey:
    """An RSA public key from a PEM certificate or a PEM public key."""
    data = pem.encode() if isinstance(pem, str) else pem
    if b"BEGIN CERTIFICATE" in data:
        key = x509.load_pem_x509_certificate(data).public_key()
    else:
        key = serialization.load_pem_public_key(data)
    if not isinstance(key, RSAPublicKey):
        raise ValueError("the JWT bearer flow needs an RSA key (RS256)")
    return key


class JwtKeys:
    """Public keys of the connected apps allowed to use the JWT bearer grant."""

    def __init__(self) -> None:
        self._keys: dict[str, RSAPublicKey] = {}
        self._lock = threading.Lock()

    def register(self, consumer_key: str, public_key_or_certificate_pem: str | bytes) -> None:
        key = load_public_key(public_key_or_certificate_pem)
        with self._lock:
            self._keys[consumer_key] = key

    def verify(self, assertion: str, *, username: str, instance_url: str) -> dict:
        """The assertion's claims once every check passes; else ``JwtRejected``."""
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise JwtRejected("invalid_grant", "invalid assertion") from None
        with self._lock:
            key = self._keys.get(str(unverified.get("iss", "")))
        if key is None:
            raise JwtRejected("invalid_client_id", "client identifier invalid")
        try:
            claims = jwt.decode(
                assertion,
                key,
                algorithms=["RS256"],
                options={"require": ["iss", "sub", "aud", "exp"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise JwtRejected("invalid_grant", "expired authorization code") from None
        except jwt.PyJWTError:
            raise JwtRejected("invalid_grant", "invalid assertion") from None
        if not _audience_ok(claims["aud"], instance_url):
            raise JwtRejected("invalid_grant", "Audience validation failed")
        if claims["sub"] != username:
            raise JwtRejected("invalid_grant", "user hasn't approved this consumer")
        return claims


def _audience_ok(audience: str | list[str], instance_url: str) -> bool:
    """login/test, a My Domain or the org's own URL, as Salesforce accepts."""
    candidates = audience if isinstance(audience, list) else [audience]
    for candidate in candidates:
        value = str(candidate).rstrip("/")
        host = urlsplit(value).hostname or ""
        if (
            value in LOGIN_AUDIENCES
            or value == instance_url.rstrip("/")
            or (value.startswith("https://") and host.endswith(_MY_DOMAIN_SUFFIX))
        ):
            return True
    return False
