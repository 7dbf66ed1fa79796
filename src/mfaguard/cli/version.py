"""``mfaguard version``."""

from __future__ import annotations

import platform

import typer

from mfaguard import __version__
from mfaguard.cli import app


@app.command("version")
def version_command() -> None:
    """Print mfaguard's version and the Python it runs on."""
    typer.echo(f"mfaguard {__version__} (Python {platform.python_version()})")
