from __future__ import annotations

import re

import pytest

from mfaguard.formats import RenderOptions
from mfaguard.formats.audit import AUDIT_FORMATS
from mfaguard.formats.fleet import FLEET_FORMATS
from tests.builders.reports import every_status_report, fleet_results

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_groups_by_status_most_urgent_first_with_summary() -> None:
    text = AUDIT_FORMATS.render("table", every_status_report())
    headings = [
        line
        for line in text.splitlines()
        if re.fullmatch(r"(FAIL|ERROR|WARN|ACCEPTED|PASS|N/A) \(\d+\)", line)
    ]
    # The FAIL an exception covers is its own group (status kept in its row) and count (issue 12, item 8).
    assert headings == ["FAIL (2)", "ERROR (1)", "WARN (1)", "ACCEPTED (1)", "PASS (1)", "N/A (1)"]
    # Within a group: most severe first.
    assert text.index("MFA-014") < text.index("MFA-007") < text.index("MFA-003")
    assert re.search(r"MFA-003 +FAIL +medium", text)
    assert "Summary: 7 controls  FAIL 2 · accepted 1  ERROR 1  WARN 1  PASS 1  N/A 1" in text
    assert "not a pass" in text


def test_no_colour_means_no_escape_codes_and_colour_adds_them() -> None:
    plain = AUDIT_FORMATS.render("table", every_status_report(), options=RenderOptions(color=False))
    coloured = AUDIT_FORMATS.render("table", every_status_report(), options=RenderOptions(color=True))
    assert "\x1b[" not in plain
    assert "\x1b[" in coloured
    assert "FAIL (2)" in ANSI.sub("", coloured)


def test_colour_and_width_ignore_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI decides; FORCE_COLOR or COLUMNS in the environment must not leak into the output.
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "30")
    text = AUDIT_FORMATS.render("table", every_status_report(), options=RenderOptions(width=100))
    assert "\x1b[" not in text
    assert "Summary: 7 controls  FAIL 2 · accepted 1" in text


def test_narrow_terminal_stacks_and_fits() -> None:
    text = AUDIT_FORMATS.render("table", every_status_report(), options=RenderOptions(width=50))
    assert max(len(line) for line in text.splitlines()) <= 50
    assert "  MFA-007  high  SMS is off" in text
    # Nothing is cut off: every word of a long detail is still there.
    assert "excluded from number" in text and "matching." in text


def test_wide_terminal_fits_width_and_has_no_trailing_blanks() -> None:
    text = AUDIT_FORMATS.render("table", every_status_report(), options=RenderOptions(width=120))
    assert max(len(line) for line in text.splitlines()) <= 120
    assert all(line == line.rstrip() for line in text.splitlines())


def test_exceptions_are_shown() -> None:
    text = " ".join(
        AUDIT_FORMATS.render("table", every_status_report(), options=RenderOptions(width=200)).split()
    )
    assert "Accepted risk: Pilot of the new sign-in experience until March" in text
    assert "Expired exception, not applied: Legacy phones" in text


def test_fleet_has_tenant_column_and_errors() -> None:
    text = FLEET_FORMATS.render("table", fleet_results(), options=RenderOptions(width=160))
    assert "Tenant" in text
    assert re.search(r"contoso\s+MFA-014", text)
    assert "northwind" in text and "Authorization_RequestDenied" in text
    assert "3 tenants (1 could not be read)" in text
