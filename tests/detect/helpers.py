"""Shared helpers for the detection tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mfaguard.detect import DetectionResult, DetectOptions, detect_records
from mfaguard.detect.alerts import Alert
from tests.detect.factory import NOW


def run(
    signins: Iterable[dict[str, Any]],
    *,
    audits: Iterable[dict[str, Any]] = (),
    risks: Iterable[dict[str, Any]] = (),
    profile: str = "default",
    **options: Any,
) -> DetectionResult:
    return detect_records(
        list(signins),
        audits=list(audits),
        risks=list(risks),
        now=NOW,
        options=DetectOptions(**options),
        profile=profile,
    )


def of(result: DetectionResult, det: str) -> list[Alert]:
    return [a for a in result.alerts if a.detection_id == det]


def summary(result: DetectionResult) -> list[tuple[str, str]]:
    """(detection id, severity) pairs, sorted: what the worked examples state."""
    return sorted((a.detection_id, a.severity.value) for a in result.alerts)
