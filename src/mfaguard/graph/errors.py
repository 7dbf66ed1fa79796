"""Turn Graph error responses and transport failures into :mod:`mfaguard.errors` with hints.

Graph's error body is ``{"error": {"code", "message", "innerError": {"request-id", "date", ...}}}``
(reference/graph.md §8). We branch on the HTTP status and ``error.code`` — never on ``message``,
which is developer text Microsoft may reword — but quote the message, because it often names the
exact problem (a PATCH validation failure, a bad filter).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mfaguard.errors import (
    AuthError,
    GraphError,
    LicenseError,
    NotFoundError,
    PermissionError_,
    ServiceError,
    ThrottledError,
    UnreachableError,
)

LICENSE_CODE = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"


@dataclass(frozen=True, slots=True)
class Requirement:
    """What one kind of request needs: the least-privileged Graph permission and delegated roles."""

    permission: str
    roles: str


# (method or "*", path regex on the path after /v1.0|/beta, lower-cased) → requirement. First match
# wins. Permissions are the least-privileged ones from the Graph API pages (reference/graph.md §1, §3,
# §5, §6, §9); roles are the least-privileged Entra roles for delegated (signed-in user) use.
_REQUIREMENTS: tuple[tuple[str, re.Pattern[str], Requirement], ...] = (
    (
        "GET",
        re.compile(r"^/policies/authenticationmethodspolicy"),
        Requirement(
            "Policy.Read.AuthenticationMethod", "Global Reader or Authentication Policy Administrator"
        ),
    ),
    (
        "*",
        re.compile(r"^/policies/authenticationmethodspolicy"),
        Requirement("Policy.ReadWrite.AuthenticationMethod", "Authentication Policy Administrator"),
    ),
    (
        "*",
        re.compile(r"^/(reports/authenticationmethods|auditlogs)/"),
        Requirement("AuditLog.Read.All", "Reports Reader, Security Reader or Global Reader"),
    ),
    (
        "*",
        re.compile(r"^/identityprotection/riskyusers"),
        Requirement("IdentityRiskyUser.Read.All", "Security Reader"),
    ),
    (
        "*",
        re.compile(r"^/identityprotection/"),
        Requirement("IdentityRiskEvent.Read.All", "Security Reader"),
    ),
    (
        "*",
        re.compile(r"^/users/[^/]+/authentication/"),
        Requirement("UserAuthenticationMethod.Read.All", "Authentication Administrator"),
    ),
    ("*", re.compile(r"^/groups"), Requirement("GroupMember.Read.All", "Directory Readers")),
    ("*", re.compile(r"^/users"), Requirement("User.Read.All", "Directory Readers")),
    ("*", re.compile(r"^/directoryobjects"), Requirement("Directory.Read.All", "Directory Readers")),
    ("*", re.compile(r"^/organization"), Requirement("Organization.Read.All", "Directory Readers")),
)

_VERSION_PREFIX = re.compile(r"^/(v1\.0|beta)(?=/|$)", re.IGNORECASE)


def api_path(url: str) -> str:
    """The path after ``/v1.0`` or ``/beta`` (e.g. ``/groups/x``), without query; '' if none."""
    path = urlsplit(url).path if "://" in url else url.split("?", 1)[0]
    # A --graph-endpoint may carry a path prefix (a proxy); look for the version segment anywhere.
    match = re.search(r"/(v1\.0|beta)(/.*)?$", path, re.IGNORECASE)
    if match:
        return match.group(2) or ""
    return _VERSION_PREFIX.sub("", path)


def requirement_for(method: str, url: str) -> Requirement | None:
    """The permission (and delegated roles) a request needs, or None when mfaguard does not know."""
    path = api_path(url).lower()
    for wanted_method, pattern, requirement in _REQUIREMENTS:
        if wanted_method in ("*", method.upper()) and pattern.search(path):
            return requirement
    return None


@dataclass(frozen=True, slots=True)
class GraphErrorBody:
    """The parts of a Graph error body mfaguard uses."""

    code: str | None
    message: str | None
    request_id: str | None


def parse_error_body(body: Any, headers: Mapping[str, str] | None = None) -> GraphErrorBody:
    """Extract code, message and request-id from a Graph (or token endpoint) error body."""
    code = message = request_id = None
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping):
            code = _str(error.get("code"))
            message = _str(error.get("message"))
            inner = error.get("innerError") or error.get("innererror")
            while isinstance(inner, Mapping) and request_id is None:
                request_id = _str(inner.get("request-id"))
                inner = inner.get("innerError") or inner.get("innererror")
        elif isinstance(error, str):  # OAuth token-endpoint shape: {"error", "error_description"}
            code = error
            message = _str(body.get("error_description"))
    if request_id is None and headers is not None:
        request_id = headers.get("request-id") or headers.get("x-ms-request-id")
    return GraphErrorBody(code, message, request_id)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _describe(method: str, url: str) -> str:
    return f"{method.upper()} {api_path(url) or urlsplit(url).path or url}"


def error_from_response(
    status: int,
    body: Any,
    headers: Mapping[str, str] | None = None,
    *,
    method: str,
    url: str,
) -> GraphError:
    """Map one non-2xx Graph response to the right :class:`GraphError` subclass, with a hint."""
    parsed = parse_error_body(body, headers)
    what = _describe(method, url)
    said = f": {parsed.message}" if parsed.message else ""
    kwargs: dict[str, Any] = {
        "status": status,
        "code": parsed.code,
        "request_id": parsed.request_id,
        "url": url,
    }
    requirement = requirement_for(method, url)

    if status == 401:
        return AuthError(
            f"{what} was refused: the access token is missing, expired or not valid for this Graph "
            f"endpoint{said}",
            hint="check the credential (AZURE_TENANT_ID, AZURE_CLIENT_ID and the secret or certificate), "
            "or get a fresh Microsoft Graph token for MFAGUARD_ACCESS_TOKEN "
            "(az account get-access-token --resource-type ms-graph); make sure --cloud matches the "
            "tenant's cloud. `mfaguard doctor` shows what the token contains.",
            **kwargs,
        )
    if status == 403 and parsed.code == LICENSE_CODE:
        return LicenseError(
            f"{what} needs a premium licence the tenant does not have{said}",
            hint="this data (sign-in logs, authentication-methods reports) requires Microsoft Entra ID P1 "
            "or P2 in the tenant; assign a P1/P2 licence or skip this part",
            **kwargs,
        )
    if status == 403:
        if requirement is not None:
            hint = (
                f"grant the application the Microsoft Graph application permission "
                f"{requirement.permission} and give admin consent; when signed in as a user, the user "
                f"also needs a role such as {requirement.roles}"
            )
        else:
            hint = "grant the application the Microsoft Graph permission this request needs and give admin consent"
        return PermissionError_(f"{what} was denied (missing permission){said}", hint=hint, **kwargs)
    if status == 404:
        return NotFoundError(
            f"{what} was not found{said}",
            hint="check the ID; if the path itself is unknown, this API may not be available in the "
            "selected cloud (--cloud) or API version",
            **kwargs,
        )
    if status == 429:
        scope = (headers or {}).get("x-ms-throttle-scope")
        scope_text = f" (throttle scope {scope})" if scope else ""
        return ThrottledError(
            f"{what} was still throttled by Microsoft Graph after retrying{scope_text}{said}",
            hint="wait a few minutes and run again, or lower the concurrency; reports are limited to 5 "
            "requests per 10 seconds per app and tenant, identity protection to 1 request per second",
            **kwargs,
        )
    if status >= 500:
        return ServiceError(
            f"{what} failed on the Microsoft Graph side{said}",
            hint="this is usually temporary: run again later; if it persists, give Microsoft support "
            "the request-id",
            **kwargs,
        )
    if status == 400:
        return GraphError(
            f"{what} was rejected as a bad request{said}",
            hint="Graph did not accept the request as sent; the message above names the problem",
            **kwargs,
        )
    if status in (409, 412):
        return GraphError(
            f"{what} conflicted with a concurrent change{said}",
            hint="someone else changed the object meanwhile; read it again and retry",
            **kwargs,
        )
    return GraphError(f"{what} failed{said}", hint="see the Graph message above", **kwargs)


_CAUSE_TEXT = {
    "refused": "connection refused",
    "dns": "host name not found in DNS",
    "tls": "TLS certificate not trusted",
    "timeout": "timed out connecting",
    "network": "network error",
}

_CA_HINT = (
    "if you use a proxy or the emulator with its own CA, point MFAGUARD_CA_BUNDLE (or --ca-bundle) at "
    "that CA's PEM file"
)


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and what caused it (``__cause__``/``__context__``, azure-core's ``inner_exception``)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 20:
        seen.append(current)
        inner = getattr(current, "inner_exception", None)
        current = (
            current.__cause__ or current.__context__ or (inner if isinstance(inner, BaseException) else None)
        )
    return seen


def connection_cause(exc: BaseException) -> str | None:
    """Why a connection could not be made: ``refused``, ``dns``, ``tls``, ``timeout`` or ``network``;
    None when ``exc`` is not a failure to connect (the request may have been sent)."""
    import socket
    import ssl

    chain = _chain(exc)
    for item in chain:
        if isinstance(item, ConnectionRefusedError):
            return "refused"
        if isinstance(item, socket.gaierror):
            return "dns"
        if isinstance(item, ssl.SSLError) and not isinstance(
            item, ssl.SSLWantReadError | ssl.SSLWantWriteError
        ):
            return "tls"
    text = " ".join(str(item) for item in chain)
    for cause, needles in (
        ("refused", ("Connection refused", "[Errno 111]", "actively refused")),
        (
            "dns",
            ("Name or service not known", "nodename nor servname", "getaddrinfo failed", "name resolution"),
        ),
        ("tls", ("CERTIFICATE_VERIFY_FAILED", "SSLError", "SSL:")),
    ):
        if any(needle in text for needle in needles):
            return cause
    names = {type(item).__name__ for item in chain}
    if names & {"ConnectTimeout", "PoolTimeout", "ConnectTimeoutError"}:
        return "timeout"
    if names & {"ConnectError", "ServiceRequestError", "NewConnectionError"}:
        return "network"
    return None


def unreachable(what: str, where: str, cause: str, hint: str, *, url: str | None = None) -> UnreachableError:
    """One line: what could not be reached, the cause, what to check."""
    return UnreachableError(
        f"cannot reach {what} at {where} ({_CAUSE_TEXT[cause]})",
        hint=_CA_HINT if cause == "tls" else hint,
        cause=cause,
        url=url,
    )


_GRAPH_HINTS = {
    "refused": "nothing answers there: check --graph-endpoint / MFAGUARD_GRAPH_ENDPOINT (or --cloud), and that "
    "the proxy or emulator is running",
    "dns": "check the host name in --graph-endpoint / --cloud, and the DNS and proxy settings (HTTPS_PROXY)",
    "timeout": "check the network, the firewall and the proxy settings (HTTPS_PROXY), then run again",
    "network": "check the network, the proxy settings and --graph-endpoint / --cloud",
}


def transport_error(exc: BaseException, *, method: str, url: str, may_have_landed: bool) -> ServiceError:
    """A connection failure or timeout that survived the retries, as a :class:`ServiceError`.

    ``may_have_landed`` is True for a write whose request may have reached Graph before the
    connection failed: the caller must re-read before trying again, never re-send blindly. A request
    that never left (the endpoint could not be reached at all) is an :class:`UnreachableError`.
    """
    what = _describe(method, url)
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    host = urlsplit(url).netloc
    # Only a failure to connect means "unreachable"; a read that timed out reached the server.
    connecting = type(exc).__name__ in ("ConnectError", "ConnectTimeout", "PoolTimeout")
    cause = connection_cause(exc) if connecting and not may_have_landed else None
    if cause is not None:
        return unreachable("Microsoft Graph", host, cause, _GRAPH_HINTS.get(cause, ""), url=url)
    if may_have_landed:
        return ServiceError(
            f"{what}: the connection to {host} failed after the request was sent ({reason}); "
            "the change may or may not have been applied",
            hint="re-read the object (mfaguard audit or plan) before trying again",
            url=url,
        )
    return ServiceError(
        f"{what}: could not reach {host} ({reason})",
        hint="check the network, the proxy settings and --graph-endpoint / --cloud",
        url=url,
    )
