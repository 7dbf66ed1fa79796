from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import xmlschema

from mfaguard.formats.audit import AUDIT_FORMATS
from mfaguard.formats.fleet import FLEET_FORMATS
from mfaguard.model.report import AuditReport, Finding, Severity, Status
from tests.builders.reports import empty_report, every_status_report, fleet_results
from tests.formats.validators import junit_schema, valid_junit


@pytest.mark.parametrize(
    "text",
    [
        AUDIT_FORMATS.render("junit", every_status_report()),
        AUDIT_FORMATS.render("junit", empty_report()),
        FLEET_FORMATS.render("junit", fleet_results()),
        FLEET_FORMATS.render("junit", ()),
    ],
    ids=["report", "empty", "fleet", "empty-fleet"],
)
def test_validates_against_junit_xsd(text: str) -> None:
    assert valid_junit(text).tag == "testsuites"


def test_the_xsd_check_can_fail() -> None:
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        junit_schema().validate("<testsuites><testsuite><testcase/></testsuite></testsuites>")


def _cases(root: ET.Element) -> dict[str, ET.Element]:
    return {c.attrib["name"].split(":")[0]: c for c in root.iter("testcase")}


def test_one_testcase_per_control_and_status_mapping() -> None:
    root = valid_junit(AUDIT_FORMATS.render("junit", every_status_report()))
    cases = _cases(root)
    assert len(cases) == len(every_status_report().findings)
    assert [child.tag for child in cases["MFA-001"]] == []  # PASS
    assert [child.tag for child in cases["MFA-007"]] == ["failure"]
    assert [child.tag for child in cases["MFA-014"]] == ["failure"]
    assert [child.tag for child in cases["MFA-006"]] == ["error"]
    assert [child.tag for child in cases["MFA-015"]] == ["skipped"]
    assert [child.tag for child in cases["MFA-011"]] == ["system-out"]  # WARN passes, noted
    # FAIL with an accepted exception: skipped naming the exception, detail kept.
    assert [child.tag for child in cases["MFA-003"]] == ["skipped", "system-out"]
    assert "Pilot of the new sign-in" in cases["MFA-003"][0].attrib["message"]
    suite = root.find("testsuite")
    assert suite is not None
    assert {k: suite.attrib[k] for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "7",
        "failures": "2",
        "errors": "1",
        "skipped": "2",
    }
    assert root.attrib["failures"] == "2" and root.attrib["errors"] == "1"


def test_failure_carries_remediation_and_expired_exception() -> None:
    failure = _cases(valid_junit(AUDIT_FORMATS.render("junit", every_status_report())))["MFA-007"][0]
    assert failure.attrib["type"] == "high severity"
    assert "PATCH /beta/policies" in (failure.text or "")
    assert "Expired exception, not applied" in (failure.text or "")


def test_control_characters_never_break_the_xml() -> None:
    finding = Finding("MFA-009", "Email OTP is off", Status.FAIL, Severity.MEDIUM, "bad \x01 byte \x1b[31m")
    report = AuditReport("t", "T", None, "beta", (finding,))
    failure = _cases(valid_junit(AUDIT_FORMATS.render("junit", report)))["MFA-009"][0]
    assert "bad" in failure.attrib["message"]


def test_fleet_has_a_suite_per_tenant_and_errored_tenant() -> None:
    root = valid_junit(FLEET_FORMATS.render("junit", fleet_results()))
    suites = root.findall("testsuite")
    assert [s.attrib["name"] for s in suites] == [
        "mfaguard audit: contoso",
        "mfaguard audit: northwind",
        "mfaguard audit: fabrikam",
    ]
    error = suites[1].find("testcase/error")
    assert error is not None and "Authorization_RequestDenied" in error.attrib["message"]
    assert root.attrib["tests"] == str(7 + 1 + 7)
