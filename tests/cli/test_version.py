"""``mfaguard version [--verbose]``: the versions of mfaguard, Python and every dependency and extra."""

from __future__ import annotations

import tomllib

from packaging.requirements import Requirement

from mfaguard import __version__
from tests.conftest import INSTALLED_CLI, ROOT, SRC, run_cli


def test_version_prints_mfaguard_and_python() -> None:
    result = run_cli(["version"])
    assert result.returncode == 0
    assert result.stdout.startswith(f"mfaguard {__version__} (Python 3.")
    assert "dependencies:" not in result.stdout


def test_verbose_lists_every_dependency_and_extra_with_its_version() -> None:
    result = run_cli(["version", "--verbose"])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    versions = {line.split()[0].lower(): line.split()[1] for line in lines if line.startswith("  ")}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dashboard"]]
    wanted += project["optional-dependencies"]["postgres"]
    for text in wanted:
        requirement = Requirement(text)
        version = versions[requirement.name.lower()]
        assert requirement.specifier.contains(version, prereleases=True), (requirement, version)
    assert "extra dashboard, the dashboard (mfaguard serve): installed" in lines
    assert "extra postgres, a PostgreSQL history store: installed" in lines


def test_verbose_says_where_the_running_mfaguard_is_installed() -> None:
    # Under .ci/run (MFAGUARD_TEST_CLI) the CLI tests must run the wheel, not this checkout.
    result = run_cli(["version", "-v"])
    location = next(line for line in result.stdout.splitlines() if line.startswith("location: "))
    if INSTALLED_CLI:
        assert "/site-packages/mfaguard" in location and str(SRC) not in location, location
    else:
        assert location == f"location: {SRC / 'mfaguard'}"
