"""The detections DET-001..DET-009 (reference §4; DESIGN §6 maps D1, D2, D2s, D3, D4, D5, D7, D8, D9).

One module per detection, laid out like the controls: the module docstring is the specification, the
code reads like it, and the :class:`~mfaguard.detect.rules.base.Detection` at the bottom names it —
the id, name and MITRE techniques of every alert it raises come from there. Each detection is a pure
function ``(evidence, context, params, prior alerts) -> alerts``. :data:`DETECTIONS` is the registry,
in the order they run (DET-006 and DET-007 read the alerts of the detections before them); profiles
(:mod:`mfaguard.detect.profiles`) swap implementations and parameters.
"""

from __future__ import annotations

from collections.abc import Mapping

from mfaguard.detect.rules import (
    det001_push_burst,
    det002_spam_then_success,
    det003_slow_spam_then_success,
    det004_explicit_deny,
    det005_user_reported_fraud,
    det006_blocked_attempts,
    det007_method_change,
    det008_campaign,
    det009_totp_brute_force,
)
from mfaguard.detect.rules.base import DetectFn, Detection, Params

__all__ = ["DETECTIONS", "DETECTIONS_BY_ID", "DetectFn", "Detection", "Params"]

DETECTIONS: tuple[Detection, ...] = (
    det001_push_burst.DETECTION,
    det002_spam_then_success.DETECTION,
    det003_slow_spam_then_success.DETECTION,
    det004_explicit_deny.DETECTION,
    det005_user_reported_fraud.DETECTION,
    det006_blocked_attempts.DETECTION,
    det007_method_change.DETECTION,
    det008_campaign.DETECTION,
    det009_totp_brute_force.DETECTION,
)

DETECTIONS_BY_ID: Mapping[str, Detection] = {d.id: d for d in DETECTIONS}
