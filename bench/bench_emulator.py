"""Issue 3 benchmark: the emulator's own cost per request (it must not dominate client benchmarks).

Measures, with a plain httpx client (no mfaguard client code):
- in-process (``httpx.ASGITransport``): GET of the beta policy, GET of one configuration, PATCH of one
  configuration — requests/s and server-side CPU per request;
- over HTTPS on 127.0.0.1 (uvicorn thread, keep-alive): GET of the beta policy — requests/s;
- the ``big`` scenario: reading all 100,000 users (``$top=999``, ``$select=id,accountEnabled``,
  following nextLink) in-process — wall time and pages/s;
- scenario load time for ``weak`` and ``big`` and a 200-tenant ``weak`` fleet.

Run from the repository root:  /work/venv/bin/python bench/bench_emulator.py [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import ssl
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import httpx  # noqa: E402

from mfaguard.emulator import Emulator, running_emulator  # noqa: E402

POLICY = "/beta/policies/authenticationMethodsPolicy"
SMS = POLICY + "/authenticationMethodConfigurations/Sms"


def _client(emu: Emulator) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emu.asgi_app),
        base_url="https://graph.bench",
        headers={"Authorization": f"Bearer {emu.issue_token()}"},
    )


async def _in_process(n: int) -> None:
    emu = Emulator("weak")
    async with _client(emu) as client:
        for label, call in (
            ("GET policy (beta, 9 configurations)", lambda: client.get(POLICY)),
            ("GET one configuration", lambda: client.get(SMS)),
            (
                "PATCH one configuration (204)",
                lambda: client.patch(
                    SMS,
                    json={
                        "@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration",
                        "state": "enabled",
                    },
                ),
            ),
        ):
            await call()
            wall = time.perf_counter()
            cpu = time.process_time()
            for _ in range(n):
                response = await call()
                assert response.status_code in (200, 204)
            wall = time.perf_counter() - wall
            cpu = time.process_time() - cpu
            print(
                f"in-process  {label:<40} {n / wall:8.0f} req/s   {cpu / n * 1e6:6.0f} µs CPU/req (client+server)"
            )


async def _big_users() -> None:
    started = time.perf_counter()
    emu = Emulator("big")
    load = time.perf_counter() - started
    emu.set_throttling(False)
    pages = users = 0
    started = time.perf_counter()
    async with _client(emu) as client:
        url: str | None = "/v1.0/users?$top=999&$select=id,accountEnabled"
        while url:
            body = (await client.get(url)).json()
            users += len(body["value"])
            pages += 1
            url = body.get("@odata.nextLink")
    wall = time.perf_counter() - started
    print(
        f"big         load {load * 1000:.0f} ms; read {users} users in {pages} pages: {wall:.2f} s ({pages / wall:.0f} pages/s)"
    )


def _socket(n: int) -> None:
    with running_emulator(Emulator("weak")) as server:
        emu = server.emulator
        ctx = ssl.create_default_context(cafile=str(server.ca_path))
        headers = {"Authorization": f"Bearer {emu.issue_token()}"}
        with httpx.Client(base_url=server.base_url, verify=ctx, headers=headers) as client:
            client.get(POLICY)
            wall = time.perf_counter()
            for _ in range(n):
                assert client.get(POLICY).status_code == 200
            wall = time.perf_counter() - wall
    print(
        f"HTTPS       GET policy, keep-alive, sequential          {n / wall:8.0f} req/s   {wall / n * 1000:.2f} ms/req"
    )


def _loads() -> None:
    for label, args, kwargs in (
        ("weak, 1 tenant", ("weak",), {}),
        ("weak, 200 tenants", ("weak",), {"tenants": 200}),
        ("big, 1 tenant", ("big",), {}),
    ):
        started = time.perf_counter()
        Emulator(*args, **kwargs)
        print(f"load        {label:<40} {(time.perf_counter() - started) * 1000:8.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    print(f"Python {platform.python_version()} on {platform.machine()}; {args.requests} requests per line")
    _loads()
    asyncio.run(_in_process(args.requests))
    _socket(min(args.requests, 1000))
    asyncio.run(_big_users())


if __name__ == "__main__":
    main()
