"""Every registered format against its golden files (single tenant, empty report, fleet)."""

from __future__ import annotations

import pytest

from mfaguard.formats import FormatSpec, RenderOptions
from mfaguard.formats.audit import AUDIT_FORMATS
from mfaguard.formats.fleet import FLEET_FORMATS
from mfaguard.model.report import AuditReport
from tests.builders.reports import CONTROL_METADATA, empty_report, every_status_report, fleet_results
from tests.formats.golden import check_golden

OPTIONS = RenderOptions(controls=CONTROL_METADATA, source_uri="snapshots/contoso.json")


@pytest.mark.parametrize("fmt", AUDIT_FORMATS.formats, ids=lambda f: f.name)
def test_every_status_report_matches_golden(fmt: FormatSpec[AuditReport]) -> None:
    check_golden(f"{fmt.name}/report.{fmt.extension}", fmt.render(every_status_report(), OPTIONS))


@pytest.mark.parametrize("fmt", AUDIT_FORMATS.formats, ids=lambda f: f.name)
def test_empty_report_matches_golden(fmt: FormatSpec[AuditReport]) -> None:
    check_golden(f"{fmt.name}/empty.{fmt.extension}", fmt.render(empty_report(), OPTIONS))


@pytest.mark.parametrize("fmt", AUDIT_FORMATS.formats, ids=lambda f: f.name)
def test_fleet_matches_golden(fmt: FormatSpec[AuditReport]) -> None:
    check_golden(
        f"{fmt.name}/fleet.{fmt.extension}", FLEET_FORMATS.get(fmt.name).render(fleet_results(), OPTIONS)
    )
