"""Generate a JSON Lines file of Graph beta sign-in records for the detection benchmark.

Mostly benign (token refreshes, "previously satisfied" sign-ins, fresh MFA approvals, interrupts,
password typos) with push-spam attacks mixed in (~0.5 % of the records), in time order over 7 days.
The mix and the record shape stay the same whatever the size, so runs at different sizes compare.

    python bench/gen_signins.py 1000000 bench/out/signins_1m.jsonl
"""

from __future__ import annotations

import random
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

USERS = 5000
START = datetime(2026, 11, 1, tzinfo=UTC)
SPAN = timedelta(days=7)
APPS = ["Office 365 Exchange Online", "Microsoft Teams", "SharePoint Online", "Azure Portal", "OfficeHome"]
COUNTRIES = [("US", "Seattle", "Washington"), ("US", "New York", "New York"), ("GB", "London", "London")]
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}3Z"


def base(
    rng: random.Random,
    t: datetime,
    user: int,
    *,
    ip: str | None = None,
    loc: tuple[str, str, str] | None = None,
) -> dict[str, Any]:
    country, city, state = loc or COUNTRIES[user % len(COUNTRIES)]
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128))),
        "createdDateTime": ts(t),
        "userDisplayName": f"User {user}",
        "userPrincipalName": f"user{user}@contoso.com",
        "userId": str(uuid.UUID(int=user + (7 << 120))),
        "appId": "00000002-0000-0ff1-ce00-000000000000",
        "appDisplayName": APPS[user % len(APPS)],
        "ipAddress": ip or f"203.0.{user % 200}.{user % 250 + 1}",
        "clientAppUsed": "Browser",
        "userAgent": UA,
        "correlationId": str(uuid.UUID(int=rng.getrandbits(128))),
        "conditionalAccessStatus": "success",
        "originalRequestId": str(uuid.UUID(int=rng.getrandbits(128))),
        "isInteractive": True,
        "tokenIssuerType": "AzureAD",
        "userType": "Member",
        "resourceDisplayName": "Office 365 Exchange Online",
        "resourceId": "00000002-0000-0ff1-ce00-000000000000",
        "riskDetail": "none",
        "riskLevelAggregated": "none",
        "riskLevelDuringSignIn": "none",
        "riskState": "none",
        "riskEventTypes_v2": [],
        "sessionId": str(uuid.UUID(int=rng.getrandbits(128))),
        "status": {"errorCode": 0, "failureReason": "Other.", "additionalDetails": None},
        "deviceDetail": {"deviceId": "", "displayName": "", "operatingSystem": "Windows10", "browser": "Chrome 120.0",
                         "isCompliant": False, "isManaged": False, "trustType": ""},
        "location": {"city": city, "state": state, "countryOrRegion": country,
                     "geoCoordinates": {"altitude": None, "latitude": 47.6, "longitude": -122.3}},
        "appliedConditionalAccessPolicies": [
            {"id": "6f5a9f5e-1111-2222-3333-444455556666", "displayName": "Require MFA for all users",
             "enforcedGrantControls": ["Mfa"], "enforcedSessionControls": [], "result": "success"}
        ],
        "authenticationRequirement": "singleFactorAuthentication",
        "authenticationDetails": [],
        "signInEventTypes": ["interactiveUser"],
    }  # fmt: skip


def step(
    t: datetime, method: str, detail: str, ok: bool, req: str = "Multifactor authentication"
) -> dict[str, Any]:
    return {"authenticationStepDateTime": ts(t), "authenticationMethod": method, "authenticationMethodDetail": None,
            "succeeded": ok, "authenticationStepResultDetail": detail, "authenticationStepRequirement": req}  # fmt: skip


def benign(rng: random.Random, t: datetime) -> dict[str, Any]:
    user = rng.randrange(USERS)
    rec = base(rng, t, user)
    roll = rng.random()
    if roll < 0.60:  # non-interactive token refresh
        rec["isInteractive"] = False
        rec["signInEventTypes"] = ["nonInteractiveUser"]
    elif roll < 0.85:  # interactive, MFA satisfied by the token
        rec["authenticationRequirement"] = "multiFactorAuthentication"
        rec["authenticationDetails"] = [
            step(t, "Previously satisfied", "MFA requirement satisfied by claim in the token", True)
        ]
    elif roll < 0.93:  # fresh MFA approval
        rec["authenticationRequirement"] = "multiFactorAuthentication"
        rec["authenticationDetails"] = [
            step(t, "Password", "Correct password", True, "Primary authentication"),
            step(t, "Mobile app notification", "MFA successfully completed", True),
        ]
    elif roll < 0.97:  # MFA interrupt
        rec["status"] = {"errorCode": 50074, "failureReason": "Strong Authentication is required.",
                         "additionalDetails": "MFA required in Azure AD"}  # fmt: skip
        rec["authenticationRequirement"] = "multiFactorAuthentication"
        rec["authenticationDetails"] = [
            step(t, "Password", "Correct password", True, "Primary authentication")
        ]
    else:  # password typo
        rec["status"] = {
            "errorCode": 50126,
            "failureReason": "Invalid username or password.",
            "additionalDetails": None,
        }
        rec["authenticationDetails"] = [
            step(t, "Password", "Invalid username or password", False, "Primary authentication")
        ]
    return rec


def attack(rng: random.Random, t: datetime) -> list[dict[str, Any]]:
    """12 declined pushes from an attacker IP in ~4 minutes; half the victims then approve."""
    user = rng.randrange(USERS)
    ip = f"198.51.100.{rng.randrange(1, 250)}"
    loc = ("NL", "Amsterdam", "North Holland")
    out = []
    for i in range(12):
        at = t + timedelta(seconds=20 * i)
        rec = base(rng, at, user, ip=ip, loc=loc)
        rec["status"] = {"errorCode": 500121, "failureReason": "Authentication failed during strong authentication request.",
                         "additionalDetails": "MFA denied; user declined the authentication"}  # fmt: skip
        rec["authenticationRequirement"] = "multiFactorAuthentication"
        rec["authenticationDetails"] = [
            step(at, "Password", "Correct password", True, "Primary authentication"),
            step(at, "Mobile app notification", "MFA denied; user declined the authentication", False),
        ]
        out.append(rec)
    if rng.random() < 0.5:
        at = t + timedelta(seconds=250)
        rec = base(rng, at, user, ip=ip, loc=loc)
        rec["authenticationRequirement"] = "multiFactorAuthentication"
        rec["authenticationDetails"] = [
            step(at, "Password", "Correct password", True, "Primary authentication"),
            step(at, "Mobile app notification", "MFA successfully completed", True),
        ]
        out.append(rec)
    return out


ATTACK_RATE = 0.0004
"""Chance that a time slot holds an attack (12-13 records) instead of one benign record: ~0.5 %."""


def generate(count: int, path: Path, seed: int = 7, attack_rate: float = ATTACK_RATE) -> int:
    rng = random.Random(seed)
    step_s = SPAN.total_seconds() / count
    written = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        i = 0
        while written < count:
            t = START + timedelta(seconds=i * step_s)
            i += 1
            recs = attack(rng, t) if rng.random() < attack_rate else [benign(rng, t)]
            for rec in recs[: count - written]:
                fh.write(orjson.dumps(rec) + b"\n")
                written += 1
    return written


if __name__ == "__main__":
    n = int(sys.argv[1])
    out = Path(sys.argv[2])
    rate = float(sys.argv[3]) if len(sys.argv) > 3 else ATTACK_RATE
    print(f"wrote {generate(n, out, attack_rate=rate)} records to {out} ({out.stat().st_size / 1e6:.0f} MB)")
