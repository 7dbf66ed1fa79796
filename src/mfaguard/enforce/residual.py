"""What a plan leaves failing: apply it to the policy as read, audit the result. Pure.

``plan`` ends with "still FAIL after this plan: MFA-0xx … — fix by hand: …" so nobody has to apply a
baseline to learn that it cannot bring the tenant to green (a number-matching exclusion Graph will not
let anyone write, a group the baseline does not name). The proposed policy is the one the lock-out guard
judges (:func:`~mfaguard.enforce.plan.proposed_policy`); the controls are MFA-001..015, the ones a
methods-policy baseline can move, judged with the same settings as ``audit`` (break-glass groups,
number-matching mode, exceptions — an accepted FAIL is not listed). For a pilot plan, a FAIL that the
same plan without ``--pilot-group`` would fix is marked ``widen`` instead of "fix by hand".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mfaguard.enforce.plan import Plan, proposed_policy
from mfaguard.model.settings import AuditSettings

POLICY_CONTROL_IDS = frozenset(f"MFA-{n:03d}" for n in range(1, 16))
"""MFA-001..015: judged from the methods policy alone."""


@dataclass(frozen=True, slots=True)
class Residual:
    """One control still failing after the plan."""

    control_id: str
    title: str
    detail: str
    fix: str
    """The control's portal steps (what to do by hand)."""
    widen: bool = False
    """A pilot plan: the plan without ``--pilot-group`` fixes it."""

    def to_json(self) -> dict[str, Any]:
        return {
            "control_id": self.control_id,
            "title": self.title,
            "detail": self.detail,
            "fix": self.fix,
            "widen": self.widen,
        }


def _failing(policy_body: Mapping[str, Any], p: Plan, settings: AuditSettings, now: datetime) -> list[Any]:
    from mfaguard.audit.engine import audit
    from mfaguard.controls import CONTROLS
    from mfaguard.model.policy import ApiVersion, TenantInfo
    from mfaguard.model.report import Status
    from mfaguard.read.snapshot_file import build_snapshot

    snapshot = build_snapshot(
        proposed_policy(policy_body, p),
        tenant=TenantInfo(id=None),
        api_version=ApiVersion.BETA,
        captured_at=now,
        source="plan",
    )
    controls = tuple(c for c in CONTROLS if c.id in POLICY_CONTROL_IDS)
    report = audit(snapshot, controls, settings=settings, now=now)
    return [f for f in report.findings if f.status is Status.FAIL and f.exception is None]


def residual(
    policy_body: Mapping[str, Any],
    p: Plan,
    settings: AuditSettings,
    *,
    now: datetime,
    widened: Plan | None = None,
) -> tuple[Residual, ...]:
    """The FAILs among MFA-001..015 once ``p`` is applied to ``policy_body`` (the raw beta GET body).

    ``widened``: for a pilot plan, the same plan without the pilot group (its fixes are ``widen``).
    """
    from mfaguard.controls import CONTROLS

    fixes = {c.id: " > ".join(c.remediation.portal) for c in CONTROLS}
    after_widening = (
        {f.control_id for f in _failing(policy_body, widened, settings, now)} if widened is not None else None
    )
    out: list[Residual] = []
    for finding in _failing(policy_body, p, settings, now):
        widen = after_widening is not None and finding.control_id not in after_widening
        out.append(
            Residual(
                finding.control_id, finding.title, finding.detail, fixes.get(finding.control_id, ""), widen
            )
        )
    return tuple(out)


def residual_lines(items: Sequence[Residual]) -> list[str]:
    """The end of ``plan``'s table: what is still failing and what to do about it."""
    if not items:
        return ["after this plan: no FAIL in MFA-001..015"]
    by_hand = [r for r in items if not r.widen]
    widen = [r for r in items if r.widen]
    lines: list[str] = []
    if widen:
        ids = ", ".join(dict.fromkeys(r.control_id for r in widen))
        lines.append(f"still FAIL after this pilot: {ids} — apply again without --pilot-group to widen")
    if by_hand:
        ids = ", ".join(dict.fromkeys(r.control_id for r in by_hand))
        lines.append(f"still FAIL after this plan: {ids} — fix by hand:")
        lines += [f"  {r.control_id}: {r.detail} Portal: {r.fix}" for r in by_hand]
    return lines
