"""Detection alerts (``mfaguard detect``, DESIGN §6) in every format; renderers in
:mod:`mfaguard.formats.alerts.render` (the CSV and SARIF writers are the shared ones)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mfaguard.formats.base import FormatSpec, Registry

if TYPE_CHECKING:
    from mfaguard.detect.alerts import DetectionResult

__all__ = ["ALERT_FORMATS"]

_MODULE = "mfaguard.formats.alerts.render"

ALERT_FORMATS: Registry[DetectionResult] = Registry(
    "alert document",
    (
        FormatSpec(
            "table",
            "txt",
            "text/plain; charset=utf-8",
            "A human-readable table of the alerts with the reason for each severity.",
            _MODULE,
            "render_table",
        ),
        FormatSpec(
            "json",
            "json",
            "application/json",
            "The DESIGN §6 alert document (schema_version, alerts) for a SIEM or a script.",
            _MODULE,
            "render_json",
        ),
        FormatSpec(
            "csv",
            "csv",
            "text/csv; charset=utf-8",
            "One row per alert with stable columns, for spreadsheets.",
            _MODULE,
            "render_csv",
        ),
        FormatSpec(
            "sarif",
            "sarif",
            "application/sarif+json",
            "SARIF 2.1.0, one rule per detection, for code-scanning dashboards.",
            _MODULE,
            "render_sarif",
        ),
        FormatSpec(
            "markdown",
            "md",
            "text/markdown; charset=utf-8",
            "Markdown for tickets and chat, with each alert's timeline and next steps.",
            _MODULE,
            "render_markdown",
        ),
    ),
)
"""Every alert format, in the order ``--help`` lists them (``table`` is the default)."""
