"""Demo step: find push-spam attacks in the sign-in logs (the same library calls as ``mfaguard detect``)."""

from __future__ import annotations

from datetime import timedelta

from mfaguard.demo.context import DemoContext, DemoStep


def _detect(ctx: DemoContext) -> None:
    from mfaguard.detect.collect import Collector
    from mfaguard.detect.context import DetectOptions
    from mfaguard.detect.engine import analyse
    from mfaguard.detect.graph_source import read_graph_evidence
    from mfaguard.formats.alerts.render import render_table

    now = ctx.now()
    since = timedelta(hours=24)
    options = DetectOptions(since=since)
    collector = Collector(lookback=options.lookback)
    start = now - since - options.lookback
    ctx.run(
        read_graph_evidence(
            ctx.connection, collector, expected_tenant=ctx.expected_tenant, start=start, end=now, env=ctx.env
        )
    )
    result = analyse(collector.evidence(), now=now, options=options, since_anchor="now")
    ctx.show(render_table(result))
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
