from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

from mfaguard.enforce.apply import ApplyOutcome, VerifyPolicy, Writer
from mfaguard.enforce.baseline import load_baseline
from mfaguard.enforce.plan import PlanSettings, plan
from tests.builders.policy import PILOT
from tests.enforce.fakes import Clock, FakeChangeLog, FakeGraph, same_policy

BASELINE = load_baseline("recommended").baseline


def _run(
    graph: FakeGraph, settings: PlanSettings = PlanSettings(), **kw: Any
) -> tuple[ApplyOutcome, FakeChangeLog, Clock]:
    store = FakeChangeLog()
    clock = Clock()
    writer = Writer(graph, store, "contoso", settings, sleep=clock.sleep, clock=clock, **kw)
    p = plan(graph.policy, BASELINE, settings, baseline_name="recommended")
    outcome = asyncio.run(writer.apply(p, BASELINE, baseline_name="recommended"))
    return outcome, store, clock


def test_apply_writes_verifies_and_records() -> None:
    graph = FakeGraph()
    original = copy.deepcopy(graph.policy)
    outcome, store, _ = _run(graph)
    assert (outcome.result, outcome.verified, outcome.exit_code) == ("applied", True, 0)
    assert plan(graph.policy, BASELINE, PlanSettings()).empty
    change = store.changes[outcome.change_id or 0]
    assert change["status"] == "verified"
    assert len(change["pre"]) == 5 and set(change["pre"]) == set(change["post"])
    auth_path = (
        "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/MicrosoftAuthenticator"
    )
    assert change["pre"][auth_path] == next(
        c for c in original["authenticationMethodConfigurations"] if c["id"] == "MicrosoftAuthenticator"
    )
    for _path, body in graph.patches():
        assert "numberMatchingRequiredState" not in json.dumps(body)
    # One GET for the preflight, one per object before its PATCH, one per object to verify.
    methods = [m for m, _, _ in graph.log]
    assert methods.count("PATCH") == 5 and methods.count("GET") == 1 + 5 + 5
    assert json.loads(json.dumps(outcome.to_json()))["result"] == "applied"


def test_eventual_consistency_is_waited_for() -> None:
    graph = FakeGraph()
    graph.lag_reads = 3
    outcome, _, clock = _run(graph)
    assert outcome.verified and outcome.result == "applied"
    assert clock.slept and clock.slept[:3] == [0.2, 0.4, 0.8]


def test_never_visible_is_applied_but_not_verified() -> None:
    graph = FakeGraph()
    graph.lag_reads = 10_000
    outcome, store, _ = _run(graph, verify=VerifyPolicy(timeout=3))
    assert (outcome.result, outcome.verified, outcome.exit_code) == ("applied", False, 3)
    assert store.changes[1]["status"] == "applied"
    assert "rollback --to 1" in (outcome.message or "")


def test_edit_before_the_first_patch_writes_nothing() -> None:
    graph = FakeGraph()

    def someone_edits(g: FakeGraph, path: str, gets: int) -> None:
        if gets == 0:
            g.edit(lambda p: p["authenticationMethodConfigurations"][1].update(state="disabled"))

    graph.on_get = someone_edits
    outcome, store, _ = _run(graph)
    assert (outcome.result, outcome.exit_code) == ("failed", 3)
    assert graph.patches() == []
    assert "changed since the plan" in (outcome.message or "") and "nothing was written" in (
        outcome.message or ""
    )
    assert store.changes[1]["status"] == "failed"


def test_edit_between_patches_restores_what_was_written() -> None:
    graph = FakeGraph()
    original = copy.deepcopy(graph.policy)

    def someone_edits(g: FakeGraph, path: str, gets: int) -> None:
        if path.endswith("/Voice") and len(g.patches()) == 2:
            g.edit(lambda p: p["authenticationMethodConfigurations"][2].update(isOfficePhoneAllowed=False))

    graph.on_get = someone_edits
    outcome, _, _ = _run(graph)
    assert outcome.result == "failed"
    assert [o["status"] for o in outcome.objects] == [
        "restored",
        "restored",
        "not_written",
        "not_written",
        "not_written",
    ]
    expected = copy.deepcopy(original)
    expected["authenticationMethodConfigurations"][2]["isOfficePhoneAllowed"] = False
    assert same_policy(graph.policy, expected)


def test_second_of_three_patches_failing_restores_the_first() -> None:
    graph = FakeGraph()
    original = copy.deepcopy(graph.policy)
    graph.fail_patch_numbers = {2}
    store = FakeChangeLog()
    clock = Clock()
    settings = PlanSettings()
    b = BASELINE.model_copy(update={"email": None, "authenticator": None})
    p = plan(graph.policy, b, settings)
    assert len(p.objects) == 3
    outcome = asyncio.run(
        Writer(graph, store, "t", settings, sleep=clock.sleep, clock=clock).apply(p, b, baseline_name="x")
    )
    assert (outcome.result, outcome.exit_code) == ("failed", 3)
    assert outcome.restored == (p.objects[0].path,)
    assert "500" in (outcome.message or "") and "restored" in (outcome.message or "")
    assert same_policy(graph.policy, original)
    assert [path for path, _ in graph.patches()] == [p.objects[0].path, p.objects[1].path, p.objects[0].path]
    assert store.changes[1]["status"] == "failed"


def test_pilot_outcome() -> None:
    graph = FakeGraph()
    outcome, store, _ = _run(graph, PlanSettings(pilot_group=PILOT))
    assert (outcome.result, outcome.verified) == ("pilot_applied", True)
    assert store.changes[1]["status"] == "pilot_applied"
    assert "widen" in (outcome.message or "")


def test_no_changes() -> None:
    graph = FakeGraph()
    _run(graph)
    outcome, store, _ = _run(graph)
    assert (outcome.result, outcome.verified, outcome.change_id, outcome.exit_code) == (
        "no_changes",
        True,
        None,
        0,
    )
    assert store.changes == {}
