"""MFA-001 — Microsoft Authenticator is enabled for all users.

- PASS: MicrosoftAuthenticator ``state`` is ``enabled`` and ``includeTargets`` contains ``all_users``.
- WARN: enabled, but only groups (or users) are targeted: everyone else cannot use it.
- FAIL: ``state`` is ``disabled``; or enabled with an empty ``includeTargets`` (nobody can use it); or
  a state value mfaguard does not know (named in the finding).
- ERROR: the MicrosoftAuthenticator configuration is missing, or its ``state`` is absent, or it is
  enabled and its ``includeTargets`` are absent.
- NOT_APPLICABLE: never.
"""

from __future__ import annotations

from mfaguard.model.policy import AUTHENTICATOR, ODATA_TYPES, TenantSnapshot
from mfaguard.model.report import Severity, Status
from mfaguard.model.settings import AuditSettings

from ._helpers import enabled_method, has_all_users, target_list
from .base import POLICY_PATH, Control, Remediation, Result, cisa, eidsca, portal


def evaluate(snapshot: TenantSnapshot, settings: AuditSettings) -> Result:
    method = enabled_method(
        snapshot,
        AUTHENTICATOR,
        judged="MFA-001..MFA-006",
        when_disabled=(
            Status.FAIL,
            "Microsoft Authenticator is disabled (state 'disabled'): users fall back to weaker methods.",
        ),
    )
    if isinstance(method, Result):
        return method
    config, targets, evidence = method.config, method.targets, method.evidence
    if not targets:
        return Result(
            Status.FAIL,
            "Microsoft Authenticator is enabled but includeTargets is empty, so nobody can use it.",
            resource=config.id,
            evidence=evidence,
        )
    if has_all_users(targets):
        return Result(
            Status.PASS,
            "Microsoft Authenticator is enabled for all_users.",
            resource=config.id,
            evidence=evidence,
        )
    return Result(
        Status.WARN,
        f"Microsoft Authenticator is enabled only for {target_list(snapshot, targets)}, not all_users.",
        resource=config.id,
        evidence=evidence,
    )


CONTROL = Control(
    id="MFA-001",
    title="Microsoft Authenticator is enabled for all users",
    severity=Severity.HIGH,
    rationale=(
        "Authenticator push with number matching and sign-in context is the phishing- and fatigue-"
        "resistant baseline for most users. Where it is off or narrowly targeted, users fall back to "
        "SMS, voice or plain OTP, which MFA-fatigue and SIM-swap attacks defeat."
    ),
    remediation=Remediation(
        portal=portal(
            "Policies",
            "Microsoft Authenticator",
            "Enable and Target: Enable = On, Include = All users",
        ),
        method="PATCH",
        path=f"{POLICY_PATH}/authenticationMethodConfigurations/{AUTHENTICATOR}",
        body={
            "@odata.type": ODATA_TYPES[AUTHENTICATOR.lower()],
            "state": "enabled",
            "includeTargets": [{"targetType": "group", "id": "all_users", "authenticationMode": "any"}],
        },
        note="includeTargets is replaced as a whole: keep the authenticationMode of targets you keep",
    ),
    references=(eidsca("AM01"), cisa("MS.AAD.3.3v2")),
    statuses=frozenset({Status.PASS, Status.WARN, Status.FAIL, Status.ERROR}),
    evaluate=evaluate,
    doc=__doc__ or "",
)
