"""The lock files in requirements/ agree with pyproject.toml and with each other (offline).

``.ci/lock --check`` (in .ci/run) re-resolves and compares byte for byte; these checks need no network
and say which requirement is wrong.
"""

from __future__ import annotations

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

REQUIREMENTS = ROOT / "requirements"
LOCKS = ("core", "all", "test", "build")
_ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)(?:\s*;\s*([^\\\n]+?))?\s*\\?$", re.M)


def _pins(name: str) -> dict[str, str]:
    text = (REQUIREMENTS / f"{name}.txt").read_text(encoding="utf-8")
    return {canonicalize_name(m.group(1)): m.group(2) for m in _ENTRY.finditer(text)}


def _project() -> dict[str, list[str]]:
    """Requirement strings by group: "" for the core dependencies, else the extra's name."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {"": project["dependencies"], **project["optional-dependencies"]}


def _expand(group: str) -> list[Requirement]:
    """The third-party requirements of ``group``, following mfaguard[...] self-references."""
    groups = _project()
    found: list[Requirement] = []
    for text in groups[group]:
        requirement = Requirement(text)
        if canonicalize_name(requirement.name) == "mfaguard":
            for extra in sorted(requirement.extras):
                found.extend(_expand(extra))
        else:
            found.append(requirement)
    return found


def _in_file(name: str) -> list[Requirement]:
    lines = (REQUIREMENTS / name).read_text(encoding="utf-8").splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.startswith(("#", "-r"))]


WHAT_EACH_LOCK_HOLDS = {
    "core": _expand(""),
    "all": _expand("") + _expand("all"),
    "test": _expand("") + _expand("test") + _in_file("ci.in") + _in_file("build.in"),
    "build": _in_file("build.in"),
}


@pytest.mark.parametrize("lock", LOCKS)
def test_each_lock_pins_what_pyproject_asks_within_its_bounds(lock: str) -> None:
    pins = _pins(lock)
    for requirement in WHAT_EACH_LOCK_HOLDS[lock]:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"requirements/{lock}.txt lacks {requirement}: run .ci/lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements/{lock}.txt pins {name}=={pins[name]}, outside {requirement}: run .ci/lock"
        )


def test_a_package_has_one_version_in_every_lock() -> None:
    versions: dict[str, set[str]] = {}
    for lock in LOCKS:
        for name, version in _pins(lock).items():
            versions.setdefault(name, set()).add(version)
    assert {name: v for name, v in versions.items() if len(v) > 1} == {}


def test_the_core_lock_has_neither_the_dashboard_nor_the_postgresql_driver() -> None:
    core = _pins("core")
    assert not {
        "fastapi",
        "starlette",
        "python-multipart",
        "itsdangerous",
        "psycopg",
        "psycopg-binary",
    } & set(core)
    assert {"fastapi", "psycopg", "psycopg-binary"} <= set(_pins("all"))
    assert set(core) <= set(_pins("all")) <= set(_pins("test"))


@pytest.mark.parametrize("lock", LOCKS)
def test_every_pin_carries_hashes_and_the_file_names_its_refresh_command(lock: str) -> None:
    text = (REQUIREMENTS / f"{lock}.txt").read_text(encoding="utf-8")
    assert "#    .ci/lock\n" in text
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    for entry in entries:
        assert "==" in entry and "--hash=sha256:" in entry, entry[:80]
    assert "mfaguard" not in _pins(lock)
