"""Every data file under src/mfaguard is matched by pyproject's package-data, so the wheel carries it.

(.ci/run proves it end to end: the CLI tests run against the installed wheel. This finds a new kind of
file, e.g. the first ``.sql``, before that and names it.)
"""

from __future__ import annotations

import fnmatch
import tomllib

from tests.conftest import ROOT, SRC


def test_every_data_file_is_package_data() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["mfaguard"]
    package = SRC / "mfaguard"
    unmatched = []
    for path in package.rglob("*"):
        if not path.is_file() or path.suffix in {".py", ".pyc"} or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(package).as_posix()
        if not any(
            fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(path.name, p.removeprefix("**/"))
            for p in patterns
        ):
            unmatched.append(relative)
    assert unmatched == [], f"not in [tool.setuptools.package-data]: {unmatched}"
