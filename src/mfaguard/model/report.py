"""The result of judging a snapshot: findings and the audit report (DESIGN §4 JSON shape).

Produced by the pure engine, rendered by :mod:`mfaguard.formats`, stored by the history store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from mfaguard.errors import UsageError, bad_value, one_of

SCHEMA_VERSION = "1.1"
"""Version of the JSON audit document; bump the minor for additions, the major for breaking changes.
1.1 added ``summary.accepted``."""


class Status(StrEnum):
    PASS = "PASS"
    WARN = "WARN"
    FAIL = "FAIL"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    ERROR = "ERROR"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe (info=0 … critical=4)."""
        return _SEVERITY_RANK[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank

    @classmethod
    def parse(cls, value: object, *, option: str = "severity") -> Severity:
        """``value`` as a severity: a :class:`Severity` or its name in any case, spaces around ignored.

        The one place severities are read (options, files, stored rows, webhooks). Anything else is a
        :class:`~mfaguard.errors.UsageError` in the one wording of a bad value (:func:`~mfaguard.errors.bad_value`),
        naming ``option`` (e.g. ``--fail-on``) and the choices.
        """
        found = _SEVERITY_BY_NAME.get(str(getattr(value, "value", value)).strip().lower())
        if found is None:
            raise bad_value(option, value, one_of(s.value for s in cls))
        return found

    @classmethod
    def rank_of(cls, value: object, *, unknown: int = -1) -> int:
        """The rank of ``value`` read by :meth:`parse`, or ``unknown`` for a value that is no severity
        (stored or received data: ordering must not fail on it)."""
        try:
            return cls.parse(value).rank
        except UsageError:
            return unknown


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}
_SEVERITY_BY_NAME = {severity.value: severity for severity in Severity}


@dataclass(frozen=True, slots=True)
class ExceptionGrant:
    """An accepted risk: the finding keeps its status; the exception is shown beside it."""

    control_id: str
    reason: str
    owner: str
    expires: date | None = None
    resource: str | None = None
    """Optional: the exception covers only findings whose ``resource`` equals this."""

    def is_expired(self, today: date) -> bool:
        return self.expires is not None and self.expires < today

    def to_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat() if self.expires else None,
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """One control's verdict on one snapshot."""

    control_id: str
    title: str
    status: Status
    severity: Severity
    detail: str
    """One sentence naming the value seen."""
    references: tuple[str, ...] = ()
    remediation: str = ""
    resource: str | None = None
    """What the finding is about (e.g. ``MicrosoftAuthenticator``); exceptions can be scoped to it."""
    exception: ExceptionGrant | None = None
    expired_exception: ExceptionGrant | None = None
    """An exception that matched but had expired (reported, not applied)."""
    evidence: Mapping[str, Any] = field(default_factory=dict)
    """Machine-readable values behind the detail (e.g. {"state": "default"})."""

    def to_json(self) -> dict[str, Any]:
        return {
            "control_id": self.control_id,
            "title": self.title,
            "status": self.status.value,
            "severity": self.severity.value,
            "detail": self.detail,
            "references": list(self.references),
            "remediation": self.remediation,
            "resource": self.resource,
            "exception": self.exception.to_json() if self.exception else None,
            "expired_exception": self.expired_exception.to_json() if self.expired_exception else None,
            "evidence": dict(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class AuditReport:
    """All findings for one tenant snapshot."""

    tenant_id: str | None
    tenant_name: str | None
    captured_at: datetime | None
    api_version: str
    findings: tuple[Finding, ...]
    generated_at: datetime | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, int]:
        """Count of findings per status (every status key present), ``total``, and ``accepted``: the
        WARN/FAIL findings an exception covers (also counted under their unchanged status)."""
        counts = {status.value: 0 for status in Status}
        for finding in self.findings:
            counts[finding.status.value] += 1
        counts["total"] = len(self.findings)
        counts["accepted"] = len(self.accepted())
        return counts

    def accepted(self) -> tuple[Finding, ...]:
        """Findings an (unexpired) exception covers: accepted risks. Only WARN and FAIL findings
        can carry one, and they keep their status."""
        return tuple(f for f in self.findings if f.exception is not None)

    def failing(self, threshold: Severity) -> tuple[Finding, ...]:
        """FAIL findings at or above ``threshold`` that no (unexpired) exception covers."""
        return tuple(
            f
            for f in self.findings
            if f.status is Status.FAIL and f.severity.at_least(threshold) and f.exception is None
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "tenant": {"id": self.tenant_id, "name": self.tenant_name},
            "captured_at": self.captured_at.isoformat() if self.captured_at else None,
            "api_version": self.api_version,
            "summary": self.summary(),
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass(frozen=True, slots=True)
class TenantResult:
    """One tenant's outcome in a fleet run (DESIGN §7): a report, or the error that prevented one."""

    name: str
    status: Literal["ok", "error"]
    error: str | None = None
    report: AuditReport | None = None

    def to_json(self) -> dict[str, Any]:
        """The tenant entry of the fleet document: an ``error`` tenant has null summary, no findings."""
        report = self.report if self.status == "ok" else None
        return {
            "name": self.name,
            "status": self.status,
            "error": self.error,
            "tenant_id": report.tenant_id if report else None,
            "captured_at": report.captured_at.isoformat() if report and report.captured_at else None,
            "summary": report.summary() if report else None,
            "findings": [f.to_json() for f in report.findings] if report else [],
        }
