"""``mfaguard version [--verbose]``."""

from __future__ import annotations

import platform

import typer

from mfaguard import __version__
from mfaguard.cli import app


@app.command("version")
def version_command(
    verbose: bool = typer.Option(
        False,
        "--verbose",
        "-v",
        help="Also print where mfaguard is installed and the version of each dependency and extra.",
    ),
) -> None:
    """Print mfaguard's version and the Python it runs on (--verbose: its dependencies too)."""
    typer.echo(f"mfaguard {__version__} (Python {platform.python_version()})")
    if verbose:
        typer.echo(_details())


def _details() -> str:
    """Where mfaguard runs from, then each dependency's installed version, grouped core / extras."""
    from importlib.metadata import PackageNotFoundError
    from pathlib import Path

    import mfaguard
    from mfaguard.config.extras import EXTRAS, installed_dependencies

    lines = [
        f"location: {Path(mfaguard.__file__).resolve().parent}",
        f"python: {platform.python_implementation()} {platform.python_version()} ({platform.platform()})",
    ]
    try:
        dependencies = installed_dependencies()
    except PackageNotFoundError:
        lines.append("dependencies: unknown (mfaguard's package metadata is missing: install it with pip)")
        return "\n".join(lines)
    width = max((len(d.name) for d in dependencies), default=0)
    for group in (None, *EXTRAS):
        members = [d for d in dependencies if d.extra == group]
        if group is None:
            lines.append("dependencies:")
        else:
            state = (
                "installed"
                if all(d.version for d in members)
                else f"not installed: pip install 'mfaguard[{group}]'"
            )
            lines.append(f"extra {group}, {EXTRAS[group].purpose}: {state}")
        lines.extend(f"  {d.name:<{width}}  {d.version or '-'}" for d in members)
    return "\n".join(lines)
