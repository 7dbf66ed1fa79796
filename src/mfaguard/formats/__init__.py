"""Report formats: one explicit registry, one renderer module per format.

``render("sarif", report)`` turns an :class:`~mfaguard.model.report.AuditReport` into the text of that
format; ``render_fleet("json", results)`` does the same for a fleet run (one
:class:`~mfaguard.model.report.TenantResult` per tenant, DESIGN §7).

Importing this package is cheap on purpose (``mfaguard --help`` and an offline audit must start
fast): each :class:`Format` names its renderer *module*, which is imported on first use, and the
renderers import rich / Jinja2 / XML only inside their functions.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TextIO, cast

from mfaguard.errors import bad_value, one_of

if TYPE_CHECKING:
    from mfaguard.formats._meta import ControlInfo
    from mfaguard.model.report import AuditReport, TenantResult

__all__ = [
    "DEFAULT_FORMAT",
    "FORMATS",
    "FORMAT_NAMES",
    "Format",
    "RenderOptions",
    "get_format",
    "render",
    "render_fleet",
]


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """How to render; every field has a default so ``RenderOptions()`` is always valid."""

    color: bool = False
    """ANSI colours (table only). The CLI sets it for a terminal unless ``NO_COLOR`` is set."""
    width: int = 100
    """Terminal width in columns (table only); below 80 the table switches to a stacked layout."""
    controls: Sequence[ControlInfo] | None = None
    """Control metadata (rationale, references) to enrich SARIF rules and the HTML report.
    ``None`` means :data:`mfaguard.controls.CONTROLS` when importable; ``()`` means findings only."""
    source_uri: str | None = None
    """Where the audited policy came from (e.g. the snapshot file); SARIF uses it as the location."""
    docs_url: str | None = None
    """Base URL where the control pages (``docs/controls``) are published (``MFAGUARD_DOCS_URL``);
    without it no documentation links are made."""

    @classmethod
    def for_stream(
        cls,
        stream: TextIO | None,
        *,
        environ: Mapping[str, str] | None = None,
        controls: Sequence[ControlInfo] | None = None,
        source_uri: str | None = None,
    ) -> RenderOptions:
        """Options for writing to ``stream`` (``None``: a file from ``--output``).

        Colour on a terminal, or on a pipe with ``FORCE_COLOR`` set; never in a file or with
        ``NO_COLOR`` set (https://no-color.org). The width is the terminal's (``COLUMNS`` wins), 100 for files and pipes.
        """
        env = os.environ if environ is None else environ
        is_tty = bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())
        # A file never gets escape codes; FORCE_COLOR is for CI logs that render them from a pipe.
        color = stream is not None and not env.get("NO_COLOR") and (is_tty or bool(env.get("FORCE_COLOR")))
        width = 100
        if env.get("COLUMNS", "").isdigit():
            width = int(env["COLUMNS"])
        elif is_tty:
            import shutil

            width = shutil.get_terminal_size((100, 24)).columns
        docs_url = env.get("MFAGUARD_DOCS_URL") or None
        return cls(color=color, width=width, controls=controls, source_uri=source_uri, docs_url=docs_url)


class _Renderer(Protocol):
    def render(self, report: AuditReport, options: RenderOptions) -> str: ...

    def render_fleet(self, results: Sequence[TenantResult], options: RenderOptions) -> str: ...


@dataclass(frozen=True, slots=True)
class Format:
    """One output format."""

    name: str
    """What ``--format`` accepts."""
    extension: str
    """File extension (without dot) for ``--output`` defaults and downloads."""
    media_type: str
    """MIME type (for the dashboard's downloads and webhook attachments)."""
    description: str
    """One line for ``--help`` and the docs."""
    renderer: str
    """Dotted name of the module with ``render(report, options)`` and ``render_fleet(results, options)``."""

    def _module(self) -> _Renderer:
        return cast("_Renderer", importlib.import_module(self.renderer))

    def render(self, report: AuditReport, options: RenderOptions | None = None) -> str:
        """The report as text in this format."""
        return self._module().render(report, options or RenderOptions())

    def render_fleet(self, results: Sequence[TenantResult], options: RenderOptions | None = None) -> str:
        """A fleet run (one entry per tenant, ``ok`` or ``error``) as text in this format."""
        return self._module().render_fleet(results, options or RenderOptions())


FORMATS: tuple[Format, ...] = (
    Format(
        "table",
        "txt",
        "text/plain; charset=utf-8",
        "Coloured terminal table grouped by status, with a summary line (the default).",
        "mfaguard.formats.table",
    ),
    Format(
        "json",
        "json",
        "application/json",
        "The stable JSON audit document (schema_version, tenant, summary, findings) for scripts.",
        "mfaguard.formats.jsonfmt",
    ),
    Format(
        "csv",
        "csv",
        "text/csv; charset=utf-8",
        "One row per finding with stable columns (RFC 4180) for spreadsheets.",
        "mfaguard.formats.csvfmt",
    ),
    Format(
        "sarif",
        "sarif",
        "application/sarif+json",
        "SARIF 2.1.0 for GitHub code scanning and other SAST dashboards (FAIL/WARN/ERROR results).",
        "mfaguard.formats.sarif",
    ),
    Format(
        "junit",
        "xml",
        "application/xml",
        "JUnit XML, one test case per control, for CI test reports (Azure DevOps, GitLab, Jenkins).",
        "mfaguard.formats.junit",
    ),
    Format(
        "markdown",
        "md",
        "text/markdown; charset=utf-8",
        "Markdown for pull-request comments: summary table, findings, collapsed passes.",
        "mfaguard.formats.markdown",
    ),
    Format(
        "html",
        "html",
        "text/html; charset=utf-8",
        "One self-contained HTML page (no scripts, works offline) with a status chart and remediation.",
        "mfaguard.formats.html",
    ),
)
"""Every format, in the order ``--help`` lists them. Registered once, here."""

FORMAT_NAMES: tuple[str, ...] = tuple(f.name for f in FORMATS)
DEFAULT_FORMAT = "table"

_BY_NAME = {f.name: f for f in FORMATS}


def get_format(name: str) -> Format:
    """The format called ``name`` (case-insensitive); an unknown name is a usage error (exit 2)."""
    found = _BY_NAME.get(name.strip().lower())
    if found is None:
        raise bad_value("--format", name, one_of(FORMAT_NAMES))
    return found


def render(
    name: str,
    report: AuditReport,
    *,
    options: RenderOptions | None = None,
) -> str:
    """Render ``report`` in the format called ``name`` (raises :class:`UsageError` if unknown)."""
    return get_format(name).render(report, options)


def render_fleet(
    name: str,
    results: Sequence[TenantResult],
    *,
    options: RenderOptions | None = None,
) -> str:
    """Render a fleet run (per-tenant results, DESIGN §7) in the format called ``name``."""
    return get_format(name).render_fleet(results, options)
