"""The public library API (``mfaguard/__init__.py``) and docs/library.md, whose scripts run as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import mfaguard
from mfaguard.emulator import RunningEmulator
from tests.conftest import ROOT, cli_env

LIBRARY_DOC = ROOT / "docs" / "library.md"
SNAPSHOT = ROOT / "tests" / "fixtures" / "policies" / "groups-all-exist.json"


def _scripts() -> list[str]:
    return re.findall(r"```python\n(.*?)```", LIBRARY_DOC.read_text(encoding="utf-8"), re.S)


def _run(script: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(script), *args],
        env=cli_env(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_exported_name_resolves() -> None:
    for name in mfaguard.__all__:
        assert getattr(mfaguard, name) is not None, name
    assert set(mfaguard.__all__) <= set(dir(mfaguard))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = mfaguard.nothing  # type: ignore[attr-defined]


def test_importing_mfaguard_loads_nothing_else() -> None:
    probe = "import sys, mfaguard; print(sorted(m for m in sys.modules if m.startswith('mfaguard')))"
    done = subprocess.run(
        [sys.executable, "-c", probe], env=cli_env(), capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "['mfaguard']"


def test_audit_is_the_engine_and_stays_the_package() -> None:
    from mfaguard import audit, load_snapshot
    from mfaguard.audit import engine

    report = audit(load_snapshot(SNAPSHOT))
    assert report == engine.audit(load_snapshot(SNAPSHOT), now=report.generated_at)
    assert mfaguard.audit is audit and audit.engine is engine  # the subpackage is still reachable


def test_the_ten_line_script(tmp_path: Path) -> None:
    script = tmp_path / "audit_file.py"
    script.write_text(_scripts()[0], encoding="utf-8")
    assert len(_scripts()[0].strip().splitlines()) <= 11  # ten lines of code and one blank

    done = _run(script, str(SNAPSHOT))

    assert done.returncode == 1, done.stderr
    assert "MFA-014 FAIL high: " in done.stdout
    assert done.stdout.endswith("1 high or critical failure(s)\n")


def test_the_live_script_against_the_emulator(tmp_path: Path, emulator_server: RunningEmulator) -> None:
    script = tmp_path / "live.py"
    script.write_text(_scripts()[1], encoding="utf-8")
    done = _run(script, env=emulator_server.env())

    assert done.returncode == 0, done.stderr
    tenant_id = emulator_server.emulator.tenant(None).id
    assert done.stdout.startswith(f"{tenant_id} [")
    assert "'MFA-016'" in done.stdout  # the directory was read: weak members are judged
