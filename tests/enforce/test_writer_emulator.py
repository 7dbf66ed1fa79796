"""The writer against the in-process emulator: real PATCH validation, faults and consistency delay."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mfaguard.emulator import Emulator
from mfaguard.enforce.apply import ApplyOutcome, VerifyPolicy, Writer
from mfaguard.enforce.baseline import Baseline, load_baseline
from mfaguard.enforce.body import POLICY_PATH, comparable
from mfaguard.enforce.plan import PlanSettings, plan
from mfaguard.enforce.rollback import rollback_change
from mfaguard.graph.auth import StaticTokenProvider
from mfaguard.graph.client import GraphClient
from mfaguard.model.settings import NumberMatchingMode
from tests.enforce.fakes import FakeChangeLog, record_of

RECOMMENDED = load_baseline("recommended").baseline


class FakeTime:
    """One clock for the emulator (consistency delay) and the writer (backoff): no real waiting."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


def _client(emu: Emulator) -> GraphClient:
    return GraphClient(
        "https://graph.emulator.test",
        StaticTokenProvider(emu.issue_token()),
        transport=httpx.ASGITransport(app=emu.asgi_app),
        report_pacing=False,
    )


def _apply(
    emu: Emulator,
    clock: FakeTime,
    baseline: Baseline = RECOMMENDED,
    settings: PlanSettings = PlanSettings(),
    store: FakeChangeLog | None = None,
) -> tuple[ApplyOutcome, FakeChangeLog]:
    store = store or FakeChangeLog()

    async def run() -> ApplyOutcome:
        async with _client(emu) as graph:
            body = await graph.get(POLICY_PATH)
            p = plan(body, baseline, settings)
            writer = Writer(
                graph, store, "t", settings, sleep=clock.sleep, clock=clock, verify=VerifyPolicy(timeout=30)
            )
            return await writer.apply(p, baseline, baseline_name="b")

    return asyncio.run(run()), store


def _patches(emu: Emulator) -> list[dict[str, Any]]:
    return list(emu.requests(method="PATCH"))


def _stored(emu: Emulator) -> Any:
    state = emu.stored_policy()
    root = comparable(dict(state.root), is_policy=True)
    return root, {c["id"]: comparable(c, is_policy=False) for c in state.configs}


@pytest.fixture
def weak(clock: FakeTime) -> Iterator[Emulator]:
    yield Emulator("weak", clock=clock)


def test_apply_recommended_on_weak(weak: Emulator, clock: FakeTime) -> None:
    outcome, _ = _apply(weak, clock)
    assert (outcome.result, outcome.verified) == ("applied", True), outcome.message
    patches = _patches(weak)
    assert len(patches) == 5
    for entry in patches:
        assert entry["status"] == 204 or entry["path"].endswith("/authenticationMethodsPolicy")
        assert isinstance(entry["body"], dict)
        body = json.dumps(entry["body"])
        assert "numberMatchingRequiredState" not in body
        if "authenticationMethodConfigurations" in entry["path"]:
            assert '"@odata.type"' in body
    auth = weak.stored_configuration("MicrosoftAuthenticator")
    modes = {t["id"]: t["authenticationMode"] for t in auth["includeTargets"]}
    assert modes["37b632a4-6a93-57f0-800a-11b563d7a59c"] == "push"


def test_two_second_consistency_delay_still_verifies(weak: Emulator, clock: FakeTime) -> None:
    weak.set_consistency_delay(2.0)
    start = clock.now
    outcome, _ = _apply(weak, clock)
    assert (outcome.result, outcome.verified) == ("applied", True), outcome.message
    assert clock.now - start >= 2.0  # it had to wait for the writes to show


def test_concurrent_edit_between_plan_and_patch_writes_nothing(weak: Emulator, clock: FakeTime) -> None:
    before = _stored(weak)
    # Someone edits Voice when the writer re-reads the policy just before its first PATCH.
    weak.add_fault(
        kind="edit",
        nth=2,
        method="GET",
        path="/authenticationMethodsPolicy$",
        edit={"configuration": "Voice", "body": {"isOfficePhoneAllowed": False}},
    )
    outcome, store = _apply(weak, clock)
    assert (outcome.result, outcome.exit_code) == ("failed", 3)
    assert "Voice changed since the plan" in (outcome.message or "")
    assert _patches(weak) == []
    after_root, after_configs = _stored(weak)
    assert after_root == before[0]
    assert after_configs["Voice"]["isOfficePhoneAllowed"] is False
    assert store.changes[1]["status"] == "failed"


def test_second_of_three_patches_failing_restores_the_first(weak: Emulator, clock: FakeTime) -> None:
    before = _stored(weak)
    weak.add_fault(kind="status", status=500, method="PATCH", nth=2)
    three = Baseline.model_validate({"sms": "disabled", "voice": "disabled", "email": "disabled"})
    outcome, _ = _apply(weak, clock, three)
    assert (outcome.result, outcome.exit_code) == ("failed", 3)
    assert outcome.restored == (
        "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms",
    )
    assert [e["path"].rsplit("/", 1)[1] for e in _patches(weak)] == ["Sms", "Voice", "Sms"]
    assert _stored(weak)[1] == before[1]


def test_rollback_returns_every_object_to_its_pre_change_json(weak: Emulator, clock: FakeTime) -> None:
    before = _stored(weak)
    outcome, store = _apply(weak, clock)
    assert outcome.verified

    async def undo() -> ApplyOutcome:
        async with _client(weak) as graph:
            writer = Writer(graph, store, "t", PlanSettings(), sleep=clock.sleep, clock=clock)
            return await rollback_change(writer, record_of(store, outcome.change_id or 0))

    result = asyncio.run(undo())
    assert (result.result, result.verified) == ("rolled_back", True), result.message
    assert _stored(weak) == before


def test_legacy_2022_pilot_then_widen(clock: FakeTime) -> None:
    emu = Emulator("legacy-2022", clock=clock)
    pilot = "259bb083-ee0d-503b-adce-3cd7b6bec5f8"
    settings = PlanSettings(number_matching=NumberMatchingMode.CONFIGURABLE, pilot_group=pilot)
    outcome, store = _apply(emu, clock, RECOMMENDED, settings)
    assert (outcome.result, outcome.verified) == ("pilot_applied", True), outcome.message
    features = emu.stored_configuration("MicrosoftAuthenticator")["featureSettings"]
    for name in (
        "numberMatchingRequiredState",
        "displayAppInformationRequiredState",
        "displayLocationInformationRequiredState",
    ):
        assert (features[name]["state"], features[name]["includeTarget"]["id"]) == ("enabled", pilot)
    outcome, _ = _apply(
        emu, clock, RECOMMENDED, PlanSettings(number_matching=NumberMatchingMode.CONFIGURABLE), store
    )
    assert (outcome.result, outcome.verified) == ("applied", True), outcome.message
    features = emu.stored_configuration("MicrosoftAuthenticator")["featureSettings"]
    for name in (
        "numberMatchingRequiredState",
        "displayAppInformationRequiredState",
        "displayLocationInformationRequiredState",
    ):
        assert (features[name]["state"], features[name]["includeTarget"]["id"]) == ("enabled", "all_users")
    sent = [e.get("body") for e in _patches(emu) if e["path"].endswith("MicrosoftAuthenticator")]
    assert sent and all("numberMatchingRequiredState" in json.dumps(b) for b in sent)
