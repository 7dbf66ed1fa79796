"""Demo steps for coverage (who is protected) and detection (push-spam in the sign-in logs).

Registered on import by :mod:`mfaguard.demo`; each runs the same library calls as ``mfaguard coverage``
and ``mfaguard detect`` against the emulator's tenant.
"""

from __future__ import annotations

from datetime import timedelta

from mfaguard.demo import DemoContext, DemoStep, add_step


def _coverage(ctx: DemoContext) -> None:
    from io import StringIO

    from rich.console import Console

    from mfaguard.coverage.collect import read_coverage_snapshot
    from mfaguard.coverage.render import coverage_table
    from mfaguard.coverage.run import judge_coverage
    from mfaguard.settings import AuditSettings

    settings = AuditSettings()
    now = ctx.now()
    snapshot = ctx.run(
        read_coverage_snapshot(ctx.connection, expected_tenant=ctx.expected_tenant, now=now, env=ctx.env)
    )
    report, findings = judge_coverage(snapshot, settings, now=now)
    buffer = StringIO()
    coverage_table(
        Console(file=buffer, width=ctx.console.width, no_color=True), report, findings.findings, below=None
    )
    ctx.show(buffer.getvalue())
    ctx.say(
        "`mfaguard explain USER` prints one user's full reason chain (which group admits or excludes "
        "them, nested through which groups)."
    )


def _detect(ctx: DemoContext) -> None:
    from mfaguard.detect.collect import Collector
    from mfaguard.detect.context import DetectOptions
    from mfaguard.detect.engine import analyse
    from mfaguard.detect.graph_source import read_graph_evidence
    from mfaguard.detect.render import render_table

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


add_step(
    DemoStep(
        "coverage",
        "Who is actually protected",
        "A policy that says 'all users' still leaves people exposed: users excluded through a nested group, "
        "users whose only method is a phone. `mfaguard coverage` joins the policy with the directory and the "
        "registration report and gives every enabled member a protection level, with the reason.",
        _coverage,
    ),
    after="export",
)
add_step(
    DemoStep(
        "detect",
        "Find push-spam attacks in the sign-in logs",
        "`mfaguard detect` reads the beta sign-in logs (interactive and non-interactive), the audit log and "
        "risk detections, dedupes denial events and finds MFA fatigue bursts (DET-001..009).",
        _detect,
    ),
    after="coverage",
)
