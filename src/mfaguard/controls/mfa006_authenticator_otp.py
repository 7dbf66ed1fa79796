"""MFA-006 — Authenticator OTP codes are off.

- PASS: MicrosoftAuthenticator ``isSoftwareOathEnabled`` is ``false``.
- FAIL: ``isSoftwareOathEnabled`` is ``true``.
- ERROR: the MicrosoftAuthenticator configuration is missing, or ``isSoftwareOathEnabled`` is absent.
- NOT_APPLICABLE: Microsoft Authenticator is disabled.
"""

from __future__ import annotations

from mfaguard.model.policy import AUTHENTICATOR, ODATA_TYPES, TenantSnapshot
from mfaguard.model.report import Severity, Status
from mfaguard.model.settings import AuditSettings

from ._helpers import authenticator_gate
from .base import POLICY_PATH, Control, Remediation, Result, cisa, eidsca, portal


def evaluate(snapshot: TenantSnapshot, settings: AuditSettings) -> Result:
    gate = authenticator_gate(snapshot, "MFA-006")
    if isinstance(gate, Result):
        return gate
    value = gate.is_software_oath_enabled
    evidence = {"isSoftwareOathEnabled": value}
    if value is None:
        return Result(
            Status.ERROR,
            "isSoftwareOathEnabled is absent from the MicrosoftAuthenticator configuration, so whether "
            "OTP codes are allowed cannot be judged; re-export the policy.",
            resource=gate.id,
            evidence=evidence,
        )
    if value:
        return Result(
            Status.FAIL,
            "isSoftwareOathEnabled is true: users can sign in with Authenticator OTP codes, which carry "
            "no number matching or sign-in context and can be phished.",
            resource=gate.id,
            evidence=evidence,
        )
    return Result(Status.PASS, "isSoftwareOathEnabled is false.", resource=gate.id, evidence=evidence)


CONTROL = Control(
    id="MFA-006",
    title="Authenticator OTP codes are off",
    severity=Severity.MEDIUM,
    rationale=(
        "With OTP codes allowed, a user can satisfy MFA by reading a six-digit code into a phishing "
        "page or to a caller; the code shows no application, location or number to match. Turning it "
        "off leaves Authenticator push (with its protections) and passwordless sign-in."
    ),
    remediation=Remediation(
        portal=portal(
            "Policies",
            "Microsoft Authenticator",
            "Configure",
            "Allow use of Microsoft Authenticator OTP: No",
        ),
        method="PATCH",
        path=f"{POLICY_PATH}/authenticationMethodConfigurations/{AUTHENTICATOR}",
        body={"@odata.type": ODATA_TYPES[AUTHENTICATOR.lower()], "isSoftwareOathEnabled": False},
    ),
    references=(eidsca("AM02"), cisa("MS.AAD.3.3v2")),
    statuses=frozenset({Status.PASS, Status.FAIL, Status.NOT_APPLICABLE, Status.ERROR}),
    evaluate=evaluate,
    doc=__doc__ or "",
)
