"""Ctrl-C / SIGTERM while writing (issue 12, item 1), in-process with the fakes: the writer acts at
its safe points. The real signal, through the CLI against the emulator, is in tests/cli/test_interrupt.py."""

from __future__ import annotations

import asyncio
import copy

from mfaguard.enforce.apply import Writer
from mfaguard.enforce.baseline import load_baseline
from mfaguard.enforce.interrupt import Interrupts
from mfaguard.enforce.plan import PlanSettings, plan
from mfaguard.enforce.rollback import edited_since, rollback_change
from tests.enforce.fakes import Clock, FakeChangeLog, FakeGraph, record_of, same_policy

BASELINE = load_baseline("recommended").baseline


class InterruptingGraph(FakeGraph):
    """Requests an interrupt right after the PATCH numbers given (as a signal landing mid-request)."""

    def __init__(self, interrupts: Interrupts, after: dict[int, int]) -> None:
        super().__init__()
        self.interrupts = interrupts
        self.after = after

    async def patch(self, path: str, body: object, *, version: str = "beta") -> None:  # type: ignore[override]
        await super().patch(path, body, version=version)  # type: ignore[arg-type]
        number = len(self.patches())
        for _ in range(self.after.get(number, 0)):
            self.interrupts.request("SIGINT")


def _run(graph: InterruptingGraph, store: FakeChangeLog) -> object:
    clock = Clock()
    writer = Writer(
        graph, store, "contoso", PlanSettings(), sleep=clock.sleep, clock=clock, interrupts=graph.interrupts
    )
    p = plan(graph.policy, BASELINE, PlanSettings())

    async def go() -> object:
        return await writer.apply(p, BASELINE, baseline_name="recommended")

    return asyncio.run(go())


def test_an_interrupt_after_the_second_patch_restores_both_and_says_so() -> None:
    said: list[str] = []
    graph = InterruptingGraph(Interrupts(say=said.append), {2: 1})
    original = copy.deepcopy(graph.policy)
    store = FakeChangeLog()
    outcome = _run(graph, store)
    assert outcome.result == "interrupted" and outcome.exit_code == 3  # type: ignore[attr-defined]
    assert outcome.message == (  # type: ignore[attr-defined]
        "interrupted: restored MicrosoftAuthenticator, Sms to their state before change 1"
    )
    assert same_policy(graph.policy, original)
    assert len(graph.patches()) == 4  # two written, two restored: nothing else was sent
    assert store.changes[1]["status"] == "failed"
    assert said and said[0].startswith("SIGINT: finishing the request in flight")


def test_a_second_interrupt_stops_the_restore_and_leaves_the_change_pending() -> None:
    graph = InterruptingGraph(Interrupts(), {3: 1, 4: 1})  # the 4th PATCH is the first restore
    store = FakeChangeLog()
    outcome = _run(graph, store)
    assert outcome.message == (  # type: ignore[attr-defined]
        "interrupted again while restoring: restored Voice; NOT restored MicrosoftAuthenticator, Sms — "
        "finish with `mfaguard rollback --to 1`"
    )
    assert len(graph.patches()) == 4  # three written, one restored: the restore stopped there
    assert store.changes[1]["status"] == "pending"
    # `mfaguard rollback --to 1` finishes it: the restored object is unchanged, the others restored.
    clock = Clock()
    finish = asyncio.run(
        rollback_change(
            Writer(graph, store, "contoso", PlanSettings(), sleep=clock.sleep, clock=clock),
            record_of(store, 1),
        )
    )
    assert finish.result == "rolled_back"
    assert plan(graph.policy, BASELINE, PlanSettings()) == plan(graph.visible, BASELINE, PlanSettings())


def test_recovery_of_a_pending_change_never_overwrites_someone_elses_edit() -> None:
    graph = FakeGraph()
    store = FakeChangeLog()
    p = plan(graph.policy, BASELINE, PlanSettings())
    change_id = store.create_change("contoso", plan=p.to_json(), kind="apply")
    for obj in p.objects:
        store.record_pre_change_object(change_id, obj.path, obj.before)
    asyncio.run(graph.patch(p.objects[0].path, p.objects[0].body))  # ours, then the process died
    change = record_of(store, change_id)
    # Untouched and written objects are ours to restore; an object someone else edited is not.
    for obj in change.objects:
        current = asyncio.run(graph.get(obj.path))
        assert not edited_since(change, obj, current, configurable=False)
    someone = [{"targetType": "group", "id": "6b524170-2b37-510e-85fc-2ce4657a1456"}]
    graph.edit(lambda policy: policy["authenticationMethodConfigurations"][1].update(excludeTargets=someone))
    sms = next(o for o in change.objects if o.path.endswith("/Sms"))
    assert edited_since(change, sms, asyncio.run(graph.get(sms.path)), configurable=False)
