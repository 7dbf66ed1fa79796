"""One plan, apply or rollback against one tenant: the steps in order, with every safety check.

The CLI (and the fleet runner in ``remediate`` mode) call these; they hold the workflow, the CLI only
parses options, asks questions through the ``confirm`` callback and renders the outcome.

- :func:`make_plan`: check the pilot group and the baseline's group ids exist (a missing one is a
  ConfigError naming file, line and key — exit 2, nothing written), read the policy (one GET), plan.
- :func:`run_apply`: take the tenant's enforcement lock; finish what a killed process left
  (a ``pending`` change is restored from its recorded pre-change JSON, after asking); plan; run the
  lock-out guard; ask; write (:class:`~mfaguard.enforce.apply.Writer`).
- :func:`run_rollback`: restore the pre-change JSON of a change (default: the newest one not yet
  rolled back).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from mfaguard.enforce.apply import ApplyOutcome, GraphIO, Writer
from mfaguard.enforce.baseline import LoadedBaseline, is_group_id
from mfaguard.enforce.body import POLICY_PATH
from mfaguard.enforce.journal import ChangeLike, ChangeStatus, ChangeStore, Lockable
from mfaguard.enforce.lockout import LockoutVerdict, lockout_verdict
from mfaguard.enforce.plan import Plan, PlanSettings, plan
from mfaguard.enforce.rollback import rollback_change
from mfaguard.errors import Declined, EnforcementError, NotFoundError, UsageError, bad_value
from mfaguard.model.settings import AuditSettings, NumberMatchingMode

if TYPE_CHECKING:
    from mfaguard.model.directory import Directory
    from mfaguard.model.policy import AuthenticationMethodsPolicy

LOCK_TTL = timedelta(minutes=30)
"""How long an enforcement lock is held without renewal (an apply takes seconds to minutes)."""

Confirm = Callable[[str], bool]
DirectoryReader = Callable[["AuthenticationMethodsPolicy", Sequence[str]], Awaitable["Directory | None"]]


class LockoutRefused(EnforcementError):
    """The plan would leave users without a usable MFA method (exit 3; --force overrides).

    The message is one short line (the users are listed once, by ``show_plan``, above it); ``users``
    keeps them for the JSON outputs.
    """

    def __init__(
        self, message: str, *, hint: str | None = None, users: Sequence[tuple[str, str]] = ()
    ) -> None:
        super().__init__(message, hint=hint)
        self.users = tuple(users)

    @classmethod
    def for_users(cls, users: Sequence[tuple[str, str]]) -> LockoutRefused:
        count = f"{len(users)} user{'' if len(users) == 1 else 's'}"
        return cls(
            f"refused: {count} would lose their last usable method (listed above); --force to override",
            hint="nothing was written; register another method for them first",
            users=users,
        )

    @property
    def short(self) -> str:
        """One short line for a table cell (the fleet's Error column), without the list."""
        count = f"{len(self.users)} user{'' if len(self.users) == 1 else 's'}"
        return f"lock-out guard refused: {count} would lose their last usable method; --force to override"


@dataclass(frozen=True, slots=True)
class PlanResult:
    plan: Plan
    policy_body: Mapping[str, Any] = field(repr=False)


def enforce_settings(
    *,
    pilot_group: str | None = None,
    number_matching: NumberMatchingMode | None = None,
    config: str | os.PathLike[str] | None = None,
    break_glass_groups: Sequence[str] = (),
) -> tuple[PlanSettings, AuditSettings]:
    """What plan / apply run with, and the audit settings it comes from: the audit ``--config`` file,
    then the command line (``--number-matching`` replaces the file's mode, ``--break-glass-group``
    adds to its groups)."""
    from mfaguard.audit.run import resolve_settings

    audit = resolve_settings(
        config=config, break_glass_groups=break_glass_groups, number_matching=number_matching
    )
    planner = PlanSettings(
        number_matching=audit.number_matching,
        pilot_group=pilot_group,
        break_glass_groups=tuple(audit.break_glass_groups),
    )
    return planner, audit


async def group_exists(graph: GraphIO, group_id: str) -> bool:
    """True when the directory has the group (GET /v1.0/groups/{id}; 404 → False)."""
    try:
        await graph.get(f"/groups/{group_id}", version="v1.0")
    except NotFoundError:
        return False
    return True


async def make_plan(graph: GraphIO, loaded: LoadedBaseline, settings: PlanSettings) -> PlanResult:
    """Check groups, read the policy (beta), plan. Writes nothing."""
    pilot = settings.pilot_group
    if pilot is not None and not is_group_id(pilot):
        raise bad_value(
            "--pilot-group",
            pilot,
            "give the object id (a GUID) of the pilot group, e.g. from the Entra admin center > Groups",
        )
    wanted = dict.fromkeys(loaded.baseline.group_ids())
    exists = {gid: await group_exists(graph, gid) for gid in wanted}
    loaded.check_groups(exists)
    if pilot is not None and not await group_exists(graph, pilot):
        raise UsageError(
            f"--pilot-group {pilot} does not exist in the tenant",
            hint="create the pilot group first, or check the id (Entra admin center > Groups)",
        )
    body = await graph.get(POLICY_PATH)
    return PlanResult(plan(body, loaded.baseline, settings, baseline_name=loaded.name), body)


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def take_lock(store: Lockable, tenant: str) -> tuple[str, str]:
    """The tenant's enforcement lock; a lock left by a dead process on this host is taken over."""
    name = f"enforce:{tenant}"
    holder = _holder()
    if store.acquire_lock(name, holder, ttl=LOCK_TTL):
        return name, holder
    current = store.get_lock(name)
    other = str(getattr(current, "holder", "") or "")
    host, _, rest = other.partition(":")
    pid_text = rest.partition(":")[0]
    if host == socket.gethostname() and pid_text.isdigit() and not _pid_alive(int(pid_text)):
        store.release_lock(name, other)  # its holder was killed: the lease is ours to take
        if store.acquire_lock(name, holder, ttl=LOCK_TTL):
            return name, holder
    raise EnforcementError(
        f"another mfaguard apply/rollback is working on tenant {tenant} (lock held by {other or 'unknown'})",
        hint="wait for it to finish; a lock left by a crashed process on another host expires after "
        f"{int(LOCK_TTL.total_seconds() // 60)} minutes",
    )


async def run_lockout_guard(
    read_directory: DirectoryReader | None, policy_body: Mapping[str, Any], p: Plan, settings: PlanSettings
) -> LockoutVerdict:
    """Read the directory (users, registration report, group members) and judge the plan."""
    if read_directory is None:
        return LockoutVerdict(False, reason="no directory reader")
    from mfaguard.enforce.plan import proposed_policy
    from mfaguard.graph.parse import parse_policy
    from mfaguard.model.policy import coverage_group_ids

    proposed = parse_policy(proposed_policy(policy_body, p))
    # Members of the groups named now and after the change (and the pilot group) must be known.
    extra = sorted(coverage_group_ids(parse_policy(policy_body)) | set(filter(None, [settings.pilot_group])))
    directory = await read_directory(proposed, extra)
    return lockout_verdict(directory, policy_body, p)


async def recover_interrupted(
    writer: Writer,
    store: ChangeStore,
    confirm: Confirm,
    notes: list[str],
    *,
    overwrite_concurrent: bool = False,
) -> ApplyOutcome | None:
    """Restore the newest change a killed or interrupted process left ``pending`` (after asking), by
    the rollback rule: an object someone else edited since is not overwritten unless
    ``overwrite_concurrent`` (never implied by the lock-out guard's ``--force``). None if there is none."""
    pending = [c for c in store.pending_changes(writer.tenant) if c.objects]
    if not pending:
        return None
    change = pending[0]
    question = (
        f"change {change.id} ({change.kind}, started {change.created_at:%Y-%m-%d %H:%M:%S} UTC) was interrupted "
        f"and may have left the tenant half-changed. Restore its recorded pre-change state first?"
    )
    if not confirm(question):
        raise Declined(
            f"not restored: nothing changed; change {change.id} is still unfinished",
            hint=f"restore it with `mfaguard rollback --to {change.id}` before applying again",
        )
    outcome = await rollback_change(writer, change, overwrite_concurrent=overwrite_concurrent)
    notes.append(f"restored interrupted change {change.id} first (recorded as change {outcome.change_id})")
    return outcome


async def run_apply(
    writer: Writer,
    store: ChangeStore,
    graph: GraphIO,
    loaded: LoadedBaseline,
    *,
    confirm: Confirm,
    show_plan: Callable[[Plan, LockoutVerdict], None],
    force: bool = False,
    read_directory: DirectoryReader | None = None,
    overwrite_concurrent: bool = False,
) -> tuple[ApplyOutcome, Plan | None, LockoutVerdict | None]:
    """The whole apply: lock, recover, plan, guard, confirm, write, verify.

    ``force`` overrides the lock-out guard only; ``overwrite_concurrent`` lets the recovery of an
    unfinished change overwrite objects someone else edited since.
    """
    name, holder = take_lock(store, writer.tenant)
    try:
        notes: list[str] = []
        recovered = await recover_interrupted(
            writer, store, confirm, notes, overwrite_concurrent=overwrite_concurrent
        )
        if recovered is not None and recovered.result in ("failed", "interrupted"):
            return recovered, None, None
        result = await make_plan(graph, loaded, writer.settings)
        p = result.plan
        if p.empty:
            outcome = ApplyOutcome(
                "no_changes",
                True,
                None,
                message="the tenant already matches the baseline",
                notes=(*notes, *p.notes),
            )
            return outcome, p, None
        verdict = await run_lockout_guard(read_directory, result.policy_body, p, writer.settings)
        show_plan(p, verdict)
        if verdict.blocks and not force:
            raise LockoutRefused.for_users(verdict.users)
        if not confirm(f"Apply these {len(p.changes)} change(s) to {len(p.objects)} object(s)?"):
            raise Declined("not applied: nothing changed")
        outcome = await writer.apply(p, loaded.baseline, baseline_name=loaded.name)
        if notes:
            outcome = _with_notes(outcome, notes)
        return outcome, p, verdict
    finally:
        store.release_lock(name, holder)


def _with_notes(outcome: ApplyOutcome, notes: Sequence[str]) -> ApplyOutcome:
    from dataclasses import replace

    return replace(outcome, notes=(*notes, *outcome.notes))


def pick_change(store: ChangeStore, tenant: str, to: int | None) -> ChangeLike:
    """The change ``rollback`` restores: ``--to`` or the tenant's newest one not rolled back."""
    if to is not None:
        change = store.get_change(to)
        if change is None:
            raise UsageError(
                f"change {to} does not exist in the history store",
                hint="`mfaguard history changes` lists the recorded changes",
            )
        if change.tenant != tenant:
            raise UsageError(f"change {to} belongs to tenant {change.tenant}, not {tenant}")
        return change  # type: ignore[no-any-return]
    for change in store.list_changes(tenant=tenant, limit=None, with_objects=True):
        # A failed change already undid itself (or says `rollback --to N` when it could not).
        status = ChangeStatus(str(change.status))
        if status.restorable and status is not ChangeStatus.FAILED and change.objects:
            return change  # type: ignore[no-any-return]
    raise UsageError(
        f"no change to roll back for tenant {tenant}",
        hint="`mfaguard history changes` lists the recorded changes",
    )


async def run_rollback(
    writer: Writer,
    store: ChangeStore,
    *,
    to: int | None,
    confirm: Confirm,
    force: bool = False,
) -> ApplyOutcome:
    """Restore a change's pre-change JSON (re-read, PATCH, verify), under the tenant's lock."""
    name, holder = take_lock(store, writer.tenant)
    try:
        change = pick_change(store, writer.tenant, to)
        paths = ", ".join(o.path.rsplit("/", 1)[-1] for o in change.objects)
        if not confirm(
            f"Restore the state recorded before change {change.id} ({change.kind}, {change.status}) "
            f"on {len(change.objects)} object(s): {paths}?"
        ):
            raise Declined("not rolled back: nothing changed")
        return await rollback_change(writer, change, overwrite_concurrent=force)
    finally:
        store.release_lock(name, holder)
