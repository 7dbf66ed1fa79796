"""The formats over a real audit (the control registry and engine), not only hand-made reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mfaguard.audit.engine import audit
from mfaguard.controls import CONTROLS
from mfaguard.formats import FormatSpec, RenderOptions
from mfaguard.formats.audit import AUDIT_FORMATS
from mfaguard.model.report import AuditReport
from mfaguard.model.settings import AuditSettings
from mfaguard.read.snapshot_file import load_snapshot
from tests.formats.validators import junit_schema, valid_sarif

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _report(name: str) -> AuditReport:
    return audit(load_snapshot(FIXTURES / name), settings=AuditSettings(), now=NOW)


@pytest.mark.parametrize(
    "fixture", ["compliant.json", "sms-enabled-all-users.json", "authenticator-missing.json"]
)
@pytest.mark.parametrize("fmt", AUDIT_FORMATS.formats, ids=lambda f: f.name)
def test_every_format_renders_a_real_audit(fmt: FormatSpec[AuditReport], fixture: str) -> None:
    report = _report(fixture)
    text = fmt.render(report)
    if fmt.name == "sarif":
        valid_sarif(text)
    elif fmt.name == "junit":
        junit_schema().validate(text)
    elif fmt.name == "json":
        assert json.loads(text) == report.to_json()


def test_sarif_rules_use_the_registry_metadata() -> None:
    report = _report("sms-enabled-all-users.json")
    run = valid_sarif(AUDIT_FORMATS.get("sarif").render(report, RenderOptions()))["runs"][0]
    by_id = {c.id: c for c in CONTROLS}
    rules = run["tool"]["driver"]["rules"]
    assert rules, "the SMS fixture should fail at least MFA-007"
    for rule in rules:
        control = by_id[rule["id"]]
        assert rule["fullDescription"]["text"] == control.rationale
        assert control.remediation.method in rule["help"]["text"]
        assert f"docs/controls/{control.id}.md" in rule["help"]["text"]


def test_html_links_references_from_the_registry() -> None:
    report = _report("compliant.json")
    text = AUDIT_FORMATS.get("html").render(report, RenderOptions())
    first = CONTROLS[0].references[0]
    assert f'<a href="{first.url}">{first.id}</a>' in text
