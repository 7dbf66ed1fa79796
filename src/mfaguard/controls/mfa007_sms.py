"""MFA-007 — SMS is off.

- PASS: the Sms configuration ``state`` is ``disabled``.
- FAIL: Sms is ``enabled``: severity high when ``all_users`` is an include target, medium when only
  groups are (the finding says whether SMS sign-in, ``isUsableForSignIn``, is allowed); or a state
  value mfaguard does not know.
- ERROR: the Sms configuration is missing, its ``state`` is absent, or it is enabled and its
  ``includeTargets`` are absent.
- NOT_APPLICABLE: never.

Exclusions from SMS are not judged (excluding people from a weak method is fine).
"""

from __future__ import annotations

from mfaguard.model.policy import SMS, MethodConfiguration, TenantSnapshot
from mfaguard.model.report import Severity, Status
from mfaguard.model.settings import AuditSettings

from ._helpers import PHONE_METHOD_NOTE, judge_phone_method
from .base import Control, Result, cis, cisa, disable_method, eidsca, zta


def _sign_in_clause(config: MethodConfiguration) -> str:
    sign_in = [t.id for t in config.include_targets or () if t.is_usable_for_sign_in]
    if sign_in:
        return f"SMS sign-in (isUsableForSignIn) is also allowed for {', '.join(sign_in)}"
    return ""


def evaluate(snapshot: TenantSnapshot, settings: AuditSettings) -> Result:
    return judge_phone_method(snapshot, SMS, _sign_in_clause)


CONTROL = Control(
    id="MFA-007",
    title="SMS is off",
    severity=Severity.HIGH,
    rationale=(
        "SMS codes can be intercepted (SIM swap, SS7, malware) and phished, show no sign-in context, "
        "and let attackers who fail at push fatigue fall back to a weaker method. With SMS sign-in on, "
        "a phone number alone becomes a credential."
    ),
    remediation=disable_method(SMS, "SMS", note=PHONE_METHOD_NOTE),
    references=(eidsca("AS04"), cisa("MS.AAD.3.5v2"), cis("5.2.3.5"), zta("21804")),
    statuses=frozenset({Status.PASS, Status.FAIL, Status.ERROR}),
    evaluate=evaluate,
    doc=__doc__ or "",
)
