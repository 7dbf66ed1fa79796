"""The report pacer counts a request's window from when its answer arrived (no 429s from latency)."""

from __future__ import annotations

import pytest

from mfaguard.graph.pacing import Pacer, Quota

PATH = "/reports/authenticationMethods/userRegistrationDetails"


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.anyio
async def test_window_counts_from_the_finish_of_a_slow_request() -> None:
    fake = FakeTime()
    pacer = Pacer({"reports": Quota(2, 10.0)}, clock=fake.clock, sleep=fake.sleep)
    first = await pacer.begin(PATH)
    second = await pacer.begin(PATH)
    assert first is not None and second is not None
    fake.now = 1.5  # the first answer arrives late; the server stamped it somewhere in [0, 1.5]
    first.finish(fake.now)
    second.finish(0.2)  # the second answered quickly
    assert second.time == 0.2
    third = await pacer.begin(PATH)
    assert third is not None
    assert fake.now == pytest.approx(10.2)  # the second slot frees first
    fourth_wait = await pacer.acquire(PATH)
    assert fake.now == pytest.approx(11.5) and fourth_wait == pytest.approx(1.3)


@pytest.mark.anyio
async def test_in_flight_slots_hold_the_bucket_until_they_finish() -> None:
    fake = FakeTime()
    pacer = Pacer({"reports": Quota(1, 10.0)}, clock=fake.clock, sleep=fake.sleep)
    slot = await pacer.begin(PATH)
    assert slot is not None
    # Never finished: after 10 periods it is given up so the bucket cannot jam for ever.
    await pacer.begin(PATH)
    assert fake.now == pytest.approx(100.0, abs=0.1)


@pytest.mark.anyio
async def test_other_paths_are_not_paced() -> None:
    pacer = Pacer()
    assert await pacer.begin("/users") is None
    assert await pacer.acquire("/users") == 0.0
