"""Where the history store lives: turn what the user wrote into a SQLAlchemy URL.

``None`` → a SQLite file in the user's data directory (``$XDG_DATA_HOME/mfaguard/history.db``, else
``~/.local/share/mfaguard/history.db``); ``sqlite:///relative.db`` / ``sqlite:////abs.db``;
``postgresql://`` (or ``postgres://``) → psycopg 3; a bare file path is taken as a SQLite file.
"""

from __future__ import annotations

import os
from pathlib import Path

from mfaguard.errors import ConfigError

DEFAULT_FILENAME = "history.db"

_POSTGRES_PREFIXES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def default_store_path(env: dict[str, str] | None = None) -> Path:
    """The SQLite file used when no store URL is configured."""
    environ = os.environ if env is None else env
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mfaguard" / DEFAULT_FILENAME


def resolve_store_url(url: str | None, *, env: dict[str, str] | None = None) -> str:
    """Return the SQLAlchemy URL for ``url`` (see the module docstring). Raises ConfigError."""
    if url is None or not url.strip():
        return f"sqlite:///{default_store_path(env)}"
    url = url.strip()
    for prefix in _POSTGRES_PREFIXES:
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith("sqlite://"):
        return url
    if "://" in url:
        scheme = url.split("://", 1)[0]
        raise ConfigError(
            f"unsupported history store URL scheme {scheme!r}",
            hint="use sqlite:///PATH (a file) or postgresql://USER@HOST/DB",
        )
    # A plain path: a SQLite file (relative paths are relative to the working directory).
    return f"sqlite:///{Path(url).expanduser()}"


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (safe for messages and logs)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable store URL>"


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL, or None for in-memory SQLite and other backends."""
    if not url.startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)
