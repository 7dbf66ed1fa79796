"""Shared pieces of the whole-process benchmarks (issue 15): a build under test, child processes, the emulator.

Everything here talks to mfaguard through its **stable command-line contract** (DESIGN §4/§7 and the
emulator's ``/_emulator/`` control plane), never through internal imports, so the same script measures
an old checkout and a restructured one:

- :class:`Build` — one installed mfaguard: ``PY -m mfaguard`` for an interpreter ``PY`` (a venv with
  mfaguard installed, or this checkout's ``src/`` on ``PYTHONPATH``). It compiles the package's
  bytecode first and asks ``--help`` which flags exist (``supports``), so a script can say "not
  supported by this build" instead of failing.
- :func:`run` — one child process, waited for with ``os.wait4``: wall time, the child's own CPU
  (user + system) and its own peak RSS (not the maximum over every child, as ``RUSAGE_CHILDREN`` is).
- :class:`Emulator` — ``mfaguard emulator`` in its own process (HTTPS, its own CA), its ``export`` lines,
  the tenant list, tokens and the request log from the control plane, and its CPU from ``/proc``.
- :func:`interleaved` / :func:`median` — rounds that run every command once each, so a change in the
  machine's load hits every command alike.

This module is a helper of the scripts next to it (not a benchmark): ``python bench/bench_startup.py``,
``bench/bench_fleet_scale.py``, ``bench/bench_coverage_scale.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Variables that would point a child at another tenant, endpoint or credential than the one we give it.
_SCRUB = ("MFAGUARD_", "AZURE_", "REQUESTS_CA_BUNDLE", "SSL_CERT_")
CLK_TCK = os.sysconf("SC_CLK_TCK")
TIME = "/usr/bin/time"


# Builds that record single-tenant runs in the default history store (issue 12) write it under
# $XDG_DATA_HOME: a private one per benchmark process, so runs neither touch the user's history nor
# inherit a store grown by earlier benchmarks.
_DATA_HOME = tempfile.TemporaryDirectory(prefix="mfaguard-bench-data-")


def base_env() -> dict[str, str]:
    """This process's environment without credentials/endpoints, with bytecode writing allowed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB)}
    env["XDG_DATA_HOME"] = _DATA_HOME.name
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure with bytecode, as an installed tool runs
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "120"
    return env


@dataclass
class Build:
    """One mfaguard to measure: an interpreter that can ``import mfaguard``."""

    python: str
    src: str | None = None  # prepended to PYTHONPATH (a checkout without an install)
    label: str = ""
    _help: dict[tuple[str, ...], str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, python: str | None, label: str = "") -> Build:
        """``--python PY`` → that interpreter's installed mfaguard; none → this checkout's ``src/``."""
        if python:
            return cls(python=python, label=label)
        return cls(python=sys.executable, src=str(ROOT / "src"), label=label)

    def env(self, **extra: str) -> dict[str, str]:
        env = base_env()
        if self.src:
            env["PYTHONPATH"] = self.src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.update(extra)
        return env

    def cli(self, *args: str) -> list[str]:
        return [self.python, "-m", "mfaguard", *args]

    def package_dir(self) -> Path:
        out = subprocess.run(
            [self.python, "-c", "import mfaguard, os; print(os.path.dirname(mfaguard.__file__))"],
            env=self.env(),
            capture_output=True,
            text=True,
            check=True,
        )
        return Path(out.stdout.strip())

    def describe(self) -> str:
        """Where the package lives and the commit of its checkout (``+dirty`` with local changes)."""
        where = self.package_dir()
        rev = subprocess.run(
            ["git", "-C", str(where), "describe", "--always", "--dirty=+dirty", "--abbrev=7"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        return f"{self.label + ': ' if self.label else ''}{where} (commit {rev or 'unknown'}), python {self.python}"

    def compile(self) -> None:
        """Compile the package's bytecode (third-party packages were compiled by pip at install)."""
        subprocess.run(
            [self.python, "-m", "compileall", "-q", str(self.package_dir())],
            env=self.env(),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def help(self, *words: str) -> str:
        """``mfaguard WORDS --help`` (cached): "" when the command does not exist."""
        key = tuple(words)
        if key not in self._help:
            out = subprocess.run(self.cli(*words, "--help"), env=self.env(), capture_output=True, text=True)
            self._help[key] = out.stdout if out.returncode == 0 else ""
        return self._help[key]

    def supports(self, words: Sequence[str], flag: str) -> bool:
        """Whether ``mfaguard WORDS`` lists ``flag`` in its help (e.g. ``--shard``, ``--no-directory``)."""
        return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", self.help(*words)) is not None


def add_build_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--python",
        help="interpreter of the mfaguard under test (e.g. /work/wt/x/.venv/bin/python); "
        "default: this interpreter with this checkout's src/",
    )
    parser.add_argument(
        "--emulator-python",
        help="interpreter whose `mfaguard emulator` serves Graph (default: the one under test); "
        "pass the same one when comparing two builds so only the client changes",
    )


@dataclass
class Result:
    """One finished child process."""

    returncode: int
    wall: float
    cpu: float  # user + system seconds of the child itself
    maxrss_mb: float  # the child's own peak RSS
    stdout: bytes
    stderr: str
    timed_out: bool = False


def run(
    cmd: Sequence[str],
    env: dict[str, str],
    *,
    timeout: float | None = None,
    stdout_path: Path | None = None,
    ok: Sequence[int] | None = (0, 1),
    rss_timeline: list[tuple[float, float]] | None = None,
) -> Result:
    """Run ``cmd`` to exit; its own wall, CPU and peak RSS (``os.wait4``).

    ``stdout_path``: write stdout there (large documents) instead of keeping it in memory.
    ``ok``: exit codes that count as success (``None`` accepts any); otherwise exit with its stderr.
    ``rss_timeline``: filled with (epoch seconds, RSS MB) of the command every 0.25 s.
    """
    # A child forked from this (large) process starts with this process's RSS high-water mark, which
    # execve keeps: ``/usr/bin/time`` (a small C program) forks the command instead, and reports its
    # peak RSS; wait4's CPU of ``time`` includes the command's (Linux reports the waited-for children).
    rss_file = tempfile.NamedTemporaryFile(prefix="mfaguard-bench-rss-", delete=False)  # noqa: SIM115
    rss_file.close()
    wrapper = [TIME, "-f", "%M", "-o", rss_file.name] if Path(TIME).exists() else []
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out_tmp:
        out_file = stdout_path.open("wb") if stdout_path else out_tmp
        try:
            start = time.perf_counter()
            proc = subprocess.Popen(
                [*wrapper, *cmd],
                env=env,
                stdout=out_file,
                stderr=err,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: a timeout stops time and the command
            )
            killed = threading.Event()

            def kill() -> None:
                killed.set()
                try:
                    os.killpg(proc.pid, signal.SIGINT)  # let it stop cleanly (time ignores SIGINT) ...
                    time.sleep(10)
                    if proc.returncode is None:
                        os.killpg(proc.pid, signal.SIGKILL)  # ... then insist
                except ProcessLookupError:
                    pass

            timer = threading.Timer(timeout, kill) if timeout else None
            if timer:
                timer.daemon = True
                timer.start()
            sampling = threading.Event()
            if rss_timeline is not None:
                threading.Thread(
                    target=_sample_rss, args=(proc.pid, bool(wrapper), rss_timeline, sampling), daemon=True
                ).start()
            _, status, usage = os.wait4(proc.pid, 0)
            sampling.set()
            wall = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
            if timer:
                timer.cancel()
        finally:
            if stdout_path:
                out_file.close()
        err.seek(0)
        stderr = err.read().decode(errors="replace")
        out_tmp.seek(0)
        stdout = b"" if stdout_path else out_tmp.read()
    maxrss_kib = usage.ru_maxrss
    try:
        reported = Path(rss_file.name).read_text().split()
        if wrapper and reported and reported[-1].isdigit():
            maxrss_kib = int(reported[-1])
    finally:
        Path(rss_file.name).unlink()
    result = Result(
        returncode=proc.returncode,
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        maxrss_mb=maxrss_kib / 1024,
        stdout=stdout,
        stderr=stderr,
        timed_out=killed.is_set(),
    )
    if ok is not None and result.returncode not in ok and not result.timed_out:
        raise SystemExit(f"{' '.join(cmd)[:300]}\n  exited {result.returncode}: {stderr[-1500:]}")
    return result


def _sample_rss(pid: int, wrapped: bool, timeline: list[tuple[float, float]], stop: threading.Event) -> None:
    """VmRSS of the command (the child of ``/usr/bin/time`` when wrapped) until ``stop``."""
    target = None if wrapped else pid
    while not stop.wait(0.25):
        if target is None:
            with contextlib.suppress(OSError, ValueError, IndexError):
                target = int(Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0])
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            status = Path(f"/proc/{target}/status").read_text()
            kib = int(status.split("VmRSS:", 1)[1].split()[0])
            timeline.append((time.time(), kib / 1024))


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def interleaved(
    commands: dict[str, Callable[[], Result]], rounds: int, warmup: int = 1
) -> dict[str, list[Result]]:
    """Run each command once per round, in the same order every round, after ``warmup`` rounds."""
    for _ in range(warmup):
        for call in commands.values():
            call()
    samples: dict[str, list[Result]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, call in commands.items():
            samples[name].append(call())
    return samples


def machine() -> str:
    """One line: CPUs, memory, Python, kernel, date (UTC) and load average now."""
    mem = ""
    try:
        with Path("/proc/meminfo").open() as info:
            kib = int(info.readline().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs{mem}, Python {platform.python_version()} ({platform.machine()}), "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {load}"
    )


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process (all its threads), from ``/proc``."""
    try:
        with Path(f"/proc/{pid}/stat").open() as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Emulator:
    """``mfaguard emulator`` in its own process, driven through its control plane.

    ``scenarios`` × ``tenants`` (per scenario, ≤ 5,000 each), ``latency_ms`` added to every Graph request.
    """

    def __init__(
        self,
        build: Build,
        scenarios: Sequence[str] = ("weak",),
        *,
        tenants: int = 1,
        latency_ms: float = 0.0,
        throttling: bool = True,
        start_timeout: float = 600.0,
    ) -> None:
        self.build = build
        self.args = [a for s in scenarios for a in ("--scenario", s)]
        self.args += ["--tenants", str(tenants), "--latency-ms", str(latency_ms)]
        if not throttling:
            self.args.append("--no-throttling")
        self.start_timeout = start_timeout
        self.exports: dict[str, str] = {}
        self.proc: subprocess.Popen[str] | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="mfaguard-bench-emu-")
        self._client: Any = None

    def __enter__(self) -> Emulator:
        import httpx

        err = (Path(self._tmp.name) / "stderr.txt").open("w")
        self.proc = subprocess.Popen(
            self.build.cli("emulator", *self.args, "--cert-dir", self._tmp.name),
            stdout=subprocess.PIPE,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=self.build.env(),
            text=True,
        )
        err.close()
        done = threading.Event()

        def read() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                match = re.match(r"export (\w+)=(.*)$", line.strip())
                if match:
                    self.exports[match.group(1)] = match.group(2).strip("'\"")
                if "REQUESTS_CA_BUNDLE" in self.exports:
                    done.set()
            done.set()

        threading.Thread(target=read, daemon=True).start()
        if not done.wait(self.start_timeout) or "REQUESTS_CA_BUNDLE" not in self.exports:
            self.__exit__(None, None, None)
            log = (Path(self._tmp.name) / "stderr.txt").read_text(errors="replace")
            raise SystemExit(f"`mfaguard emulator {' '.join(self.args)}` did not start: {log[-1500:]}")
        self._client = httpx.Client(verify=self.ca, timeout=600)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._tmp.cleanup()

    @property
    def endpoint(self) -> str:
        return self.exports["MFAGUARD_GRAPH_ENDPOINT"]

    @property
    def ca(self) -> str:
        return self.exports["MFAGUARD_CA_BUNDLE"]

    def cpu(self) -> float:
        assert self.proc is not None
        return process_cpu(self.proc.pid)

    def control(self, method: str, what: str, **kwargs: Any) -> Any:
        response = self._client.request(method, f"{self.endpoint}/_emulator/{what}", **kwargs)
        response.raise_for_status()
        return response.json()

    def tenants(self) -> list[dict[str, Any]]:
        """Every tenant served: ``id``, ``scenario``, ``domain``, ..."""
        return list(self.control("GET", "")["tenants"])

    def token(self, tenant: str | None = None) -> str:
        return str(self.control("POST", "token", json={"tenant": tenant} if tenant else {})["access_token"])

    def clear_requests(self) -> None:
        self.control("DELETE", "requests")

    def requests(self, tenant: str | None = None) -> list[dict[str, Any]]:
        """The request log (Graph and token requests; each ``$batch`` entry is its own row)."""
        return list(self.control("GET", "requests", params={"tenant": tenant} if tenant else {})["value"])

    def graph(self, path: str, **kwargs: Any) -> Any:
        """A Graph GET with a fresh all-roles token (for the benchmark's own reference figures)."""
        headers = {"Authorization": f"Bearer {self.token()}", **kwargs.pop("headers", {})}
        response = self._client.get(f"{self.endpoint}{path}", headers=headers, **kwargs)
        response.raise_for_status()
        return response.json() if "json" in response.headers.get("content-type", "") else response.text

    def client_env(self, tenant: str | None = None, *, token: str | None = None) -> dict[str, str]:
        """The variables that point a single-tenant command at this emulator: a bearer token when
        ``token`` is given, else the emulator's client secret through azure-identity."""
        env = {
            "MFAGUARD_GRAPH_ENDPOINT": self.endpoint,
            "MFAGUARD_CA_BUNDLE": self.ca,
            "AZURE_TENANT_ID": tenant or self.exports["AZURE_TENANT_ID"],
        }
        if token:
            env["MFAGUARD_ACCESS_TOKEN"] = token
        else:
            for key in (
                "MFAGUARD_AUTHORITY_HOST",
                "AZURE_AUTHORITY_HOST",
                "AZURE_CLIENT_ID",
                "AZURE_CLIENT_SECRET",
            ):
                env[key] = self.exports[key]
            env["REQUESTS_CA_BUNDLE"] = self.ca
        return env


def graph_rows(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Graph requests of a request log (v1.0/beta; token and control-plane rows left out)."""
    return [e for e in log if e.get("version") in ("v1.0", "beta")]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def dump_json(path: str | None, data: Any) -> None:
    """``--json FILE``: the figures as one JSON document (for RESULTS.md tables)."""
    if path:
        Path(path).write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
