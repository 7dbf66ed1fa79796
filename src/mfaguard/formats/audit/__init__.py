"""The audit report (DESIGN §4) in every format: one module per format, each with ``render(report,
options)`` — and ``render_fleet(results, options)``, the same format for a fleet run
(:mod:`mfaguard.formats.fleet`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mfaguard.formats.base import FormatSpec, Registry

if TYPE_CHECKING:
    from mfaguard.model.report import AuditReport

__all__ = ["AUDIT_FORMATS"]

_PACKAGE = "mfaguard.formats.audit"

AUDIT_FORMATS: Registry[AuditReport] = Registry(
    "audit report",
    (
        FormatSpec(
            "table",
            "txt",
            "text/plain; charset=utf-8",
            "Coloured terminal table grouped by status, with a summary line (the default).",
            f"{_PACKAGE}.table",
        ),
        FormatSpec(
            "json",
            "json",
            "application/json",
            "The stable JSON audit document (schema_version, tenant, summary, findings) for scripts.",
            f"{_PACKAGE}.json",
        ),
        FormatSpec(
            "csv",
            "csv",
            "text/csv; charset=utf-8",
            "One row per finding with stable columns (RFC 4180) for spreadsheets.",
            f"{_PACKAGE}.csv",
        ),
        FormatSpec(
            "sarif",
            "sarif",
            "application/sarif+json",
            "SARIF 2.1.0 for GitHub code scanning and other SAST dashboards (FAIL/WARN/ERROR results).",
            f"{_PACKAGE}.sarif",
        ),
        FormatSpec(
            "junit",
            "xml",
            "application/xml",
            "JUnit XML, one test case per control, for CI test reports (Azure DevOps, GitLab, Jenkins).",
            f"{_PACKAGE}.junit",
        ),
        FormatSpec(
            "markdown",
            "md",
            "text/markdown; charset=utf-8",
            "Markdown for pull-request comments: summary table, findings, collapsed passes.",
            f"{_PACKAGE}.markdown",
        ),
        FormatSpec(
            "html",
            "html",
            "text/html; charset=utf-8",
            "One self-contained HTML page (no scripts, works offline) with a status chart and remediation.",
            f"{_PACKAGE}.html",
        ),
    ),
)
"""Every audit format, in the order ``--help`` lists them (``table`` is the default)."""
