"""Scale: 100,000 users over ~40 policies in well under 5 s of CPU, one evaluation per profile.

The figure with a floor and a peer beside it is ``bench/bench_ca_requirement.py`` (bench/RESULTS.md);
this test guards the shape that makes it fast and a generous CPU ceiling.
"""

from __future__ import annotations

import time

from mfaguard.coverage.requirement import RequirementEngine
from tests.builders.conditional_access import NOW, synthetic_tenant


def test_hundred_thousand_users_forty_policies() -> None:
    data, directory = synthetic_tenant(100_000)
    assert len(data.policy_list()) == 40
    started = time.process_time()
    engine = RequirementEngine(data, directory, now=NOW)
    report = engine.evaluate()
    cpu = time.process_time() - started
    assert len(report.members) + len(report.guests) == 99_500  # the disabled 0.5% are not evaluated
    # Few distinct profiles and policy sets, whatever the number of users.
    assert len(engine._outcomes) < 1_000
    assert len(engine._combined) < 500
    assert cpu < 5.0, f"{cpu:.2f} s CPU"
    counts = report.counts()
    assert counts["mfa"] > 90_000 and counts["conditional"] > 0 and counts["not_required"] > 0
    json_doc = report.to_json()
    assert len(json_doc["guest_users"]) == 6_500
