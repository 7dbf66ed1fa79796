"""MFA-017 — Every administrator can use phishing-resistant MFA or push with full context.

Administrators are the users the registration report marks ``isAdmin``. Their level comes from
coverage (DESIGN §9).

- PASS: every administrator is ``phishing_resistant`` or ``push_with_context`` (or there is none).
- FAIL: an administrator is below that (plain push, OTP, phone only, nothing): one finding naming
  each such administrator and their level.
- ERROR: the registration report could not be read (licence, permission).
- NOT_APPLICABLE: the snapshot has no directory data.
"""

from __future__ import annotations

from mfaguard.model.directory import Level
from mfaguard.model.policy import TenantSnapshot
from mfaguard.model.report import Severity, Status
from mfaguard.model.settings import AuditSettings

from ._coverage import coverage_report, name_users, user_evidence
from .base import Control, Remediation, Result, cis, cisa, mitre


def evaluate(snapshot: TenantSnapshot, settings: AuditSettings) -> Result:
    report = coverage_report(snapshot, settings)
    if isinstance(report, Result):
        return report
    admins = report.admins
    weak = [u for u in admins if not u.level.at_least(Level.PUSH_WITH_CONTEXT)]
    evidence: dict[str, object] = {"admins": len(admins), "levels": report.level_counts(admins_only=True)}
    if not admins:
        return Result(
            Status.PASS,
            "The registration report marks no enabled member as an administrator (isAdmin).",
            evidence=evidence,
        )
    if not weak:
        return Result(
            Status.PASS,
            f"All {len(admins)} administrators can use phishing-resistant MFA or Authenticator push with "
            "number matching, app-name and location context.",
            evidence=evidence,
        )
    evidence["users"] = user_evidence(weak)
    return Result(
        Status.FAIL,
        f"{len(weak)} of {len(admins)} administrators have nothing stronger than plain push, OTP, "
        f"SMS/voice or no method: {name_users(weak)}.",
        evidence=evidence,
    )


CONTROL = Control(
    id="MFA-017",
    title="Every administrator can use phishing-resistant MFA or push with full context",
    severity=Severity.HIGH,
    rationale=(
        "Administrators are the prize of an MFA-fatigue attack. Without number matching and the "
        "application and location in the prompt, an admin who approves one push out of habit hands "
        "over the tenant; passkeys and Windows Hello cannot be approved by mistake at all."
    ),
    remediation=Remediation(
        portal=(
            "Microsoft Entra admin center",
            "Entra ID",
            "Authentication methods",
            "Policies",
            "Passkey (FIDO2)",
            "Enable and Target: include a group holding the administrators",
        ),
        method="PATCH",
        path="/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2",
        body={
            "@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration",
            "state": "enabled",
            "includeTargets": [
                {"targetType": "group", "id": "<admins group id>", "isRegistrationRequired": False}
            ],
        },
        note=(
            "then have each administrator register a passkey; or enable app-name and location context "
            "for all_users (MFA-003, MFA-004) so push carries full context"
        ),
    ),
    references=(cisa("MS.AAD.3.6v1"), cis("5.2.2.5"), mitre("T1621")),
    statuses=frozenset({Status.PASS, Status.FAIL, Status.NOT_APPLICABLE, Status.ERROR}),
    evaluate=evaluate,
    doc=__doc__ or "",
)
