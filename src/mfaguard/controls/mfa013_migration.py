"""MFA-013 — Methods policy migration is complete.

- PASS: ``policyMigrationState`` is ``migrationComplete``, or absent / null (tenants created after
  the legacy policies were retired have nothing to migrate).
- FAIL: ``preMigration`` or ``migrationInProgress`` (the legacy MFA and SSPR policies still enable
  methods, whatever this policy says), or a value mfaguard does not know.
- WARN, ERROR, NOT_APPLICABLE: never.
"""

from __future__ import annotations

from mfaguard.model.policy import TenantSnapshot
from mfaguard.model.report import Severity, Status
from mfaguard.model.settings import AuditSettings

from ._helpers import unknown_value
from .base import POLICY_PATH, Control, Remediation, Result, cisa, eidsca, portal, zta

_RESOURCE = "policyMigrationState"


def evaluate(snapshot: TenantSnapshot, settings: AuditSettings) -> Result:
    state = snapshot.policy.policy_migration_state
    evidence = {"policyMigrationState": state}
    if state is None:
        return Result(
            Status.PASS,
            "policyMigrationState is absent: the legacy MFA and SSPR method settings do not apply.",
            resource=_RESOURCE,
            evidence=evidence,
        )
    if state == "migrationComplete":
        return Result(
            Status.PASS,
            "policyMigrationState is 'migrationComplete': this policy alone decides which methods are usable.",
            resource=_RESOURCE,
            evidence=evidence,
        )
    if state in ("preMigration", "migrationInProgress"):
        return Result(
            Status.FAIL,
            f"policyMigrationState is '{state}': the legacy MFA and SSPR policies can still enable "
            "methods (SMS, voice, push without this policy's settings) that this policy turns off.",
            resource=_RESOURCE,
            evidence=evidence,
        )
    return Result(
        Status.FAIL, unknown_value("policyMigrationState", state) + ".", resource=_RESOURCE, evidence=evidence
    )


CONTROL = Control(
    id="MFA-013",
    title="Methods policy migration is complete",
    severity=Severity.MEDIUM,
    rationale=(
        "Until the migration is complete, a user enabled for a method in the legacy per-user MFA or "
        "SSPR settings can still use it, so turning SMS or voice off here does not turn it off. "
        "Completing the migration makes this policy the single source of truth."
    ),
    remediation=Remediation(
        portal=portal(
            "Policies",
            "Manage migration: Migration complete",
        ),
        method="PATCH",
        path=POLICY_PATH,
        body={"policyMigrationState": "migrationComplete"},
        note="first mirror the legacy MFA and SSPR method settings in this policy",
    ),
    references=(cisa("MS.AAD.3.4v1"), eidsca("AG01"), zta("21803")),
    statuses=frozenset({Status.PASS, Status.FAIL}),
    evaluate=evaluate,
    doc=__doc__ or "",
)
