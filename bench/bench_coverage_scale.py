"""Coverage at 100,000 users (issue 15 items 3 and 5): peak memory and directory reads, CLI only.

``mfaguard emulator --scenario big --no-throttling`` (100,000 users, 2,000 nested groups, 98,000
registration rows) runs in its own process; ``mfaguard coverage --format json|csv`` runs against it
with a bearer token (``MFAGUARD_ACCESS_TOKEN``), its document written to a file. Printed per format:

- **peak RSS** of the coverage process (``/usr/bin/time``'s maximum resident set; target < 300 MB),
  wall and CPU, the document's size — side by side with the floors: the interpreter alone
  (``python -c pass``), ``mfaguard --help`` (the CLI's imports), and Python holding the JSON document
  (``python -c 'json.load(...)'`` on the output: what building the whole document in memory costs);
- **directory requests** from the emulator's request log: every Graph request under ``/users``,
  ``/groups`` or ``/directoryObjects`` (each ``$batch`` entry counted), the ``$batch`` round trips, the
  report and policy pages — against the **minimum**: the user pages at 999 per page plus, for every
  group the policy names, its transitive user members at 999 per page (counted with ``$count``, so the
  figure comes from Graph, not from mfaguard). Target: ≤ 3× the minimum.

The emulator answers reports without throttling here; a build whose client paces the report pages
itself (5 per 10 s, as Graph throttles) still takes ~190 s per run, which does not change the figures.

    python bench/bench_coverage_scale.py                                  # this checkout's src/
    python bench/bench_coverage_scale.py --python /work/wt/perf-before/.venv/bin/python \\
        --emulator-python /work/main/.venv/bin/python
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _cli import (
    Build,
    Emulator,
    add_build_args,
    dump_json,
    graph_rows,
    machine,
    run,
)

PAGE = 999
TARGETS = {"rss_mb": 300.0, "directory_ratio": 3.0}
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
EVENTUAL = {"ConsistencyLevel": "eventual"}
NIL = "00000000-0000-0000-0000-000000000000"  # Graph's "no group" in featureSettings targets


def named_groups(policy: Any) -> set[str]:
    """Every group id the policy targets: include/exclude targets of each method, its feature settings,
    the registration campaign, system-preferred MFA (not the nil GUID Graph uses for "no group")."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            group = str(node.get("id", ""))
            if node.get("targetType") == "group" and GUID.match(group) and group != NIL:
                found.add(str(node["id"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(policy)
    return found


def minimum(emu: Emulator) -> dict[str, Any]:
    """The fewest directory requests that can give every member's level: users + named groups' members."""
    users = int(
        emu.graph("/v1.0/users", params={"$count": "true", "$top": "1", "$select": "id"}, headers=EVENTUAL)[
            "@odata.count"
        ]
    )
    groups = sorted(named_groups(emu.graph("/beta/policies/authenticationMethodsPolicy")))
    members: dict[str, int] = {}
    missing = []
    for g in groups:
        try:
            members[g] = int(
                emu.graph(f"/v1.0/groups/{g}/transitiveMembers/microsoft.graph.user/$count", headers=EVENTUAL)
            )
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code != 404:
                raise
            members[g] = 0  # a named group that does not exist: one request still finds that out
            missing.append(g)
    user_pages = math.ceil(users / PAGE)
    group_pages = sum(max(1, math.ceil(n / PAGE)) for n in members.values())
    return {
        "users": users,
        "named_groups": len(groups),
        "missing_groups": missing,
        "transitive_users": members,
        "user_pages": user_pages,
        "group_pages": group_pages,
        "minimum": user_pages + group_pages,
    }


def classify(log: list[dict[str, Any]]) -> dict[str, int]:
    """Counts of a coverage run's Graph requests by kind."""
    kinds: Counter[str] = Counter()
    for entry in graph_rows(log):
        path = str(entry["path"])
        if path.endswith("$batch"):
            kinds["batch_round_trips"] += 1
        elif re.search(r"/(users|groups|directoryObjects)(/|$|\?)", path) and "/reports/" not in path:
            kinds["directory"] += 1
            kinds["directory_in_batch" if entry.get("batch_id") else "directory_direct"] += 1
        elif "/reports/" in path:
            kinds["report_pages"] += 1
        elif "authenticationMethodsPolicy" in path:
            kinds["policy"] += 1
        else:
            kinds["other"] += 1
        if entry.get("status") == 429:
            kinds["throttled_429"] += 1
    return dict(kinds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_build_args(parser)
    parser.add_argument(
        "--formats", default="json,csv", help="coverage formats to run (default json,csv; table: no document)"
    )
    parser.add_argument("--scenario", default="big", help="emulator scenario (default big)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    options = parser.parse_args()
    build = Build.from_args(options.python, "under test")
    emu_build = Build.from_args(options.emulator_python or options.python, "emulator")
    build.compile()
    emu_build.compile()
    print(build.describe())
    print(emu_build.describe())
    print(f"before the run: {machine()}", flush=True)
    report: dict[str, Any] = {}
    with (
        Emulator(emu_build, [options.scenario], throttling=False) as emu,
        tempfile.TemporaryDirectory(prefix="mfaguard-bench-coverage-") as tmp,
    ):
        floor = minimum(emu)
        print(
            f"{options.scenario}: {floor['users']:,} users; the policy names {floor['named_groups']} groups with "
            f"{sum(floor['transitive_users'].values()):,} transitive user members in all; minimum directory "
            f"requests {floor['minimum']} ({floor['user_pages']} user pages + {floor['group_pages']} group member "
            f"pages, {PAGE} per page)"
        )
        env = build.env(**emu.client_env(token=emu.token()))
        floors = {
            "python -c pass": run([build.python, "-c", "pass"], build.env()),
            "mfaguard --help": run(build.cli("--help"), build.env()),
        }
        for fmt in [f for f in options.formats.split(",") if f]:
            out = Path(tmp) / f"coverage.{fmt}"  # table: the rich table on stdout (a summary, no document)
            emu.clear_requests()
            emu_cpu = emu.cpu()
            timeline: list[tuple[float, float]] = []
            result = run(
                build.cli("coverage", "--format", fmt), env, stdout_path=out, ok=(0, 1), rss_timeline=timeline
            )
            emu_cpu = emu.cpu() - emu_cpu
            log = emu.requests()
            kinds = classify(log)
            # RSS when Graph answered the last request (the tenant is read) vs the peak after it
            # (judging, rendering, writing; the history store on builds that record coverage runs).
            last = max((float(e["time"]) for e in graph_rows(log)), default=0.0)
            read_rss = max((r for t, r in timeline if t <= last + 0.25), default=0.0)
            after_rss = max((r for t, r in timeline if t > last + 0.25), default=0.0)
            size_mb = out.stat().st_size / 1e6
            ratio = kinds.get("directory", 0) / floor["minimum"]
            report[fmt] = {
                "rss_mb": result.maxrss_mb,
                "wall_s": result.wall,
                "cpu_s": result.cpu,
                "emulator_cpu_s": emu_cpu,
                "output_mb": size_mb,
                "requests": kinds,
                "directory_ratio": ratio,
                "rss_when_read_mb": read_rss,
                "rss_peak_after_read_mb": after_rss,
            }
            print(
                f"coverage --format {fmt}: peak RSS {result.maxrss_mb:.0f} MB (target < {TARGETS['rss_mb']:g} MB: "
                f"{'met' if result.maxrss_mb < TARGETS['rss_mb'] else 'NOT met'}); {result.wall:.1f} s wall, "
                f"{result.cpu:.1f} s CPU (emulator {emu_cpu:.1f} s); document {size_mb:.1f} MB",
                flush=True,
            )
            print(
                f"  RSS (sampled every 0.25 s): {read_rss:.0f} MB until the tenant was read, "
                f"{after_rss:.0f} MB at most after it (judging, rendering, writing)"
            )
            print(
                f"  directory requests {kinds.get('directory', 0)} ({kinds.get('directory_direct', 0)} direct + "
                f"{kinds.get('directory_in_batch', 0)} inside {kinds.get('batch_round_trips', 0)} $batch round trips) "
                f"vs minimum {floor['minimum']} → {ratio:.2f}× (target ≤ {TARGETS['directory_ratio']:g}×: "
                f"{'met' if ratio <= TARGETS['directory_ratio'] else 'NOT met'}); report pages "
                f"{kinds.get('report_pages', 0)}, policy {kinds.get('policy', 0)}, other {kinds.get('other', 0)}, "
                f"429s {kinds.get('throttled_429', 0)}"
            )
            if fmt == "json":
                floors["python holding the JSON document"] = run(
                    [build.python, "-c", "import json,sys; json.load(open(sys.argv[1]))", str(out)],
                    build.env(),
                )
        for name, result in floors.items():
            print(f"  floor: {name:34s} peak RSS {result.maxrss_mb:6.0f} MB  ({result.wall:.2f} s wall)")
        report["floors"] = {name: {"rss_mb": r.maxrss_mb, "wall_s": r.wall} for name, r in floors.items()}
        report["minimum"] = floor
    print(f"after the run: {machine()}")
    dump_json(options.json, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
