"""Contract: every registered format is complete, documented, golden-tested and renders every case."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest

from mfaguard.errors import EXIT_USAGE, UsageError
from mfaguard.formats import FormatSpec
from mfaguard.formats.audit import AUDIT_FORMATS
from mfaguard.formats.fleet import FLEET_FORMATS
from mfaguard.model.report import AuditReport, Status
from tests.builders.reports import empty_report, every_status_report, fleet_results
from tests.conftest import SRC
from tests.formats.golden import GOLDEN_DIR


def test_names_are_unique_lowercase_and_include_design_formats() -> None:
    assert len(set(AUDIT_FORMATS.names)) == len(AUDIT_FORMATS.names)
    assert all(re.fullmatch(r"[a-z]+", name) for name in AUDIT_FORMATS.names)
    assert AUDIT_FORMATS.names[0] == "table"  # the default comes first in --help


@pytest.mark.parametrize("fmt", AUDIT_FORMATS.formats, ids=lambda f: f.name)
def test_format_is_documented(fmt: FormatSpec[AuditReport]) -> None:
    assert len(fmt.description) > 20 and fmt.description.endswith(".")
    assert re.fullmatch(r"[a-z]+", fmt.extension)
    assert re.fullmatch(r"[a-z]+/[a-z0-9.+-]+(; charset=utf-8)?", fmt.media_type)


@pytest.mark.parametrize("fmt", AUDIT_FORMATS.formats, ids=lambda f: f.name)
def test_format_has_golden_files(fmt: FormatSpec[AuditReport]) -> None:
    for case in ("report", "empty", "fleet"):
        assert (GOLDEN_DIR / fmt.name / f"{case}.{fmt.extension}").is_file(), (fmt.name, case)


@pytest.mark.parametrize("fmt", AUDIT_FORMATS.formats, ids=lambda f: f.name)
def test_format_renders_empty_and_every_status(fmt: FormatSpec[AuditReport]) -> None:
    empty = fmt.render(empty_report())
    full = fmt.render(every_status_report())
    assert empty.strip() and full.strip()
    for finding in every_status_report().findings:
        if fmt.name == "sarif" and finding.status in (Status.PASS, Status.NOT_APPLICABLE):
            # SARIF reports problems only (see mfaguard.formats.sarif for why).
            assert finding.control_id not in full
        else:
            assert finding.control_id in full, (fmt.name, finding.control_id)
    fleet = FLEET_FORMATS.get(fmt.name).render(fleet_results())
    assert "northwind" in fleet and "contoso" in fleet
    assert FLEET_FORMATS.get(fmt.name).render(()).strip()


def test_unknown_format_is_usage_error_naming_the_choices() -> None:
    with pytest.raises(UsageError) as caught:
        AUDIT_FORMATS.render("yaml", every_status_report())
    assert caught.value.exit_code == EXIT_USAGE
    assert "yaml" in str(caught.value)
    for name in AUDIT_FORMATS.names:
        assert name in str(caught.value)
    with pytest.raises(UsageError):
        FLEET_FORMATS.render("pdf", fleet_results())


def test_lookup_is_case_insensitive() -> None:
    assert AUDIT_FORMATS.get(" JSON ").name == "json"


def test_importing_formats_is_cheap() -> None:
    code = (
        "import sys, mfaguard.formats as f\n"
        "heavy = [m for m in ('rich', 'jinja2', 'xml.etree.ElementTree', 'csv') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": str(SRC)}, check=True
    )
    assert out.stdout.strip() == ""


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_options_for_stream_follow_terminal_and_no_color() -> None:
    from mfaguard.formats import RenderOptions

    assert RenderOptions.for_stream(_Stream(True), environ={"COLUMNS": "60"}).color is True
    assert RenderOptions.for_stream(_Stream(True), environ={"COLUMNS": "60"}).width == 60
    assert RenderOptions.for_stream(_Stream(True), environ={"NO_COLOR": "1"}).color is False
    assert RenderOptions.for_stream(_Stream(False), environ={}).color is False
    assert RenderOptions.for_stream(_Stream(False), environ={"FORCE_COLOR": "1"}).color is True
    assert RenderOptions.for_stream(None, environ={"FORCE_COLOR": "1"}).color is False  # a file
    assert RenderOptions.for_stream(None, environ={}).width == 100
    options = RenderOptions.for_stream(None, environ={}, source_uri="policy.json", controls=())
    assert options.source_uri == "policy.json" and options.controls == ()


def test_every_format_and_csv_column_is_documented() -> None:
    from mfaguard.formats.audit.csv import COLUMNS

    text = (SRC.parent / "docs" / "formats.md").read_text(encoding="utf-8")
    for name in AUDIT_FORMATS.names:
        assert f"## `{name}`" in text
    documented = re.search(r"Columns, in this order.*?\n\n(.*?)\n\n", text, re.S)
    assert documented is not None
    assert re.findall(r"`(\w+)`", documented.group(1)) == list(COLUMNS)


def test_docs_url_comes_from_the_environment_only_when_set() -> None:
    from mfaguard.formats import RenderOptions

    assert RenderOptions.for_stream(None, environ={}).docs_url is None
    opts = RenderOptions.for_stream(None, environ={"MFAGUARD_DOCS_URL": "https://d.example.test"})
    assert opts.docs_url == "https://d.example.test"


def test_summary_counts_findings_apart_from_controls_when_a_control_reports_several() -> None:
    from dataclasses import replace

    from mfaguard.formats._common import summary_line
    from tests.builders.reports import every_status_report

    report = every_status_report()
    assert summary_line(report).startswith(f"{len(report.findings)} controls:")
    doubled = replace(report, findings=(*report.findings, report.findings[0]))
    controls = len({f.control_id for f in report.findings})
    assert summary_line(doubled).startswith(f"{len(report.findings) + 1} findings from {controls} controls:")
