"""Issues 14/17 benchmark: what Conditional Access costs the emulator.

- reading all of ``big``'s Conditional Access in-process (policies following nextLink, strengths, named
  locations, security defaults, role assignments, subscribed SKUs) — requests and wall time;
- ``generate_traffic()`` on ``weak`` (32 sign-ins, 3 policies) and on ``big`` (201 sign-ins, 40 policies);
- scenario load time (now with CA data, annotated sign-ins and a traffic batch) for ``weak`` ×200,
  ``compliant`` + ``weak``, and ``big``.

Medians of several runs. Run from the repository root:  .venv/bin/python bench/bench_emulator_ca.py
"""

from __future__ import annotations

import asyncio
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import httpx  # noqa: E402

from mfaguard.emulator import Emulator  # noqa: E402

CA_READS = (
    "/v1.0/identity/conditionalAccess/policies",
    "/v1.0/policies/authenticationStrengthPolicies",
    "/v1.0/identity/conditionalAccess/namedLocations",
    "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy",
    "/v1.0/roleManagement/directory/roleAssignments",
    "/v1.0/subscribedSkus",
)


def median_of(runs: int, work: Callable[[], Any]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def read_ca(emu: Emulator) -> int:
    requests = 0
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emu.asgi_app),
        base_url="https://graph.bench",
        headers={"Authorization": f"Bearer {emu.issue_token()}", "Prefer": "include-unknown-enum-members"},
    ) as client:
        for url in CA_READS:
            next_url: str | None = url
            while next_url:
                response = await client.get(next_url)
                response.raise_for_status()
                requests += 1
                next_url = response.json().get("@odata.nextLink")
    return requests


def main() -> None:
    print(f"Python {platform.python_version()} on {platform.system()} {platform.machine()}")
    big = Emulator("big")
    count = asyncio.run(read_ca(big))
    wall = median_of(7, lambda: asyncio.run(read_ca(big)))
    print(f"big: all CA reads = {count} requests, median {wall * 1000:.1f} ms in-process")
    weak = Emulator("weak")
    print(f"weak: generate_traffic() median {median_of(7, weak.generate_traffic) * 1000:.1f} ms")
    rows = big.generate_traffic()
    print(f"big: generate_traffic() ({len(rows)} sign-ins) median {median_of(3, big.generate_traffic) * 1000:.0f} ms")
    print(f"load weak x200: median {median_of(5, lambda: Emulator('weak', tenants=200)) * 1000:.0f} ms")
    print(f"load compliant+weak: median {median_of(5, lambda: Emulator(['compliant', 'weak'])) * 1000:.0f} ms")
    print(f"load big: median {median_of(5, lambda: Emulator('big')) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
