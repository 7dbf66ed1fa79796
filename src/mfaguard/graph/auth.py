"""Credentials → bearer tokens for Microsoft Graph.

The credential is built here and passed into the client (the Azure SDK rule "the credential is
passed in"), so tests and the emulator use the very same path as production. Secrets come from
environment variables or certificate files only; nothing here logs or prints a token or secret.

Token claims are decoded *without verification* and only for diagnostics (``mfaguard doctor``, the
``tid`` check): Microsoft warns that Graph tokens are not a contract (reference/graph.md §10).
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from mfaguard.errors import AuthError, UsageError
from mfaguard.graph.clouds import KNOWN_AUTHORITY_HOSTS, Cloud, cloud_endpoints, normalize_endpoint

if TYPE_CHECKING:
    import asyncio

# Kept free of heavy imports (asyncio, azure): the CLI imports this module to declare its options.

ACCESS_TOKEN_ENV = "MFAGUARD_ACCESS_TOKEN"
AUTHORITY_HOST_ENV = "MFAGUARD_AUTHORITY_HOST"
CA_BUNDLE_ENV = "MFAGUARD_CA_BUNDLE"
GRAPH_ENDPOINT_ENV = "MFAGUARD_GRAPH_ENDPOINT"
CLOUD_ENV = "MFAGUARD_CLOUD"
TENANT_ID_ENV = "MFAGUARD_TENANT_ID"
AUTH_ENV = "MFAGUARD_AUTH"
CLIENT_ID_ENV = "MFAGUARD_CLIENT_ID"
CERTIFICATE_ENV = "MFAGUARD_CERTIFICATE"
"""The variables the connection options read (``--graph-endpoint`` … ``--ca-bundle``; see
:meth:`mfaguard.graph.connect.GraphConnection.from_env`)."""

GRAPH_CLI_TOOLS_CLIENT_ID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"
"""Microsoft Graph Command Line Tools (a Microsoft public client): the default app for device-code
sign-in when no ``--client-id`` is given, as Microsoft Graph PowerShell does."""

_REFRESH_MARGIN_S = 300.0


@runtime_checkable
class TokenProvider(Protocol):
    """Anything that hands out a Graph bearer token (without the ``Bearer`` prefix)."""

    async def get_token(self) -> str: ...


class StaticTokenProvider:
    """A fixed bearer token (e.g. ``MFAGUARD_ACCESS_TOKEN`` from ``az account get-access-token``)."""

    def __init__(self, token: str, *, source: str = ACCESS_TOKEN_ENV) -> None:
        token = token.strip()
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        if not token:
            raise AuthError(f"{source} is empty", hint="put a Microsoft Graph access token in it")
        self._token = token
        self.source = source

    async def get_token(self) -> str:
        claims = decode_claims(self._token)
        exp = claims.get("exp") if claims else None
        if isinstance(exp, int | float) and exp <= time.time():
            raise AuthError(
                f"the access token in {self.source} expired at "
                f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(exp))}",
                hint="get a fresh one (az account get-access-token --resource-type ms-graph) or use an "
                "app credential that can refresh itself",
            )
        return self._token

    def describe(self) -> str:
        return f"static bearer token from {self.source}"


class AzureIdentityTokenProvider:
    """Tokens from an azure-identity credential (sync API, run in a worker thread), cached until
    five minutes before expiry. Concurrent callers share one fetch."""

    def __init__(
        self,
        credential: Any,
        scope: str,
        *,
        description: str | None = None,
        hint: str | None = None,
        authority: str | None = None,
    ) -> None:
        self._credential = credential
        self._authority = authority
        self._hint = hint or (
            "check the tenant ID, client ID and secret/certificate (or the Azure CLI / managed identity "
            "login); for the emulator, MFAGUARD_AUTHORITY_HOST and MFAGUARD_CA_BUNDLE"
        )
        self._scope = scope
        self._token: str | None = None
        self._expires_on = 0.0
        self._lock: asyncio.Lock | None = None
        self._description = description or type(credential).__name__

    async def get_token(self) -> str:
        if self._token is not None and self._expires_on - _REFRESH_MARGIN_S > time.time():
            return self._token
        import asyncio

        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._token is not None and self._expires_on - _REFRESH_MARGIN_S > time.time():
                return self._token
            token, expires_on = await asyncio.to_thread(self._fetch)
            self._token, self._expires_on = token, expires_on
            return token

    def _fetch(self) -> tuple[str, float]:
        from azure.core.exceptions import ClientAuthenticationError

        try:
            access = self._credential.get_token(self._scope)
        except Exception as exc:
            self._raise_unreachable(exc)
            if not isinstance(exc, ClientAuthenticationError | ValueError):
                raise
            if isinstance(exc, ValueError):  # azure-identity raises ValueError for malformed arguments
                raise AuthError(f"could not get a token with {self._description}: {exc}") from exc
            raise AuthError(
                f"could not get a token with {self._description}: {_first_line(exc.message or str(exc))}",
                hint=self._hint,
            ) from exc
        return access.token, float(access.expires_on)

    def _raise_unreachable(self, exc: BaseException) -> None:
        """A token endpoint that cannot be reached is not a wrong secret: say which, and why."""
        from mfaguard.graph.errors import connection_cause, unreachable

        if self._authority is None:
            return
        cause = connection_cause(exc)
        if cause is None:
            return
        raise unreachable(
            "the token endpoint",
            self._authority,
            cause,
            "check MFAGUARD_AUTHORITY_HOST / --authority-host (or --cloud), the network and the proxy "
            "settings (HTTPS_PROXY)",
        ) from exc

    def invalidate(self) -> None:
        """Forget the cached token (Graph answered 401 with it)."""
        self._token = None
        self._expires_on = 0.0

    def describe(self) -> str:
        return self._description

    def close(self) -> None:
        close = getattr(self._credential, "close", None)
        if callable(close):
            close()


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else text


# ---------------------------------------------------------------------------------------------- claims


def decode_claims(token: str) -> dict[str, Any] | None:
    """The JWT payload of ``token`` WITHOUT verifying it (diagnostics only); None if not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, UnicodeError):
        return None
    return data if isinstance(data, dict) else None


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What a token says about itself (unverified)."""

    tenant_id: str | None
    app_id: str | None
    audience: str | None
    identity: str
    """``app`` (client credentials: ``roles``) or ``user`` (delegated: ``scp``)."""
    permissions: frozenset[str]
    expires_at: float | None
    user: str | None = None

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> TokenInfo:
        roles = claims.get("roles")
        scp = claims.get("scp")
        perms: set[str] = set()
        if isinstance(roles, list):
            perms.update(str(r) for r in roles)
        if isinstance(scp, str):
            perms.update(scp.split())
        is_user = isinstance(scp, str) or claims.get("idtyp") == "user"
        exp = claims.get("exp")
        return cls(
            tenant_id=_opt_str(claims.get("tid")),
            app_id=_opt_str(claims.get("appid") or claims.get("azp")),
            audience=_opt_str(claims.get("aud")),
            identity="user" if is_user else "app",
            permissions=frozenset(perms),
            expires_at=float(exp) if isinstance(exp, int | float) else None,
            user=_opt_str(claims.get("upn") or claims.get("unique_name")),
        )


def _opt_str(value: Any) -> str | None:
    return str(value) if value is not None else None


def check_token_tenant(token: str, expected_tenant: str | None) -> None:
    """Raise :class:`AuthError` when a JWT's ``tid`` names another tenant than ``expected_tenant``.

    Opaque (non-JWT) tokens pass: their tenant cannot be known.
    """
    if not expected_tenant:
        return
    claims = decode_claims(token)
    tid = claims.get("tid") if claims else None
    if isinstance(tid, str) and tid.lower() != expected_tenant.lower():
        raise AuthError(
            f"the token is for tenant {tid}, not {expected_tenant}",
            hint="use a credential (or MFAGUARD_ACCESS_TOKEN) for the tenant you meant, or fix --tenant-id",
        )


# ------------------------------------------------------------------------------------ building credentials


class CredentialKind(StrEnum):
    """``--auth``: how mfaguard obtains a token."""

    AUTO = "auto"
    TOKEN = "token"
    CLIENT_SECRET = "client-secret"
    CERTIFICATE = "certificate"
    DEFAULT = "default"
    ENVIRONMENT = "environment"
    WORKLOAD_IDENTITY = "workload-identity"
    MANAGED_IDENTITY = "managed-identity"
    AZURE_CLI = "azure-cli"
    DEVICE_CODE = "device-code"


@dataclass(frozen=True, slots=True)
class CredentialOptions:
    """Everything needed to build a token provider. Holds names of secrets, never secrets."""

    kind: CredentialKind = CredentialKind.AUTO
    cloud: Cloud = Cloud.GLOBAL
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret_env: str = "AZURE_CLIENT_SECRET"
    certificate_path: str | None = None
    certificate_password_env: str = "AZURE_CLIENT_CERTIFICATE_PASSWORD"
    token_env: str = ACCESS_TOKEN_ENV
    authority_host: str | None = None
    ca_bundle: str | None = None
    scope: str | None = None


def _env(env: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        value = env.get(name)
        if value:
            return value
    return None


def resolve_kind(options: CredentialOptions, env: Mapping[str, str]) -> CredentialKind:
    """Pick the credential for ``auto``: a static token, an explicit secret or certificate, else the
    azure-identity default chain (workload identity, managed identity, Azure CLI, ...)."""
    if options.kind is not CredentialKind.AUTO:
        return options.kind
    if env.get(options.token_env):
        return CredentialKind.TOKEN
    if options.certificate_path or env.get("AZURE_CLIENT_CERTIFICATE_PATH"):
        return CredentialKind.CERTIFICATE
    if env.get(options.client_secret_env):
        return CredentialKind.CLIENT_SECRET
    return CredentialKind.DEFAULT


def build_token_provider(
    options: CredentialOptions, *, env: Mapping[str, str] | None = None
) -> StaticTokenProvider | AzureIdentityTokenProvider:
    """Build the token provider the options describe (imports azure-identity only when needed)."""
    env = os.environ if env is None else env
    kind = resolve_kind(options, env)
    if kind is CredentialKind.TOKEN:
        token = env.get(options.token_env)
        if not token:
            raise UsageError(
                f"--auth token needs a bearer token in {options.token_env}",
                hint="e.g. export MFAGUARD_ACCESS_TOKEN=$(az account get-access-token --resource-type "
                "ms-graph --query accessToken -o tsv)",
            )
        return StaticTokenProvider(token, source=options.token_env)

    endpoints = cloud_endpoints(options.cloud)
    scope = options.scope or endpoints.scope
    authority = options.authority_host or env.get(AUTHORITY_HOST_ENV) or endpoints.authority_host
    authority = normalize_endpoint(authority, what="authority host")
    if authority.startswith("http://"):
        raise UsageError(
            f"authority host {authority!r} must use https", hint="azure-identity only talks to https"
        )
    # One quick retry of a failed connection (azure-core's default is three, ~5 s of backoff): a
    # refused or unknown token endpoint should be reported at once.
    common: dict[str, Any] = {"authority": authority, "retry_connect": 1}
    if authority not in KNOWN_AUTHORITY_HOSTS:
        # azure-identity would otherwise ask login.microsoftonline.com whether this host is a valid
        # authority (instance discovery) — impossible for the emulator or a private endpoint.
        common["disable_instance_discovery"] = True
    ca_bundle = options.ca_bundle or env.get(CA_BUNDLE_ENV)
    if ca_bundle:
        if not Path(ca_bundle).is_file():
            raise UsageError(
                f"CA bundle {ca_bundle!r} does not exist", hint="check MFAGUARD_CA_BUNDLE / --ca-bundle"
            )
        # Passed explicitly: azure-identity's requests transport would otherwise fall back to
        # REQUESTS_CA_BUNDLE (set on many machines), which does not contain the emulator's CA.
        common["connection_verify"] = ca_bundle
    tenant_id = options.tenant_id or _env(env, "AZURE_TENANT_ID")
    client_id = options.client_id or _env(env, "AZURE_CLIENT_ID")

    _quiet_azure_logging()
    from azure import identity

    credential: Any
    if kind is CredentialKind.CLIENT_SECRET:
        secret = _require(
            env.get(options.client_secret_env),
            "a client secret",
            f"the environment variable {options.client_secret_env}",
        )
        credential = identity.ClientSecretCredential(
            _require(tenant_id, "a tenant ID", "--tenant-id or AZURE_TENANT_ID"),
            _require(client_id, "a client ID", "--client-id or AZURE_CLIENT_ID"),
            secret,
            **common,
        )
        description = f"client secret for app {client_id} (from {options.client_secret_env})"
    elif kind is CredentialKind.CERTIFICATE:
        path = _require(
            options.certificate_path or env.get("AZURE_CLIENT_CERTIFICATE_PATH"),
            "a certificate file",
            "--certificate or AZURE_CLIENT_CERTIFICATE_PATH",
        )
        if not Path(path).is_file():
            raise UsageError(f"certificate file {path!r} does not exist", hint="give a PEM or PKCS#12 file")
        credential = identity.CertificateCredential(
            _require(tenant_id, "a tenant ID", "--tenant-id or AZURE_TENANT_ID"),
            _require(client_id, "a client ID", "--client-id or AZURE_CLIENT_ID"),
            certificate_path=path,
            password=env.get(options.certificate_password_env),
            **common,
        )
        description = f"certificate {Path(path).name} for app {client_id}"
    elif kind is CredentialKind.ENVIRONMENT:
        credential = identity.EnvironmentCredential(**common)
        description = "azure-identity EnvironmentCredential (AZURE_* variables)"
    elif kind is CredentialKind.WORKLOAD_IDENTITY:
        credential = identity.WorkloadIdentityCredential(tenant_id=tenant_id, client_id=client_id, **common)
        description = "workload identity federation"
    elif kind is CredentialKind.MANAGED_IDENTITY:
        mi_kwargs = {"connection_verify": common["connection_verify"]} if ca_bundle else {}
        credential = identity.ManagedIdentityCredential(client_id=client_id, **mi_kwargs)
        description = "managed identity" + (f" {client_id}" if client_id else "")
    elif kind is CredentialKind.AZURE_CLI:
        credential = identity.AzureCliCredential(tenant_id=tenant_id or "")
        description = "Azure CLI login"
    elif kind is CredentialKind.DEVICE_CODE:
        credential = identity.DeviceCodeCredential(
            client_id=client_id or GRAPH_CLI_TOOLS_CLIENT_ID, tenant_id=tenant_id, **common
        )
        description = "device-code sign-in (delegated)"
    else:
        credential = identity.DefaultAzureCredential(
            exclude_interactive_browser_credential=True,
            managed_identity_client_id=client_id,
            **common,
        )
        description = "azure-identity DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI, ...)"
        return AzureIdentityTokenProvider(
            credential,
            scope,
            description=description,
            hint="no credential was found: set MFAGUARD_ACCESS_TOKEN, or AZURE_TENANT_ID + AZURE_CLIENT_ID + "
            "AZURE_CLIENT_SECRET (or a certificate), or sign in with `az login`; `mfaguard demo` tries "
            "everything against the built-in emulator; `mfaguard audit --snapshot FILE` judges a saved "
            "policy offline",
        )
    return AzureIdentityTokenProvider(credential, scope, description=description, authority=authority)


def _quiet_azure_logging() -> None:
    # azure-identity logs every failed credential of its chain as a WARNING; mfaguard reports the
    # failure itself (one line + hint). Leave it alone when the user configured the logger (--debug).
    import logging

    azure_logger = logging.getLogger("azure")
    if azure_logger.level == logging.NOTSET:
        azure_logger.setLevel(logging.ERROR)


def _require(value: str | None, what: str, where: str) -> str:
    if not value:
        raise UsageError(f"this credential needs {what}", hint=f"set {where}")
    return value
