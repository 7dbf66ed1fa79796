"""200 sequential GETs through GraphClient against the emulator (in another process), over HTTPS.

Prints requests per second and the client's own CPU time per request (``time.process_time`` of this
process only: the emulator runs in a child process). The token comes from the emulator's token
endpoint through azure-identity (client secret), fetched once and cached like in production.

    python bench/bench_client.py [N]
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from _emulator_proc import emulator_process

PATH = "/policies/authenticationMethodsPolicy"


async def measure(env: dict[str, str], count: int) -> tuple[float, float]:
    from mfaguard.demo.context import emulator_connection

    connection = emulator_connection(env)
    provider = connection.token_provider(env)
    await provider.get_token()  # the one token request is not part of the GET figures
    async with connection.client(provider, env=env) as client:
        await client.get(PATH)  # warm up: TLS handshake, connection pool
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for _ in range(count):
            await client.get(PATH)
        return time.perf_counter() - wall0, time.process_time() - cpu0


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with emulator_process("weak") as env:
        wall, cpu = asyncio.run(measure(env, count))
    print(f"{count} sequential GET {PATH} over HTTPS (emulator in another process)")
    print(f"  wall {wall:.3f} s -> {count / wall:.0f} requests/s")
    print(f"  client CPU {cpu * 1000 / count:.2f} ms per request ({cpu:.3f} s total)")


if __name__ == "__main__":
    main()
