"""The shape of ``src/mfaguard`` (DESIGN §1): each folder imports only folders listed above it, no
loose modules at the top, no module too long to read.

Imports are read with ``ast`` over whole modules — function bodies and ``TYPE_CHECKING`` blocks
included — so a lazy import that points up the order fails as surely as a top-level one.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "mfaguard"

ORDER: tuple[str, ...] = (
    "errors",
    "model",
    "config",
    "graph",
    "read",
    "coverage",
    "controls",
    "audit",
    "enforce",
    "detect",
    "formats",
    "store",
    "notify",  # shares a line with store in DESIGN §1: notify may read the store's records, not back
    "fleet",
    "web",
    "demo",
    "emulator",
    "cli",
    "__main__",
)
"""DESIGN §1, top to bottom: a folder may import the folders above it, never one below."""

EMULATOR_USERS = frozenset({"demo", "cli", "__main__"})
"""The emulator is a leaf apart from the order: only these (and the tests) import it."""

EMULATOR_IMPORTS = frozenset({"mfaguard.errors", "mfaguard.config.files"})
"""What the emulator may import: leaves that themselves import nothing of mfaguard but ``errors``
(``config.files`` writes its TLS key privately, like every other private file)."""

PUBLIC_API_LIMIT = "web"
"""``mfaguard/__init__.py`` may name what lies above this folder: the library, not its front ends."""

ALLOWED_LOOSE = frozenset({"__init__.py", "__main__.py", "errors.py"})
MAX_LINES = 800


def _modules() -> Iterator[tuple[str, Path]]:
    """(dotted module name, path) of every module in the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _imports(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """(imported mfaguard module, line) for every import statement anywhere in the module."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "mfaguard" or alias.name.startswith("mfaguard."):
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target == "mfaguard":
                # `from mfaguard import x`: the root package or one of its top-level modules.
                for alias in node.names:
                    yield f"mfaguard.{alias.name}", node.lineno
            elif target.startswith("mfaguard."):
                yield target, node.lineno


def _folder(module: str) -> str:
    """The top-level folder (or root module) a module belongs to; '' for the root package."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _edges() -> dict[tuple[str, str], list[str]]:
    """(importing folder, imported folder) → where, for imports between different folders."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for module, path in _modules():
        source = _folder(module)
        for target, line in _imports(module, path):
            imported = _folder(target)
            if imported in ("", "__version__") or imported == source:
                continue  # the root package's version string; a folder's own modules
            edges[(source, imported)].append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    return edges


def test_every_folder_is_placed_in_the_order() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    loose = {p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    assert folders | loose == set(ORDER), "add the new folder to ORDER (and to DESIGN §1)"


def test_imports_only_point_up_the_order() -> None:
    rank = {name: index for index, name in enumerate(ORDER)}
    wrong: list[str] = []
    for (source, imported), places in sorted(_edges().items()):
        if imported == "emulator":
            allowed = source in EMULATOR_USERS
        elif source == "emulator":
            allowed = all(place.rsplit(" imports ", 1)[1] in EMULATOR_IMPORTS for place in places)
        elif source == "":
            # The root package re-exports the library (lazily; tests/test_api.py), never a front end.
            allowed = rank[imported] < rank[PUBLIC_API_LIMIT]
        else:
            allowed = rank[imported] < rank[source]
        if not allowed:
            wrong.extend(places)
    assert not wrong, "imports that point down the order (DESIGN §1):\n" + "\n".join(wrong)


def test_what_the_emulator_imports_stays_a_leaf() -> None:
    for module in EMULATOR_IMPORTS:
        path = PACKAGE.parent / (module.replace(".", "/") + ".py")
        imported = {target for target, _ in _imports(module, path)}
        assert imported <= {"mfaguard.errors"}, f"{module} must import nothing of mfaguard but errors"


def test_no_cycle_between_top_level_folders() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for source, imported in _edges():
        graph[source].add(imported)
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt] if nxt in path else [*path, node, nxt]
            if nxt not in state and (cycle := visit(nxt, [*path, nxt])):
                return cycle
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [start])):
            pytest.fail("import cycle between folders: " + " → ".join(cycle))


def test_the_only_loose_modules_are_init_main_and_errors() -> None:
    loose = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in ALLOWED_LOOSE)
    assert not loose, f"give these a folder (DESIGN §1): {loose}"


def test_no_module_is_over_800_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE.parent)): n
        for _, path in _modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these by the axis that varies (STYLE.md): {long}"


def test_every_subpackage_declares_all() -> None:
    missing = [
        str(init.relative_to(PACKAGE.parent))
        for init in sorted(PACKAGE.rglob("__init__.py"))
        if "__all__"
        not in {
            target.id
            for node in ast.parse(init.read_text(encoding="utf-8")).body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        }
    ]
    assert not missing, f"declare __all__ in: {missing}"


def test_the_checks_catch_what_they_are_for(tmp_path: Path) -> None:
    # A lazy import inside a function body pointing down the order is found like a top-level one.
    module = tmp_path / "probe.py"
    module.write_text(
        "def late() -> None:\n    from mfaguard.cli import app\n\n"
        "if TYPE_CHECKING:\n    from ..store import Store\n"
    )
    found = list(_imports("mfaguard.model.probe", module))
    assert ("mfaguard.cli", 2) in found and ("mfaguard.store", 5) in found


TESTS = Path(__file__).resolve().parent
TEST_FOLDERS_BESIDE_SRC = frozenset({"bench", "builders", "fixtures", "packaging"})
"""Test folders that mirror no source folder: the benchmark scripts' guards (bench/), the shared
builders, data files, and the packaging checks (pyproject, lock files, container)."""


def test_tests_mirror_src() -> None:
    sources = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    folders = {p.name for p in TESTS.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders - sources - TEST_FOLDERS_BESIDE_SRC == set(), "name test folders after src/mfaguard/"
    loose = {p.name for p in TESTS.glob("test_*.py")}
    assert loose == {"test_layout.py", "test_api.py"}, "put module tests beside the folder they test"


def test_test_modules_never_import_other_test_modules() -> None:
    # Shared helpers live in builders, fixtures and conftest modules; a test module importing another
    # runs (and couples to) that module's tests.
    wrong = []
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module and module.startswith("tests.") and module.rsplit(".", 1)[-1].startswith("test_"):
                wrong.append(f"{path.relative_to(TESTS.parent)}:{node.lineno} imports {module}")
    assert not wrong, "\n".join(wrong)
