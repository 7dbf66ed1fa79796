"""The issue 15 benchmark scripts (bench/) measure any build through the CLI contract alone.

They must keep working across a restructure of ``src/``: no ``import mfaguard`` anywhere in them
(checked on the syntax tree), every script answers ``--help``, and their small parsers (import-time
lines, the policy's named groups, the request log, py-spy stacks) give the figures they print.
One real run of the start-up benchmark (offline commands, one round) guards the whole path.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

BENCH = ROOT / "bench"
SCRIPTS = ("_cli.py", "bench_startup.py", "bench_fleet_scale.py", "bench_coverage_scale.py")


@pytest.fixture(scope="module")
def bench_path() -> Iterator[None]:
    sys.path.insert(0, str(BENCH))
    yield
    sys.path.remove(str(BENCH))


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_imports_no_mfaguard_module(script: str) -> None:
    tree = ast.parse((BENCH / script).read_text(encoding="utf-8"))
    imported = [
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    ] + [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert [name for name in imported if name.split(".")[0] == "mfaguard"] == []


@pytest.mark.parametrize("script", [s for s in SCRIPTS if not s.startswith("_")])
def test_script_help(script: str) -> None:
    out = subprocess.run(
        [sys.executable, str(BENCH / script), "--help"], capture_output=True, text=True, check=True
    )
    assert "--python" in out.stdout and "--emulator-python" in out.stdout


def test_importtime_lines_and_who_imported(bench_path: None) -> None:
    import bench_startup

    stderr = (
        "import time: self [us] | cumulative | imported package\n"
        "import time:       500 |        500 |       jinja2.utils\n"
        "import time:      1500 |       2000 |     jinja2\n"
        "import time:       300 |       2300 |   mfaguard.formats.html\n"
        "import time:       100 |       2400 | mfaguard.cli\n"
        "import time:       700 |        700 | azure.identity\n"
    )
    rows = bench_startup.parse_importtime(stderr)
    assert rows[1] == (1500, 2000, 2, "jinja2")
    assert bench_startup.importer(rows, 0) == "mfaguard.formats.html"
    assert bench_startup.importer(rows, 4) == "a function at run time"
    assert bench_startup._top("azure.identity", bench_startup.DENY) == "azure"
    assert bench_startup._top("jinja2x", bench_startup.DENY) is None


def test_named_groups_and_minimum_reads(bench_path: None) -> None:
    import bench_coverage_scale as cov

    group = "00000000-0007-4000-9000-0000b1600000"
    policy = {
        "authenticationMethodConfigurations": [
            {
                "includeTargets": [
                    {"targetType": "group", "id": "all_users"},
                    {"targetType": "group", "id": group},
                ]
            },
            {"featureSettings": {"x": {"excludeTarget": {"targetType": "group", "id": cov.NIL}}}},
        ],
        "registrationEnforcement": {"campaign": {"excludeTargets": [{"targetType": "group", "id": group}]}},
    }
    assert cov.named_groups(policy) == {group}
    log = [
        {"version": "v1.0", "path": "/v1.0/users", "batch_id": None, "status": 200},
        {"version": "v1.0", "path": "/v1.0/$batch", "batch_id": None, "status": 200},
        {"version": "v1.0", "path": f"/v1.0/groups/{group}/members", "batch_id": "2", "status": 200},
        {
            "version": "beta",
            "path": "/beta/reports/authenticationMethods/userRegistrationDetails",
            "status": 429,
        },
        {"version": "entra", "path": "/t/oauth2/v2.0/token", "status": 200},
    ]
    assert cov.classify(log) == {
        "directory": 2,
        "directory_direct": 1,
        "directory_in_batch": 1,
        "batch_round_trips": 1,
        "report_pages": 1,
        "throttled_429": 1,
    }


def test_py_spy_stacks_leave_out_idle_waits(bench_path: None, capsys: pytest.CaptureFixture[str]) -> None:
    import bench_fleet_scale as fleet

    stacks = (
        "main (/x/site-packages/mfaguard/fleet/runner.py:10);dumps (/py/lib/json/encoder.py:5) 30\n"
        "run (/py/lib/threading.py:1);_worker (/py/lib/concurrent/futures/thread.py:81) 50\n"
        "x (<frozen importlib._bootstrap>:1);y (/x/site-packages/sqlalchemy/sql/base.py:3) 10\n"
    )
    summary = fleet.summarize_stacks(stacks)
    assert summary["samples"] == 40
    assert summary["by_package"] == {"stdlib:encoder": 30, "sqlalchemy": 10}
    assert summary["by_mfaguard_function"] == {"main (fleet/runner.py:10)": 30, "(imports)": 10}
    assert "50 more of idle waits left out" in capsys.readouterr().out


def test_startup_benchmark_runs_offline(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            str(BENCH / "bench_startup.py"),
            "--offline",
            "--runs",
            "1",
            "--json",
            str(tmp_path / "f.json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "floor: python reading the JSON" in out.stdout
    assert "mfaguard audit --snapshot FILE" in out.stdout
    import json

    figures = json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))["figures"]
    assert figures["mfaguard audit --snapshot FILE"]["wall_ratio"] > 0
