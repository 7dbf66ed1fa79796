"""Immutable records the detection pipeline passes along (normalised sign-ins, events, evidence).

Everything here is plain data: loaders produce raw dicts, :mod:`.normalise` turns them into these,
:mod:`.collect` reduces a stream of them to :class:`Evidence`, and :mod:`.rules` judges the evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class EventClass(StrEnum):
    """Classification of a sign-in record or an MFA step (reference §3 rule 2)."""

    DENY_EXPLICIT = "DENY_EXPLICIT"
    DENY_TIMEOUT = "DENY_TIMEOUT"
    DENY_WRONG_NUMBER = "DENY_WRONG_NUMBER"
    FRAUD = "FRAUD"
    BLOCKED = "BLOCKED"
    MFA_FAIL_OTHER = "MFA_FAIL_OTHER"
    MFA_INTERRUPT = "MFA_INTERRUPT"
    SUCCESS_NO_MFA = "SUCCESS_NO_MFA"
    MFA_SUCCESS = "MFA_SUCCESS"
    OTHER = "OTHER"


DENIAL_CLASSES: frozenset[EventClass] = frozenset(
    {
        EventClass.DENY_EXPLICIT,
        EventClass.DENY_TIMEOUT,
        EventClass.DENY_WRONG_NUMBER,
        EventClass.FRAUD,
        EventClass.BLOCKED,
        EventClass.MFA_FAIL_OTHER,
    }
)
"""Classes that make a denial event (BLOCKED is one, but counts only for DET-006)."""

COUNTING_CLASSES: frozenset[EventClass] = DENIAL_CLASSES - {EventClass.BLOCKED}
"""Classes that count toward DET-001/002/003/008 (reference rule 3)."""


@dataclass(frozen=True, slots=True)
class AuthStep:
    """One entry of a sign-in's ``authenticationDetails`` (beta / LA export / AuthDetails CSV)."""

    method: str
    detail: str
    """Normalised ``authenticationStepResultDetail`` (lower-case, spaces collapsed, no trailing dot)."""
    raw_detail: str
    succeeded: bool | None
    ts: datetime | None
    requirement: str = ""


@dataclass(frozen=True, slots=True)
class SignIn:
    """A normalised sign-in record (reference §3 rule 1)."""

    id: str
    ts: datetime
    user_key: str
    """``userId``, falling back to ``upn:<lower-cased UPN>``."""
    upn: str
    user_id: str
    error_code: int
    detail: str
    """Normalised MFA phrase: the MFA step's result detail, else status.additionalDetails, else CSV."""
    raw_detail: str
    ip: str
    country: str
    city: str
    state: str
    app: str
    user_agent: str
    correlation_id: str
    original_request_id: str
    session_id: str
    interactive: bool
    auth_requirement: str
    steps: tuple[AuthStep, ...] | None
    """``None`` when the record carries no step detail (v1.0, CSV without the AuthDetails file)."""
    user_type: str = ""
    cls: EventClass = EventClass.OTHER
    low_confidence_success: bool = False
    """v1.0-style errorCode 0 without MFA detail: may close a denial chain (low confidence)."""
    success_method: str = ""
    status_detail: str = ""
    """``status.additionalDetails`` as written (per-record rules of other tools match on it)."""
    asn: str = ""
    """``autonomousSystemNumber`` (beta) of the sign-in's IP, when known."""

    @property
    def mfa_required(self) -> bool:
        return self.auth_requirement.lower() == "multifactorauthentication"


@dataclass(frozen=True, slots=True)
class DenialEvent:
    """One unique denied MFA step (or one denial record without step data)."""

    key: tuple[str, ...]
    user_key: str
    upn: str
    user_id: str
    ts: datetime
    cls: EventClass
    method: str
    detail: str
    raw_detail: str
    record_id: str
    ip: str
    country: str
    app: str
    user_agent: str
    correlation_id: str
    session_id: str
    interactive: bool
    from_steps: bool
    record_ts: datetime | None = None
    """Time of the record the event was taken from (several records may repeat one step)."""
    asn: str = ""


@dataclass(frozen=True, slots=True)
class SuccessEvent:
    """A sign-in that may close a denial chain (MFA_SUCCESS, or a low-confidence v1.0 success)."""

    record_id: str
    user_key: str
    upn: str
    ts: datetime
    ip: str
    country: str
    app: str
    method: str
    interactive: bool
    low_confidence: bool
    city: str = ""
    state: str = ""
    asn: str = ""


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """A normalised directoryAudit entry."""

    id: str
    ts: datetime
    activity: str
    category: str
    result: str
    result_reason: str
    target_user_ids: tuple[str, ...]
    target_upns: tuple[str, ...]
    initiator_user_id: str
    initiator_upn: str
    initiator_ip: str
    modified_properties: tuple[str, ...] = ()
    targets: tuple[tuple[str, str], ...] = ()
    """(userId, UPN) of each target user, either may be empty."""


@dataclass(frozen=True, slots=True)
class RiskEvent:
    """A normalised riskDetection."""

    id: str
    ts: datetime
    risk_event_type: str
    upn: str
    user_id: str
    ip: str
    country: str
    risk_level: str


@dataclass(frozen=True, slots=True)
class InputStats:
    """What the loaders read and what they had to skip (shown to the user; never silent)."""

    records: int = 0
    """Records read (before skipping)."""
    used: int = 0
    duplicates: int = 0
    skipped: Mapping[str, int] = field(default_factory=dict)
    """Reason → count."""
    examples: tuple[str, ...] = ()
    """A few "file:line: reason" messages, for the user to find the bad records."""
    notes: tuple[str, ...] = ()
    """Non-fatal remarks (ignored CSV columns, truncated file, ...)."""

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def to_json(self) -> dict[str, object]:
        return {
            "records": self.records,
            "used": self.used,
            "duplicates": self.duplicates,
            "skipped": dict(sorted(self.skipped.items())),
            "skipped_total": self.skipped_total,
            "examples": list(self.examples),
            "notes": list(self.notes),
        }
