"""Graph and Entra error bodies, exactly shaped as the services send them (graph.md §8, §10)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any


class GraphFailure(Exception):
    """Raised by a Graph handler to answer with Graph's error shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def new_request_id() -> str:
    return str(uuid.uuid4())


def graph_error_body(
    code: str, message: str, *, request_id: str, client_request_id: str | None, now: float
) -> dict[str, Any]:
    """``{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}``."""
    date = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": date,
                "request-id": request_id,
                "client-request-id": client_request_id or request_id,
            },
        }
    }


def bad_request(message: str, code: str = "BadRequest") -> GraphFailure:
    return GraphFailure(400, code, message)


def unknown_property(prop: str, type_name: str) -> GraphFailure:
    # The OData deserializer's wording (observed on many Graph resources).
    return bad_request(
        f"The property '{prop}' does not exist on type '{type_name}'. Make sure to only use property "
        f"names that are defined by the type or mark the type as open type."
    )


def access_denied() -> GraphFailure:
    return GraphFailure(
        403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
    )


def not_found(resource_id: str) -> GraphFailure:
    return GraphFailure(
        404,
        "Request_ResourceNotFound",
        f"Resource '{resource_id}' does not exist or one of its queried reference-property objects are not present.",
    )


def not_premium() -> GraphFailure:
    return GraphFailure(
        403,
        "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
        "Neither tenant is B2C or tenant doesn't have premium license",
    )


def aad_error_body(
    error: str, code: int, description: str, *, now: float, trace_id: str, correlation_id: str
) -> dict[str, Any]:
    """Entra token-endpoint error: ``error``, ``error_description`` (AADSTS...), ``error_codes``, ..."""
    timestamp = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return {
        "error": error,
        "error_description": (
            f"AADSTS{code}: {description} Trace ID: {trace_id} Correlation ID: {correlation_id} "
            f"Timestamp: {timestamp}"
        ),
        "error_codes": [code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }
