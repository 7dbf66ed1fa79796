"""Any text a tenant can put into a finding (group names, odd values) keeps every format well formed."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from mfaguard.formats import RenderOptions
from mfaguard.formats.audit import AUDIT_FORMATS
from mfaguard.model.report import AuditReport, Finding, Severity, Status

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)
OPTIONS = RenderOptions(controls=())


def _report(detail: str, resource: str, remediation: str, name: str) -> AuditReport:
    finding = Finding(
        "MFA-014",
        "Exclusions are limited to break-glass groups",
        Status.FAIL,
        Severity.HIGH,
        detail,
        remediation=remediation,
        resource=resource or None,
    )
    return AuditReport("tid", name or None, None, "beta", (finding,))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)


def _unescaped(row: str) -> tuple[int, int]:
    """Pipes and ``<`` in a Markdown line that no backslash escapes."""
    pipes = tags = 0
    i = 0
    while i < len(row):
        if row[i] == "\\":
            i += 2
            continue
        pipes += row[i] == "|"
        tags += row[i] == "<"
        i += 1
    return pipes, tags


@settings(max_examples=60, deadline=None)
@given(detail=TEXT, resource=TEXT, remediation=TEXT, name=TEXT)
def test_tenant_text_cannot_break_any_format(detail: str, resource: str, remediation: str, name: str) -> None:
    report = _report(detail, resource, remediation, name)

    assert json.loads(AUDIT_FORMATS.render("json", report, options=OPTIONS)) == report.to_json()

    rows = list(csv.DictReader(io.StringIO(AUDIT_FORMATS.render("csv", report, options=OPTIONS), newline="")))
    assert len(rows) == 1 and rows[0]["control_id"] == "MFA-014"

    root = ET.fromstring(AUDIT_FORMATS.render("junit", report, options=OPTIONS).encode("utf-8"))
    assert len(root.findall("testsuite/testcase")) == 1

    sarif = json.loads(AUDIT_FORMATS.render("sarif", report, options=OPTIONS))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["MFA-014"]

    parser = _Tags()
    parser.feed(AUDIT_FORMATS.render("html", report, options=OPTIONS))
    assert parser.tags <= {
        "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p", "span", "section",
        "div", "ul", "li", "b", "svg", "g", "text", "rect", "details", "summary", "strong", "dl", "dt",
        "dd", "a", "pre", "footer",
    }  # fmt: skip

    markdown = AUDIT_FORMATS.render("markdown", report, options=OPTIONS)
    row = next(line for line in markdown.splitlines() if line.startswith("| ❌ FAIL | high |"))
    pipes, raw_tags = _unescaped(row)
    assert pipes == 5  # four columns: tenant text never adds one
    assert raw_tags == row.count("<br>")  # the only HTML is the line breaks the renderer adds

    assert "MFA-014" in AUDIT_FORMATS.render("table", report, options=OPTIONS)
