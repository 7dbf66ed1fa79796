"""``mfaguard demo``: the whole cycle on a realistic tenant, served by the embedded emulator.

The emulator runs in-process on 127.0.0.1 over HTTPS with its own CA, and mfaguard reaches it exactly
as it reaches Microsoft: a client secret is exchanged for a token at the emulator's Entra token
endpoint by azure-identity, and Graph is read through the same client. Nothing here touches a real
tenant or the user's environment variables.

The demo is a list of steps (:data:`DEMO_STEPS`). Each later feature adds its own step with
:func:`add_step` (plan, apply to a pilot group, verify, coverage, detect, ...); steps share results
through :attr:`DemoContext.state`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mfaguard.graph.auth import CredentialKind, CredentialOptions
from mfaguard.graph.connect import GraphConnection

if TYPE_CHECKING:
    from rich.console import Console

DEFAULT_SCENARIO = "weak"


@dataclass
class DemoContext:
    """What a step can use: the running emulator, a connection to it, a console and a work dir."""

    emulator: Any
    """The :class:`mfaguard.emulator.server.RunningEmulator` (``.emulator`` is the in-memory state)."""
    env: Mapping[str, str]
    """The environment that points mfaguard at the emulator (``MFAGUARD_*``, ``AZURE_*``)."""
    connection: GraphConnection
    console: Console
    workdir: Path
    expected_tenant: str | None
    state: dict[str, Any] = field(default_factory=dict)
    """Results steps hand on to later steps (``snapshot``, ``report``, ...)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def say(self, text: str) -> None:
        """Narration: plain text, wrapped to the terminal."""
        self.console.print(text, markup=False, highlight=False)

    def show(self, text: str) -> None:
        """Tool output (a rendered report), set off from the narration."""
        self.console.print(text.rstrip("\n"), markup=False, highlight=False, soft_wrap=True)

    def run(self, coro: Any) -> Any:
        import asyncio

        return asyncio.run(coro)


@dataclass(frozen=True, slots=True)
class DemoStep:
    """One step of the demo: a title, what it shows and why, and the code that does it."""

    key: str
    title: str
    narration: str
    run: Callable[[DemoContext], None]


def _connect(ctx: DemoContext) -> None:
    from mfaguard.graph.connect import token_tenant

    tenant, info = ctx.run(token_tenant(ctx.connection.token_provider(ctx.env), ctx.expected_tenant))
    roles = ", ".join(sorted(info.permissions)) if info else "(unknown)"
    ctx.say(f"Signed in to tenant {tenant.id} as app {info.app_id if info else '?'}; granted: {roles}.")
    ctx.state["tenant"] = tenant


def _audit(ctx: DemoContext) -> None:
    from mfaguard.audit_live import run_live_audit
    from mfaguard.formats import render
    from mfaguard.settings import AuditSettings

    settings = AuditSettings()
    live = ctx.run(
        run_live_audit(
            ctx.connection,
            expected_tenant=ctx.expected_tenant,
            settings=settings,
            now=ctx.now(),
            env=ctx.env,
            directory=True,  # as `mfaguard audit` does by default
        )
    )
    ctx.state["snapshot"] = live.snapshot
    ctx.state["report"] = live.report
    ctx.show(render("table", live.report))
    counts = live.report.summary()
    ctx.say(
        f"{counts['FAIL']} controls FAIL and {counts['WARN']} WARN: this tenant is open to MFA fatigue. "
        "Each finding names the value it saw and how to fix it (portal steps and the Graph request)."
    )


def _export(ctx: DemoContext) -> None:
    from mfaguard.engine import audit
    from mfaguard.settings import AuditSettings
    from mfaguard.snapshot import load_snapshot, save_snapshot

    snapshot = ctx.state.get("snapshot")
    if snapshot is None:
        ctx.say("(skipped: the audit step did not produce a snapshot)")
        return
    path = ctx.workdir / "snapshot.json"
    save_snapshot(snapshot, path)
    report = ctx.state["report"]
    again = audit(load_snapshot(path), settings=AuditSettings(), now=report.generated_at or ctx.now())
    same = [f.to_json() for f in again.findings] == [f.to_json() for f in report.findings]
    ctx.say(
        f"Saved the snapshot to {path.name} and audited it offline: "
        + ("the same findings as the live audit." if same else "DIFFERENT findings (this is a bug).")
    )


def _fleet(ctx: DemoContext) -> None:
    from mfaguard.fleet.demo import fleet_step

    fleet_step(ctx)


DEMO_STEPS: list[DemoStep] = [
    DemoStep(
        "connect",
        "Connect like production",
        "mfaguard started a local Microsoft Graph + Entra ID emulator with a realistic, weakly configured "
        "tenant. It gets a token with a client secret from the emulator's token endpoint (azure-identity, "
        "HTTPS, the emulator's own CA) — the same path as against login.microsoftonline.com.",
        _connect,
    ),
    DemoStep(
        "audit",
        "Audit the Authentication Methods Policy",
        "`mfaguard audit` reads the policy from Graph (beta, configurations inline), resolves the groups it "
        "names, reads the directory (users, the registration report, group members) to see who is actually "
        "protected, and judges it all against every MFA-fatigue hardening control (MFA-001 onwards).",
        _audit,
    ),
    DemoStep(
        "export",
        "Export a snapshot and re-audit it offline",
        "`mfaguard export --output FILE` keeps Graph's raw answers; `mfaguard audit --snapshot FILE` judges "
        "them later (in CI, after an upgrade) exactly as the live audit did.",
        _export,
    ),
    DemoStep(
        "fleet",
        "Watch a fleet for drift",
        "`mfaguard fleet audit --config mfaguard.yaml` audits many tenants at once (each with its own "
        "credential), stores every run, and compares it with the previous one: a control whose status or "
        "value changed is drift. Per tenant, mode report records it, alert notifies it once, remediate "
        "puts it right through the safe-change path. `mfaguard watch` does this on a schedule.",
        lambda ctx: _fleet(ctx),
    ),
]
"""The steps, in order. Later features add theirs with :func:`add_step`."""


def add_step(step: DemoStep, *, after: str | None = None) -> None:
    """Register a step at the end, or right after the step whose key is ``after``."""
    if any(s.key == step.key for s in DEMO_STEPS):
        raise ValueError(f"demo step {step.key!r} is already registered")
    if after is None:
        DEMO_STEPS.append(step)
        return
    index = next((i for i, s in enumerate(DEMO_STEPS) if s.key == after), None)
    if index is None:
        raise ValueError(f"no demo step {after!r} to insert after")
    DEMO_STEPS.insert(index + 1, step)


def emulator_connection(env: Mapping[str, str]) -> GraphConnection:
    """A client-secret connection to the emulator described by ``env`` (its ``.env()``)."""
    credential = CredentialOptions(
        kind=CredentialKind.CLIENT_SECRET,
        tenant_id=env["AZURE_TENANT_ID"],
        client_id=env["AZURE_CLIENT_ID"],
        authority_host=env["MFAGUARD_AUTHORITY_HOST"],
        ca_bundle=env.get("MFAGUARD_CA_BUNDLE"),
    )
    return GraphConnection.create(credential, graph_endpoint=env["MFAGUARD_GRAPH_ENDPOINT"])


@contextmanager
def demo_context(
    console: Console, workdir: Path, *, scenario: str = DEFAULT_SCENARIO
) -> Iterator[DemoContext]:
    """Start the emulator on ``scenario`` and yield a context pointing at it."""
    from mfaguard.emulator import running_emulator

    with running_emulator(scenarios=scenario) as served:
        env = served.env()
        yield DemoContext(
            emulator=served,
            env=env,
            connection=emulator_connection(env),
            console=console,
            workdir=workdir,
            expected_tenant=env["AZURE_TENANT_ID"],
        )


def run_steps(ctx: DemoContext, steps: Sequence[DemoStep]) -> None:
    """Run ``steps`` in order with their narration."""
    for number, step in enumerate(steps, 1):
        ctx.console.rule(f"Step {number}/{len(steps)}: {step.title}", style="bold")
        ctx.say(step.narration)
        ctx.console.print()
        step.run(ctx)
        ctx.console.print()


# Steps of later features register themselves on import (this list is their registry, in demo order).
from mfaguard import demo_more as _coverage_detect_steps  # noqa: E402,F401
from mfaguard.enforce import demo_steps as _enforce_steps  # noqa: E402,F401
