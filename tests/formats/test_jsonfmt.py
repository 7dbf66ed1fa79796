from __future__ import annotations

import json

from mfaguard.formats.audit import AUDIT_FORMATS
from mfaguard.formats.fleet import FLEET_FORMATS
from mfaguard.model.report import SCHEMA_VERSION
from tests.builders.reports import every_status_report, fleet_results


def test_json_is_exactly_the_report_document() -> None:
    report = every_status_report()
    assert json.loads(AUDIT_FORMATS.render("json", report)) == report.to_json()


def test_fleet_document_shape() -> None:
    document = json.loads(FLEET_FORMATS.render("json", fleet_results()))
    assert document["schema_version"] == SCHEMA_VERSION
    assert [t["name"] for t in document["tenants"]] == ["contoso", "northwind", "fabrikam"]
    for tenant in document["tenants"]:
        assert {"name", "status", "error", "summary", "findings"} <= tenant.keys()
    broken = document["tenants"][1]
    assert broken["status"] == "error" and broken["summary"] is None and broken["findings"] == []
    assert "Policy.Read.AuthenticationMethod" in broken["error"]
    ok = document["tenants"][0]
    assert ok["status"] == "ok" and ok["error"] is None
    assert ok["summary"]["FAIL"] == 3
    assert ok["findings"] == every_status_report().to_json()["findings"]
