"""Write Graph-shaped records as the other export shapes (JSON Lines, portal CSV + AuthDetails, LA)."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CSV_HEADER = [
    "Date (UTC)", "Request ID", "User agent", "Correlation ID", "User ID", "User", "Username", "User type",
    "Incoming token type", "Application", "Application ID ", "Resource", "IP address", "Location", "Status",
    "Sign-in error code", "Failure reason", "Client app", "Multifactor authentication result",
    "Authentication requirement", "Incoming token type", "Autonomous system  number", "Session ID", "Custom Column",
]  # fmt: skip


def write_json(path: Path, records: Sequence[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(records, indent=1), encoding="utf-8")
    return path


def write_page(path: Path, records: Sequence[dict[str, Any]]) -> Path:
    page = {
        "@odata.context": "https://graph.microsoft.com/beta/$metadata#auditLogs/signIns",
        "value": list(records),
    }
    path.write_text(json.dumps(page), encoding="utf-8")
    return path


def write_jsonl(path: Path, records: Sequence[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def write_portal_csv(
    directory: Path, records: Sequence[dict[str, Any]], *, with_auth_details: bool = True
) -> Path:
    main = directory / "InteractiveSignIns_2026-11-06_2026-11-21.csv"
    with main.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_HEADER)
        for r in records:
            loc = r.get("location") or {}
            status = r.get("status") or {}
            req = r.get("authenticationRequirement")
            w.writerow([
                r["createdDateTime"], r["id"], r.get("userAgent", ""), r.get("correlationId", ""), r.get("userId") or "",
                "Alice", r.get("userPrincipalName", ""), r.get("userType", ""), "None", r.get("appDisplayName", ""),
                "00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online", r.get("ipAddress", ""),
                f"{loc.get('city', '')}, {loc.get('state', '')}, {loc.get('countryOrRegion', '')}",
                "Success" if status.get("errorCode") == 0 else "Failure", status.get("errorCode"),
                status.get("failureReason") or "", "Browser", status.get("additionalDetails") or "",
                {"multiFactorAuthentication": "Multifactor authentication",
                 "singleFactorAuthentication": "Single-factor authentication"}.get(req or "", ""),
                "None", "64496", r.get("sessionId", ""), "x",
            ])  # fmt: skip
    if with_auth_details:
        details = directory / "InteractiveSignIns_AuthDetails_2026-11-06_2026-11-21.csv"
        with details.open("w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh)
            w.writerow(["Request ID", "Authentication step date", "Authentication method",
                        "Authentication method detail", "Succeeded", "Result detail", "Requirement"])  # fmt: skip
            for r in records:
                for s in r.get("authenticationDetails") or []:
                    w.writerow([r["id"], s["authenticationStepDateTime"], s["authenticationMethod"],
                                s.get("authenticationMethodDetail") or "", str(s["succeeded"]).lower(),
                                s["authenticationStepResultDetail"], s["authenticationStepRequirement"]])  # fmt: skip
    return main


def to_log_analytics(r: dict[str, Any]) -> dict[str, Any]:
    status = r.get("status") or {}
    return {
        "TimeGenerated": r["createdDateTime"],
        "Id": r["id"],
        "UserPrincipalName": r.get("userPrincipalName"),
        "UserId": r.get("userId"),
        "ResultType": str(status.get("errorCode")),
        "ResultDescription": status.get("failureReason"),
        "Status": json.dumps(
            {"errorCode": status.get("errorCode"), "additionalDetails": status.get("additionalDetails")}
        ),
        "AuthenticationDetails": json.dumps(r.get("authenticationDetails") or []),
        "AuthenticationRequirement": r.get("authenticationRequirement"),
        "IPAddress": r.get("ipAddress"),
        "LocationDetails": r.get("location"),
        "AppDisplayName": r.get("appDisplayName"),
        "UserAgent": r.get("userAgent"),
        "CorrelationId": r.get("correlationId"),
        "SessionId": r.get("sessionId"),
        "UserType": r.get("userType"),
        "IsInteractive": r.get("isInteractive"),
        "Type": "SigninLogs",
    }
