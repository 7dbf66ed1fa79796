#!/usr/bin/env python3
"""The container's HEALTHCHECK: healthy when ``mfaguard serve`` answers its login page.

Reads the container's main command (``/proc/1/cmdline``, or the file given as the first argument).
For ``serve`` it asks ``GET /login`` on the address ``--host``/``--port`` name (default
127.0.0.1:8080; a wildcard address is asked on loopback) and is healthy on HTTP 200 within 4 seconds.
``MFAGUARD_HEALTHCHECK_URL`` overrides the URL (a port set only in the fleet file's ``dashboard:``).
Other commands (``watch``, ``fleet audit``) serve nothing to probe: healthy while they run, and the
engine's restart policy handles their exit. Standard library only.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

_WILDCARD = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


def command_of(argv: list[str]) -> tuple[str | None, list[str]]:
    """The mfaguard command in a process's argv and the arguments after it."""
    for index, arg in enumerate(argv):
        if Path(arg).name == "mfaguard":
            rest = argv[index + 1 :]
            for position, word in enumerate(rest):
                if not word.startswith("-"):
                    return word, rest[position + 1 :]
            return None, []
    return None, []


def _option(args: list[str], name: str) -> str | None:
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + "="):
            return arg[len(name) + 1 :]
    return None


def probe_url(argv: list[str], environ: dict[str, str]) -> str | None:
    """The URL to probe, or None when the main command is not ``serve``."""
    command, args = command_of(argv)
    if command != "serve":
        return None
    if environ.get("MFAGUARD_HEALTHCHECK_URL"):
        return environ["MFAGUARD_HEALTHCHECK_URL"]
    host = _option(args, "--host") or "127.0.0.1"
    host = _WILDCARD.get(host, host)
    port = _option(args, "--port") or "8080"
    return f"http://[{host}]:{port}/login" if ":" in host else f"http://{host}:{port}/login"


def main(argv: list[str]) -> int:
    source = Path(argv[1] if len(argv) > 1 else "/proc/1/cmdline")
    cmdline = [part.decode(errors="replace") for part in source.read_bytes().split(b"\0") if part]
    url = probe_url(cmdline, dict(os.environ))
    if url is None:
        return 0
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            healthy = response.status == 200
    except (OSError, urllib.error.URLError) as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return 1
    if not healthy:
        print(f"unhealthy: {url}: HTTP {response.status}", file=sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
