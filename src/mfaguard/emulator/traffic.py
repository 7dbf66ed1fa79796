"""Sign-in traffic generated "now", so Conditional Access changes have sign-ins to show their impact.

``generate(tenant, ...)`` makes one batch: each chosen user signs in once, during the last hour, from a
client picked deterministically (browser on Windows or macOS, Outlook on iOS, Teams on Android,
Exchange ActiveSync on an iPhone), and one member's legacy IMAP4 client (a multifunction printer that
scans to mail) signs in too. What happens is decided by the tenant's **enforced** policies at that moment:

- a policy that applies and blocks, or requires something a legacy client cannot do → failure 53003
  ("Access has been blocked by Conditional Access policies");
- a policy that requires MFA or a strength → the user completes MFA with their best registered method that
  satisfies it (no usable method → 53003; nothing registered → 50079, must register);
- otherwise a single-factor success.

Every record then carries ``appliedConditionalAccessPolicies`` for all policies (report-only ones with
``reportOnly*`` results, see :mod:`mfaguard.emulator.ca_eval`). Users whose MFA was denied or interrupted in
the tenant's logs (an attack in progress) are left out, so detections over the scenario keep their figures.
Everything is deterministic for a tenant, a seed and a batch number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mfaguard.emulator.ca_eval import Evaluator, annotate
from mfaguard.emulator.directory import stable_uuid

if TYPE_CHECKING:
    from mfaguard.emulator.state import Tenant

CORPORATE_IP = "203.0.113.10"
BLOCKED = (
    53003,
    "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
)
MUST_REGISTER = (
    50079,
    "Due to a configuration change made by your administrator, or because you moved to a new location, you must "
    "enroll in multi-factor authentication to access.",
)
MFA_FAILURES = frozenset({500121, 50074, 50076})
DEFAULT_USER_CAP = 200


@dataclass(frozen=True)
class Client:
    """One kind of sign-in the generator produces."""

    key: str
    client_app: str
    app_id: str
    app_name: str
    operating_system: str
    browser: str
    user_agent: str


EXCHANGE = ("00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online")
CLIENTS: dict[str, Client] = {
    c.key: c
    for c in (
        Client(
            "browser",
            "Browser",
            "d3590ed6-52b3-4102-aeff-aad2292ab01c",
            "Microsoft Office",
            "Windows10",
            "Edge 131.0.0",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        ),
        Client(
            "mac",
            "Browser",
            "4765445b-32c6-49b0-83e6-1d93765276ca",
            "OfficeHome",
            "MacOs",
            "Safari 18.1",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        ),
        Client(
            "outlook-ios",
            "Mobile Apps and Desktop clients",
            "27922004-5251-4030-b22d-91ecd9a37ea4",
            "Outlook Mobile",
            "Ios",
            "",
            "Outlook-iOS/2.0",
        ),
        Client(
            "teams-android",
            "Mobile Apps and Desktop clients",
            "1fec8e78-bce4-4aaf-ab1b-5451cc387264",
            "Microsoft Teams",
            "Android",
            "",
            "Dalvik/2.1.0 (Linux; U; Android 14) Teams/1416",
        ),
        Client("eas", "Exchange ActiveSync", EXCHANGE[0], EXCHANGE[1], "Ios", "", "iPhone/17.5 (21F79)"),
        Client("imap", "IMAP4", EXCHANGE[0], EXCHANGE[1], "", "", "BAV2ROPC"),
    )
}
ROTATION = ("browser", "outlook-ios", "browser", "teams-android", "mac", "browser", "eas")
# registered method → (authenticationDetails method, authenticationMethodModes member)
STEP_FOR = {  # in the order a user reaches for them
    "microsoftAuthenticatorPush": ("Mobile app notification", "microsoftAuthenticatorPush"),
    "softwareOneTimePasscode": ("Mobile app verification code", "softwareOath"),
    "hardwareOneTimePasscode": ("OATH hardware token", "hardwareOath"),
    "mobilePhone": ("Text message", "sms"),
    "alternateMobilePhone": ("Phone call", "voice"),
    "officePhone": ("Phone call", "voice"),
    "microsoftAuthenticatorPasswordless": ("Passwordless phone sign-in", "deviceBasedPush"),
    "windowsHelloForBusiness": ("Windows Hello for Business", "windowsHelloForBusiness"),
    "fido2": ("FIDO2 security key", "fido2"),
    "passKeyDeviceBound": ("FIDO2 security key", "fido2"),
    "passKeyDeviceBoundAuthenticator": ("FIDO2 security key", "fido2"),
    "passKeyDeviceBoundWindowsHello": ("FIDO2 security key", "fido2"),
}


def _digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256(":".join(parts).encode()).digest()[:8], "big")


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def eligible_users(
    tenant: Tenant, cap: int = DEFAULT_USER_CAP, exclude: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Enabled members who are not under attack in the tenant's logs nor in ``exclude`` (ids or UPNs;
    e.g. break-glass accounts, which do not sign in every day), the first ``cap`` of them."""
    skipped = {str(x).lower() for x in exclude}
    attacked = {
        str(r.get("userId"))
        for r in tenant.sign_ins
        if int((r.get("status") or {}).get("errorCode", 0) or 0) in MFA_FAILURES
    }
    out: list[dict[str, Any]] = []
    for _, user in tenant.directory.iter_users(0):
        if len(out) >= cap:
            break
        if not user.get("accountEnabled", True) or str(user.get("userType", "Member")) != "Member":
            continue
        if (
            user["id"] in attacked
            or {user["id"].lower(), str(user.get("userPrincipalName", "")).lower()} & skipped
        ):
            continue
        out.append(user)
    return out


def _base(
    tenant: Tenant, user: Mapping[str, Any], client: Client, when: dt.datetime, ident: str
) -> dict[str, Any]:
    legacy = client.key in ("imap", "eas")
    return {
        "id": ident,
        "createdDateTime": _iso(when),
        "userDisplayName": user.get("displayName"),
        "userPrincipalName": str(user.get("userPrincipalName", "")).lower(),
        "userId": user["id"],
        "appId": client.app_id,
        "appDisplayName": client.app_name,
        "ipAddress": CORPORATE_IP,
        "clientAppUsed": client.client_app,
        "correlationId": stable_uuid("correlation", ident),
        "conditionalAccessStatus": "notApplied",
        "isInteractive": True,
        "resourceDisplayName": EXCHANGE[1],
        "resourceId": EXCHANGE[0],
        "riskDetail": "none",
        "riskLevelAggregated": "none",
        "riskLevelDuringSignIn": "none",
        "riskState": "none",
        "riskEventTypes": [],
        "riskEventTypes_v2": [],
        "userAgent": client.user_agent,
        "status": {"errorCode": 0, "failureReason": "Other.", "additionalDetails": None},
        "location": {
            "city": "Redmond",
            "state": "Washington",
            "countryOrRegion": "US",
            "geoCoordinates": None,
        },
        "deviceDetail": {
            "deviceId": "",
            "displayName": "",
            "operatingSystem": client.operating_system,
            "browser": client.browser,
            "isCompliant": False,
            "isManaged": False,
            "trustType": "",
        },
        "appliedConditionalAccessPolicies": [],
        "authenticationRequirement": "singleFactorAuthentication",
        "authenticationDetails": [
            {
                "authenticationStepDateTime": _iso(when),
                "authenticationMethod": "Password",
                "authenticationMethodDetail": "Password in the cloud" if not legacy else "Password Hash Sync",
                "succeeded": True,
                "authenticationStepResultDetail": "Correct password",
                "authenticationStepRequirement": "Primary authentication",
            }
        ],
        "signInEventTypes": ["interactiveUser"],
        "userType": "member",
        "tokenIssuerType": "AzureAD",
        "mfaDetail": None,
        "authenticationMethodsUsed": ["Password"],
    }


def _with_mfa(row: dict[str, Any], method: str) -> dict[str, Any]:
    when = row["createdDateTime"]
    step = {
        "authenticationStepDateTime": when,
        "authenticationMethod": method,
        "authenticationMethodDetail": None,
        "succeeded": True,
        "authenticationStepResultDetail": "MFA successfully completed",
        "authenticationStepRequirement": "MFA",
    }
    return {
        **row,
        "authenticationRequirement": "multiFactorAuthentication",
        "authenticationDetails": [*row["authenticationDetails"], step],
        "status": {
            "errorCode": 0,
            "failureReason": "Other.",
            "additionalDetails": "MFA successfully completed",
        },
        "mfaDetail": {"authMethod": method, "authDetail": None},
        "authenticationMethodsUsed": ["Password", method],
    }


def _failed(row: dict[str, Any], error: tuple[int, str]) -> dict[str, Any]:
    return {**row, "status": {"errorCode": error[0], "failureReason": error[1], "additionalDetails": None}}


def _enforced_failures(
    evaluator: Evaluator, enforced: Sequence[Mapping[str, Any]], row: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The enforced policies this sign-in fails."""
    return [entry for entry in evaluator.applied(enforced, row)[0] if entry["result"] == "failure"]


def _sign_in(
    evaluator: Evaluator,
    policies: Sequence[Mapping[str, Any]],
    row: dict[str, Any],
    registered: Sequence[str],
) -> dict[str, Any]:
    """Decide the outcome of one sign-in from the enforced policies (module docstring)."""
    enforced = [p for p in policies if p.get("state") == "enabled"]
    failures = _enforced_failures(evaluator, enforced, row)
    if not failures:
        return row
    legacy = row["clientAppUsed"] not in ("Browser", "Mobile Apps and Desktop clients")
    blocked = any("Block" in entry["enforcedGrantControls"] for entry in failures)
    if blocked or legacy:
        return _failed(row, BLOCKED)
    if not registered:
        return _failed(row, MUST_REGISTER)
    windows = row["deviceDetail"]["operatingSystem"].lower().startswith("windows")
    tried = False
    for method in sorted(registered, key=lambda m: list(STEP_FOR).index(m) if m in STEP_FOR else 99):
        step = STEP_FOR.get(method)
        if step is None or (step[1] == "windowsHelloForBusiness" and not windows):
            continue
        tried = True
        candidate = _with_mfa(row, step[0])
        if not _enforced_failures(evaluator, enforced, candidate):
            return candidate
    return _failed(row, BLOCKED if tried else MUST_REGISTER)


def _window(now: float, policies: Sequence[Mapping[str, Any]]) -> tuple[dt.datetime, int]:
    """Sign-ins of a batch happen in the last 50 minutes, but after the newest policy change: a policy
    created a moment ago must see the batch (whole seconds, as sign-in times are written)."""
    end = dt.datetime.fromtimestamp(int(now), dt.UTC)
    start = end - dt.timedelta(minutes=50)
    for policy in policies:
        for key in ("createdDateTime", "modifiedDateTime"):
            text = policy.get(key)
            if isinstance(text, str):
                moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
                start = max(start, moment.replace(microsecond=0) + dt.timedelta(seconds=1))
    return start, max(int((end - start).total_seconds()), 0)


def generate(
    tenant: Tenant,
    *,
    now: float,
    batch: int,
    seed: int = 0,
    users: Sequence[str] | None = None,
    clients: Sequence[str] | None = None,
    legacy_imap: bool = True,
    exclude: Sequence[str] = (),
    policies: Sequence[Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One batch of sign-ins (newest first); see the module docstring."""
    for key in clients or ():
        if key not in CLIENTS:
            raise ValueError(f"unknown client {key!r}; known: {', '.join(CLIENTS)}")
    if users is None:
        chosen = eligible_users(tenant, exclude=exclude)
    else:
        chosen = []
        for wanted in users:
            found = tenant.directory.user(str(wanted))
            if found is None:
                raise ValueError(f"no user {wanted!r} in tenant {tenant.id}")
            chosen.append(found)
    policies = list(policies if policies is not None else tenant.ca.store.truth.policies)
    evaluator = Evaluator(tenant.directory, tenant.ca)
    start, span = _window(now, policies)
    plan: list[tuple[Mapping[str, Any], Client]] = []
    for person in chosen:
        pick = clients or ROTATION
        key = pick[_digest(str(seed), tenant.id, str(batch), person["id"]) % len(pick)]
        plan.append((person, CLIENTS[key]))
    if legacy_imap and users is None and chosen and clients is None:
        plan.append((chosen[_digest(str(seed), tenant.id, "imap") % len(chosen)], CLIENTS["imap"]))
    rows: list[dict[str, Any]] = []
    for index, (user, client) in enumerate(plan):
        ident = stable_uuid("signin", tenant.id, str(seed), str(batch), str(index), user["id"], client.key)
        when = start + dt.timedelta(seconds=_digest(ident) % span if span else 0)
        registration = tenant.directory.registration(user["id"]) or {}
        row = _sign_in(
            evaluator,
            policies,
            _base(tenant, user, client, when, ident),
            registration.get("methodsRegistered", []),
        )
        rows.append(row)
    rows = annotate(rows, evaluator, policies)
    return sorted(rows, key=lambda r: str(r["createdDateTime"]), reverse=True)


def merge_newest_first(old: Sequence[dict[str, Any]], new: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Both lists are newest first; the result is too (a new list: tenants may share ``old``)."""
    return sorted([*new, *old], key=lambda r: str(r.get("createdDateTime", "")), reverse=True)
