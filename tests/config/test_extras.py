"""mfaguard.config.extras: one check, used by every command that needs an extra, names the extra to install."""

from __future__ import annotations

import json
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from mfaguard.config.extras import EXTRAS, installed_dependencies, missing_modules, require_extra
from mfaguard.errors import EXIT_USAGE, MissingExtraError
from tests.conftest import ROOT, cli_env, run_cli


def _optional_dependencies() -> dict[str, list[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return dict(project["optional-dependencies"])


def test_every_extra_is_declared_and_its_modules_come_from_its_distributions() -> None:
    optional = _optional_dependencies()
    provided = metadata.packages_distributions()  # top-level module → distributions
    for extra in EXTRAS.values():
        declared = {canonicalize_name(Requirement(r).name) for r in optional[extra.name]}
        for module in extra.modules:
            assert {canonicalize_name(d) for d in provided.get(module, [])} & declared, (extra.name, module)
    assert set(EXTRAS) == {"dashboard", "postgres"}
    assert optional["all"] == ["mfaguard[dashboard,postgres]"]


def test_an_installed_extra_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    require_extra("dashboard", needed_by="mfaguard serve")
    assert missing_modules("postgres") == {}


def test_a_missing_extra_names_itself_and_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # what an uninstalled module looks like to find_spec
    with pytest.raises(MissingExtraError) as caught:
        require_extra("postgres", needed_by="the history store postgresql://db/x")
    error = caught.value
    assert error.exit_code == EXIT_USAGE and error.extra == "postgres" and error.missing == ("psycopg",)
    assert str(error).startswith("the history store postgresql://db/x needs the 'postgres' extra")
    assert "pip install 'mfaguard[postgres]'" in str(error)


def test_installed_dependencies_lists_core_then_each_extra_from_the_metadata() -> None:
    found = installed_dependencies()
    core = {canonicalize_name(d.name) for d in found if d.extra is None}
    assert {"httpx", "typer", "sqlalchemy", "uvicorn"} <= core and "fastapi" not in core
    assert {(canonicalize_name(d.name), d.extra) for d in found if d.extra} >= {
        ("fastapi", "dashboard"),
        ("psycopg", "postgres"),
    }
    assert all(d.version for d in found)  # the dev and CI environments have [all]
    assert [d.extra for d in found] == sorted(
        (d.extra for d in found), key=lambda e: [None, *EXTRAS].index(e)
    )


def _hide(tmp_path: Path, *modules: str) -> dict[str, str]:
    """Environment for a CLI subprocess in which ``modules`` cannot be imported (as if not installed)."""
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\n" + "".join(f"sys.modules[{m!r}] = None\n" for m in modules), encoding="utf-8"
    )
    path = cli_env().get("PYTHONPATH", "")
    return {"PYTHONPATH": f"{tmp_path}:{path}" if path else str(tmp_path)}


def test_serve_without_the_dashboard_extra_exits_2_naming_it(tmp_path: Path) -> None:
    env = {**_hide(tmp_path, "fastapi"), "MFAGUARD_DASHBOARD_TOKEN": "a-long-enough-test-token-123"}
    result = run_cli(["serve", "--store", f"sqlite:///{tmp_path / 'h.db'}"], env=env)
    assert result.returncode == 2, result.stderr
    assert (
        "mfaguard serve needs the 'dashboard' extra, which is not installed (cannot import fastapi: "
        in result.stderr
    )
    assert "pip install 'mfaguard[dashboard]'" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["store", "upgrade", "--store", "postgresql://mfaguard:s3cret@127.0.0.1:1/x"],
        ["history", "runs", "--store", "postgres://mfaguard:s3cret@127.0.0.1:1/x"],
    ],
)
def test_a_postgresql_store_without_the_driver_exits_2_naming_the_extra(
    tmp_path: Path, args: list[str]
) -> None:
    result = run_cli(args, env=_hide(tmp_path, "psycopg"))
    assert result.returncode == 2, result.stderr
    assert (
        "needs the 'postgres' extra" in result.stderr and "pip install 'mfaguard[postgres]'" in result.stderr
    )
    assert "s3cret" not in result.stderr and "Traceback" not in result.stderr


def test_the_offline_audit_runs_without_either_extra(tmp_path: Path) -> None:
    hidden = _hide(tmp_path, "fastapi", "starlette", "python_multipart", "itsdangerous", "psycopg")
    snapshot = ROOT / "tests" / "fixtures" / "policies" / "compliant.json"
    result = run_cli(["audit", "--snapshot", str(snapshot), "--format", "json"], env=hidden)
    assert result.returncode in (0, 1) and result.stderr == "", result.stderr  # 1: the fixture has FAILs
    assert json.loads(result.stdout)["findings"]


def test_an_installed_but_unusable_driver_counts_as_missing(tmp_path: Path) -> None:
    # psycopg without psycopg-binary and without a system libpq: the module exists, its import fails.
    (tmp_path / "psycopg").mkdir()
    (tmp_path / "psycopg" / "__init__.py").write_text(
        'raise ImportError("no pq wrapper available.")\n', encoding="utf-8"
    )
    path = cli_env().get("PYTHONPATH", "")
    env = {"PYTHONPATH": f"{tmp_path}:{path}" if path else str(tmp_path)}
    result = run_cli(["store", "upgrade", "--store", "postgresql://mfaguard@127.0.0.1:1/x"], env=env)
    assert result.returncode == 2, result.stderr
    assert "(cannot import psycopg: no pq wrapper available.)" in result.stderr
    assert "pip install 'mfaguard[postgres]'" in result.stderr
