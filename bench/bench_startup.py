"""Start-up of the CLI, side by side with its floors (issues 2 and 15): whole processes, interleaved runs.

Each round runs every command below once, in the same order (after one warm-up round); the median wall
time and the median CPU time (user + system of the child) of each are printed with the ratio to its
floor. Bytecode is compiled first. The commands:

- ``python -c pass`` — the interpreter alone (for reference);
- floor **python reading the same JSON**: ``python -c 'import json,sys; json.load(open(sys.argv[1]))' FILE``;
- ``mfaguard --help`` (target < 0.15 s);
- ``mfaguard audit --snapshot FILE`` (table) and ``--format json`` (target ≤ 2× the JSON floor);
- floor **a plain httpx GET of the policy**: one ``httpx.get`` of ``/beta/policies/authenticationMethodsPolicy``
  with the same bearer token against the same emulator (``mfaguard emulator --scenario weak``, another
  process, HTTPS);
- live ``mfaguard audit --format json`` with ``MFAGUARD_ACCESS_TOKEN`` (target ≤ 2× the httpx floor) —
  the default (reads the directory's named groups and, since issue 12, records the run in the history
  store — a private ``$XDG_DATA_HOME`` here), and ``--no-directory`` / ``--no-store`` where the build
  has them; a build without the flag prints "not supported by this build".

FILE is ``bench/data/typical-snapshot.json`` (an mfaguard snapshot with directory data; every control
judged). Only the CLI contract is used, so the same script measures any checkout:

    python bench/bench_startup.py                         # this checkout's src/
    python bench/bench_startup.py --python /work/wt/perf-before/.venv/bin/python \\
        --emulator-python /work/main/.venv/bin/python      # another build, a fixed emulator
    python bench/bench_startup.py --imports               # which heavy modules each command imports

``--imports`` runs each command once under ``python -X importtime`` and lists, per command, the
deny-list hits (fastapi, sqlalchemy, alembic, uvicorn, azure.*, jinja2 — what issue 15's test forbids
on ``audit --snapshot``) and the watched packages (pydantic, rich, httpx, typer, ...), each with the
self time of its modules and the mfaguard module that pulled it in.
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _cli import (
    ROOT,
    Build,
    Emulator,
    Result,
    add_build_args,
    dump_json,
    interleaved,
    machine,
    median,
    run,
)

SNAPSHOT = ROOT / "bench" / "data" / "typical-snapshot.json"
POLICY_PATH = "/beta/policies/authenticationMethodsPolicy"
TARGETS = {"help_s": 0.15, "offline_ratio": 2.0, "live_ratio": 2.0}
JSON_FLOOR = "import json,sys; json.load(open(sys.argv[1]))"
HTTPX_FLOOR = (
    "import os, httpx\n"
    "r = httpx.get(os.environ['MFAGUARD_GRAPH_ENDPOINT'] + '" + POLICY_PATH + "',\n"
    "    headers={'Authorization': 'Bearer ' + os.environ['MFAGUARD_ACCESS_TOKEN']},\n"
    "    verify=os.environ['MFAGUARD_CA_BUNDLE'])\n"
    "r.raise_for_status(); r.json()\n"
)
# Live-audit variants measured where the build has the flag (issue 12): skip the directory read; do not
# record the run in the history store (recorded by default since issue 12, after the output is written).
OPTIONAL_FLAGS = ("--no-directory", "--no-store")
DENY = ("fastapi", "sqlalchemy", "alembic", "uvicorn", "azure", "jinja2")
WATCH = (
    "pydantic",
    "pydantic_core",
    "rich",
    "httpx",
    "httpcore",
    "typer",
    "click",
    "yaml",
    "msal",
    "cryptography",
    "jwt",
    "orjson",
    "importlib.metadata",
)


def commands(
    build: Build, snapshot: Path, emu: Emulator | None
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Name → argv, and name → the environment variant ("offline" or "live")."""
    argv: dict[str, list[str]] = {
        "python -c pass": [build.python, "-c", "pass"],
        "floor: python reading the JSON": [build.python, "-c", JSON_FLOOR, str(snapshot)],
        "mfaguard --help": build.cli("--help"),
        "mfaguard audit --snapshot FILE": build.cli("audit", "--snapshot", str(snapshot)),
        "mfaguard audit --snapshot FILE --format json": build.cli(
            "audit", "--snapshot", str(snapshot), "--format", "json"
        ),
    }
    kind = dict.fromkeys(argv, "offline")
    if emu is not None:
        argv["floor: plain httpx GET of the policy"] = [build.python, "-c", HTTPX_FLOOR]
        argv["mfaguard audit (live, token) --format json"] = build.cli("audit", "--format", "json")
        for flag in OPTIONAL_FLAGS:
            if build.supports(["audit"], flag):
                argv[f"mfaguard audit (live, token) {flag} --format json"] = build.cli(
                    "audit", flag, "--format", "json"
                )
        for name in argv:
            kind.setdefault(name, "live")
    return argv, kind


def timing(options: argparse.Namespace, build: Build, emu_build: Build) -> dict[str, object]:
    emu = Emulator(emu_build, ["weak"]) if not options.offline else None
    with emu if emu is not None else _null():
        argv, kind = commands(build, options.snapshot, emu)
        envs = {"offline": build.env()}
        if emu is not None:
            envs["live"] = build.env(**emu.client_env(token=emu.token()))
        calls: dict[str, Callable[[], Result]] = {
            name: functools.partial(run, args, envs[kind[name]]) for name, args in argv.items()
        }
        samples = interleaved(calls, options.runs)
        requests = {}
        if emu is not None:  # what one live audit reads (after the timed rounds)
            for name in argv:
                if kind[name] == "live" and name.startswith("mfaguard"):
                    emu.clear_requests()
                    run(argv[name], envs["live"])
                    requests[name] = sum(1 for e in emu.requests() if e.get("version") in ("v1.0", "beta"))
    figures: dict[str, dict[str, float]] = {
        name: {
            "wall_s": median([r.wall for r in results]),
            "cpu_s": median([r.cpu for r in results]),
            "wall_max_s": max(r.wall for r in results),
            "rss_mb": median([r.maxrss_mb for r in results]),
        }
        for name, results in samples.items()
    }
    floors = {"offline": "floor: python reading the JSON", "live": "floor: plain httpx GET of the policy"}
    print(f"{options.runs} interleaved rounds after 1 warm-up round; medians of whole processes")
    print(f"{'command':58s} {'wall':>8s} {'CPU':>8s} {'RSS':>7s}   ratio to the floor (wall / CPU)")
    for name, fig in figures.items():
        line = f"{name:58s} {fig['wall_s'] * 1000:6.0f}ms {fig['cpu_s'] * 1000:6.0f}ms {fig['rss_mb']:5.0f}MB"
        floor = floors[kind[name]]
        if name.startswith("mfaguard audit"):
            base = figures[floor]
            fig["wall_ratio"] = fig["wall_s"] / base["wall_s"]
            fig["cpu_ratio"] = fig["cpu_s"] / base["cpu_s"]
            target = TARGETS["offline_ratio" if kind[name] == "offline" else "live_ratio"]
            verdict = "met" if fig["wall_ratio"] <= target else "NOT met"
            line += (
                f"   {fig['wall_ratio']:.2f}× / {fig['cpu_ratio']:.2f}×  (target ≤ {target:g}×: {verdict})"
            )
            if name in requests:
                line += f"; {requests[name]} Graph requests"
        elif name == "mfaguard --help":
            verdict = "met" if fig["wall_s"] < TARGETS["help_s"] else "NOT met"
            line += f"   (target < {TARGETS['help_s'] * 1000:.0f} ms: {verdict})"
        print(line)
    for flag in OPTIONAL_FLAGS:
        if emu is not None and not build.supports(["audit"], flag):
            print(f"{'mfaguard audit (live, token) ' + flag:58s} not supported by this build")
    print(f"after the run: {machine()}")
    return {"figures": figures, "requests": requests}


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def parse_importtime(stderr: str) -> list[tuple[int, int, int, str]]:
    """``-X importtime`` lines → (self µs, cumulative µs, depth, module), in the printed order."""
    rows = []
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)", line)
        if match:
            depth = (len(match.group(3)) - 1) // 2
            rows.append((int(match.group(1)), int(match.group(2)), depth, match.group(4)))
    return rows


def _top(module: str, names: tuple[str, ...]) -> str | None:
    for name in names:
        if module == name or module.startswith(name + "."):
            return name
    return None


def importer(rows: list[tuple[int, int, int, str]], index: int) -> str:
    """The innermost ``mfaguard`` module whose import pulled in ``rows[index]`` (children print first)."""
    depth = rows[index][2]
    for _, _, d, name in rows[index + 1 :]:
        if d < depth:
            depth = d
            if name.startswith("mfaguard"):
                return name
    return "a function at run time"  # a top-level row: imported inside a function, not by a module


def imports(options: argparse.Namespace, build: Build, emu_build: Build) -> dict[str, object]:
    emu = Emulator(emu_build, ["weak"]) if not options.offline else None
    report: dict[str, object] = {}
    with emu if emu is not None else _null():
        argv, kind = commands(build, options.snapshot, emu)
        envs = {"offline": build.env()}
        if emu is not None:
            envs["live"] = build.env(**emu.client_env(token=emu.token()))
        for name, args in argv.items():
            if not name.startswith("mfaguard"):
                continue
            run(args, envs[kind[name]])  # warm
            result = run([args[0], "-X", "importtime", *args[1:]], envs[kind[name]])
            rows = parse_importtime(result.stderr)
            total = sum(r[0] for r in rows)
            own = sum(r[0] for r in rows if r[3].startswith("mfaguard"))
            self_time: dict[str, int] = defaultdict(int)
            first: dict[str, str] = {}
            for index, (self_us, _, _, module) in enumerate(rows):
                top = _top(module, DENY + WATCH)
                if top is None:
                    continue
                self_time[top] += self_us
                first.setdefault(top, importer(rows, index))
            hits = {p: {"self_ms": self_time[p] / 1000, "via": first[p]} for p in DENY if p in self_time}
            watched = {p: {"self_ms": self_time[p] / 1000, "via": first[p]} for p in WATCH if p in self_time}
            print(
                f"{name}: {len(rows)} modules, {total / 1000:.0f} ms of imports (mfaguard's own modules "
                f"{own / 1000:.0f} ms)"
            )
            if hits:
                for package, hit in hits.items():
                    print(
                        f"  DENY-LIST  {package + ('.*' if package == 'azure' else ''):14s} {hit['self_ms']:6.1f} ms  via {hit['via']}"
                    )
            else:
                print("  deny-list: none")
            for package, hit in watched.items():
                print(f"  watched    {package:14s} {hit['self_ms']:6.1f} ms  via {hit['via']}")
            report[name] = {"modules": len(rows), "total_ms": total / 1000, "deny": hits, "watched": watched}
        for flag in OPTIONAL_FLAGS:
            if emu is not None and not build.supports(["audit"], flag):
                print(f"mfaguard audit (live, token) {flag}: not supported by this build")
    print(
        "(self time: each package's own module bodies; `via`: the mfaguard module whose import pulled it in)"
    )
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_build_args(parser)
    parser.add_argument("--runs", type=int, default=21, help="timed rounds (default 21)")
    parser.add_argument(
        "--snapshot", type=Path, default=SNAPSHOT, help="the snapshot file (default: %(default)s)"
    )
    parser.add_argument("--offline", action="store_true", help="skip the live (emulator) commands")
    parser.add_argument("--imports", action="store_true", help="list the heavy modules each command imports")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    options = parser.parse_args()
    build = Build.from_args(options.python, "under test")
    emu_build = Build.from_args(options.emulator_python or options.python, "emulator")
    build.compile()
    emu_build.compile()
    print(build.describe())
    if not options.offline:
        print(emu_build.describe())
    print(f"before the run: {machine()}")
    result = imports(options, build, emu_build) if options.imports else timing(options, build, emu_build)
    dump_json(options.json, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
