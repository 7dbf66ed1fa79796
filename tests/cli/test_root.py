from __future__ import annotations

from mfaguard import __version__
from tests.conftest import run_cli


def test_version_flag_prints_version() -> None:
    result = run_cli(["--version"])
    assert result.returncode == 0
    assert result.stdout.strip() == f"mfaguard {__version__}"


def test_unknown_command_is_usage_error() -> None:
    result = run_cli(["no-such-command"])
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_help_lists_exit_codes() -> None:
    result = run_cli(["--help"])
    assert result.returncode == 0
    assert "Exit codes" in result.stdout
