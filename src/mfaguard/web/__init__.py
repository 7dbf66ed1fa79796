"""``mfaguard serve``: the dashboard over the history store (FastAPI, server-rendered pages, JSON API).

:func:`create_app` builds the ASGI app; the CLI (``mfaguard.cli.serve``) only wires options to it.
"""

from __future__ import annotations

from mfaguard.web.app import create_app

__all__ = ["create_app"]
