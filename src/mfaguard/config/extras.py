"""The optional parts of mfaguard (the extras of ``pyproject.toml``) and the one check that they are there.

The CLI audit path, the HTML report, the SQLite history store and the emulator need only the core
dependencies. The dashboard and the PostgreSQL driver are extras, so a CI job that only audits does not
install a web framework. A command that needs an extra calls :func:`require_extra` before importing it:
the user then reads which extra to install (exit 2) instead of a ``ModuleNotFoundError``.

Cheap to import. :func:`require_extra` imports the extra's modules (the command is about to use them
anyway), so an installed but unusable module counts as missing too: psycopg without its binary
package or a system libpq raises ImportError on import, not on lookup.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass

from mfaguard.errors import MissingExtraError


@dataclass(frozen=True, slots=True)
class Extra:
    """One extra: its name in ``pyproject.toml``, what it is for, and the modules it brings."""

    name: str
    purpose: str
    modules: tuple[str, ...]


EXTRAS: dict[str, Extra] = {
    extra.name: extra
    for extra in (
        Extra("dashboard", "the dashboard (mfaguard serve)", ("fastapi", "python_multipart", "itsdangerous")),
        Extra("postgres", "a PostgreSQL history store", ("psycopg",)),
    )
}
"""Every extra a command may need, by name (``all`` installs them all)."""


def missing_modules(extra: str) -> dict[str, str]:
    """The modules of ``extra`` that cannot be imported here, each with the reason (empty when usable)."""
    missing: dict[str, str] = {}
    for module in EXTRAS[extra].modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            missing[module] = str(exc) or type(exc).__name__
    return missing


def require_extra(extra: str, *, needed_by: str) -> None:
    """Raise :class:`MissingExtraError` (exit 2) when ``extra`` is not installed (or not importable).

    ``needed_by`` names what the user asked for ("mfaguard serve", "the history store
    postgresql://db/mfaguard"); the message says which extra to install and how.
    """
    missing = missing_modules(extra)
    if missing:
        first = next(iter(missing))
        raise MissingExtraError(
            f"{needed_by} needs the '{extra}' extra, which is not installed "
            f"(cannot import {', '.join(missing)}: {missing[first]})",
            hint=f"install it: pip install 'mfaguard[{extra}]' (or 'mfaguard[all]'; with pipx or uv tool, "
            f"install mfaguard again with that extra)",
            extra=extra,
            missing=tuple(missing),
        )


@dataclass(frozen=True, slots=True)
class Dependency:
    """One requirement of the installed mfaguard and the version found in this environment."""

    name: str
    extra: str | None
    """None for a core dependency, else the extra that brings it."""
    version: str | None
    """None when it is not installed."""


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_EXTRA_MARKER = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")


def installed_dependencies(distribution: str = "mfaguard") -> tuple[Dependency, ...]:
    """mfaguard's own requirements (from its installed metadata) with the versions installed here.

    Core dependencies first, then each extra of :data:`EXTRAS` (``test`` and ``all`` are left out:
    ``all`` only names the others). Reads package metadata only: nothing is imported. Raises
    ``importlib.metadata.PackageNotFoundError`` when mfaguard itself is not installed.
    """
    from importlib import metadata

    found: dict[tuple[str, str | None], Dependency] = {}
    for requirement in metadata.requires(distribution) or ():
        name_match = _NAME.match(requirement)
        if name_match is None:
            continue
        name = name_match.group(0)
        extra_match = _EXTRA_MARKER.search(requirement)
        extra = extra_match.group(1) if extra_match else None
        if (extra is not None and extra not in EXTRAS) or name.lower() == distribution:
            continue
        try:
            version: str | None = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = None
        found.setdefault((name.lower(), extra), Dependency(name, extra, version))
    order = [None, *EXTRAS]
    return tuple(sorted(found.values(), key=lambda d: (order.index(d.extra), d.name.lower())))
