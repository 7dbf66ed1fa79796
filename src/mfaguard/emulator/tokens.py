"""Access tokens the emulator issues and validates, and client-assertion checks.

Tokens imitate what Entra issues for Microsoft Graph with the client-credentials flow (graph.md §10):
v1-format claims (``aud`` https://graph.microsoft.com, ``iss`` https://sts.windows.net/{tid}/,
``appid``, ``idtyp`` app, ``roles``), RS256-signed by a key the emulator holds. The Graph side trusts
only its own signature, checks expiry and audience, and reads permissions from ``roles``.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

GRAPH_RESOURCE = "https://graph.microsoft.com"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
"""Microsoft Graph's well-known application id; also accepted as ``aud``."""

TOKEN_LIFETIME_S = 3599

_KEY_LOCK = threading.Lock()
_PROCESS_KEY: SigningKey | None = None


@dataclass(frozen=True)
class SigningKey:
    """The RSA key pair that signs access tokens, with its key id (``kid``)."""

    private_key: rsa.RSAPrivateKey
    kid: str

    def public_jwk(self) -> dict[str, Any]:
        """The public key as a JWK (served from the tenant's ``jwks_uri``)."""
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,
            "n": _b64(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
            "e": _b64(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
        }


def process_signing_key() -> SigningKey:
    """One RSA key per process: generating 2048-bit keys costs ~50 ms, and tests build many emulators."""
    global _PROCESS_KEY
    with _KEY_LOCK:
        if _PROCESS_KEY is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            der = key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            _PROCESS_KEY = SigningKey(key, _b64(hashlib.sha1(der).digest()))
        return _PROCESS_KEY


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def issue_access_token(
    key: SigningKey,
    *,
    tenant_id: str,
    app_id: str,
    roles: Iterable[str],
    now: float,
    audience: str = GRAPH_RESOURCE,
    lifetime_s: int = TOKEN_LIFETIME_S,
    app_display_name: str | None = None,
) -> str:
    """A signed app-only access token for Graph (v1 claim set)."""
    iat = int(now)
    object_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sp:{tenant_id}:{app_id}"))
    claims: dict[str, Any] = {
        "aud": audience,
        "iss": f"https://sts.windows.net/{tenant_id}/",
        "iat": iat,
        "nbf": iat,
        "exp": iat + lifetime_s,
        "aio": "emulator",
        "app_displayname": app_display_name or "mfaguard emulator app",
        "appid": app_id,
        "appidacr": "1",
        "idp": f"https://sts.windows.net/{tenant_id}/",
        "idtyp": "app",
        "oid": object_id,
        "rh": "0.emulator",
        "roles": sorted(set(roles)),
        "sub": object_id,
        "tenant_region_scope": "EU",
        "tid": tenant_id,
        "uti": uuid.uuid4().hex[:22],
        "ver": "1.0",
        "xms_tcdt": iat - 86400 * 365,
    }
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid, "x5t": key.kid})


class TokenRejected(Exception):
    """The bearer token is not acceptable; ``message`` is what Graph would say."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TokenValidator:
    """Validates bearer tokens for the Graph side, caching signature checks (hot path)."""

    def __init__(self, key: SigningKey, audiences: Iterable[str]) -> None:
        self._public_key = key.private_key.public_key()
        self.audiences = set(audiences)
        self._cache: dict[str, dict[str, Any]] = {}

    def validate(self, token: str, *, now: float) -> dict[str, Any]:
        """Return the token's claims, or raise :class:`TokenRejected` with Graph's wording."""
        claims = self._cache.get(token)
        if claims is None:
            if token.count(".") != 2:
                # Graph's message for opaque garbage (graph.md §8: InvalidAuthenticationToken).
                raise TokenRejected("IDX14100: JWT is not well formed, there are no dots (.).")
            try:
                claims = jwt.decode(
                    token,
                    self._public_key,
                    algorithms=["RS256"],
                    options={
                        "verify_aud": False,
                        "verify_exp": False,
                        "verify_nbf": False,
                        "verify_iat": False,
                    },
                )
            except jwt.InvalidSignatureError:
                raise TokenRejected("Access token validation failure. Invalid signature.") from None
            except jwt.PyJWTError:
                raise TokenRejected("Access token validation failure.") from None
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[token] = claims
        if claims.get("aud") not in self.audiences:
            raise TokenRejected("Access token validation failure. Invalid audience.")
        if float(claims.get("exp", 0)) <= now:
            raise TokenRejected("Lifetime validation failed, the token is expired.")
        if float(claims.get("nbf", 0)) > now + 300:
            raise TokenRejected("Lifetime validation failed, the token is not yet valid.")
        return claims


def certificate_thumbprints(cert: x509.Certificate) -> tuple[str, str]:
    """(x5t, x5t#S256) of a certificate, base64url without padding, as JWT headers carry them."""
    der = cert.public_bytes(serialization.Encoding.DER)
    return _b64(hashlib.sha1(der).digest()), _b64(hashlib.sha256(der).digest())


def load_certificate(pem: str | bytes) -> x509.Certificate:
    """Load a PEM certificate (only the first CERTIFICATE block of a bundle with a key is used)."""
    data = pem.encode() if isinstance(pem, str) else pem
    return x509.load_pem_x509_certificate(data)


class AssertionRejected(Exception):
    """A client assertion failed verification; ``code``/``message`` become an AADSTS error."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _unpadded(segment: str) -> str:
    # azure-identity pads its base64url segments with '='; PyJWT tolerates that only per segment.
    return segment.rstrip("=")


def verify_client_assertion(
    assertion: str,
    *,
    client_id: str,
    certificates: Iterable[x509.Certificate],
    token_endpoints: Collection[str],
    now: float,
) -> Mapping[str, Any]:
    """Verify a certificate-signed client assertion JWT (RS256 with x5t, or PS256 with x5t#S256).

    The signing certificate is chosen by the thumbprint header and must be registered on the app;
    ``aud`` must be the token endpoint (one of ``token_endpoints``: the tenant may be named by GUID or
    domain), ``iss`` and ``sub`` the client id, and the time window valid.
    """
    parts = assertion.split(".")
    if len(parts) != 3:
        raise AssertionRejected(
            50027, "Invalid JWT token. The token is not in a valid format (JWT needs three parts)."
        )
    token = ".".join(_unpadded(p) for p in parts)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise AssertionRejected(50027, "Invalid JWT token. The header cannot be decoded.") from None
    by_sha1: dict[str, x509.Certificate] = {}
    by_sha256: dict[str, x509.Certificate] = {}
    for cert in certificates:
        sha1, sha256 = certificate_thumbprints(cert)
        by_sha1[sha1] = cert
        by_sha256[sha256] = cert
    cert_match: x509.Certificate | None = None
    if "x5t#S256" in header:
        cert_match = by_sha256.get(_unpadded(str(header["x5t#S256"])))
    elif "x5t" in header:
        cert_match = by_sha1.get(_unpadded(str(header["x5t"])))
    else:
        raise AssertionRejected(
            700027, "Client assertion failed signature validation: the header has no x5t or x5t#S256."
        )
    if cert_match is None:
        raise AssertionRejected(
            700027,
            f"The certificate with identifier used to sign the client assertion is not registered on "
            f"application. [Reason - The key was not found., Please visit the Azure Portal, Graph Explorer "
            f"or directly use MS Graph to see configured keys for app Id '{client_id}'.]",
        )
    algorithm = str(header.get("alg", ""))
    if algorithm not in {"RS256", "PS256"}:
        raise AssertionRejected(700027, f"Client assertion uses unsupported algorithm '{algorithm}'.")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            cert_match.public_key(),  # type: ignore[arg-type]
            algorithms=[algorithm],
            options={"verify_aud": False, "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        raise AssertionRejected(
            700027, "Client assertion failed signature validation. Invalid signature."
        ) from None
    if claims.get("aud") not in token_endpoints:
        raise AssertionRejected(
            700212,
            f"No matching federated identity record found for presented assertion audience "
            f"'{claims.get('aud')}'; the audience must be the token endpoint {min(token_endpoints)}.",
        )
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise AssertionRejected(
            700021, "Client assertion application identifier doesn't match 'client_id' parameter."
        )
    exp = float(claims.get("exp", 0))
    nbf = float(claims.get("nbf", 0))
    if exp <= now - 300 or nbf > now + 300:
        raise AssertionRejected(700024, "Client assertion is not within its valid time range.")
    return claims
