"""Issue 11 figures: the cost of a password check at the old and the new scrypt parameters, a login
with a known and an unknown user name (they must cost the same), and how fast hostile input is
refused next to reading a normal file of the same kind.

Run: ``python bench/bench_security.py`` (medians of several runs; wall and CPU time).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]


def measure(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``fn()``."""
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def row(label: str, figures: tuple[float, float]) -> None:
    print(f"| {label} | {figures[0]:.1f} ms | {figures[1]:.1f} ms |")


def expect_error(fn: Callable[[], object], kind: type[Exception]) -> Callable[[], None]:
    def run() -> None:
        try:
            fn()
        except kind:
            return
        raise AssertionError("no error")

    return run


def main() -> None:
    from fastapi.testclient import TestClient
    from tests.cli.test_hostile_input import BILLION_LAUGHS, FLEET_HEAD

    from mfaguard.errors import ConfigError, InputError
    from mfaguard.fleet.passwords import hash_password, verify_password
    from mfaguard.read.snapshot_file import load_snapshot
    from mfaguard.store import open_store
    from mfaguard.web import create_app
    from mfaguard.web.auth import AuthSettings, UserEntry
    from mfaguard.config.yaml import load_yaml_text

    print("| What | median wall | median CPU |")
    print("|---|---|---|")
    old = hash_password("correct horse battery", n=2**15)
    new = hash_password("correct horse battery")
    row("scrypt check, N=2^15 r=8 (before)", measure(lambda: hash_password("x", n=2**15), 7))
    row("scrypt check, N=2^17 r=8 (now)", measure(lambda: verify_password("correct horse battery", new), 7))
    assert old and not verify_password("correct horse battery", old)

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'h.db'}")
        auth = AuthSettings(users={"vera": UserEntry(new, "viewer")})
        app = create_app(store, auth=auth, secret_key="bench-secret-key-0123456789abcdef-0123")
        client = TestClient(app, base_url="http://127.0.0.1")

        def login(name: str, password: str) -> Callable[[], None]:
            def run() -> None:
                import re

                page = client.get("/login")
                match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
                assert match is not None
                client.post(
                    "/login",
                    data={"username": name, "password": password, "csrf_token": match.group(1)},
                    follow_redirects=False,
                )
                client.cookies.clear()

            return run

        row("login: known user, wrong password", measure(login("vera", "guess"), 5))
        row("login: unknown user", measure(login("nobody", "guess"), 5))
        row("login: known user, right password", measure(login("vera", "correct horse battery"), 3))
        store.close()

        normal = FLEET_HEAD + "defaults:\n  tags: [gold, eu]\n"
        row("parse a small fleet file (floor)", measure(lambda: load_yaml_text(normal, path="f.yaml"), 21))
        bomb = FLEET_HEAD + BILLION_LAUGHS
        row(
            "refuse a 600-byte billion-laughs file",
            measure(expect_error(lambda: load_yaml_text(bomb, path="f.yaml"), ConfigError), 21),
        )
        snap = ROOT / "tests" / "fixtures" / "policies" / "compliant.json"
        row("load a policy snapshot (floor)", measure(lambda: load_snapshot(snap), 21))
        deep = Path(tmp) / "deep.json"
        deep.write_text("[" * 100_000 + "]" * 100_000)
        row(
            "refuse a 200 kB JSON file nested 100,000 deep",
            measure(expect_error(lambda: load_snapshot(deep), InputError), 21),
        )


if __name__ == "__main__":
    main()
