"""Denial events and success events from normalised sign-ins (reference §3 rule 3, precise rule 2).

A denied step in the ``authenticationDetails`` of *any* record is a denial event, counted once across
records by its dedupe key ``(correlationId|originalRequestId, step time, method, normalised detail)``:
Entra repeats earlier steps in later records of one session, and in-session retries may be visible
only there. A record without step detail gives one event keyed on its own ``id``.
"""

from __future__ import annotations

from datetime import datetime

from mfaguard.detect.classify import DENIAL_CODES, classify_denial_phrase
from mfaguard.detect.model import DenialEvent, EventClass, SignIn, SuccessEvent


def _has_mfa_step_info(rec: SignIn) -> bool:
    """Whether the record's steps say anything about MFA (a password-only list does not)."""
    for step in rec.steps or ():
        method = step.method.strip().lower()
        if method and method != "password":
            return True
        if step.requirement.lower().startswith("multifactor"):
            return True
    return False


def denial_events(rec: SignIn) -> list[DenialEvent]:
    """The denial events a record carries (possibly copies of events other records carry too)."""
    events: list[DenialEvent] = []
    if rec.steps and _has_mfa_step_info(rec):
        session = rec.correlation_id or rec.original_request_id or rec.id
        for step in rec.steps:
            if step.succeeded is not False:
                continue
            cls = classify_denial_phrase(step.detail)
            if cls is None:
                continue
            ts = step.ts or rec.ts
            key = ("step", session, ts.isoformat(), step.method.strip().lower(), step.detail)
            events.append(_event(rec, key, ts, cls, step.method, step.detail, step.raw_detail, True))
        if events or rec.error_code not in DENIAL_CODES:
            return events
        # A denial record whose steps hold no denied MFA step: fall back to the record itself.
    if rec.error_code in DENIAL_CODES or rec.cls in (EventClass.BLOCKED, EventClass.FRAUD):
        cls = rec.cls if rec.cls in (EventClass.BLOCKED, EventClass.FRAUD) else None
        if cls is None:
            cls = classify_denial_phrase(rec.detail) or EventClass.MFA_FAIL_OTHER
        method = rec.success_method or _failed_method(rec)
        events.append(_event(rec, ("record", rec.id), rec.ts, cls, method, rec.detail, rec.raw_detail, False))
    return events


def _failed_method(rec: SignIn) -> str:
    for step in reversed(rec.steps or ()):
        if step.succeeded is False and step.method:
            return step.method
    return ""


def _event(
    rec: SignIn,
    key: tuple[str, ...],
    ts: datetime,
    cls: EventClass,
    method: str,
    detail: str,
    raw_detail: str,
    from_steps: bool,
) -> DenialEvent:
    return DenialEvent(
        key=key,
        user_key=rec.user_key,
        upn=rec.upn,
        user_id=rec.user_id,
        ts=ts,
        cls=cls,
        method=method,
        detail=detail,
        raw_detail=raw_detail,
        record_id=rec.id,
        ip=rec.ip,
        country=rec.country,
        app=rec.app,
        user_agent=rec.user_agent,
        correlation_id=rec.correlation_id,
        session_id=rec.session_id,
        interactive=rec.interactive,
        from_steps=from_steps,
        record_ts=rec.ts,
        asn=rec.asn,
    )


def success_event(rec: SignIn) -> SuccessEvent | None:
    """The success a record represents, if it can close a denial chain."""
    if rec.cls is not EventClass.MFA_SUCCESS and not rec.low_confidence_success:
        return None
    return SuccessEvent(
        record_id=rec.id,
        user_key=rec.user_key,
        upn=rec.upn,
        ts=rec.ts,
        ip=rec.ip,
        country=rec.country,
        app=rec.app,
        method=rec.success_method,
        interactive=rec.interactive,
        low_confidence=rec.cls is not EventClass.MFA_SUCCESS,
        city=rec.city,
        state=rec.state,
        asn=rec.asn,
    )
