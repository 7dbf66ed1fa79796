"""Coverage documents (``mfaguard coverage``: table, JSON, CSV, HTML) and the explanation of one user
(``mfaguard explain``: text, JSON); renderers in :mod:`mfaguard.formats.coverage.render`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mfaguard.formats.base import FormatSpec, Registry

if TYPE_CHECKING:
    from mfaguard.coverage.evaluate import CoverageReport, Explanation
    from mfaguard.model.directory import Level
    from mfaguard.model.report import Finding

__all__ = ["COVERAGE_FORMATS", "EXPLAIN_FORMATS", "CoverageDocument"]

_MODULE = "mfaguard.formats.coverage.render"


@dataclass(frozen=True, slots=True)
class CoverageDocument:
    """What ``coverage`` renders: the per-user report, the coverage controls' findings, and the level
    below which members are listed (None: every member, in the formats that list them all)."""

    report: CoverageReport
    findings: Sequence[Finding] = ()
    below: Level | None = None


COVERAGE_FORMATS: Registry[CoverageDocument] = Registry(
    "coverage report",
    (
        FormatSpec(
            "table",
            "txt",
            "text/plain; charset=utf-8",
            "Counts per level with admins apart, the members below a level, and MFA-016..018.",
            _MODULE,
            "render_table",
        ),
        FormatSpec(
            "json",
            "json",
            "application/json",
            "The DESIGN §9 document: levels, admins, every member with level and reasons, findings.",
            _MODULE,
            "render_json",
        ),
        FormatSpec(
            "csv",
            "csv",
            "text/csv; charset=utf-8",
            "One row per enabled member: level, admin, whether the report lists them, reasons.",
            _MODULE,
            "render_csv",
        ),
        FormatSpec(
            "html",
            "html",
            "text/html; charset=utf-8",
            "One self-contained page with a chart of the levels and every member's reasons.",
            _MODULE,
            "render_html",
        ),
    ),
)

EXPLAIN_FORMATS: Registry[Explanation] = Registry(
    "explanation",
    (
        FormatSpec(
            "text",
            "txt",
            "text/plain; charset=utf-8",
            "The user's level, registered methods, group chains and every reason, one per line.",
            _MODULE,
            "explanation_text",
        ),
        FormatSpec(
            "json",
            "json",
            "application/json",
            "The same explanation as a JSON document for scripts.",
            _MODULE,
            "explanation_json",
        ),
    ),
)
