"""Sign-ins for tests: Graph-shaped sign-in, audit and risk records, the other export shapes they are
written in (JSON Lines, portal CSV + AuthDetails, Log Analytics), and running the detections on them.

The fixture of reference §5: victim alice@contoso.com with 14 days of successful MFA sign-ins from the
corporate IP 203.0.113.10 (US); attacker 198.51.100.77 (NL).
"""

from __future__ import annotations

import csv
import itertools
import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mfaguard.detect import DetectionResult, DetectOptions, detect_records
from mfaguard.detect.alerts import Alert

ALICE = "alice@contoso.com"
ALICE_ID = "11111111-1111-1111-1111-111111111111"
BOB = "bob@contoso.com"
BOB_ID = "22222222-2222-2222-2222-222222222222"
CORP_IP = "203.0.113.10"
ATTACKER_IP = "198.51.100.77"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)

DECLINED = "MFA denied; user declined the authentication"
TIMEOUT = "MFA denied; user did not respond to mobile app notification"
FRAUD = "MFA denied; Phone App Reported Fraud"
BLOCKED = "MFA denied; user is blocked"
WRONG_NUMBER = "MFA denied; user did not select the correct number"
SUCCESS = "MFA successfully completed"
PUSH = "Mobile app notification"
OATH = "OATH verification code"

_counter = itertools.count(1)


def new_id() -> str:
    return str(uuid.UUID(int=next(_counter) + (1 << 100)))


def ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}" + "1Z"  # 7 fractional digits, like Graph


def step(t: datetime, detail: str, succeeded: bool, method: str = PUSH) -> dict[str, Any]:
    return {
        "authenticationStepDateTime": ts(t),
        "authenticationMethod": method,
        "authenticationMethodDetail": None,
        "succeeded": succeeded,
        "authenticationStepResultDetail": detail,
        "authenticationStepRequirement": "Multifactor authentication"
        if method != "Password"
        else "Primary authentication",
    }


def record(
    t: datetime,
    *,
    code: int,
    detail: str | None = None,
    user: str = ALICE,
    user_id: str | None = ALICE_ID,
    ip: str = CORP_IP,
    country: str = "US",
    steps: list[dict[str, Any]] | None = None,
    requirement: str | None = "multiFactorAuthentication",
    interactive: bool = True,
    corr: str | None = None,
    rid: str | None = None,
    app: str = "Office 365 Exchange Online",
    ua: str = "Mozilla/5.0",
    session: str | None = None,
    user_type: str = "Member",
) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "id": rid or new_id(),
        "createdDateTime": ts(t),
        "userPrincipalName": user,
        "userId": user_id,
        "userType": user_type,
        "appDisplayName": app,
        "ipAddress": ip,
        "location": {
            "city": "Amsterdam" if country == "NL" else "Seattle",
            "state": "",
            "countryOrRegion": country,
        },
        "status": {
            "errorCode": code,
            "failureReason": "Authentication failed during strong authentication request."
            if code == 500121
            else None,
            "additionalDetails": detail,
        },
        "correlationId": corr or new_id(),
        "isInteractive": interactive,
        "userAgent": ua,
        "sessionId": session or new_id(),
    }
    if requirement is not None:
        rec["authenticationRequirement"] = requirement
    if steps is not None:
        rec["authenticationDetails"] = steps
    return rec


def denial(
    t: datetime, phrase: str = DECLINED, *, method: str = PUSH, with_steps: bool = True, **kw: Any
) -> dict[str, Any]:
    steps = (
        [step(t, "Correct password", True, "Password"), step(t, phrase, False, method)]
        if with_steps
        else None
    )
    return record(t, code=500121, detail=phrase, steps=steps, **kw)


def interrupt(t: datetime, **kw: Any) -> dict[str, Any]:
    return record(
        t,
        code=50074,
        detail="MFA required in Azure AD",
        steps=[step(t, "Correct password", True, "Password")],
        **kw,
    )


def attempt(t: datetime, phrase: str = DECLINED, **kw: Any) -> list[dict[str, Any]]:
    """A 50074 interrupt followed by the 500121 denial in the same correlationId (reference §5)."""
    corr = kw.pop("corr", None) or new_id()
    return [interrupt(t - timedelta(seconds=2), corr=corr, **kw), denial(t, phrase, corr=corr, **kw)]


def success(
    t: datetime, *, method: str = PUSH, extra_steps: list[dict[str, Any]] | None = None, **kw: Any
) -> dict[str, Any]:
    steps = [
        step(t, "Correct password", True, "Password"),
        *(extra_steps or []),
        step(t, SUCCESS, True, method),
    ]
    return record(t, code=0, detail=None, steps=steps, **kw)


def baseline(days: int = 14, *, end: datetime = T0, **kw: Any) -> list[dict[str, Any]]:
    """Daily successful MFA sign-ins from the corporate IP (US) before ``end``."""
    return [
        success(end - timedelta(days=d, hours=1))
        if not kw
        else success(end - timedelta(days=d, hours=1), **kw)
        for d in range(1, days + 1)
    ]


def audit(
    t: datetime,
    activity: str,
    *,
    user: str = ALICE,
    user_id: str = ALICE_ID,
    reason: str = "",
    category: str = "UserManagement",
    modified: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "activityDateTime": ts(t),
        "activityDisplayName": activity,
        "category": category,
        "result": "success",
        "resultReason": reason,
        "initiatedBy": {"user": {"id": user_id, "userPrincipalName": user, "ipAddress": ATTACKER_IP}},
        "targetResources": [
            {
                "id": user_id,
                "type": "User",
                "userPrincipalName": user,
                "modifiedProperties": [{"displayName": m} for m in (modified or [])],
            }
        ],
    }


def risk(
    t: datetime, *, user: str = ALICE, user_id: str = ALICE_ID, kind: str = "userReportedSuspiciousActivity"
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "riskEventType": kind,
        "riskLevel": "high",
        "riskState": "atRisk",
        "source": "EndUserReported",
        "detectionTimingType": "offline",
        "activityDateTime": ts(t),
        "detectedDateTime": ts(t + timedelta(minutes=2)),
        "ipAddress": ATTACKER_IP,
        "userId": user_id,
        "userPrincipalName": user,
    }


# ---- the examples of reference §5 ------------------------------------------------------------------

NL = {"ip": ATTACKER_IP, "country": "NL"}


def first_example() -> list[dict[str, object]]:
    records = baseline()
    for i in range(12):  # 12 "declined" in 4 minutes from the attacker
        records += attempt(T0 + timedelta(seconds=20 * i), **NL)
    records.append(success(T0 + timedelta(seconds=20 * 11 + 30), **NL))  # 30 s after the last denial
    return records


# ---- running the detections ---------------------------------------------------------------------


def run(
    signins: Iterable[dict[str, Any]],
    *,
    audits: Iterable[dict[str, Any]] = (),
    risks: Iterable[dict[str, Any]] = (),
    profile: str = "default",
    **options: Any,
) -> DetectionResult:
    return detect_records(
        list(signins),
        audits=list(audits),
        risks=list(risks),
        now=NOW,
        options=DetectOptions(**options),
        profile=profile,
    )


def of(result: DetectionResult, det: str) -> list[Alert]:
    return [a for a in result.alerts if a.detection_id == det]


def summary(result: DetectionResult) -> list[tuple[str, str]]:
    """(detection id, severity) pairs, sorted: what the worked examples state."""
    return sorted((a.detection_id, a.severity.value) for a in result.alerts)


# ---- export shapes -------------------------------------------------------------------------------

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
