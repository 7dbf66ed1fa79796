"""Demo step: who is actually protected (the same library calls as ``mfaguard coverage``)."""

from __future__ import annotations

from mfaguard.demo.context import DemoContext, DemoStep


def _coverage(ctx: DemoContext) -> None:
    from mfaguard.audit.coverage import judge_coverage
    from mfaguard.formats import RenderOptions
    from mfaguard.formats.coverage import COVERAGE_FORMATS, CoverageDocument
    from mfaguard.model.settings import AuditSettings
    from mfaguard.read.tenant import read_tenant

    settings = AuditSettings()
    now = ctx.now()
    snapshot = ctx.on_tenant(lambda client, tenant: read_tenant(client, tenant, now=now, directory=True))
    report, findings = judge_coverage(snapshot, settings, now=now)
    document = CoverageDocument(report, findings.findings)
    ctx.show(COVERAGE_FORMATS.render("table", document, options=RenderOptions(width=ctx.console.width)))
    ctx.say(
        "`mfaguard explain USER` prints one user's full reason chain (which group admits or excludes "
        "them, nested through which groups)."
    )


COVERAGE = DemoStep(
    "coverage",
    "Who is actually protected",
    "A policy that says 'all users' still leaves people exposed: users excluded through a nested group, "
    "users whose only method is a phone. `mfaguard coverage` joins the policy with the directory and the "
    "registration report and gives every enabled member a protection level, with the reason.",
    _coverage,
)
