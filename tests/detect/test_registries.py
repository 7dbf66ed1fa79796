"""Contract tests: every registered detection, profile and alert format is documented and works."""

from __future__ import annotations

import json
from pathlib import Path

from mfaguard.detect.profiles import PROFILES
from mfaguard.detect.rules import DETECTIONS
from mfaguard.formats.alerts import ALERT_FORMATS
from tests.builders.signins import first_example, run

HERE = Path(__file__).parent


def test_detections_are_documented_in_order_and_tested() -> None:
    assert [d.id for d in DETECTIONS] == [f"DET-00{i}" for i in range(1, 10)]
    assert [d.reference for d in DETECTIONS] == ["D1", "D2", "D2s", "D3", "D4", "D5", "D7", "D8", "D9"]
    rules_tests = (HERE / "test_rules.py").read_text() + (HERE / "test_worked_examples.py").read_text()
    for det in DETECTIONS:
        assert det.name and det.description and "T1621" in det.mitre
        assert f'"{det.id}"' in rules_tests, f"{det.id} has no test"


def test_every_format_renders_empty_and_full_results() -> None:
    full = run(first_example())
    empty = run([])
    for fmt in ALERT_FORMATS.formats:
        name = fmt.name
        assert fmt.description
        assert ALERT_FORMATS.render(name, empty)
        text = ALERT_FORMATS.render(name, full)
        for det in ("DET-001", "DET-002", "DET-004"):
            assert det in text, (name, det)
    doc = json.loads(ALERT_FORMATS.render("json", full))
    alert = doc["alerts"][0]
    for key in ("detection_id", "severity", "user", "user_id", "first_seen", "last_seen", "denials", "ips",
                "countries", "record_ids", "modifiers", "mitre"):  # fmt: skip
        assert key in alert, key
    sarif = json.loads(ALERT_FORMATS.render("sarif", full))
    assert sarif["version"] == "2.1.0" and len(sarif["runs"][0]["results"]) == len(full.alerts)
    csv_lines = ALERT_FORMATS.render("csv", full).splitlines()
    assert len(csv_lines) == len(full.alerts) + 1


def test_profiles_are_documented() -> None:
    for profile in PROFILES.values():
        assert profile.description and profile.detections
