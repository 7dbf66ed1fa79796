"""What the Conditional Access judgements (MFA-019..025) share: settings, the verdict, the context.

A :class:`CaContext` compiles one snapshot's CA data once (:func:`ca_context`) for all seven
controls; :func:`preflight` turns "no CA data" into NOT_APPLICABLE and unreadable policies into
ERROR (a permission error wins over the licence error); :func:`narrowing` says why a policy does not
*count* (DESIGN §10: All resources, no platform, location, client-app, device-filter or
authentication-flow narrowing; risk levels allowed only for MFA-022/023); :func:`judge_graded` runs
the "best enabled policy, else FAIL naming report-only policies that would pass" pattern.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mfaguard.coverage.ca_cells import CLIENT_APPS, PLATFORMS
from mfaguard.coverage.ca_explain import report_only_since
from mfaguard.coverage.ca_grants import Kind, grant_effect
from mfaguard.coverage.requirement import RequirementEngine, RequirementReport
from mfaguard.model.conditional_access import (
    ALL,
    PRIVILEGED_ROLES,
    ConditionalAccessData,
    ConditionalAccessPolicy,
    role_name,
)
from mfaguard.model.directory import Directory, ReadProblem
from mfaguard.model.report import Status

P1_HINT = "Conditional Access needs Entra ID P1"
NO_CA_DATA = (
    "The snapshot has no Conditional Access data (it was made before mfaguard read Conditional "
    "Access), so this cannot be judged; export a new snapshot or audit the tenant live."
)


@dataclass(frozen=True, slots=True)
class CaSettings:
    """What the tenant owner tells mfaguard (from ``AuditSettings`` and the baseline)."""

    break_glass_groups: tuple[str, ...] = ()
    privileged_roles: tuple[str, ...] = PRIVILEGED_ROLES
    """Role template ids MFA-020 protects (default: the 14 of reference §2)."""

    def is_break_glass(self, group_id: str) -> bool:
        return group_id.lower() in {g.lower() for g in self.break_glass_groups}


@dataclass(frozen=True, slots=True)
class Judgement:
    """A control's verdict: status, the sentences of its detail, machine-readable evidence."""

    status: Status
    detail: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


EMPTY_DIRECTORY = Directory(users={}, groups={}, registration={})


@dataclass(slots=True)
class CaContext:
    """One snapshot's CA data compiled once, shared by every judgement."""

    ca: ConditionalAccessData | None
    directory: Directory | None
    settings: CaSettings
    now: datetime
    engine: RequirementEngine | None = None
    report: RequirementReport | None = None

    def requirement_report(self) -> RequirementReport:
        assert self.engine is not None
        if self.report is None:
            self.report = self.engine.evaluate()
        return self.report


def ca_context(
    ca: ConditionalAccessData | None,
    directory: Directory | None,
    settings: CaSettings,
    now: datetime,
    *,
    report: RequirementReport | None = None,
) -> CaContext:
    """Compile ``ca`` against ``directory`` once (``report``: reuse an evaluation already made)."""
    engine = None
    if ca is not None:
        engine = RequirementEngine(ca, directory or EMPTY_DIRECTORY, now=now)
    return CaContext(ca, directory, settings, now, engine, report)


def problems_text(problems: Iterable[ReadProblem]) -> str:
    """``X could not be read (kind: reason); …``."""
    return "; ".join(f"{p.what} could not be read ({p.kind.value}: {p.reason})" for p in problems)


def preflight(context: CaContext, *, needs_defaults: bool) -> Judgement | RequirementEngine:
    """NOT_APPLICABLE / ERROR when the control cannot be judged, else the engine.

    ``needs_defaults``: the control reads security defaults (MFA-019, MFA-025), so an unreadable
    security-defaults policy that leaves the outcome open is an ERROR too.
    """
    engine = context.engine
    if context.ca is None or engine is None:
        return Judgement(Status.NOT_APPLICABLE, NO_CA_DATA)
    problems = engine.blockers or (engine.mode_problems if needs_defaults else ())
    if problems:
        return Judgement(
            Status.ERROR,
            f"{problems_text(problems)}; Conditional Access cannot be judged.",
            {"unavailable": [p.to_json() for p in problems]},
        )
    return engine


def no_p1_fail(what: str) -> Judgement:
    """FAIL with the licence hint (DESIGN §10: CA needs Entra ID P1)."""
    return Judgement(Status.FAIL, f"{what}: the tenant has no Entra ID P1 ({P1_HINT}).", {"p1": False})


def since(policy: ConditionalAccessPolicy, now: datetime) -> str:
    """``'P' is report-only since 2026-06-01 (183 days)``."""
    return f"{policy.label()} is {report_only_since(policy, now)}"


def would_pass(engine: RequirementEngine, keep: Callable[[ConditionalAccessPolicy], bool]) -> list[str]:
    """The report-only policies for which ``keep`` holds, each named with its date."""
    return [since(p, engine.now) for p in engine.policies if p.is_report_only and keep(p)]


def fail(
    detail: str, would: list[str], evidence: dict[str, Any], *, lead: str = "Would pass if on"
) -> Judgement:
    """FAIL, naming the report-only policies that would pass if they were on."""
    if would:
        detail += f" {lead}: {'; '.join(would)}."
        evidence["report_only"] = would
    return Judgement(Status.FAIL, detail, evidence)


def includes_all(policy: ConditionalAccessPolicy) -> bool:
    """``includeUsers`` holds ``All``."""
    users = policy.conditions.users
    return users is not None and users.includes_all


def narrowing(policy: ConditionalAccessPolicy, *, allow_risk: bool) -> list[str]:
    """What keeps ``policy`` from counting (DESIGN §10: All resources, no narrowing)."""
    found: list[str] = []
    conditions = policy.conditions
    apps = conditions.applications
    if apps is None or not apps.all_resources:
        found.append("not all resources")
    types = conditions.client_app_types
    if types and "all" not in types and not set(CLIENT_APPS) <= set(types):
        found.append(f"client apps {', '.join(types)}")
    platforms = conditions.platforms
    if platforms is not None and (
        platforms.exclude_platforms
        or (platforms.include_platforms and "all" not in platforms.include_platforms)
    ):
        found.append("platforms")
    locations = conditions.locations
    if locations is not None and (
        locations.exclude_locations
        or (
            locations.include_locations
            and ALL.lower() not in {v.lower() for v in locations.include_locations}
        )
    ):
        found.append("locations")
    if conditions.device_filter is not None:
        found.append("a device filter")
    if conditions.transfer_methods and any(m != "none" for m in conditions.transfer_methods):
        found.append("authentication flows")
    if not allow_risk and conditions.risk_conditions:
        found.append("risk levels")
    return found


def grant_effects(
    engine: RequirementEngine, policy: ConditionalAccessPolicy
) -> list[Kind | tuple[Kind, int]]:
    """The grant's effect on the attacker on each platform (the cell conditions aside)."""
    found: list[Kind | tuple[Kind, int]] = []
    for platform in PLATFORMS:
        effect = grant_effect(policy.grant_controls, platform, engine.resolve)
        found.append((effect.kind, effect.level) if effect.kind is Kind.REQUIRE else effect.kind)
    return found


def exclusions(engine: RequirementEngine, policy: ConditionalAccessPolicy, settings: CaSettings) -> list[str]:
    """What a policy excludes beyond the break-glass groups (named)."""
    users = policy.conditions.users
    if users is None:
        return []
    groups = engine.directory.groups
    found = [f"user {u}" for u in users.exclude_users]
    for group_id in users.exclude_groups:
        if not settings.is_break_glass(group_id):
            group = groups.get(group_id.lower())
            found.append(f"group {group.label() if group is not None else group_id}")
    found.extend(f"role {role_name(r)}" for r in users.exclude_roles)
    guests = users.exclude_guests_or_external_users
    if guests is not None and guests.guest_or_external_user_types:
        found.append(f"guest types {', '.join(guests.guest_or_external_user_types)}")
    return found


Grade = tuple[Status, str]
"""One candidate policy's verdict (PASS, WARN or ERROR) and why."""

RANK = {Status.PASS: 0, Status.WARN: 1, Status.ERROR: 2}


def judge_graded(
    context: CaContext,
    grade: Callable[[RequirementEngine, ConditionalAccessPolicy], Grade | None],
    *,
    subject: str,
    without_p1: str,
    missing: str,
) -> Judgement:
    """The best grade among the enabled policies; else FAIL naming report-only ones that would pass."""
    pre = preflight(context, needs_defaults=False)
    if isinstance(pre, Judgement):
        return pre
    engine = pre
    if engine.p1_missing:
        return no_p1_fail(without_p1)
    graded = [g for p in engine.policies if p.is_enabled and (g := grade(engine, p))]
    if graded:
        status, detail = min(graded, key=lambda g: RANK[g[0]])
        return Judgement(status, f"{subject}: {detail}.", {"policies": [d for _, d in graded]})
    return fail(missing, would_pass(engine, lambda p: grade(engine, p) is not None), {})
