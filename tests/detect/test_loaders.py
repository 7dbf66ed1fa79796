"""File loaders: every registered format, streaming, and bad input counted (never a crash)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import mfaguard.detect.loaders.jsonio as jsonio
from mfaguard.detect import DetectOptions, analyse, collect_files
from mfaguard.detect.collect import Collector
from mfaguard.detect.loaders import LOADERS, load_file
from mfaguard.errors import InputError
from tests.builders.signins import (
    NOW,
    T0,
    audit,
    first_example,
    risk,
    to_log_analytics,
    write_json,
    write_jsonl,
    write_page,
    write_portal_csv,
)

EXPECTED = [("DET-002", "critical"), ("DET-001", "high"), ("DET-004", "medium")]


def alerts_of(*paths: Path, **kw: object) -> list[tuple[str, str]]:
    ev = collect_files(list(paths), **kw)  # type: ignore[arg-type]
    return [(a.detection_id, a.severity.value) for a in analyse(ev, now=NOW, options=DetectOptions()).alerts]


def test_every_loader_is_documented_and_exercised(tmp_path: Path) -> None:
    records = first_example()
    files = {
        "json": write_json(tmp_path / "a.json", records),
        "page": write_page(tmp_path / "p.json", records),
        "jsonl": write_jsonl(tmp_path / "l.jsonl", records),
        "la": write_json(tmp_path / "la.json", [to_log_analytics(r) for r in records]),
        "csv": write_portal_csv(tmp_path, records),
    }
    single = tmp_path / "one.json"
    single.write_text(json.dumps(records[-1], indent=2))
    files["object"] = single
    assert set(files) == set(LOADERS)
    for name, path in files.items():
        assert LOADERS[name].description
        collector = Collector()
        load_file(collector, path, input_format=name)
        assert collector.evidence().stats.used > 0, name
        if name != "object":
            assert alerts_of(path, input_format=name) == EXPECTED, name
            assert alerts_of(path) == EXPECTED, f"auto-detected {name}"


def test_json_array_streams_across_chunk_boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonio, "CHUNK", 97)  # elements straddle every chunk edge
    path = write_json(tmp_path / "a.json", first_example())
    assert alerts_of(path) == EXPECTED
    page = write_page(tmp_path / "p.json", first_example())
    assert alerts_of(page) == EXPECTED


def test_truncated_array_keeps_what_came_before(tmp_path: Path) -> None:
    records = first_example()
    path = write_json(tmp_path / "a.json", records)
    text = path.read_text()
    path.write_text(text[: text.rindex('"id"')])  # cut inside the last element
    ev = collect_files([path])
    assert ev.stats.used == len(records) - 1
    assert ev.stats.skipped_total == 1 and any("truncated" in k for k in ev.stats.skipped)


def test_jsonl_bad_lines_wrong_types_and_missing_fields_are_counted(tmp_path: Path) -> None:
    records = first_example()
    bad = [json.dumps(r) for r in records]
    bad.insert(3, '{"id": "broken", "createdDateTime": ')  # truncated line
    bad.insert(5, "")  # blank line: ignored
    bad.insert(7, json.dumps({"id": "no-time", "userId": "u", "status": {"errorCode": 0}}))
    bad.insert(9, json.dumps({"createdDateTime": "2026-11-20T09:00:00Z", "status": {"errorCode": 500121}}))
    bad.insert(
        11,
        json.dumps(
            {
                "id": "t",
                "createdDateTime": "2026-11-20T09:00:00Z",
                "userId": "u",
                "status": {"errorCode": "x"},
            }
        ),
    )
    bad.insert(13, "[1, 2, 3]")
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(bad) + "\n")
    ev = collect_files([path])
    assert ev.stats.used == len(records)
    assert ev.stats.skipped == {
        "not valid JSON (truncated line?)": 1,
        "missing createdDateTime": 1,
        "missing id": 1,
        "wrong type: errorCode": 1,
        "not a JSON object": 1,
    }
    assert any(":4: not valid JSON" in e for e in ev.stats.examples)
    assert alerts_of(path) == EXPECTED


def test_csv_unknown_columns_short_rows_and_missing_auth_details(tmp_path: Path) -> None:
    records = first_example()
    path = write_portal_csv(tmp_path, records)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("2026-11-20T09:00:00Z,short-row\n")
    ev = collect_files([path])
    assert any("ignored 1 unknown column(s): Custom Column" in n for n in ev.stats.notes)
    assert any("joined" in n and "AuthDetails" in n for n in ev.stats.notes)
    assert ev.stats.skipped_total == 1
    # Without the AuthDetails file the denials still count, one per 500121 record (v1.0-like).
    (tmp_path / "InteractiveSignIns_AuthDetails_2026-11-06_2026-11-21.csv").unlink()
    assert alerts_of(path) == EXPECTED


def test_csv_auth_details_can_be_named_explicitly(tmp_path: Path) -> None:
    records = first_example()
    main = write_portal_csv(tmp_path, records)
    renamed = tmp_path / "steps.csv"
    (tmp_path / "InteractiveSignIns_AuthDetails_2026-11-06_2026-11-21.csv").rename(renamed)
    ev = collect_files([main], auth_details=renamed)
    assert any(r.steps for r in ev.denial_records)


def test_audits_and_risks_take_the_same_shapes(tmp_path: Path) -> None:
    audits = [audit(T0, "Suspicious activity reported")]
    risks = [risk(T0)]
    signins = write_jsonl(tmp_path / "s.jsonl", first_example())
    for writer in (write_json, write_page, write_jsonl):
        a = writer(tmp_path / f"a.{writer.__name__}", audits)
        r = writer(tmp_path / f"r.{writer.__name__}", risks)
        ev = collect_files([signins], audits=[a], risks=[r])
        assert len(ev.audits) == 1 and len(ev.risks) == 1


def test_unusable_files_are_input_errors(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("just words\n")
    with pytest.raises(InputError):
        collect_files([text])
    with pytest.raises(InputError):
        collect_files([tmp_path / "missing.json"])
    csv_file = write_portal_csv(tmp_path, first_example())
    with pytest.raises(InputError, match="sign-ins only"):
        collect_files([csv_file], audits=[csv_file])
    empty = tmp_path / "empty.json"
    empty.write_text("")
    assert "empty" in collect_files([empty]).stats.notes[0]


def test_progress_is_reported_while_reading(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "s.jsonl", first_example())
    calls: list[tuple[Path, int, int]] = []
    collect_files([path], progress=lambda p, done, total: calls.append((p, done, total)))
    size = path.stat().st_size
    assert calls and calls[-1] == (path, size, size)
