"""The safe-change steps of ``mfaguard demo``: plan, pilot apply + verify, the lock-out guard, rollback.

The pilot group is the weak scenario's
"Field Ops - North", whose members all have Authenticator; widening to everyone is then refused by
the lock-out guard (the scenario has phone-only users) — which is the point of the guard — and the
pilot is rolled back from the history store.
"""

from __future__ import annotations

from typing import Any

from mfaguard.demo.context import DemoContext, DemoStep

PILOT_GROUP = "53c2b187-06b6-578c-9a73-abb932db6425"
"""'Field Ops - North' in the emulator's weak scenario."""


def _plan_table(plan: Any) -> str:
    import io

    from rich.console import Console

    from mfaguard.enforce.values import format_value

    buffer = io.StringIO()
    console = Console(file=buffer, width=160, highlight=False)
    for obj in plan.objects:
        for change in obj.changes:
            console.print(
                f"PATCH {obj.object_id:<28} {change.field:<60} {format_value(change.before)} -> {format_value(change.after)}"
                f"  [{change.control_id or ''}]",
                markup=False,
            )
    return buffer.getvalue()


def _writer(ctx: DemoContext, client: Any, store: Any, pilot: str | None) -> Any:
    from mfaguard.enforce.apply import Writer
    from mfaguard.enforce.plan import PlanSettings

    return Writer(
        client, store, ctx.expected_tenant or "demo", PlanSettings(pilot_group=pilot), actor="mfaguard demo"
    )


def _store(ctx: DemoContext) -> Any:
    """The demo's history store (a SQLite file in the work dir), opened once for the enforce steps."""
    from mfaguard.store import open_store

    store = ctx.state.get("store") or open_store(f"sqlite:///{ctx.workdir / 'history.db'}")
    ctx.state["store"] = store
    return store


def _plan(ctx: DemoContext) -> None:
    from mfaguard.enforce.baseline import load_baseline
    from mfaguard.enforce.plan import PlanSettings
    from mfaguard.enforce.session import make_plan

    result = ctx.on_tenant(
        lambda client, _tenant: make_plan(client, load_baseline("recommended"), PlanSettings())
    )
    ctx.show(_plan_table(result.plan))
    ctx.say(
        f"{len(result.plan.changes)} changes to {len(result.plan.objects)} Graph objects, each with the exact "
        "PATCH body (`--format json`). Only GET requests were sent. Number matching is not in the plan: "
        "Microsoft enforces it and Graph rejects writes of it."
    )


async def _apply(ctx: DemoContext, client: Any, pilot: str | None) -> tuple[Any, Any, dict[str, int]]:
    """What `mfaguard apply --baseline recommended [--pilot-group] --yes` does, on the demo tenant."""
    from mfaguard.enforce.baseline import load_baseline
    from mfaguard.enforce.live import directory_reader
    from mfaguard.enforce.session import run_apply

    store = _store(ctx)
    writer = _writer(ctx, client, store, pilot)
    outcome, _, verdict = await run_apply(
        writer,
        store,
        client,
        load_baseline("recommended"),
        confirm=lambda _question: True,
        show_plan=lambda _plan, _verdict: None,
        read_directory=directory_reader(client),
    )
    return outcome, verdict, dict(writer.requests)


def _pilot(ctx: DemoContext) -> None:
    outcome, verdict, requests = ctx.on_tenant(lambda client, _tenant: _apply(ctx, client, PILOT_GROUP))
    ctx.state["pilot_change"] = outcome.change_id
    guard = (
        "nobody in the pilot group loses their last method" if verdict and not verdict.users else "see above"
    )
    ctx.say(
        f"Result: {outcome.result}, verified={outcome.verified} (change {outcome.change_id}); lock-out guard: "
        f"{guard}. The writer sent {requests['PATCH']} PATCHes and {requests['GET']} GETs (re-read before each "
        "PATCH, re-read until Graph showed the new state). SMS and voice stay on for everyone but the pilot group."
    )


def _widen(ctx: DemoContext) -> None:
    from mfaguard.enforce.session import LockoutRefused

    async def run(client: Any, _tenant: Any) -> str:
        try:
            outcome, _, _ = await _apply(ctx, client, None)
        except LockoutRefused as exc:
            lines = [f"refused, nothing written: {len(exc.users)} user(s) would have no usable MFA method:"]
            lines += [f"  {upn}: {why}" for upn, why in exc.users[:5]]
            if len(exc.users) > 5:
                lines.append(f"  ... and {len(exc.users) - 5} more")
            return "\n".join(lines)
        return f"applied: {outcome.result}"

    ctx.show(ctx.on_tenant(run))
    ctx.say(
        "Widening to everyone was refused and nothing was written: users whose only method is a phone would "
        "be locked out. Register Authenticator or a passkey for them first, or exclude them — `--force` exists "
        "but the guard is why this is safe to automate."
    )


def _rollback(ctx: DemoContext) -> None:
    from mfaguard.enforce.session import run_rollback

    store = _store(ctx)
    outcome = ctx.on_tenant(
        lambda client, _tenant: run_rollback(
            _writer(ctx, client, store, None),
            store,
            to=ctx.state.get("pilot_change"),
            confirm=lambda _q: True,
        )
    )
    ctx.say(
        f"Rollback: {outcome.result}, verified={outcome.verified}: every object the pilot touched is back to the "
        f"JSON recorded before its first PATCH (recorded as change {outcome.change_id}; "
        "`mfaguard history changes` lists them)."
    )
    store = ctx.state.pop("store", None)
    if store is not None:
        store.close()


PLAN = DemoStep(
    "plan",
    "Plan the hardening baseline",
    "`mfaguard plan --baseline recommended` diffs the tenant against the baseline: the minimal changes, "
    "grouped by the Graph object each PATCH goes to, with the control each one fixes.",
    _plan,
)
PILOT = DemoStep(
    "pilot",
    "Apply to a pilot group and verify",
    "`mfaguard apply --baseline recommended --pilot-group <Field Ops - North> --yes` records the "
    "pre-change JSON, re-reads each object before writing, PATCHes read-modify-write bodies and re-reads "
    "until Graph shows the change.",
    _pilot,
)
WIDEN = DemoStep(
    "widen",
    "Widen to everyone: the lock-out guard",
    "`mfaguard apply --baseline recommended --yes` (no pilot group) would turn SMS and voice off for all "
    "users. The guard reads the registration report first.",
    _widen,
)
ROLLBACK = DemoStep(
    "rollback",
    "Roll back",
    "`mfaguard rollback --yes` restores the state recorded before the pilot change.",
    _rollback,
)
