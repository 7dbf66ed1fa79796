from __future__ import annotations

import csv
import io

from mfaguard.formats.audit import AUDIT_FORMATS
from mfaguard.formats.audit.csv import COLUMNS, FLEET_COLUMNS
from mfaguard.formats.fleet import FLEET_FORMATS
from tests.builders.reports import SMS_REMEDIATION, every_status_report, fleet_results


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_one_row_per_finding_with_stable_columns() -> None:
    text = AUDIT_FORMATS.render("csv", every_status_report())
    assert text.splitlines()[0] == ",".join(COLUMNS)
    rows = _rows(text)
    assert [r["control_id"] for r in rows] == [f.control_id for f in every_status_report().findings]


def test_rfc4180_line_ends_and_quoting_round_trip() -> None:
    text = AUDIT_FORMATS.render("csv", every_status_report())
    assert text.endswith("\r\n")
    assert "\r\n" in text and "\n\n" not in text
    sms = next(r for r in _rows(text) if r["control_id"] == "MFA-007")
    assert (
        sms["detail"] == 'Sms is enabled for all_users (isUsableForSignIn: true); group "Sales, EMEA | <b>"'
    )
    assert sms["remediation"] == SMS_REMEDIATION
    assert sms["references"] == "EIDSCA.AS04; https://www.cisa.gov/scuba"
    assert sms["expired_exception"].startswith("Legacy phones")


def test_exception_columns() -> None:
    row = next(
        r for r in _rows(AUDIT_FORMATS.render("csv", every_status_report())) if r["control_id"] == "MFA-003"
    )
    assert row["status"] == "FAIL"  # an exception never changes the status
    assert row["exception_owner"] == "secops@contoso.example"
    assert row["exception_expires"] == "2027-03-31"


def test_cells_that_look_like_formulas_are_neutralised() -> None:
    row = next(
        r for r in _rows(AUDIT_FORMATS.render("csv", every_status_report())) if r["control_id"] == "MFA-014"
    )
    assert row["detail"].startswith("'=HYPERLINK")


def test_fleet_adds_tenant_columns_and_error_rows() -> None:
    text = FLEET_FORMATS.render("csv", fleet_results())
    assert text.splitlines()[0] == ",".join(FLEET_COLUMNS)
    rows = _rows(text)
    assert {r["tenant"] for r in rows} == {"contoso", "northwind", "fabrikam"}
    broken = [r for r in rows if r["tenant"] == "northwind"]
    assert len(broken) == 1 and broken[0]["tenant_status"] == "error" and broken[0]["control_id"] == ""
    assert "Authorization_RequestDenied" in broken[0]["tenant_error"]
