"""MFA fatigue (push-spam) detection over Entra ID sign-in logs (DESIGN §6, reference fatigue-detections.md).

Pipeline: loaders (files or Graph) → :class:`~mfaguard.detect.collect.Collector` (normalise, classify,
dedupe, baseline) → :func:`~mfaguard.detect.engine.analyse` (the detections of a profile) →
:class:`~mfaguard.detect.alerts.DetectionResult` → :mod:`~mfaguard.formats.alerts.render`.
Everything that judges is pure; ``now`` is passed in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from mfaguard.detect.alerts import Alert, DetectionResult
from mfaguard.detect.collect import Collector, Evidence
from mfaguard.detect.context import DetectOptions
from mfaguard.detect.engine import analyse
from mfaguard.detect.loaders import load_file
from mfaguard.detect.profiles import PROFILES
from mfaguard.detect.rules import DETECTIONS
from mfaguard.errors import InputError

__all__ = [
    "DETECTIONS",
    "PROFILES",
    "Alert",
    "Collector",
    "DetectOptions",
    "DetectionResult",
    "Evidence",
    "analyse",
    "collect_files",
    "detect_records",
    "require_usable",
]


def collect_files(
    signins: Sequence[Path],
    *,
    audits: Sequence[Path] = (),
    risks: Sequence[Path] = (),
    options: DetectOptions | None = None,
    input_format: str = "auto",
    auth_details: Path | None = None,
    progress: Callable[[Path, int, int], None] | None = None,
    jobs: int = 1,
) -> Evidence:
    """Read sign-in, audit and risk files into evidence (bad records counted, not raised).

    ``progress(path, bytes_read, size)`` is called now and then while a sign-in file is read;
    ``jobs`` > 1 reads large JSON Lines files with that many processes (same evidence).
    """
    options = options or DetectOptions()
    collector = Collector(lookback=options.lookback)
    for path in signins:
        load_file(
            collector,
            path,
            kind="signins",
            input_format=input_format,
            auth_details=auth_details,
            progress=functools.partial(progress, path) if progress else None,
            jobs=jobs,
        )
    for path in audits:
        load_file(collector, path, kind="audits")
    for path in risks:
        load_file(collector, path, kind="risks")
    return collector.evidence()


def require_usable(evidence: Evidence, signins: Sequence[Path]) -> None:
    """Refuse sign-in files that give nothing to judge (InputError, exit 2): an empty export is a failed
    export, not a quiet tenant — a CI job fed one must not pass with "no alerts" — and records that are
    all skipped are not sign-ins."""
    stats = evidence.stats
    if not stats.records:
        raise InputError(
            f"no usable record in the input: {', '.join(str(p) for p in signins)} holds no sign-in record",
            hint="export the sign-ins again (a time range that has sign-ins), or read them from Graph "
            "without --signins",
        )
    if not stats.used:
        raise InputError(
            f"no usable record in the input: {stats.skipped_total} skipped ("
            + ", ".join(f"{k}: {v}" for k, v in sorted(stats.skipped.items()))
            + ")"
            + (f"; first: {stats.examples[0]}" if stats.examples else ""),
            hint="check the file is a sign-in export (see --input-format)",
        )


def detect_records(
    signins: Iterable[Any],
    *,
    now: datetime,
    audits: Iterable[Any] = (),
    risks: Iterable[Any] = (),
    options: DetectOptions | None = None,
    profile: str = "default",
) -> DetectionResult:
    """Judge in-memory Graph-shaped records (tests, library use): records in, alerts out."""
    options = options or DetectOptions()
    collector = Collector(lookback=options.lookback)
    collector.add_signins(((r, i) for i, r in enumerate(signins, 1)), source="signins")
    collector.add_audits(((r, i) for i, r in enumerate(audits, 1)), source="audits")
    collector.add_risks(((r, i) for i, r in enumerate(risks, 1)), source="risks")
    return analyse(collector.evidence(), now=now, options=options, profile=profile)
