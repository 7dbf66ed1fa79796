"""What every demo step gets: the running emulator, a connection to it, a console and a work dir.

The emulator runs in-process on 127.0.0.1 over HTTPS with its own CA, and mfaguard reaches it exactly
as it reaches Microsoft: a client secret is exchanged for a token at the emulator's Entra token
endpoint by azure-identity, and Graph is read through the same client. Nothing here touches a real
tenant or the user's environment variables. Steps share results through :attr:`DemoContext.state`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mfaguard.graph.auth import CredentialKind, CredentialOptions
from mfaguard.graph.connect import GraphConnection

if TYPE_CHECKING:
    from rich.console import Console

    from mfaguard.graph.client import GraphClient
    from mfaguard.model.policy import TenantInfo

T = TypeVar("T")

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

    def on_tenant(self, work: Callable[[GraphClient, TenantInfo], Awaitable[T]]) -> T:
        """``work(client, tenant)`` on the emulator's tenant, opened like production
        (:func:`mfaguard.graph.connect.open_tenant`)."""
        from mfaguard.graph.connect import run_on_tenant

        result: T = self.run(run_on_tenant(self.connection, self.expected_tenant, work, env=self.env))
        return result


@dataclass(frozen=True, slots=True)
class DemoStep:
    """One step of the demo: a title, what it shows and why, and the code that does it."""

    key: str
    title: str
    narration: str
    run: Callable[[DemoContext], None]


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
