from __future__ import annotations

import re

from mfaguard.formats import RenderOptions
from mfaguard.formats.audit import AUDIT_FORMATS
from mfaguard.formats.audit.markdown import cell
from mfaguard.formats.fleet import FLEET_FORMATS
from mfaguard.model.report import AuditReport, Finding, Severity, Status
from tests.builders.reports import all_pass_report, every_status_report, fleet_results


def test_summary_table_and_findings() -> None:
    text = AUDIT_FORMATS.render("markdown", every_status_report())
    assert text.startswith("## mfaguard audit: Contoso Ltd\n")
    assert "**7 controls: 2 FAIL · 1 accepted, 1 ERROR, 1 WARN, 1 PASS, 1 N/A**" in text
    assert "| ❌ FAIL | 🛑 ERROR | ⚠️ WARN | ☑️ accepted | ✅ PASS | ➖ N/A |" in text
    assert "| 2 | 1 | 1 | 1 | 1 | 1 |" in text
    attention = text.split("### Needs attention", 1)[1].split("Accepted risks", 1)[0]
    assert re.search(r"\| ❌ FAIL \| critical \| \*\*MFA-014\*\*", attention)
    assert "MFA-001" not in attention  # passes are folded away
    assert "MFA-003" not in attention  # the accepted FAIL is its own group, status kept
    taken = text.split("**☑️ Accepted risks (1)**", 1)[1].split("<details><summary>1 PASS", 1)[0]
    assert re.search(r"\| ❌ FAIL \| medium \| \*\*MFA-003\*\*", taken)


def test_passes_are_collapsible() -> None:
    text = AUDIT_FORMATS.render("markdown", all_pass_report())
    assert "No FAIL, ERROR or WARN findings." in text
    block = text.split("<details><summary>7 PASS</summary>", 1)[1]
    assert "</details>" in block and "MFA-001" in block


def test_remediation_is_fenced_and_cannot_break_out() -> None:
    sneaky = "step 1\n```\n</details><script>x</script>\n````"
    finding = Finding(
        "MFA-008", "Voice call is off", Status.FAIL, Severity.HIGH, "Voice on", remediation=sneaky
    )
    report = AuditReport("t", "T", None, "beta", (finding,))
    text = AUDIT_FORMATS.render("markdown", report, options=RenderOptions(controls=()))
    assert "`````text\n" + sneaky + "\n`````" in text


def test_cells_escape_markup_pipes_and_html() -> None:
    assert cell("a | b") == r"a \| b"
    assert cell("<img src=x onerror=alert(1)>") == r"\<img src=x onerror=alert(1)\>"
    assert cell("line1\nline2") == "line1<br>line2"
    text = AUDIT_FORMATS.render("markdown", every_status_report())
    assert "<script>" not in text
    assert r"\<script\>" in text


def test_exceptions_are_shown() -> None:
    text = AUDIT_FORMATS.render("markdown", every_status_report())
    assert "*Accepted risk: Pilot of the new sign-in experience until March" in text
    assert "*Expired exception, not applied: Legacy phones" in text


def test_fleet_lists_tenants_and_errors() -> None:
    text = FLEET_FORMATS.render("markdown", fleet_results())
    assert "| northwind | **error** |" in text
    assert "- northwind: Graph answered 403" in text
    assert "#### contoso: Contoso Ltd" in text
    assert "#### fabrikam" not in text  # nothing needs attention there


def test_long_fleet_comment_is_cut_between_sections_under_githubs_limit() -> None:
    from mfaguard.formats.audit.markdown import COMMENT_LIMIT
    from mfaguard.model.report import TenantResult

    many = [
        TenantResult(name=f"tenant-{i:03}", status="ok", report=every_status_report()) for i in range(200)
    ]
    text = FLEET_FORMATS.render("markdown", many)
    assert len(text) <= COMMENT_LIMIT
    assert "| tenant-199 | ok |" in text  # the overview keeps every tenant
    assert "Cut here to fit a pull-request comment" in text
    assert text.count("<details>") == text.count("</details>")
    assert text.count("```") % 2 == 0


def test_short_comment_is_not_cut() -> None:
    assert "Cut here" not in FLEET_FORMATS.render("markdown", fleet_results())


def test_control_ids_link_to_the_configured_docs_url() -> None:
    text = AUDIT_FORMATS.render(
        "markdown", every_status_report(), options=RenderOptions(docs_url="https://docs.example.test/c")
    )
    assert "[MFA-014](https://docs.example.test/c/MFA-014.md)" in text
