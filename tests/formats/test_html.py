from __future__ import annotations

import re
from html.parser import HTMLParser

from mfaguard.formats import RenderOptions
from mfaguard.formats.audit import AUDIT_FORMATS
from mfaguard.formats.audit.html import Count, display_counts, verdict
from mfaguard.formats.fleet import FLEET_FORMATS
from mfaguard.model.report import AuditReport, Finding, Severity, Status
from tests.builders.reports import CONTROL_METADATA, all_pass_report, every_status_report, fleet_results

OPTIONS = RenderOptions(controls=CONTROL_METADATA)


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(text: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Collect()
    parser.feed(text)
    return parser.tags


def test_script_in_a_detail_is_escaped() -> None:
    text = AUDIT_FORMATS.render("html", every_status_report(), options=OPTIONS)
    assert "<script>alert('x')</script>" not in text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in text
    assert all(tag != "script" for tag, _ in _tags(text))


def test_every_text_field_is_escaped() -> None:
    evil = "<img src=x onerror=alert(1)>"
    finding = Finding(
        "MFA-009",
        evil,
        Status.FAIL,
        Severity.MEDIUM,
        evil,
        references=(evil, "javascript:alert(1)"),
        remediation=evil,
        resource=evil,
    )
    text = AUDIT_FORMATS.render("html", AuditReport(evil, evil, None, "beta", (finding,)), options=OPTIONS)
    assert evil not in text
    assert all(tag != "img" for tag, _ in _tags(text))
    assert 'href="javascript:' not in text


def test_self_contained_no_external_resources_and_csp() -> None:
    text = AUDIT_FORMATS.render("html", every_status_report(), options=OPTIONS)
    for tag, attrs in _tags(text):
        assert tag not in ("script", "link", "iframe", "img"), tag
        assert "src" not in attrs, tag
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    assert text.count("<svg") == 1


def test_summary_chart_every_finding_with_remediation_and_exceptions() -> None:
    text = AUDIT_FORMATS.render("html", every_status_report(), options=OPTIONS)
    # The accepted FAIL is its own count, chart bar and section (issue 12, item 8).
    assert (
        "2 controls failed; 1 could not be evaluated; 1 needs a look; 1 is an accepted risk (of 7 controls)."
        in text
    )
    assert (
        '<title id="chart-title">Findings by status: 2 FAIL, 1 ERROR, 1 WARN, 1 accepted, 1 PASS, 1 N/A</title>'
        in text
    )
    assert '<li><b class="c-accepted">1</b>accepted</li>' in text
    assert text.index("<h2>Accepted risks</h2>") < text.index('id="MFA-003"') < text.index("Passed and not")
    for finding in every_status_report().findings:
        assert f'id="{finding.control_id}"' in text
    # The control's own remediation (portal steps, Graph request) when the registry describes it ...
    assert "Portal: Microsoft Entra admin center &gt; Entra ID &gt; Authentication methods &gt; SMS" in text
    assert "Graph: PATCH https://graph.microsoft.com/beta/policies/" in text
    assert "Note: Send only @odata.type and state." in text
    # ... else the finding's text.
    assert "Remove the exclusion or add the group to break_glass_groups." in text
    assert "Accepted risk (exception):" in text and "secops@contoso.example" in text
    assert "Expired exception, not applied:" in text
    assert "SIM-swapped" in text  # rationale from control metadata
    assert '<a href="https://maester.dev/docs/tests/EIDSCA/EIDSCA.AS04">EIDSCA.AS04</a>' in text
    assert '<a href="https://www.cisa.gov/scuba">' in text  # a reference that is itself a link


def test_fail_first_and_passes_collapsed() -> None:
    text = AUDIT_FORMATS.render("html", every_status_report(), options=OPTIONS)
    order = [m.group(1) for m in re.finditer(r'<details class="finding \w+" id="(MFA-\d+)"', text)]
    assert order == ["MFA-014", "MFA-007", "MFA-006", "MFA-011", "MFA-003", "MFA-001", "MFA-015"]
    assert re.search(r'id="MFA-001">', text)  # not open
    assert re.search(r'id="MFA-014" open>', text)


def _counts(**n: int) -> list[Count]:
    keys = ("FAIL", "ERROR", "WARN", "accepted", "PASS", "NOT_APPLICABLE")
    return [Count(k, k, n.get(k, 0), "") for k in keys]


def test_verdict_sentences() -> None:
    assert verdict(display_counts(all_pass_report().findings)) == "All 7 applicable controls pass."
    assert verdict(_counts(PASS=5, NOT_APPLICABLE=2)) == "All 5 applicable controls pass; 2 not applicable."
    assert verdict(_counts(PASS=5, accepted=2)) == "All 5 applicable controls pass; 2 are accepted risks."


def test_fleet_page_has_tenant_table_chart_and_tenant_column() -> None:
    text = FLEET_FORMATS.render("html", fleet_results(), options=OPTIONS)
    assert "<td>northwind</td>" in text and "Authorization_RequestDenied" in text
    assert 'id="contoso-MFA-014"' in text
    assert "<strong>contoso</strong>" in text
    assert "Share of statuses per tenant" in text
    assert "fabrikam: 7 PASS" in text
