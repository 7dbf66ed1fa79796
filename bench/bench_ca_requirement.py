"""Benchmark: the per-user Conditional Access engine over a synthetic 100,000-user tenant.

The tenant (``tests.ca_builders.synthetic_tenant``): 100,000 users (6.5% guests of three types, 0.5%
disabled), 86 groups (40 departments with a nested team each, a three-deep exclusion chain,
contractors, break glass, a role group), 202 role assignments (one through a group, one at an
administrative-unit scope), 7 named locations (4 untrusted: 140 attacker cells) and 40 policies
(nested-group exclusions, role-targeted, report-only, location-, platform-, client-app- and
OR-conditioned, risk, device filter, user action, authentication flow, disabled).

Printed, as medians over ``--runs`` runs (CPU = ``time.process_time``; wall beside it):

- floor: one pass over the users computing each guest type and one dict lookup — the least any
  per-user evaluation can cost;
- peer: DESIGN §9 coverage levels (``evaluate_coverage``) of the same users, the existing per-user
  evaluation mfaguard already runs on ``big``;
- engine: ``RequirementEngine(...)`` (compiling the 40 policies) + ``.evaluate()`` (every user's
  requirement). Target: under 5 s CPU.

Usage: ``python bench/bench_ca_requirement.py [--users N] [--runs K] [--json]`` (repository root).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def measure(work: Callable[[], object], runs: int) -> dict[str, float]:
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(runs):
        c0, w0 = time.process_time(), time.perf_counter()
        work()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return {"cpu_s": round(statistics.median(cpu), 3), "wall_s": round(statistics.median(wall), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from tests.ca_builders import NOW, synthetic_tenant
    from tests.coverage.builders import hardened_authenticator, method, reg
    from tests.coverage.builders import policy as methods_policy

    from mfaguard.coverage.ca_applicability import guest_type
    from mfaguard.coverage.evaluate import evaluate_coverage
    from mfaguard.coverage.requirement import RequirementEngine
    from mfaguard.model.directory import Directory
    from mfaguard.model.policy import TenantInfo

    data, directory = synthetic_tenant(args.users)
    users = directory.users or {}
    registration = {
        uid: reg(uid, *(("microsoftAuthenticatorPush",) if i % 3 else ("mobilePhone", "fido2")))
        for i, uid in enumerate(users)
    }
    with_report = Directory(users=users, groups=directory.groups, registration=registration)
    methods = methods_policy(hardened_authenticator(), method("Sms"), method("Fido2"))
    tenant = TenantInfo(id="bench", name="bench")
    outcomes: dict[str, Any] = {}

    def floor() -> None:
        index = {u.id: 0 for u in users.values()}
        for user in users.values():
            guest_type(user)
            index.get(user.id)

    def peer() -> None:
        evaluate_coverage(methods, with_report, tenant=tenant)

    def engine() -> None:
        evaluator = RequirementEngine(data, directory, now=NOW)
        report = evaluator.evaluate()
        outcomes["counts"] = report.counts()
        outcomes["guests"] = len(report.guests)
        outcomes["profiles"] = len(evaluator._outcomes)
        outcomes["combinations"] = len(evaluator._combined)
        outcomes["cells"] = len(evaluator.grid.cells)

    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load": os.getloadavg(),
        "users": len(users),
        "policies": len(data.policy_list()),
        "floor": measure(floor, args.runs),
        "peer_coverage_levels": measure(peer, args.runs),
        "engine": measure(engine, args.runs),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **outcomes,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
