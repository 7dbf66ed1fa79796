"""``mfaguard detect`` end to end on files (the real CLI in a subprocess)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from tests.builders.signins import (
    first_example,
    to_log_analytics,
    write_json,
    write_jsonl,
    write_page,
    write_portal_csv,
)
from tests.conftest import run_cli


def _alerts(stdout: str) -> list[tuple[str, str, str | None, int]]:
    doc = json.loads(stdout)
    assert doc["schema_version"]
    return [(a["detection_id"], a["severity"], a["user"], a["denial_count"]) for a in doc["alerts"]]


def test_json_jsonl_page_la_and_csv_give_the_same_alerts(tmp_path: Path) -> None:
    records = first_example()
    files = {
        "json": write_json(tmp_path / "s.json", records),
        "page": write_page(tmp_path / "page.json", records),
        "jsonl": write_jsonl(tmp_path / "s.jsonl", list(reversed(records))),
        "la": write_jsonl(tmp_path / "la.jsonl", [to_log_analytics(r) for r in records]),
        "csv": write_portal_csv(tmp_path, records),
    }
    outputs = {}
    for name, path in files.items():
        res = run_cli(["detect", "--signins", str(path), "--format", "json"])
        assert res.returncode == 1, (name, res.stderr)  # a critical alert ≥ --fail-on high
        outputs[name] = _alerts(res.stdout)
    expected = outputs["json"]
    assert ("DET-002", "critical", "alice@contoso.com", 12) in expected
    for name, got in outputs.items():
        assert got == expected, name


def test_exit_code_follows_fail_on(tmp_path: Path) -> None:
    path = write_json(tmp_path / "s.json", first_example())
    assert (
        run_cli(["detect", "--signins", str(path), "--fail-on", "critical", "--format", "csv"]).returncode
        == 1
    )
    quiet = [r for r in first_example() if r["status"]["errorCode"] == 0]
    clean = write_json(tmp_path / "clean.json", quiet)
    res = run_cli(["detect", "--signins", str(clean)])
    assert res.returncode == 0, res.stderr
    assert "No MFA fatigue alerts" in res.stdout


def test_help_documents_exit_codes() -> None:
    res = run_cli(["detect", "--help"])
    assert res.returncode == 0
    assert "--fail-on" in res.stdout and "Exit codes" in res.stdout


def test_truncated_json_is_reported_and_the_rest_is_used(tmp_path: Path) -> None:
    path = write_json(tmp_path / "s.json", first_example())
    text = path.read_text()
    path.write_text(text[: len(text) - 400])  # cut inside the last record
    res = run_cli(["detect", "--signins", str(path), "--format", "json"])
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr
    doc = json.loads(res.stdout)
    assert doc["input"]["skipped_total"] == 1
    assert "warning: skipped 1" in res.stderr


def test_unreadable_inputs_are_usage_errors(tmp_path: Path) -> None:
    missing = run_cli(["detect", "--signins", str(tmp_path / "nope.json")])
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    garbage = tmp_path / "g.txt"
    garbage.write_text("hello world\n")
    res = run_cli(["detect", "--signins", str(garbage)])
    assert res.returncode == 2 and "Traceback" not in res.stderr
    bad_since = run_cli(["detect", "--signins", str(garbage), "--since", "yesterday"])
    assert bad_since.returncode == 2 and "--since" in bad_since.stderr
    only_bad = write_jsonl(tmp_path / "bad.jsonl", [{"foo": 1}, {"id": "x"}])
    res = run_cli(["detect", "--signins", str(only_bad)])
    assert res.returncode == 2 and "no usable record" in res.stderr


def test_since_counts_back_from_the_newest_record(tmp_path: Path) -> None:
    from tests.builders.signins import T0, attempt

    records = first_example() + attempt(T0 + timedelta(days=3))
    path = write_json(tmp_path / "s.json", records)
    res = run_cli(["detect", "--signins", str(path), "--since", "24h", "--format", "json"])
    assert res.returncode == 0, res.stderr
    assert _alerts(res.stdout) == [("DET-004", "low", "alice@contoso.com", 1)]


def test_every_format_renders(tmp_path: Path) -> None:
    path = write_json(tmp_path / "s.json", first_example())
    for fmt in ("table", "json", "csv", "sarif", "markdown"):
        out = tmp_path / f"out.{fmt}"
        res = run_cli(["detect", "--signins", str(path), "--format", fmt, "--output", str(out)])
        assert res.returncode == 1, (fmt, res.stderr)
        text = out.read_text()
        assert "DET-002" in text, fmt
