"""Builders of Graph-shaped sign-in, audit and risk records for the detection tests.

The fixture of reference §5: victim alice@contoso.com with 14 days of successful MFA sign-ins from the
corporate IP 203.0.113.10 (US); attacker 198.51.100.77 (NL).
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

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
