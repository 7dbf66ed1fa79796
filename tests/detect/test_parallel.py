"""Reading a JSON Lines file with several processes gives exactly the sequential evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import mfaguard.detect.parallel as parallel
from mfaguard.detect import DetectOptions, analyse, collect_files
from tests.builders.signins import NOW, first_example, to_log_analytics, write_jsonl


def _result(path: Path, jobs: int) -> tuple[list[dict[str, object]], dict[str, object]]:
    ev = collect_files([path], jobs=jobs)
    result = analyse(ev, now=NOW, options=DetectOptions(hunt=True))
    return [a.to_json() for a in result.alerts], result.stats.to_json()


@pytest.mark.parametrize("jobs", [2, 3, 7])
def test_parallel_read_matches_sequential(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    records = first_example()
    lines = [json.dumps(r) for r in records + records[-10:]]  # denial records twice, across ranges
    lines.insert(7, '{"id": "cut", "createdDateTime": ')
    lines.insert(30, json.dumps({"id": "x"}))
    path = tmp_path / "s.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert _result(path, jobs) == _result(path, 1)
    _alerts, stats = _result(path, jobs)
    # 5 denial records and the success repeat (the 4 repeated interrupts are only counted as noise)
    assert stats["skipped_total"] == 2 and stats["duplicates"] == 6
    assert any(":8: not valid JSON" in e for e in stats["examples"])  # type: ignore[union-attr]


def test_parallel_read_of_a_log_analytics_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    path = write_jsonl(tmp_path / "la.jsonl", [to_log_analytics(r) for r in first_example()])
    assert _result(path, 2) == _result(path, 1)


def test_split_covers_the_file() -> None:
    assert parallel.split(10, 3) == [(0, 3), (3, 6), (6, 10)]
    assert parallel.split(2, 4) == [(0, 1), (1, 2)]
