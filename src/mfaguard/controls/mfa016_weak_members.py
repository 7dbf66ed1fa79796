"""MFA-016 — No enabled member is left with only SMS/voice or no usable MFA method.

Judged per user by coverage (DESIGN §9): a method counts only if the user registered it and the
policy lets them use it (nested groups resolved). Guests and disabled accounts are not judged.

- PASS: every enabled member's level is ``otp`` or better.
- FAIL: some enabled members are ``phone_only`` or ``none`` (users missing from the registration
  report count as ``none``; the detail says how many). Severity by count: medium below 10 users,
  high from 10; any administrator among them raises it one step (high, critical).
- ERROR: the registration report could not be read (licence, permission): levels are unknown.
- NOT_APPLICABLE: the snapshot has no directory data.
"""

from __future__ import annotations

from mfaguard.model.directory import Level
from mfaguard.model.policy import TenantSnapshot
from mfaguard.model.report import Severity, Status
from mfaguard.model.settings import AuditSettings

from ._coverage import coverage_report, name_users, user_evidence
from .base import Control, Remediation, Result, cisa, mitre

MANY = 10
"""From this many weak members on, the finding is high (a pattern, not a straggler)."""

_RAISE = {Severity.MEDIUM: Severity.HIGH, Severity.HIGH: Severity.CRITICAL}


def evaluate(snapshot: TenantSnapshot, settings: AuditSettings) -> Result:
    report = coverage_report(snapshot, settings)
    if isinstance(report, Result):
        return report
    weak = [u for u in report.users if not u.level.at_least(Level.OTP)]
    counts = report.level_counts()
    evidence: dict[str, object] = {"levels": counts, "members": len(report.users)}
    if not weak:
        return Result(
            Status.PASS,
            f"All {len(report.users)} enabled members can use an MFA method stronger than SMS/voice.",
            evidence=evidence,
        )
    admins = [u for u in weak if u.is_admin]
    absent = sum(1 for u in weak if not u.in_report)
    severity = Severity.HIGH if len(weak) >= MANY else Severity.MEDIUM
    if admins:
        severity = _RAISE.get(severity, severity)
    parts = [
        f"{len(weak)} of {len(report.users)} enabled members have only SMS/voice ({counts[Level.PHONE_ONLY]}) "
        f"or no usable MFA method ({counts[Level.NONE]})"
    ]
    if admins:
        parts.append(f"{len(admins)} of them administrators: {name_users(admins, 5)}")
    if absent:
        parts.append(f"{absent} of them are missing from the registration report")
    detail = "; ".join(parts) + f". Affected: {name_users(weak)}."
    evidence.update(users=user_evidence(weak), admins=len(admins), missing_from_report=absent)
    return Result(Status.FAIL, detail, severity=severity, evidence=evidence)


CONTROL = Control(
    id="MFA-016",
    title="No enabled member is left with only SMS/voice or no usable MFA method",
    severity=Severity.HIGH,
    rationale=(
        "A policy that looks hardened still leaves people exposed when their only usable method is a "
        "phone (SIM swap, interception, no sign-in context) or nothing at all (the first sign-in "
        "registers whatever the attacker chooses). Attackers who cannot win a push-fatigue attack go "
        "for exactly these accounts."
    ),
    remediation=Remediation(
        portal=(
            "Microsoft Entra admin center",
            "Entra ID",
            "Authentication methods",
            "Registration campaign",
            "State = Enabled, include the affected users (or all_users), method = Microsoft Authenticator",
        ),
        method="PATCH",
        path="/policies/authenticationMethodsPolicy",
        body={
            "registrationEnforcement": {
                "authenticationMethodsRegistrationCampaign": {
                    "state": "enabled",
                    "includeTargets": [
                        {
                            "id": "all_users",
                            "targetType": "group",
                            "targetedAuthenticationMethod": "microsoftAuthenticator",
                        }
                    ],
                }
            }
        },
        note=(
            "list the users with `mfaguard coverage --below otp`; also check that nobody is excluded "
            "from Authenticator or passkeys by a nested group (`mfaguard explain USER`)"
        ),
    ),
    references=(cisa("MS.AAD.3.2v1"), mitre("T1621")),
    statuses=frozenset({Status.PASS, Status.FAIL, Status.NOT_APPLICABLE, Status.ERROR}),
    evaluate=evaluate,
    doc=__doc__ or "",
)
