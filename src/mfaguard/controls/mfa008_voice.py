"""MFA-008 — Voice call is off.

- PASS: the Voice configuration ``state`` is ``disabled``.
- FAIL: Voice is ``enabled``: severity high when ``all_users`` is an include target, medium when only
  groups are (the finding says whether office phones are allowed); or a state value mfaguard does not
  know.
- ERROR: the Voice configuration is missing, its ``state`` is absent, or it is enabled and its
  ``includeTargets`` are absent.
- NOT_APPLICABLE: never.

Exclusions from Voice are not judged (excluding people from a weak method is fine).
"""

from __future__ import annotations

from mfaguard.model.policy import VOICE, MethodConfiguration, TenantSnapshot, VoiceConfiguration
from mfaguard.model.report import Severity, Status
from mfaguard.model.settings import AuditSettings

from ._helpers import PHONE_METHOD_NOTE, judge_phone_method
from .base import Control, Result, cis, cisa, disable_method, eidsca, zta


def _office_clause(config: MethodConfiguration) -> str:
    if isinstance(config, VoiceConfiguration) and config.is_office_phone_allowed:
        return "calls to office phones (isOfficePhoneAllowed) are also allowed"
    return ""


def evaluate(snapshot: TenantSnapshot, settings: AuditSettings) -> Result:
    return judge_phone_method(snapshot, VOICE, _office_clause)


CONTROL = Control(
    id="MFA-008",
    title="Voice call is off",
    severity=Severity.HIGH,
    rationale=(
        "A voice call asks the user to press a key to approve: no number to match, no application or "
        "location shown, and a tired or confused user approves an attacker's sign-in. Phone numbers "
        "can also be hijacked by SIM swap or call forwarding."
    ),
    remediation=disable_method(VOICE, "Voice call", note=PHONE_METHOD_NOTE),
    references=(eidsca("AV01"), cisa("MS.AAD.3.5v2"), cis("5.2.3.5"), zta("21804")),
    statuses=frozenset({Status.PASS, Status.FAIL, Status.ERROR}),
    evaluate=evaluate,
    doc=__doc__ or "",
)
