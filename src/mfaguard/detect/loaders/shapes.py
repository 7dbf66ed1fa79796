"""Map other export shapes to Graph signIn field names (reference §1.5).

Log Analytics ``SigninLogs`` rows use PascalCase names, write ``ResultType`` as a string and
``AuthenticationDetails`` / ``Status`` / ``LocationDetails`` as JSON strings; the portal CSV uses
display headers ("Date (UTC)", "Request ID", ...). Both become Graph-shaped dicts here, so
normalisation has one shape to understand.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def looks_like_la(raw: Mapping[str, Any]) -> bool:
    return "createdDateTime" not in raw and (
        "TimeGenerated" in raw or "ResultType" in raw or "CreatedDateTime" in raw
    )


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def from_log_analytics(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A ``SigninLogs`` / ``AADNonInteractiveUserSignInLogs`` row as a Graph signIn dict."""
    status = _maybe_json(raw.get("Status"))
    location = _maybe_json(raw.get("LocationDetails"))
    mfa = _maybe_json(raw.get("MfaDetail"))
    out: dict[str, Any] = {
        "id": raw.get("Id") or raw.get("OriginalRequestId"),
        "createdDateTime": raw.get("CreatedDateTime") or raw.get("TimeGenerated"),
        "userPrincipalName": raw.get("UserPrincipalName"),
        "userId": raw.get("UserId"),
        "status": {
            "errorCode": raw.get("ResultType"),
            "failureReason": raw.get("ResultDescription"),
            "additionalDetails": status.get("additionalDetails") if isinstance(status, Mapping) else None,
        },
        "authenticationDetails": raw.get("AuthenticationDetails"),
        "authenticationRequirement": raw.get("AuthenticationRequirement"),
        "ipAddress": raw.get("IPAddress"),
        "location": location if isinstance(location, Mapping) else None,
        "appDisplayName": raw.get("AppDisplayName"),
        "userAgent": raw.get("UserAgent"),
        "correlationId": raw.get("CorrelationId"),
        "originalRequestId": raw.get("OriginalRequestId"),
        "sessionId": raw.get("SessionId"),
        "userType": raw.get("UserType"),
        "mfaDetail": mfa if isinstance(mfa, Mapping) else None,
        "autonomousSystemNumber": raw.get("AutonomousSystemNumber"),
    }
    interactive = raw.get("IsInteractive")
    if interactive is None and isinstance(raw.get("Type"), str):
        interactive = raw["Type"] != "AADNonInteractiveUserSignInLogs"
    out["isInteractive"] = interactive
    return out


def header_key(name: str) -> str:
    """Tolerant CSV header: case and whitespace do not matter (``Autonomous system  number``)."""
    return " ".join(name.replace("\ufeff", "").split()).lower()


# Portal CSV header (normalised) → Graph path.
CSV_COLUMNS: Mapping[str, str] = {
    "date (utc)": "createdDateTime",
    "date": "createdDateTime",
    "request id": "id",
    "username": "userPrincipalName",
    "user principal name": "userPrincipalName",
    "user id": "userId",
    "user": "userDisplayName",
    "user type": "userType",
    "sign-in error code": "status.errorCode",
    "failure reason": "status.failureReason",
    "additional details": "status.additionalDetails",
    "multifactor authentication result": "status.mfaResult",
    "multifactor authentication auth method": "mfaDetail.authMethod",
    "multifactor authentication auth detail": "mfaDetail.authDetail",
    "ip address": "ipAddress",
    "location": "location",
    "application": "appDisplayName",
    "application id": "appId",
    "user agent": "userAgent",
    "correlation id": "correlationId",
    "session id": "sessionId",
    "authentication requirement": "authenticationRequirement",
    "status": "statusText",
    "client app": "clientAppUsed",
    "resource": "resourceDisplayName",
    "resource id": "resourceId",
    "browser": "deviceDetail.browser",
    "operating system": "deviceDetail.operatingSystem",
    "conditional access": "conditionalAccessStatus",
    "cross tenant access type": "crossTenantAccessType",
    "incoming token type": "incomingTokenType",
    "autonomous system number": "autonomousSystemNumber",
    "ip address (seen by resource)": "ipAddressFromResourceProvider",
    "device id": "deviceDetail.deviceId",
    "compliant": "deviceDetail.isCompliant",
    "managed": "deviceDetail.isManaged",
    "join type": "deviceDetail.trustType",
    "token issuer type": "tokenIssuerType",
    "token issuer name": "tokenIssuerName",
    "latency": "processingTimeInMilliseconds",
    "flagged for review": "flaggedForReview",
    "home tenant id": "homeTenantId",
    "home tenant name": "homeTenantName",
    "resource tenant id": "resourceTenantId",
    "is interactive": "isInteractive",
    "interactive": "isInteractive",
    "authentication protocol": "authenticationProtocol",
    "unique token identifier": "uniqueTokenIdentifier",
    "service principal id": "servicePrincipalId",
    "service principal name": "servicePrincipalName",
    "federated token id": "federatedTokenId",
    "federated token issuer": "federatedTokenIssuer",
}

# AuthDetails CSV header (normalised) → authenticationDetail field.
AUTH_DETAIL_COLUMNS: Mapping[str, str] = {
    "request id": "requestId",
    "authentication method": "authenticationMethod",
    "authentication method detail": "authenticationMethodDetail",
    "succeeded": "succeeded",
    "result detail": "authenticationStepResultDetail",
    "authentication step date": "authenticationStepDateTime",
    "authentication step date (utc)": "authenticationStepDateTime",
    "date (utc)": "authenticationStepDateTime",
    "date": "authenticationStepDateTime",
    "requirement": "authenticationStepRequirement",
    "authentication step requirement": "authenticationStepRequirement",
    "status": "statusText",
    "authentication step result detail": "authenticationStepResultDetail",
}


def csv_row_to_signin(row: Mapping[str, str]) -> dict[str, Any]:
    """A portal CSV row (keys already mapped to Graph paths) as a Graph signIn dict."""
    out: dict[str, Any] = {}
    status: dict[str, Any] = {}
    mfa: dict[str, Any] = {}
    for path, value in row.items():
        if value == "":
            continue
        if path.startswith("status."):
            status[path[7:]] = value
        elif path.startswith("mfaDetail."):
            mfa[path[10:]] = value
        elif path == "location":
            out["location"] = _csv_location(value)
        elif "." not in path:
            out[path] = value
    if "mfaResult" in status:
        result = status.pop("mfaResult")
        status.setdefault("additionalDetails", result)
    if status:
        out["status"] = status
    if mfa:
        out["mfaDetail"] = mfa
    req = out.get("authenticationRequirement")
    if isinstance(req, str):
        low = req.lower()
        if "multi" in low:
            out["authenticationRequirement"] = "multiFactorAuthentication"
        elif "single" in low:
            out["authenticationRequirement"] = "singleFactorAuthentication"
    return out


def _csv_location(value: str) -> dict[str, str]:
    # The portal writes "City, State, CC"; parts may be missing.
    parts = [p.strip() for p in value.split(",")]
    loc = {"city": "", "state": "", "countryOrRegion": ""}
    if parts and len(parts[-1]) == 2 and parts[-1].isalpha():
        loc["countryOrRegion"] = parts.pop()
    if parts:
        loc["city"] = parts[0]
    if len(parts) > 1:
        loc["state"] = parts[1]
    return loc
