from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest

from mfaguard.enforce.apply import Writer
from mfaguard.enforce.baseline import load_baseline
from mfaguard.enforce.plan import PlanSettings, plan
from mfaguard.enforce.rollback import rollback_change
from mfaguard.errors import EnforcementError
from tests.enforce.fakes import Clock, FakeChangeLog, FakeGraph, record_of, same_policy

BASELINE = load_baseline("recommended").baseline


def _writer(graph: FakeGraph, store: FakeChangeLog) -> Writer:
    clock = Clock()
    return Writer(graph, store, "contoso", PlanSettings(), sleep=clock.sleep, clock=clock)


def _applied() -> tuple[FakeGraph, FakeChangeLog, dict[str, Any], int]:
    graph = FakeGraph()
    original = copy.deepcopy(graph.policy)
    store = FakeChangeLog()
    p = plan(graph.policy, BASELINE, PlanSettings())
    outcome = asyncio.run(_writer(graph, store).apply(p, BASELINE, baseline_name="recommended"))
    assert outcome.verified and outcome.change_id is not None
    return graph, store, original, outcome.change_id


def test_rollback_restores_every_object_and_records_itself() -> None:
    graph, store, original, change_id = _applied()
    graph.log.clear()
    outcome = asyncio.run(rollback_change(_writer(graph, store), record_of(store, change_id)))
    assert (outcome.result, outcome.verified, outcome.exit_code) == ("rolled_back", True, 0)
    assert same_policy(graph.policy, original)
    assert store.changes[change_id]["status"] == "rolled_back"
    assert store.changes[outcome.change_id or 0]["status"] == "verified"
    assert store.changes[outcome.change_id or 0]["reverts_id"] == change_id
    assert len(graph.patches()) == 5
    assert {c.field for c in outcome.changes} >= {"state", "policyMigrationState"}
    # The rollback is itself a change that can be rolled back (redo).
    again = asyncio.run(rollback_change(_writer(graph, store), record_of(store, outcome.change_id or 0)))
    assert again.result == "rolled_back"
    assert plan(graph.policy, BASELINE, PlanSettings()).empty


def test_rollback_refuses_when_edited_since_unless_forced() -> None:
    graph, store, original, change_id = _applied()
    graph.edit(lambda p: p["authenticationMethodConfigurations"][1].update(state="enabled"))
    graph.log.clear()
    with pytest.raises(EnforcementError, match="was edited after change 1"):
        asyncio.run(rollback_change(_writer(graph, store), record_of(store, change_id)))
    assert graph.patches() == []
    outcome = asyncio.run(
        rollback_change(_writer(graph, store), record_of(store, change_id), overwrite_concurrent=True)
    )
    assert outcome.result == "rolled_back"
    assert same_policy(graph.policy, original)


def test_rollback_of_an_interrupted_change_uses_the_recorded_pre_change_json() -> None:
    graph = FakeGraph()
    original = copy.deepcopy(graph.policy)
    store = FakeChangeLog()
    p = plan(graph.policy, BASELINE, PlanSettings())
    # What a process killed after its second PATCH leaves behind: pending, every pre recorded, no post.
    change_id = store.create_change("contoso", plan=p.to_json(), kind="apply")
    for obj in p.objects:
        store.record_pre_change_object(change_id, obj.path, obj.before)
    for obj in p.objects[:2]:
        asyncio.run(graph.patch(obj.path, obj.body))
    outcome = asyncio.run(rollback_change(_writer(graph, store), record_of(store, change_id)))
    assert outcome.result == "rolled_back"
    assert [o["status"] for o in outcome.objects].count("restored") == 2
    assert same_policy(graph.policy, original)


def test_rolled_back_change_cannot_be_rolled_back_twice() -> None:
    graph, store, _, change_id = _applied()
    asyncio.run(rollback_change(_writer(graph, store), record_of(store, change_id)))
    with pytest.raises(EnforcementError, match="rolled_back"):
        asyncio.run(rollback_change(_writer(graph, store), record_of(store, change_id)))


def test_failing_restore_reports_what_was_restored() -> None:
    graph, store, _, change_id = _applied()
    graph.log.clear()
    graph.fail_patch_numbers = {2}
    outcome = asyncio.run(rollback_change(_writer(graph, store), record_of(store, change_id)))
    assert (outcome.result, outcome.exit_code) == ("failed", 3)
    assert len(outcome.restored) == 1
    assert f"rollback --to {change_id}" in (outcome.message or "")
