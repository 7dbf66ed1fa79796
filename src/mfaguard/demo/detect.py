"""Demo step: find push-spam attacks in the sign-in logs (the same library calls as ``mfaguard detect``)."""

from __future__ import annotations

from mfaguard.demo.context import DemoContext, DemoStep


def _detect(ctx: DemoContext) -> None:
    from mfaguard.detect.context import DetectOptions
    from mfaguard.detect.engine import analyse
    from mfaguard.detect.graph_source import read_recent
    from mfaguard.formats.alerts import ALERT_FORMATS

    now = ctx.now()
    evidence, options = ctx.on_tenant(lambda client, _tenant: read_recent(client, DetectOptions(), now=now))
    result = analyse(evidence, now=now, options=options, since_anchor="now")
    ctx.show(ALERT_FORMATS.render("table", result))
    ctx.say(
        f"{len(result.alerts)} alert(s). Each names the user, the attacker's IPs and countries, the "
        "timeline and what to do next; `--format json|csv|sarif|markdown` feeds a SIEM or a ticket."
    )


DETECT = DemoStep(
    "detect",
    "Find push-spam attacks in the sign-in logs",
    "`mfaguard detect` reads the beta sign-in logs (interactive and non-interactive), the audit log and "
    "risk detections, dedupes denial events and finds MFA fatigue bursts (DET-001..009).",
    _detect,
)
