"""The attacker's sign-in cells and what each policy does in each of them (DESIGN §10).

A *cell* is one client app type × platform × network the attacker can sign in from:
{browser, mobileAppsAndDesktopClients, exchangeActiveSync, other} × {android, iOS, windows, macOS,
linux, windowsPhone, unknown} × {outside every named location, inside each untrusted named
location}. Trusted named locations are not attacker cells.

A set of cells is an ``int`` bit mask (bit i = cell i), so combining 40 policies over ~150 cells is a
handful of integer ORs. :func:`compile_policy` turns one policy into masks once per tenant:
where it applies (client apps, platforms, locations), and there what its grant does (block, require
MFA / phishing-resistant, strictly or not, met by an OR alternative, unreadable). Conditions that do
not depend on the cell — all resources, risk, authentication flows, the device filter — are
*gates*: a closed gate means the policy never applies to the attacker, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from mfaguard.coverage.ca_grants import PHISHING_RESISTANT, GrantEffect, Kind, Resolve, grant_effect
from mfaguard.coverage.device_filter import DeviceFilterError, unregistered_device_matches
from mfaguard.model.conditional_access import (
    ALL,
    ALL_TRUSTED,
    CLIENT_APP_TYPES,
    DEVICE_PLATFORMS,
    DISABLED,
    FILTER_MODES,
    UNKNOWN_FUTURE_VALUE,
    ConditionalAccessPolicy,
    NamedLocation,
    unknown_values,
)

__all__ = [
    "CLIENT_APPS",
    "LEGACY_CLIENT_APPS",
    "OUTSIDE",
    "PLATFORMS",
    "Cell",
    "CellGrid",
    "Gate",
    "PolicyCells",
    "compile_policy",
]

CLIENT_APPS = ("browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "other")
LEGACY_CLIENT_APPS = frozenset({"exchangeActiveSync", "other"})
PLATFORMS = ("android", "iOS", "windows", "macOS", "linux", "windowsPhone", "unknown")
K = TypeVar("K")

OUTSIDE = "outside named locations"
"""The network of a sign-in from no named location."""

# Gate kinds (why a policy never applies to the attacker).
GATE_DISABLED = "disabled"
GATE_APPS = "apps"
GATE_RISK = "risk"
GATE_AUTH_FLOW = "auth_flow"
GATE_DEVICE_FILTER = "device_filter"


@dataclass(frozen=True, slots=True)
class Cell:
    """One attacker sign-in: client app type × platform × network."""

    client_app: str
    platform: str
    network: str | None
    """Named-location id, or None for outside every named location."""
    network_name: str

    def label(self) -> str:
        return f"{self.client_app}/{self.platform}/{self.network_name}"


class CellGrid:
    """The cells of one tenant (its untrusted named locations decide the networks)."""

    def __init__(self, locations: Iterable[NamedLocation] = ()) -> None:
        untrusted = [loc for loc in locations if not loc.is_trusted]
        self.networks: tuple[tuple[str | None, str], ...] = (
            (None, OUTSIDE),
            *((loc.id.lower(), loc.name) for loc in untrusted),
        )
        self.cells = tuple(
            Cell(client, platform, network, name)
            for client in CLIENT_APPS
            for platform in PLATFORMS
            for network, name in self.networks
        )
        self.all = (1 << len(self.cells)) - 1
        self.by_client: dict[str, int] = dict.fromkeys(CLIENT_APPS, 0)
        self.by_platform: dict[str, int] = dict.fromkeys(PLATFORMS, 0)
        self.by_network: dict[str | None, int] = {key: 0 for key, _ in self.networks}
        for index, cell in enumerate(self.cells):
            bit = 1 << index
            self.by_client[cell.client_app] |= bit
            self.by_platform[cell.platform] |= bit
            self.by_network[cell.network] |= bit
        self.legacy = self.by_client["exchangeActiveSync"] | self.by_client["other"]

    def cells_in(self, mask: int) -> list[Cell]:
        return [cell for index, cell in enumerate(self.cells) if mask >> index & 1]


def _union(table: Mapping[K, int], keys: Iterable[K]) -> int:
    mask = 0
    for key in keys:
        mask |= table.get(key, 0)
    return mask


@dataclass(frozen=True, slots=True)
class Gate:
    """Why a policy never applies to the attacker (``token`` is the reason prefix, if any)."""

    kind: str
    detail: str
    token: str | None = None


@dataclass(slots=True)
class PolicyCells:
    """One policy compiled against a :class:`CellGrid`: masks of cells, and why."""

    policy: ConditionalAccessPolicy
    gate: Gate | None = None
    unreadable: tuple[str, ...] = ()
    """Why the whole policy is unreadable (device filter, named locations); its cells are unknown."""
    applies: int = 0
    """Cells where client app, platform and location conditions hold (0 when a gate is closed)."""
    block: int = 0
    require: int = 0
    """Cells where it requires at least MFA."""
    require_pr: int = 0
    strict: int = 0
    unread: int = 0
    or_met: int = 0
    client_fail: int = 0
    platform_fail: int = 0
    network_fail: int = 0
    trusted_exempt: str | None = None
    """What trusted locations it exempts (``AllTrusted`` or names), for ``trusted_location_exempt``."""
    effects: dict[str, GrantEffect] = field(default_factory=dict)
    """The grant's effect per platform (for explain)."""
    notes: list[str] = field(default_factory=list)
    """Unknown values kept, values mfaguard does not count (for explain)."""

    @property
    def effect_mask(self) -> int:
        """Cells where this policy changes something (block, requirement, unknown)."""
        return self.block | self.require | self.unread

    def unread_reason(self) -> str:
        """Why some of its cells are unknown (the first reason found)."""
        if self.unreadable:
            return self.unreadable[0]
        for effect in self.effects.values():
            if effect.kind is Kind.UNREADABLE:
                return effect.why
        return "its platforms hold unknownFutureValue, so linux is unknown"


def _gate(policy: ConditionalAccessPolicy, *, judge_apps: bool) -> Gate | None:
    name = policy.name
    if policy.state == DISABLED:
        return Gate(GATE_DISABLED, "it is disabled")
    apps = policy.conditions.applications
    if judge_apps and (apps is None or not apps.all_resources):
        return Gate(GATE_APPS, _apps_detail(policy))
    risks = policy.conditions.risk_conditions
    # The attacker's sign-in carries no risk signal: a risk condition keeps the policy away unless
    # every risk list it sets admits "none" (Graph's "no risk" level).
    if risks and not all("none" in levels for _, levels in risks):
        named = "; ".join(f"{kind} {', '.join(levels)}" for kind, levels in risks)
        return Gate(GATE_RISK, f"it applies only under risk ({named})", f"risk_only:{name}")
    methods = policy.conditions.transfer_methods
    if methods and any(m != "none" for m in methods):
        return Gate(
            GATE_AUTH_FLOW,
            f"it applies only to authentication flows ({', '.join(methods)}), not to an ordinary sign-in",
        )
    return None


def _apps_detail(policy: ConditionalAccessPolicy) -> str:
    apps = policy.conditions.applications
    if apps is None:
        return "it names no applications"
    if apps.include_user_actions and not apps.include_applications:
        return f"it covers only user actions ({', '.join(apps.include_user_actions)}), not sign-in"
    contexts = apps.include_authentication_context_class_references
    if contexts and not apps.include_applications:
        return f"it covers only authentication contexts ({', '.join(contexts)}), not sign-in"
    if apps.includes_all and apps.exclude_applications:
        return f"it excludes resources ({', '.join(apps.exclude_applications)}), so not all resources"
    if apps.includes_all:
        return "it filters applications (applicationFilter), so not all resources"
    included = ", ".join(apps.include_applications) or "none"
    return f"it targets some resources only ({included}), not all resources"


def _device_filter(policy: ConditionalAccessPolicy) -> tuple[Gate | None, str | None]:
    """(closed gate, unreadable reason) from ``devices.deviceFilter`` for an unregistered device."""
    device_filter = policy.conditions.device_filter
    if device_filter is None:
        return None, None
    mode, rule = device_filter.mode, device_filter.rule
    if mode not in FILTER_MODES or rule is None:
        return None, f"device filter with mode {mode!r} and rule {rule!r} is not understood"
    try:
        matches = unregistered_device_matches(rule)
    except DeviceFilterError as exc:
        return None, f"device filter rule {rule!r} cannot be parsed ({exc})"
    keeps = matches if mode == "include" else not matches
    if keeps:
        return None, None
    how = "matches" if matches else "does not match"
    return (
        Gate(
            GATE_DEVICE_FILTER,
            f"its device filter (mode {mode}: {rule}) {how} an unregistered device",
            f"device_filter:{policy.name}",
        ),
        None,
    )


def _clients(policy: ConditionalAccessPolicy, pc: PolicyCells) -> set[str]:
    types = policy.conditions.client_app_types
    if not types or "all" in types:
        return set(CLIENT_APPS)
    if "easSupported" in types and "exchangeActiveSync" not in types:
        pc.notes.append(
            "clientAppTypes easSupported covers only some EAS clients; mfaguard does not count it"
        )
    for value in unknown_values(types, CLIENT_APP_TYPES):
        pc.notes.append(f"clientAppTypes has {value!r}, which mfaguard does not know (kept, not counted)")
    return {c for c in CLIENT_APPS if c in types}


def _platforms(policy: ConditionalAccessPolicy, pc: PolicyCells) -> tuple[set[str], bool]:
    """(platforms it applies on, whether linux is uncertain because of unknownFutureValue)."""
    platforms = policy.conditions.platforms
    if platforms is None or not platforms.include_platforms:
        return set(PLATFORMS), False
    include, exclude = platforms.include_platforms, platforms.exclude_platforms
    for value in unknown_values((*include, *exclude), DEVICE_PLATFORMS):
        pc.notes.append(f"platforms has {value!r}, which mfaguard does not know (kept)")
    chosen = set(PLATFORMS) if "all" in include else {p for p in PLATFORMS if p in include}
    chosen -= {p for p in PLATFORMS if p in exclude}
    if "all" in exclude:
        chosen = set()
    # linux comes after unknownFutureValue in Graph's enum: read without the Prefer header it shows
    # as unknownFutureValue, so a policy naming that value may or may not cover linux.
    uncertain = UNKNOWN_FUTURE_VALUE in include or UNKNOWN_FUTURE_VALUE in exclude
    return chosen, uncertain


def _networks(
    policy: ConditionalAccessPolicy,
    grid: CellGrid,
    locations: dict[str, NamedLocation] | None,
    pc: PolicyCells,
) -> set[str | None] | None:
    """Networks (cell keys) it applies on; None when named locations are needed but unreadable."""
    conditions = policy.conditions.locations
    every: set[str | None] = {n for n, _ in grid.networks}
    if conditions is None:
        return every
    include = [v.lower() for v in conditions.include_locations]
    exclude = [v.lower() for v in conditions.exclude_locations]
    named = [v for v in (*include, *exclude) if v not in (ALL.lower(), ALL_TRUSTED.lower())]
    if named and locations is None:
        return None
    locations = locations or {}
    chosen: set[str | None] = set()
    if not include or ALL.lower() in include:
        chosen = set(every)
    for value in include:
        location = locations.get(value)
        if value in (ALL.lower(), ALL_TRUSTED.lower()):
            continue
        if location is None:
            pc.notes.append(f"includes location {value}, which is not among the named locations")
        elif not location.is_trusted:
            chosen.add(value)
    exempt: list[str] = []
    for value in exclude:
        if value == ALL.lower():
            chosen = set()
        elif value == ALL_TRUSTED.lower():
            exempt.append(ALL_TRUSTED)
        elif (location := locations.get(value)) is None:
            pc.notes.append(f"excludes location {value}, which is not among the named locations")
        elif location.is_trusted:
            exempt.append(location.name)
        else:
            chosen.discard(value)
    if exempt:
        pc.trusted_exempt = ", ".join(exempt)
    return chosen


def compile_policy(
    policy: ConditionalAccessPolicy,
    grid: CellGrid,
    *,
    locations: dict[str, NamedLocation] | None,
    resolve: Resolve | None,
    judge_apps: bool = True,
) -> PolicyCells:
    """Masks of ``policy`` over ``grid`` (``locations`` None: named locations unreadable).

    ``judge_apps=False`` skips the all-resources gate: MFA-024 judges a policy on a user action.
    """
    pc = PolicyCells(policy)
    pc.gate = _gate(policy, judge_apps=judge_apps)
    if pc.gate is not None:
        return pc
    filter_gate, filter_unreadable = _device_filter(policy)
    if filter_gate is not None:
        pc.gate = filter_gate
        return pc
    unreadable = [filter_unreadable] if filter_unreadable else []
    clients = _clients(policy, pc)
    platforms, linux_uncertain = _platforms(policy, pc)
    networks = _networks(policy, grid, locations, pc)
    client_mask = _union(grid.by_client, clients)
    platform_mask = _union(grid.by_platform, platforms)
    if networks is None:
        unreadable.append("it names named locations, which could not be read")
        network_mask = grid.all
    else:
        network_mask = _union(grid.by_network, networks)
    pc.client_fail = grid.all & ~client_mask
    pc.platform_fail = grid.all & ~platform_mask
    pc.network_fail = grid.all & ~network_mask
    pc.applies = client_mask & platform_mask & network_mask
    pc.unreadable = tuple(unreadable)
    if unreadable:
        pc.unread = pc.applies
        return pc
    if linux_uncertain:
        linux = grid.by_platform["linux"] & client_mask & network_mask
        pc.unread |= linux
        pc.applies |= linux
        pc.notes.append(
            "platforms has unknownFutureValue (linux read without the Prefer header?): linux unknown"
        )
    grant = policy.grant_controls
    for platform in PLATFORMS:
        effect = grant_effect(grant, platform, resolve)
        pc.effects[platform] = effect
        cells = pc.applies & grid.by_platform[platform] & ~pc.unread
        if effect.kind is Kind.BLOCK:
            pc.block |= cells
        elif effect.kind is Kind.UNREADABLE:
            pc.unread |= cells
        elif effect.kind is Kind.REQUIRE:
            pc.require |= cells
            if effect.level >= PHISHING_RESISTANT:
                pc.require_pr |= cells
            if effect.strict:
                pc.strict |= cells
        elif effect.alternative is not None:
            pc.or_met |= cells
    return pc


def describe_cells(grid: CellGrid, mask: int) -> str:
    """A short description of a set of cells: the axis values it spans, or the cells themselves."""
    cells = grid.cells_in(mask)
    if not cells:
        return "no cell"
    if mask == grid.all:
        return "every cell"
    clients = _ordered({c.client_app for c in cells}, CLIENT_APPS)
    platforms = _ordered({c.platform for c in cells}, PLATFORMS)
    networks = [name for key, name in grid.networks if any(c.network == key for c in cells)]
    if len(cells) == len(clients) * len(platforms) * len(networks):
        parts = []
        if len(clients) < len(CLIENT_APPS):
            parts.append(f"client apps {', '.join(clients)}")
        if len(platforms) < len(PLATFORMS):
            parts.append(f"platforms {', '.join(platforms)}")
        if len(networks) < len(grid.networks):
            parts.append(f"networks {', '.join(networks)}")
        return "; ".join(parts) or "every cell"
    return ", ".join(cell.label() for cell in cells)


def _ordered(values: set[str], order: Sequence[str]) -> list[str]:
    return [v for v in order if v in values]
