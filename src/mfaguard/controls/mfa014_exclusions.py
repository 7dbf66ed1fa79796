"""MFA-014 — Exclusions are limited to break-glass groups.

Places judged, only those present in the snapshot (a missing place is skipped, never ERROR):
MicrosoftAuthenticator ``excludeTargets``; the ``excludeTarget`` of its number-matching, app-name and
location features; ``systemCredentialPreferences.excludeTargets``; the registration campaign's
``excludeTargets``. The Authenticator method's and its features' exclusions are ignored while
Authenticator is disabled. Exclusions from SMS, voice, email or Authenticator Lite are not judged
(excluding people from a weak method is fine). The zero GUID means "no exclusion".

- PASS: every exclusion in those places is a group listed in ``break_glass_groups`` (or there is none).
- FAIL: one finding per other excluded group (or user), naming every place it is excluded; the
  finding's resource is the group id, so an exception can accept one group.
- WARN, ERROR, NOT_APPLICABLE: never.
"""

from __future__ import annotations

from mfaguard.model.policy import TenantSnapshot
from mfaguard.model.report import Severity, Status
from mfaguard.model.settings import AuditSettings

from ._helpers import exclusion_places, target_name
from .base import POLICY_PATH, Control, Remediation, Result, cis, portal, zta


def evaluate(snapshot: TenantSnapshot, settings: AuditSettings) -> list[Result]:
    offending: dict[str, tuple[str, list[str]]] = {}
    break_glass: set[str] = set()
    for place, target in exclusion_places(snapshot):
        if settings.is_break_glass(target.id):
            break_glass.add(target.id)
            continue
        kind = target.target_type or "group"
        entry = offending.setdefault(target.id.lower(), (f"{kind} {target_name(snapshot, target.id)}", []))
        entry[1].append(place)
    if not offending:
        detail = "No exclusion outside the break-glass groups in the places judged"
        if break_glass:
            detail += f" (break-glass exclusions seen: {', '.join(sorted(break_glass))})"
        return [Result(Status.PASS, detail + ".", evidence={"break_glass_excluded": sorted(break_glass)})]
    results = []
    for group_id, (label, places) in offending.items():
        results.append(
            Result(
                Status.FAIL,
                f"The {label} is excluded in {'; '.join(places)}, but only break-glass groups may be: "
                "everyone it covers escapes these protections.",
                resource=group_id,
                evidence={"excluded": group_id, "places": places},
            )
        )
    return results


CONTROL = Control(
    id="MFA-014",
    title="Exclusions are limited to break-glass groups",
    severity=Severity.HIGH,
    rationale=(
        "Every exclusion is a hole attackers look for: users excluded from Authenticator, from "
        "sign-in context or from system-preferred MFA get the weaker experience MFA-fatigue attacks "
        "need. Only emergency-access (break-glass) accounts should be excluded, and those are named "
        "in the settings."
    ),
    remediation=Remediation(
        portal=portal(
            "Policies",
            "Microsoft Authenticator (Enable and Target, and Configure for each feature), Settings, "
            "Registration campaign",
            "Exclude: remove every group that is not a break-glass group",
        ),
        method="PATCH",
        path=f"{POLICY_PATH}/authenticationMethodConfigurations/MicrosoftAuthenticator",
        body={
            "@odata.type": "#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration",
            "excludeTargets": [{"targetType": "group", "id": "<break-glass group id>"}],
        },
        note=(
            "excludeTargets and featureSettings are replaced as a whole; for the features set "
            "excludeTarget to the break-glass group or the zero GUID; system-preferred MFA and the "
            "campaign are PATCHed on the policy itself"
        ),
    ),
    references=(cis("5.2.3.1"), zta("21802")),
    statuses=frozenset({Status.PASS, Status.FAIL}),
    evaluate=evaluate,
    doc=__doc__ or "",
)
