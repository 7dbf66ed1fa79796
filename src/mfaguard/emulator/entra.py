"""The Entra ID side: OpenID discovery, JWKS and the v2.0 token endpoint (client credentials).

What MSAL / azure-identity need with ``disable_instance_discovery=True`` (checked against msal 1.3x):
``GET /{tenant}/v2.0/.well-known/openid-configuration`` (``token_endpoint`` and
``authorization_endpoint`` are required; the issuer must be on the authority's host), then
``POST {token_endpoint}``. Tenants are addressed by GUID or domain. Errors use Entra's shape
(``error``, ``error_description`` starting with the AADSTS code, ``error_codes``, ``timestamp``,
``trace_id``, ``correlation_id``, ``error_uri``); clients should branch on ``error``.
"""

from __future__ import annotations

import base64
import hmac
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

from mfaguard.emulator.errors import aad_error_body
from mfaguard.emulator.tokens import (
    GRAPH_APP_ID,
    GRAPH_RESOURCE,
    AssertionRejected,
    issue_access_token,
    verify_client_assertion,
)

if TYPE_CHECKING:
    from mfaguard.emulator.state import Emulator, Tenant

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass
class EntraReply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    tenant: str | None = None
    client_id: str | None = None


class _Reject(Exception):
    def __init__(self, status: int, error: str, code: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.code = code
        self.description = description


def _error(emu: Emulator, exc: _Reject, correlation_id: str | None) -> EntraReply:
    body = aad_error_body(
        exc.error,
        exc.code,
        exc.description,
        now=emu.clock(),
        trace_id=str(uuid.uuid4()),
        correlation_id=correlation_id or str(uuid.uuid4()),
    )
    return EntraReply(exc.status, body)


def _tenant(emu: Emulator, key: str) -> Tenant:
    tenant = emu.find_tenant(key)
    if tenant is None:
        if key.lower() in ("common", "organizations", "consumers"):
            raise _Reject(
                400,
                "invalid_request",
                700016 if key.lower() != "common" else 90002,
                f"Tenant '{key}' cannot be used for the client credentials flow: use the tenant id or domain.",
            )
        raise _Reject(
            400,
            "invalid_tenant",
            90002,
            f"Tenant '{key}' not found. Check to make sure you have the correct tenant ID and are signing into the "
            f"correct cloud. Check with your subscription administrator, this may happen if there are no active "
            f"subscriptions for the tenant.",
        )
    return tenant


def openid_configuration(emu: Emulator, key: str, base_url: str) -> EntraReply:
    try:
        tenant = _tenant(emu, key)
    except _Reject as exc:
        return _error(emu, exc, None)
    tid = tenant.id
    root = f"{base_url}/{tid}"
    return EntraReply(
        200,
        {
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{base_url}/{tid}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{root}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{base_url}/oidc/userinfo",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "tid", "ver", "oid"],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        },
        tenant=tid,
    )


def jwks(emu: Emulator, key: str) -> EntraReply:
    try:
        tenant = _tenant(emu, key)
    except _Reject as exc:
        return _error(emu, exc, None)
    return EntraReply(200, {"keys": [emu.signing_key.public_jwk()]}, tenant=tenant.id)


def _resource_of(scope: str, base_url: str) -> str:
    resource = scope.removesuffix("/.default")
    if resource in (GRAPH_RESOURCE, GRAPH_RESOURCE + "/", GRAPH_APP_ID):
        return GRAPH_RESOURCE if resource.startswith("https") else GRAPH_APP_ID
    if resource.rstrip("/") == base_url:
        return base_url
    return ""


def token(emu: Emulator, key: str, form_body: bytes, headers: dict[str, str], base_url: str) -> EntraReply:
    """``POST /{tenant}/oauth2/v2.0/token`` with ``grant_type=client_credentials``."""
    correlation = headers.get("client-request-id")
    client_id: str | None = None
    try:
        tenant = _tenant(emu, key)
        content_type = headers.get("content-type", "")
        if "application/x-www-form-urlencoded" not in content_type.lower():
            raise _Reject(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'. "
                "(Content-Type must be application/x-www-form-urlencoded.)",
            )
        form = dict(parse_qsl(form_body.decode("utf-8", "replace"), keep_blank_values=True))
        basic_secret = None
        auth = headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(auth[6:]).decode()
                basic_id, _, basic_secret = decoded.partition(":")
                form.setdefault("client_id", unquote(basic_id))
                basic_secret = unquote(basic_secret)
            except (ValueError, UnicodeDecodeError):
                raise _Reject(
                    401, "invalid_client", 7000218, "The Basic authorization header is malformed."
                ) from None
        for name in ("grant_type", "client_id", "scope"):
            if not form.get(name):
                raise _Reject(
                    400,
                    "invalid_request",
                    900144,
                    f"The request body must contain the following parameter: '{name}'.",
                )
        if form["grant_type"] != "client_credentials":
            raise _Reject(
                400,
                "unsupported_grant_type",
                70003,
                f"The app requested an unsupported grant type '{form['grant_type']}'. The emulator supports "
                f"client_credentials only.",
            )
        client_id = form["client_id"]
        app = tenant.apps.get(client_id)
        if app is None:
            raise _Reject(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory '{tenant.display_name}'. "
                f"This can happen if the application has not been installed by the administrator of the tenant or "
                f"consented to by any user in the tenant. You may have sent your authentication request to the wrong "
                f"tenant.",
            )
        scopes = form["scope"].split()
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            raise _Reject(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {form['scope']} is not valid. Client credential flows must have a "
                f"scope value with /.default suffixed to the resource identifier (application ID URI).",
            )
        resource = _resource_of(scopes[0], base_url)
        if not resource:
            raise _Reject(
                400,
                "invalid_resource",
                500011,
                f"The resource principal named {scopes[0].removesuffix('/.default')} was not found in the tenant "
                f"named {tenant.display_name}. This can happen if the application has not been installed by the "
                f"administrator of the tenant or consented to by any user in the tenant.",
            )
        secret = form.get("client_secret") or basic_secret
        assertion = form.get("client_assertion")
        if secret:
            if app.secret is None or not hmac.compare_digest(secret.encode(), app.secret.encode()):
                raise _Reject(
                    401,
                    "invalid_client",
                    7000215,
                    f"Invalid client secret provided. Ensure the secret being sent in the request is the client "
                    f"secret value, not the client secret ID, for a secret added to app '{client_id}'.",
                )
        elif assertion:
            if form.get("client_assertion_type") != JWT_BEARER:
                raise _Reject(
                    400,
                    "invalid_request",
                    50027,
                    f"client_assertion_type must be '{JWT_BEARER}'.",
                )
            try:
                verify_client_assertion(
                    assertion,
                    client_id=client_id,
                    certificates=app.certificates,
                    # MSAL signs for the token endpoint from discovery (tenant GUID); a caller may
                    # have used the domain in the URL: both name this endpoint.
                    token_endpoints={
                        f"{base_url}/{key}/oauth2/v2.0/token",
                        f"{base_url}/{tenant.id}/oauth2/v2.0/token",
                    },
                    now=emu.clock(),
                )
            except AssertionRejected as exc:
                raise _Reject(401, "invalid_client", exc.code, exc.message) from None
        else:
            raise _Reject(
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            )
    except _Reject as exc:
        reply = _error(emu, exc, correlation)
        reply.client_id = client_id
        return reply
    lifetime = int(emu.knob(tenant, "token_lifetime_s"))
    access_token = issue_access_token(
        emu.signing_key,
        lifetime_s=lifetime,
        tenant_id=tenant.id,
        app_id=app.client_id,
        roles=app.roles,
        now=emu.clock(),
        audience=resource,
        app_display_name=app.display_name,
    )
    return EntraReply(
        200,
        {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": access_token,
        },
        headers={"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"},
        tenant=tenant.id,
        client_id=client_id,
    )
