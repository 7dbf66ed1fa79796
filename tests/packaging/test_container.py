"""deploy/container/Containerfile: built from the lock files, the wheel, a non-root user, a HEALTHCHECK.

No container engine runs on this project's machines (docker is only a client), so the build is checked
here: the instructions themselves (base image pinned by digest, hash-checked installs from
requirements/, the wheel installed without touching the locked set, USER, HEALTHCHECK, EXPOSE,
ENTRYPOINT/CMD), and, under CI, the build stage's RUN commands executed for real in a temporary root
(its absolute paths moved under it), then the HEALTHCHECK run against ``serve`` from the result.
"""

from __future__ import annotations

import fnmatch
import importlib.machinery
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import ROOT
from tests.packaging.containerfile import Instruction, Stage, parse

CONTAINERFILE = ROOT / "deploy" / "container" / "Containerfile"
HEALTHCHECK = ROOT / "deploy" / "container" / "healthcheck.py"
STAGES = parse(CONTAINERFILE)
BUILD, FINAL = STAGES[0], STAGES[-1]
DIGEST = re.compile(r"^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$")


def _runs(stage: Stage) -> str:
    return "\n".join(i.args for i in stage.all("RUN"))


def _load_healthcheck() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("container_healthcheck", str(HEALTHCHECK))
    spec = importlib.util.spec_from_loader("container_healthcheck", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_every_base_image_is_pinned_by_digest_and_both_stages_share_it() -> None:
    assert len(STAGES) == 2 and BUILD.name == "build"
    for stage in STAGES:
        assert DIGEST.match(stage.base), f"FROM {stage.base} is not pinned by a sha256 digest"
    # The final stage copies the build stage's venv: its interpreter path must be the same.
    assert BUILD.base == FINAL.base


def test_dependencies_come_only_from_the_lock_files_with_their_hashes() -> None:
    runs = _runs(BUILD)
    copies = [i.words() for i in BUILD.all("COPY")]
    assert ["requirements/", "./requirements/"] in copies
    assert "/opt/mfaguard/bin/pip install --require-hashes -r requirements/all.txt" in runs
    assert "/opt/build/bin/pip install --require-hashes -r requirements/build.txt" in runs
    for command in re.findall(r"pip install [^&]*", runs):
        # Every install is hash-checked from a lock file, except the wheel (--no-deps: adds nothing).
        assert "--require-hashes -r requirements/" in command or (
            "--no-deps" in command and ".whl" in command
        ), command
    for name in ("all", "build"):
        assert (ROOT / "requirements" / f"{name}.txt").is_file()
    # The lock files are copied before the sources, so a source change does not re-install them.
    keywords = [(i.keyword, i.args) for i in BUILD.instructions]
    assert keywords.index(("COPY", "requirements/ ./requirements/")) < keywords.index(("COPY", "src/ ./src/"))


def test_the_image_installs_the_wheel_built_with_the_locked_backend() -> None:
    runs = _runs(BUILD)
    assert "/opt/build/bin/python -m build --wheel --no-isolation --outdir /dist ." in runs
    assert "/opt/mfaguard/bin/pip install --no-deps /dist/mfaguard-*.whl" in runs
    assert "/opt/mfaguard/bin/pip check" in runs
    assert "-e " not in runs and "--editable" not in runs
    assert [i.words() for i in FINAL.all("COPY") if "--from=build" in i.args] == [
        ["--from=build", "/opt/mfaguard", "/opt/mfaguard"]
    ]


def test_the_final_stage_runs_as_an_unprivileged_user() -> None:
    users = FINAL.all("USER")
    assert users, "no USER: the image would run as root"
    user = users[-1].args.split(":")[0]
    assert user not in {"0", "root"}
    useradd = " ".join(i.args for i in FINAL.all("RUN") if "useradd" in i.args)
    assert f"--uid {user}" in useradd and "--system" in useradd
    # Nothing runs as root after the switch, and the command runs after it.
    after = FINAL.instructions[FINAL.instructions.index(users[-1]) :]
    assert not [i for i in after if i.keyword == "RUN"]
    assert {"ENTRYPOINT", "CMD", "HEALTHCHECK"} <= {i.keyword for i in after}


def test_healthcheck_expose_entrypoint_and_cmd() -> None:
    (healthcheck,) = FINAL.all("HEALTHCHECK")
    command = Instruction("CMD", healthcheck.args.split(" CMD ", 1)[1]).exec_form()
    assert command is not None, "HEALTHCHECK CMD must be in exec form (no shell in the probe)"
    script = command[-1]
    copied = {i.words()[-1]: i.words()[-2] for i in FINAL.all("COPY") if "--from" not in i.args}
    assert copied[script] == "deploy/container/healthcheck.py"
    assert command[0] == "/opt/mfaguard/bin/python"
    assert [i.args for i in FINAL.all("EXPOSE")] == ["8080"]
    (entrypoint,) = FINAL.all("ENTRYPOINT")
    (cmd,) = FINAL.all("CMD")
    assert entrypoint.exec_form() == ["mfaguard"]
    assert cmd.exec_form() == ["watch", "--config", "/etc/mfaguard/mfaguard.yaml"]
    assert "PATH=/opt/mfaguard/bin:$PATH" in " ".join(i.args for i in FINAL.all("ENV"))


def test_what_the_build_copies_exists_and_is_not_ignored() -> None:
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for stage in STAGES:
        for copy in stage.all("COPY"):
            words = copy.words()
            if words[0].startswith("--from"):
                continue
            for source in words[:-1]:
                assert (ROOT / source).exists(), source
                top = source.rstrip("/").split("/")[0]
                assert not any(fnmatch.fnmatch(top, pattern) for pattern in ignored), source


@pytest.mark.parametrize(
    ("argv", "env", "url"),
    [
        (["/opt/mfaguard/bin/python", "/opt/mfaguard/bin/mfaguard", "watch", "--config", "f"], {}, None),
        (["/opt/mfaguard/bin/mfaguard", "serve", "--config", "f"], {}, "http://127.0.0.1:8080/login"),
        (
            ["mfaguard", "--debug", "serve", "--host", "0.0.0.0", "--port=9000"],
            {},
            "http://127.0.0.1:9000/login",
        ),
        (["/sbin/tini", "--", "mfaguard", "serve", "--host", "::"], {}, "http://[::1]:8080/login"),
        (["mfaguard", "fleet", "audit", "--config", "serve"], {}, None),
        (
            ["mfaguard", "serve"],
            {"MFAGUARD_HEALTHCHECK_URL": "http://127.0.0.1:1/login"},
            "http://127.0.0.1:1/login",
        ),
    ],
)
def test_the_healthcheck_probes_serve_only(argv: list[str], env: dict[str, str], url: str | None) -> None:
    assert _load_healthcheck().probe_url(argv, env) == url


# --- the build stage, executed ------------------------------------------------------------------------

_RUN_BUILD = (
    os.environ.get("CI", "").lower() == "true" or os.environ.get("MFAGUARD_TEST_CONTAINER_BUILD") == "1"
)


def _created_roots(stage: Stage) -> set[str]:
    """First components of the absolute paths the stage creates (WORKDIR, venvs, --outdir)."""
    paths = [i.args for i in stage.all("WORKDIR")]
    for run in stage.all("RUN"):
        paths += re.findall(r"-m venv (/\S+)", run.args) + re.findall(r"--outdir (/\S+)", run.args)
    return {p.strip("/").split("/")[0] for p in paths}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
@pytest.mark.skipif(
    not _RUN_BUILD, reason="installs the locked set (~1 min): CI=true or MFAGUARD_TEST_CONTAINER_BUILD=1"
)
def test_the_build_stage_runs_and_its_image_passes_the_healthcheck(tmp_path: Path) -> None:
    root = tmp_path / "root"
    roots = _created_roots(BUILD)
    assert roots == {"src", "opt", "dist"}, roots

    def moved(text: str) -> str:
        return re.sub(r"(?<![\w.$-])/(" + "|".join(sorted(roots)) + r")(?=[/\s]|$)", f"{root}/\\1", text)

    # `python` is the base image's interpreter: here, the one this venv was made from.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(Path(sys.base_prefix) / "bin" / "python3")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    workdir = root
    for instruction in BUILD.instructions:
        if instruction.keyword == "ENV":
            env.update(dict(word.split("=", 1) for word in instruction.words()))
        elif instruction.keyword == "WORKDIR":
            workdir = Path(moved(instruction.args))
            workdir.mkdir(parents=True, exist_ok=True)
        elif instruction.keyword == "COPY":
            *sources, dest = instruction.words()
            target = workdir / dest if not dest.startswith("/") else Path(moved(dest))
            for source in sources:
                if (ROOT / source).is_dir():
                    shutil.copytree(
                        ROOT / source,
                        target,
                        dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__"),
                    )
                else:
                    target.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(ROOT / source, target)
        elif instruction.keyword == "RUN":
            result = subprocess.run(
                ["sh", "-ec", moved(instruction.args)],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
            )
            assert result.returncode == 0, (
                f"RUN {instruction.args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        else:
            pytest.fail(f"the test does not know how to run {instruction.keyword}")

    venv = root / "opt" / "mfaguard"
    assert not list(venv.glob("lib/python*/site-packages/*.egg-link")) and not list(
        venv.glob("lib/python*/site-packages/__editable__*")
    ), "the image must install the wheel, not the source tree"
    version = subprocess.run(
        [venv / "bin" / "mfaguard", "version", "--verbose"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert f"location: {venv}/lib/" in version.stdout, version.stdout
    assert "not installed" not in version.stdout  # [all]: the dashboard and the PostgreSQL driver

    # The final stage's HEALTHCHECK against `serve` from that venv, then after it stopped.
    for copy in FINAL.all("COPY"):
        if "--from" not in copy.args:
            source, dest = copy.words()
            shutil.copy2(ROOT / source, moved(dest))
    (healthcheck,) = FINAL.all("HEALTHCHECK")
    probe = [
        moved(word) for word in Instruction("CMD", healthcheck.args.split(" CMD ", 1)[1]).exec_form() or []
    ]
    port = _free_port()
    serve_argv = [
        str(venv / "bin" / "mfaguard"),
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        str(port),
        "--store",
        f"sqlite:///{tmp_path / 'h.db'}",
    ]
    cmdline = tmp_path / "cmdline"
    cmdline.write_bytes(b"\0".join(a.encode() for a in serve_argv) + b"\0")
    serve_env = {**env, "MFAGUARD_DASHBOARD_TOKEN": "a-long-enough-test-token-123", "HOME": str(tmp_path)}
    server = subprocess.Popen(serve_argv, env=serve_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while subprocess.run([*probe, str(cmdline)], capture_output=True, env=env).returncode != 0:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            assert time.monotonic() < deadline, "serve never became healthy"
            time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(15)
    down = subprocess.run([*probe, str(cmdline)], capture_output=True, text=True, env=env)
    assert down.returncode == 1 and "unhealthy" in down.stderr
