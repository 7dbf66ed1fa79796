"""The dashboard's query helpers: pure aggregation and the store method behind the fleet grid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mfaguard.store import FindingPoint, TenantRecord
from mfaguard.web import charts, queries
from tests.web.seed import EXPECTED, NOW

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_latest_audit_grid_matches_the_status_grid_and_gives_times(seeded: Any) -> None:
    store, _ids = seeded
    grid, started = store.latest_audit_grid()
    assert grid == store.latest_status_grid() == EXPECTED
    assert started == dict.fromkeys(EXPECTED, NOW)
    # A failed newer audit does not replace the last good one.
    store.record_completed_run(
        "contoso", "audit", started_at=NOW + timedelta(hours=1), finished_at=NOW, status="error", error="403"
    )
    assert store.latest_audit_grid()[1]["contoso"] == NOW


def test_grid_rows_worst_first_with_missing_cells_and_tag_filter() -> None:
    tenants = [
        TenantRecord("a", None, ("x",), T0, None),
        TenantRecord("b", None, ("y",), T0, None),
        TenantRecord("c", None, (), T0, None),
    ]
    grid = {"a": {"C1": "PASS", "C2": "WARN"}, "b": {"C1": "FAIL"}}
    rows = queries.grid_rows(tenants, grid, {"a": T0}, ["C1", "C2"])
    assert [r.tenant for r in rows] == ["b", "a", "c"]
    assert rows[0].cells == ("FAIL", "NONE") and rows[2].cells == ("NONE", "NONE")
    assert [r.tenant for r in queries.grid_rows(tenants, grid, {}, ["C1"], tag="x")] == ["a"]


def test_trend_points_count_statuses_per_run_in_time_order() -> None:
    points = [
        FindingPoint(2, "t", T0 + timedelta(days=1), "C1", "FAIL", "high"),
        FindingPoint(1, "t", T0, "C1", "PASS", "high"),
        FindingPoint(1, "t", T0, "C2", "PASS", "high"),
        FindingPoint(2, "t", T0 + timedelta(days=1), "C2", "PASS", "high"),
    ]
    trend = queries.trend_points(points)
    assert [(p.run_id, dict(p.counts)) for p in trend] == [(1, {"PASS": 2}), (2, {"FAIL": 1, "PASS": 1})]
    svg = str(charts.trend_chart(trend))
    assert svg.count('class="bar s-PASS"') == 2 and svg.count('class="bar s-FAIL"') == 1
    assert "no audits yet" in str(charts.trend_chart([]))


def test_grid_cells_escape_and_colour() -> None:
    html = str(charts.grid_cells(["FAIL", "PASS"], ["C<1>", "C2"]))
    assert 'data-control="C&lt;1&gt;" data-status="FAIL"' in html and "s-PASS" in html


def test_change_diffs_list_changed_keys_only(seeded: Any) -> None:
    store, _ = seeded
    change_id = store.create_change("contoso", plan={})
    store.record_pre_change_object(change_id, "/p/a", {"state": "enabled", "x": 1, "@odata.type": "t"})
    store.record_post_change_object(change_id, "/p/a", {"state": "disabled", "x": 1, "@odata.type": "u"})
    change = store.get_change(change_id)
    assert [(d.key, d.before, d.after) for d in change.diffs()] == [("state", "enabled", "disabled")]
    assert queries.can_roll_back(change)
