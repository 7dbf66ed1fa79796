from __future__ import annotations

import json

import pytest

from mfaguard.formats import RenderOptions
from mfaguard.formats.audit import AUDIT_FORMATS
from mfaguard.formats.audit.sarif import SECURITY_SEVERITY
from mfaguard.formats.fleet import FLEET_FORMATS
from mfaguard.model.report import Severity
from tests.builders.reports import CONTROL_METADATA, empty_report, every_status_report, fleet_results
from tests.formats.validators import sarif_validator, valid_sarif

OPTIONS = RenderOptions(controls=CONTROL_METADATA, source_uri="snapshots/contoso.json")


@pytest.mark.parametrize(
    "text",
    [
        AUDIT_FORMATS.render("sarif", every_status_report(), options=OPTIONS),
        AUDIT_FORMATS.render("sarif", empty_report()),
        FLEET_FORMATS.render("sarif", fleet_results(), options=OPTIONS),
        FLEET_FORMATS.render("sarif", ()),
    ],
    ids=["report", "empty", "fleet", "empty-fleet"],
)
def test_validates_against_official_schema(text: str) -> None:
    assert valid_sarif(text)["version"] == "2.1.0"


def test_the_schema_check_can_fail() -> None:
    document = json.loads(AUDIT_FORMATS.render("sarif", every_status_report()))
    document["runs"][0]["results"][0]["level"] = "fatal"
    assert list(sarif_validator().iter_errors(document))


def test_results_only_for_fail_warn_error_with_mapped_levels() -> None:
    run = valid_sarif(AUDIT_FORMATS.render("sarif", every_status_report(), options=OPTIONS))["runs"][0]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {
        "MFA-014": "error",  # critical FAIL
        "MFA-007": "error",  # high FAIL
        "MFA-003": "warning",  # medium FAIL
        "MFA-006": "warning",  # ERROR: cannot be judged, must not look clean
        "MFA-011": "note",  # WARN
    }
    assert "MFA-001" not in levels and "MFA-015" not in levels  # PASS / N/A omitted
    notifications = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["associatedRule"]["id"] for n in notifications] == ["MFA-006"]


def test_rules_have_help_severity_and_doc_links_enriched_by_metadata() -> None:
    run = valid_sarif(AUDIT_FORMATS.render("sarif", every_status_report(), options=OPTIONS))["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert sorted(rules) == ["MFA-003", "MFA-006", "MFA-007", "MFA-011", "MFA-014"]
    for index, result in enumerate(run["results"]):
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"], index
    sms = rules["MFA-007"]
    assert "helpUri" not in sms  # no docs URL configured: no invented link
    assert "docs/controls/MFA-007.md" in sms["help"]["text"]
    assert "SIM-swapped" in sms["fullDescription"]["text"]  # rationale from control metadata
    assert (
        "Portal: Microsoft Entra admin center > Entra ID > Authentication methods > SMS"
        in sms["help"]["text"]
    )
    assert '"state": "disabled"' in sms["help"]["markdown"]
    assert sms["properties"]["security-severity"] == SECURITY_SEVERITY[Severity.HIGH]
    # Without metadata the rule is built from the finding alone.
    bare = valid_sarif(
        AUDIT_FORMATS.render("sarif", every_status_report(), options=RenderOptions(controls=()))
    )
    bare_sms = next(r for r in bare["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "MFA-007")
    assert bare_sms["fullDescription"]["text"] == "SMS is off"
    assert "PATCH /beta/policies" in bare_sms["help"]["text"]


def test_locations_fingerprints_and_category() -> None:
    run = valid_sarif(AUDIT_FORMATS.render("sarif", every_status_report(), options=OPTIONS))["runs"][0]
    for result in run["results"]:
        location = result["locations"][0]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == "snapshots/contoso.json"
        assert location["logicalLocations"][0]["fullyQualifiedName"].startswith("tenants/00000000-")
    prints = [r["partialFingerprints"]["mfaguardFinding/v1"] for r in run["results"]]
    assert len(set(prints)) == len(prints)
    again = valid_sarif(AUDIT_FORMATS.render("sarif", every_status_report(), options=OPTIONS))["runs"][0]
    assert prints == [r["partialFingerprints"]["mfaguardFinding/v1"] for r in again["results"]]
    assert run["automationDetails"]["id"] == "mfaguard/00000000-0000-0000-0000-0000000000c1/"


def test_exception_is_an_accepted_suppression() -> None:
    run = valid_sarif(AUDIT_FORMATS.render("sarif", every_status_report(), options=OPTIONS))["runs"][0]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    suppression = by_rule["MFA-003"]["suppressions"][0]
    assert suppression["status"] == "accepted" and "Pilot" in suppression["justification"]
    assert "suppressions" not in by_rule["MFA-007"]  # expired exception: not applied


def test_fleet_has_one_run_per_tenant_with_own_category() -> None:
    runs = valid_sarif(FLEET_FORMATS.render("sarif", fleet_results(), options=OPTIONS))["runs"]
    assert [r["automationDetails"]["id"] for r in runs] == [
        "mfaguard/contoso/",
        "mfaguard/northwind/",
        "mfaguard/fabrikam/",
    ]
    failed = runs[1]["invocations"][0]
    assert failed["executionSuccessful"] is False
    assert "Authorization_RequestDenied" in failed["toolExecutionNotifications"][0]["message"]["text"]
    assert runs[2]["results"] == []


def test_help_uri_points_at_the_configured_docs_url() -> None:
    options = RenderOptions(docs_url="https://wiki.example.test/mfaguard/controls/")
    run = valid_sarif(AUDIT_FORMATS.render("sarif", every_status_report(), options=options))["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["MFA-007"]["helpUri"] == "https://wiki.example.test/mfaguard/controls/MFA-007.md"
