"""Conditional Access as mfaguard judges it: frozen policies, strengths, locations, defaults, roles.

Built from Graph's v1.0 JSON by :mod:`mfaguard.graph.ca_parse` and never mutated. The conventions
of :mod:`mfaguard.model.policy` hold here too:

- enum values are kept as the raw strings Graph sent (``unknownFutureValue`` or anything newer), so
  a finding can name what it saw; flags enums Graph sends as one comma-separated string
  (``guestOrExternalUserTypes``, ``insiderRiskLevels``, ``transferMethods``,
  ``requirementsSatisfied``) are split into tuples of member names; each entry of
  ``allowedCombinations`` stays one string (``"password,sms"``) because the combination *is* the
  unit Graph defines;
- ``None`` means absent (or JSON ``null``), an empty tuple an empty array;
- every object keeps its raw JSON (``raw``).

A tenant's CA data (:class:`ConditionalAccessData`) is a set of *parts*, each either read or
unreadable with a :class:`~mfaguard.model.directory.ReadProblem` (DESIGN §10: an unreadable part is
never "nothing there").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from mfaguard.model.directory import ProblemKind, ReadProblem

JsonObject = Mapping[str, Any]

# Special values of the users / applications / locations conditions.
ALL = "All"
NONE = "None"
ALL_TRUSTED = "AllTrusted"
GUESTS_OR_EXTERNAL_USERS = "GuestsOrExternalUsers"
UNKNOWN_FUTURE_VALUE = "unknownFutureValue"

REGISTER_SECURITY_INFO = "urn:user:registersecurityinfo"
REGISTER_DEVICE = "urn:user:registerdevice"

# conditionalAccessPolicyState
ENABLED = "enabled"
DISABLED = "disabled"
REPORT_ONLY = "enabledForReportingButNotEnforced"

# Known members of the v1.0 enums (msgraph-metadata v1.0 CSDL). Anything else is kept and named.
POLICY_STATES = frozenset({ENABLED, DISABLED, REPORT_ONLY})
CLIENT_APP_TYPES = frozenset(
    {"all", "browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "easSupported", "other"}
)
DEVICE_PLATFORMS = frozenset({"android", "iOS", "windows", "windowsPhone", "macOS", "all", "linux"})
RISK_LEVELS = frozenset({"low", "medium", "high", "hidden", "none"})
INSIDER_RISK_LEVELS = frozenset({"minor", "moderate", "elevated"})
TRANSFER_METHODS = frozenset({"none", "deviceCodeFlow", "authenticationTransfer"})
GRANT_CONTROLS = frozenset(
    {
        "block",
        "mfa",
        "compliantDevice",
        "domainJoinedDevice",
        "approvedApplication",
        "compliantApplication",
        "passwordChange",
        "riskRemediation",
    }
)
GUEST_TYPES = frozenset(
    {
        "none",
        "internalGuest",
        "b2bCollaborationGuest",
        "b2bCollaborationMember",
        "b2bDirectConnectUser",
        "otherExternalUser",
        "serviceProvider",
    }
)
MEMBERSHIP_KINDS = frozenset({"all", "enumerated"})
FILTER_MODES = frozenset({"include", "exclude"})
STRENGTH_REQUIREMENTS = frozenset({"none", "mfa"})
SIGN_IN_FREQUENCY_INTERVALS = frozenset({"timeBased", "everyTime"})

PHISHING_RESISTANT_METHODS = frozenset({"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"})
"""A strength is phishing-resistant when every allowed combination is one of these alone."""

# Directory role template ids (reference/conditional-access.md §2).
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
ROLE_NAMES: Mapping[str, str] = {
    GLOBAL_ADMINISTRATOR: "Global Administrator",
    "194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c": "SharePoint Administrator",
    "29232cdf-9323-42fd-ade2-1d097af3e4de": "Exchange Administrator",
    "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9": "Conditional Access Administrator",
    "729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
    "b0f54661-2d74-4c50-afa3-1ec803f12efe": "Billing Administrator",
    "fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
    "c4e39bd9-1100-46d3-8c65-fb160da0071f": "Authentication Administrator",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
    "158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
    "966707d0-3269-4727-9be2-8c3a10f19b9d": "Password Administrator",
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
    "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
    "0526716b-113d-4c15-b2c8-68e3c22b9f80": "Authentication Policy Administrator",
    "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e": "Identity Governance Administrator",
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
    "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2": "Hybrid Identity Administrator",
    "d29b2b05-8046-44ba-8758-1e26182fcf32": "Directory Synchronization Accounts",
}
PRIVILEGED_ROLES: tuple[str, ...] = tuple(ROLE_NAMES)[:14]
"""The 14 admin roles of Microsoft's CA template (MFA-020's default ``privileged_roles``)."""
SECURITY_DEFAULTS_ROLES: frozenset[str] = frozenset(tuple(ROLE_NAMES)[:16])
"""The 16 roles security defaults ask for MFA on every sign-in."""

# subscribedSkus service plans (reference §2).
AAD_PREMIUM_P1_PLAN = "41781fb2-bc02-4b7c-bd55-b576c07bb09d"
AAD_PREMIUM_P2_PLAN = "eec0eb4f-6444-4f95-aba0-50c24d67f998"

DIRECTORY_SCOPE = "/"

# Names of the parts (``read_errors`` keys of a snapshot, ``ReadProblem.what``).
PART_POLICIES = "conditional_access.policies"
PART_STRENGTHS = "conditional_access.authentication_strengths"
PART_NAMED_LOCATIONS = "conditional_access.named_locations"
PART_SECURITY_DEFAULTS = "conditional_access.security_defaults"
PART_ROLE_ASSIGNMENTS = "directory.role_assignments"


def role_name(role_id: str) -> str:
    """The display name of a built-in role template id, else the id itself."""
    return ROLE_NAMES.get(role_id.lower(), role_id)


def unknown_values(values: tuple[str, ...], known: frozenset[str]) -> tuple[str, ...]:
    """The members of ``values`` mfaguard does not know (``unknownFutureValue`` included)."""
    return tuple(v for v in values if v not in known)


@dataclass(frozen=True, slots=True)
class GuestsOrExternalUsers:
    """``conditionalAccessGuestsOrExternalUsers``: guest types, optionally limited to some tenants."""

    guest_or_external_user_types: tuple[str, ...]
    """The flags string split (``"internalGuest,b2bCollaborationGuest"`` → two names)."""
    membership_kind: str | None = None
    """``externalTenants.membershipKind`` (``all`` | ``enumerated``); None when externalTenants is absent."""
    members: tuple[str, ...] = ()
    """Tenant ids of ``enumerated`` external tenants."""
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class UserConditions:
    """``conditionalAccessUsers`` (ids are as Graph sent them; compare lower-cased)."""

    include_users: tuple[str, ...] = ()
    exclude_users: tuple[str, ...] = ()
    include_groups: tuple[str, ...] = ()
    exclude_groups: tuple[str, ...] = ()
    include_roles: tuple[str, ...] = ()
    exclude_roles: tuple[str, ...] = ()
    include_guests_or_external_users: GuestsOrExternalUsers | None = None
    exclude_guests_or_external_users: GuestsOrExternalUsers | None = None
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)

    @property
    def includes_all(self) -> bool:
        return any(u.lower() == ALL.lower() for u in self.include_users)

    @property
    def names_roles(self) -> bool:
        return bool(self.include_roles or self.exclude_roles)


@dataclass(frozen=True, slots=True)
class ConditionalAccessFilter:
    """``conditionalAccessFilter``: a device (or application) filter rule and its mode."""

    mode: str | None
    rule: str | None
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ApplicationConditions:
    """``conditionalAccessApplications``."""

    include_applications: tuple[str, ...] = ()
    exclude_applications: tuple[str, ...] = ()
    include_user_actions: tuple[str, ...] = ()
    include_authentication_context_class_references: tuple[str, ...] = ()
    application_filter: ConditionalAccessFilter | None = None
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)

    @property
    def includes_all(self) -> bool:
        return any(a.lower() == ALL.lower() for a in self.include_applications)

    @property
    def all_resources(self) -> bool:
        """All resources with no exclusion and no filter: the only shape that counts for sign-in."""
        return self.includes_all and not self.exclude_applications and self.application_filter is None


@dataclass(frozen=True, slots=True)
class PlatformConditions:
    """``conditionalAccessPlatforms``."""

    include_platforms: tuple[str, ...] = ()
    exclude_platforms: tuple[str, ...] = ()
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class LocationConditions:
    """``conditionalAccessLocations`` (named-location ids, ``All`` or ``AllTrusted``)."""

    include_locations: tuple[str, ...] = ()
    exclude_locations: tuple[str, ...] = ()
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ConditionSet:
    """``conditionalAccessConditionSet``."""

    users: UserConditions | None = None
    applications: ApplicationConditions | None = None
    client_app_types: tuple[str, ...] = ()
    platforms: PlatformConditions | None = None
    locations: LocationConditions | None = None
    sign_in_risk_levels: tuple[str, ...] = ()
    user_risk_levels: tuple[str, ...] = ()
    service_principal_risk_levels: tuple[str, ...] = ()
    insider_risk_levels: tuple[str, ...] = ()
    """A flags enum in Graph: the string split."""
    device_filter: ConditionalAccessFilter | None = None
    """``devices.deviceFilter``."""
    transfer_methods: tuple[str, ...] | None = None
    """``authenticationFlows.transferMethods`` split; None when the condition is absent."""
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)

    @property
    def risk_conditions(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The risk conditions set (name, levels), in Graph's property names."""
        named = (
            ("signInRiskLevels", self.sign_in_risk_levels),
            ("userRiskLevels", self.user_risk_levels),
            ("servicePrincipalRiskLevels", self.service_principal_risk_levels),
            ("insiderRiskLevels", self.insider_risk_levels),
        )
        return tuple((name, levels) for name, levels in named if levels)


@dataclass(frozen=True, slots=True)
class AuthenticationStrength:
    """``authenticationStrengthPolicy`` (listed, or inline in a policy's grant controls)."""

    id: str | None
    display_name: str | None = None
    policy_type: str | None = None
    requirements_satisfied: tuple[str, ...] | None = None
    """The flags string split; None when absent (an inline reference may carry only the id)."""
    allowed_combinations: tuple[str, ...] | None = None
    """Each entry one combination as Graph sends it (``"password,sms"``); None when absent."""
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)

    def label(self) -> str:
        if self.display_name:
            return f"'{self.display_name}' ({self.id})" if self.id else f"'{self.display_name}'"
        return self.id or "(an authentication strength without id)"


@dataclass(frozen=True, slots=True)
class GrantControls:
    """``conditionalAccessGrantControls`` (the strength inline, as GET returns it)."""

    operator: str | None = None
    built_in_controls: tuple[str, ...] = ()
    custom_authentication_factors: tuple[str, ...] = ()
    terms_of_use: tuple[str, ...] = ()
    authentication_strength: AuthenticationStrength | None = None
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class SignInFrequency:
    """``signInFrequencySessionControl``."""

    is_enabled: bool | None = None
    frequency_interval: str | None = None
    type: str | None = None
    value: int | None = None
    authentication_type: str | None = None
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)

    @property
    def every_time(self) -> bool:
        return self.is_enabled is True and self.frequency_interval == "everyTime"


@dataclass(frozen=True, slots=True)
class SessionControls:
    """``conditionalAccessSessionControls`` (only sign-in frequency is judged; the rest is in raw)."""

    sign_in_frequency: SignInFrequency | None = None
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ConditionalAccessPolicy:
    """``conditionalAccessPolicy``."""

    id: str
    display_name: str | None
    state: str | None
    conditions: ConditionSet
    grant_controls: GrantControls | None = None
    session_controls: SessionControls | None = None
    created: datetime | None = None
    modified: datetime | None = None
    template_id: str | None = None
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)

    @property
    def name(self) -> str:
        """What reasons call the policy: its display name, else its id."""
        return self.display_name or self.id

    def label(self) -> str:
        return f"'{self.name}'"

    @property
    def is_enabled(self) -> bool:
        return self.state == ENABLED

    @property
    def is_report_only(self) -> bool:
        return self.state == REPORT_ONLY

    @property
    def since(self) -> datetime | None:
        """When the policy last changed (its state included), else when it was created."""
        return self.modified or self.created


@dataclass(frozen=True, slots=True)
class NamedLocation:
    """``ipNamedLocation`` or ``countryNamedLocation`` (``kind`` ``ip`` | ``country`` | the raw type)."""

    id: str
    display_name: str | None
    kind: str
    is_trusted: bool = False
    """Only IP locations can be trusted; country locations never are."""
    ip_ranges: tuple[str, ...] = ()
    countries_and_regions: tuple[str, ...] = ()
    include_unknown_countries_and_regions: bool | None = None
    country_lookup_method: str | None = None
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)

    @property
    def name(self) -> str:
        return self.display_name or self.id


@dataclass(frozen=True, slots=True)
class SecurityDefaults:
    """``identitySecurityDefaultsEnforcementPolicy``."""

    is_enabled: bool | None
    id: str | None = None
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class RoleAssignment:
    """``unifiedRoleAssignment`` (active; ``/roleManagement/directory/roleAssignments``)."""

    id: str | None
    role_definition_id: str
    """For built-in roles the role template id (what CA's include/excludeRoles hold)."""
    principal_id: str
    directory_scope_id: str | None = None
    principal_type: str | None = None
    """``user`` | ``group`` | ``servicePrincipal`` | … from an expanded ``principal``; None when not expanded."""
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)

    @property
    def at_directory_scope(self) -> bool:
        return self.directory_scope_id == DIRECTORY_SCOPE


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Part(Generic[T]):
    """One part of the CA data: read (``value``) or unreadable (``problem``), never neither."""

    value: T | None = None
    problem: ReadProblem | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.problem is None):
            raise ValueError("a Part is either read (value) or unreadable (problem)")

    @classmethod
    def read(cls, value: T) -> Part[T]:
        return cls(value=value)

    @classmethod
    def unreadable(cls, problem: ReadProblem) -> Part[T]:
        return cls(problem=problem)

    @property
    def readable(self) -> bool:
        return self.problem is None

    @property
    def is_licence_error(self) -> bool:
        return self.problem is not None and self.problem.kind is ProblemKind.LICENSE


@dataclass(frozen=True, slots=True)
class Licences:
    """What ``subscribedSkus`` says (None: not read)."""

    p1: bool | None = None
    p2: bool | None = None


@dataclass(frozen=True, slots=True)
class ConditionalAccessData:
    """Everything DESIGN §10 reads about a tenant's Conditional Access, part by part."""

    policies: Part[tuple[ConditionalAccessPolicy, ...]]
    authentication_strengths: Part[tuple[AuthenticationStrength, ...]]
    named_locations: Part[tuple[NamedLocation, ...]]
    security_defaults: Part[SecurityDefaults]
    role_assignments: Part[tuple[RoleAssignment, ...]]
    licences: Licences = Licences()

    @property
    def problems(self) -> tuple[ReadProblem, ...]:
        parts: tuple[Part[Any], ...] = (
            self.policies,
            self.authentication_strengths,
            self.named_locations,
            self.security_defaults,
            self.role_assignments,
        )
        return tuple(p.problem for p in parts if p.problem is not None)

    def policy_list(self) -> tuple[ConditionalAccessPolicy, ...]:
        """The policies, or () when unreadable (callers check :attr:`Part.readable` first)."""
        return self.policies.value or ()

    def strength(self, strength_id: str) -> AuthenticationStrength | None:
        for strength in self.authentication_strengths.value or ():
            if strength.id is not None and strength.id.lower() == strength_id.lower():
                return strength
        return None

    def location(self, location_id: str) -> NamedLocation | None:
        for location in self.named_locations.value or ():
            if location.id.lower() == location_id.lower():
                return location
        return None
