"""The table of fixture cases: fixture file (tests/fixtures/policies/NAME.json), settings, and the
status of every control that differs from the baseline (all PASS; MFA-015 NOT_APPLICABLE for raw
Graph Explorer bodies, which carry no directory data).

Multi-finding controls (MFA-014, MFA-015) list the status of each finding, sorted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mfaguard.model.report import Status
from mfaguard.model.settings import AuditSettings, NumberMatchingMode

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "policies"

BREAK_GLASS = "b7ea4c1a-55e5-4000-8000-00000000b001"
PILOT = "6a1b2c3d-0000-4000-8000-000000000a01"
CONTRACTORS = "c0417ac7-0000-4000-8000-000000000c01"

SETTINGS: Mapping[str, AuditSettings] = {
    "default": AuditSettings(break_glass_groups=(BREAK_GLASS,)),
    "configurable": AuditSettings(
        break_glass_groups=(BREAK_GLASS,), number_matching=NumberMatchingMode.CONFIGURABLE
    ),
    "no-break-glass": AuditSettings(),
    "contractors-break-glass": AuditSettings(break_glass_groups=(BREAK_GLASS.upper(), CONTRACTORS)),
}

P, W, F, N, E = Status.PASS, Status.WARN, Status.FAIL, Status.NOT_APPLICABLE, Status.ERROR
AUTH_FEATURES_NA = {f"MFA-00{i}": N for i in range(2, 7)}
AUTH_ALL_ERROR = {f"MFA-00{i}": E for i in range(1, 7)}

Expected = Mapping[str, Status | tuple[Status, ...]]


@dataclass(frozen=True)
class Case:
    fixture: str
    expected: Expected = field(default_factory=dict)
    settings: str = "default"

    @property
    def id(self) -> str:
        return self.fixture if self.settings == "default" else f"{self.fixture}[{self.settings}]"

    @property
    def path(self) -> Path:
        return FIXTURES / f"{self.fixture}.json"


def _baseline(case: Case) -> dict[str, Status | tuple[Status, ...]]:
    statuses: dict[str, Status | tuple[Status, ...]] = {f"MFA-{i:03d}": P for i in range(1, 16)}
    statuses["MFA-015"] = N
    # Coverage controls need directory data, which only the coverage-* snapshots carry.
    statuses.update({"MFA-016": N, "MFA-017": N, "MFA-018": N})
    return statuses


def expected_statuses(case: Case) -> dict[str, Status | tuple[Status, ...]]:
    statuses = _baseline(case)
    statuses.update(case.expected)
    return statuses


COVERAGE = {"MFA-016": P, "MFA-017": P, "MFA-018": P}

CASES: tuple[Case, ...] = (
    Case("compliant"),
    # MFA-016..018 (snapshots with directory data)
    Case("coverage-strong", COVERAGE),
    Case("coverage-strong", {**COVERAGE, "MFA-014": F, "MFA-018": N}, settings="no-break-glass"),
    Case("coverage-weak", {"MFA-016": F, "MFA-017": F, "MFA-018": F}),
    Case(
        "coverage-weak", {"MFA-016": F, "MFA-017": F, "MFA-018": (F, W)}, settings="contractors-break-glass"
    ),
    Case("coverage-no-report", {"MFA-016": E, "MFA-017": E, "MFA-018": E}),
    Case("compliant", settings="configurable"),
    Case("compliant", {"MFA-014": F}, settings="no-break-glass"),
    Case("mixed-case-ids"),
    Case("unknown-method-types"),
    # MFA-001
    Case("authenticator-disabled", {"MFA-001": F, **AUTH_FEATURES_NA}),
    Case("authenticator-missing", AUTH_ALL_ERROR),
    Case("authenticator-groups-only", {"MFA-001": W}),
    Case("authenticator-no-include-targets", {"MFA-001": F}),
    Case("authenticator-include-targets-absent", {"MFA-001": E}),
    Case("authenticator-state-absent", {"MFA-001": E}),
    Case("authenticator-state-unknown", {"MFA-001": F}),
    # MFA-002 in both modes
    Case("number-matching-default"),
    Case("number-matching-default", {"MFA-002": F}, settings="configurable"),
    Case("number-matching-absent"),
    Case("number-matching-absent", {"MFA-002": F}, settings="configurable"),
    Case("number-matching-disabled", {"MFA-002": W}),
    Case("number-matching-disabled", {"MFA-002": F}, settings="configurable"),
    Case("number-matching-unknown-value", {"MFA-002": W}),
    Case("number-matching-unknown-value", {"MFA-002": F}, settings="configurable"),
    Case("number-matching-group-only"),
    Case("number-matching-group-only", {"MFA-002": F}, settings="configurable"),
    Case("number-matching-no-include-target"),
    Case("number-matching-no-include-target", {"MFA-002": E}, settings="configurable"),
    # absent features: beta = default, v1.0 = beta-only fields cannot be judged (except MFA-002)
    Case("v1-beta-fields-absent", {"MFA-005": E, "MFA-010": E, "MFA-011": E}),
    Case(
        "v1-beta-fields-absent",
        {"MFA-002": F, "MFA-005": E, "MFA-010": E, "MFA-011": E},
        settings="configurable",
    ),
    Case("v1-authenticator-disabled", {"MFA-001": F, **AUTH_FEATURES_NA, "MFA-010": E, "MFA-011": E}),
    Case("v1-location-absent", {"MFA-004": F, "MFA-005": E, "MFA-010": E, "MFA-011": E}),
    Case(
        "beta-feature-settings-absent",
        {"MFA-003": F, "MFA-004": F, "MFA-005": F, "MFA-010": F, "MFA-011": W, "MFA-012": W},
    ),
    Case("beta-feature-settings-null", {"MFA-003": F, "MFA-004": F, "MFA-005": F, "MFA-012": W}),
    # MFA-003 / MFA-004
    Case("app-name-default", {"MFA-003": F}),
    Case("app-name-disabled", {"MFA-003": F}),
    Case("app-name-group-only", {"MFA-003": F}),
    Case("app-name-unknown-value", {"MFA-003": F}),
    Case("app-name-no-include-target", {"MFA-003": E}),
    Case("app-name-no-state", {"MFA-003": E}),
    Case("location-default", {"MFA-004": F}),
    Case("location-disabled", {"MFA-004": F}),
    Case("location-group-only", {"MFA-004": F}),
    Case("location-unknown-value", {"MFA-004": F}),
    Case("location-no-include-target", {"MFA-004": E}),
    Case("location-no-state", {"MFA-004": E}),
    # MFA-005
    Case("companion-app-enabled", {"MFA-005": F}),
    Case("companion-app-default", {"MFA-005": F}),
    Case("companion-app-absent", {"MFA-005": F}),
    Case("companion-app-unknown-value", {"MFA-005": F}),
    Case("companion-app-no-state", {"MFA-005": E}),
    # MFA-006
    Case("authenticator-otp-enabled", {"MFA-006": F}),
    Case("authenticator-otp-absent", {"MFA-006": E}),
    # MFA-007 / MFA-008 / MFA-009
    Case("sms-enabled-all-users", {"MFA-007": F}),
    Case("sms-one-group", {"MFA-007": F}),
    Case("sms-missing", {"MFA-007": E}),
    Case("sms-enabled-targets-absent", {"MFA-007": E}),
    Case("sms-state-unknown", {"MFA-007": F}),
    Case("sms-state-absent", {"MFA-007": E}),
    Case("voice-enabled-all-users", {"MFA-008": F}),
    Case("voice-one-group", {"MFA-008": F}),
    Case("voice-missing", {"MFA-008": E}),
    Case("voice-enabled-targets-absent", {"MFA-008": E}),
    Case("voice-state-unknown", {"MFA-008": F}),
    Case("voice-state-absent", {"MFA-008": E}),
    Case("email-guests-only"),
    Case("email-members", {"MFA-009": F}),
    Case("email-missing", {"MFA-009": E}),
    Case("email-enabled-targets-absent", {"MFA-009": E}),
    Case("email-state-unknown", {"MFA-009": F}),
    Case("email-state-absent", {"MFA-009": E}),
    # MFA-010
    Case("report-suspicious-default", {"MFA-010": F}),
    Case("report-suspicious-disabled", {"MFA-010": F}),
    Case("report-suspicious-group-only", {"MFA-010": F}),
    Case("report-suspicious-unknown-value", {"MFA-010": F}),
    Case("report-suspicious-no-include-target", {"MFA-010": E}),
    Case("report-suspicious-no-state", {"MFA-010": E}),
    # MFA-011
    Case("system-preferred-default", {"MFA-011": W}),
    Case("system-preferred-disabled", {"MFA-011": F}),
    Case("system-preferred-group-only", {"MFA-011": F}),
    Case("system-preferred-unknown-value", {"MFA-011": F}),
    Case("system-preferred-targets-absent", {"MFA-011": E}),
    Case("system-preferred-no-state", {"MFA-011": E}),
    # MFA-012
    Case("campaign-default", {"MFA-012": W}),
    Case("campaign-disabled", {"MFA-012": F}),
    Case("campaign-group-only", {"MFA-012": W}),
    Case("campaign-unknown-value", {"MFA-012": F}),
    Case("campaign-targets-absent", {"MFA-012": E}),
    Case("campaign-no-state", {"MFA-012": E}),
    # MFA-013
    Case("migration-pre-migration", {"MFA-013": F}),
    Case("migration-in-progress", {"MFA-013": F}),
    Case("migration-absent"),
    Case("migration-null"),
    Case("migration-unknown-value", {"MFA-013": F}),
    # MFA-014: each place, with and without the excluded group listed as break-glass
    Case("exclusion-authenticator-method", {"MFA-014": F}),
    Case("exclusion-authenticator-method", settings="contractors-break-glass"),
    Case("exclusion-number-matching", {"MFA-014": F}),
    Case("exclusion-number-matching", settings="contractors-break-glass"),
    Case("exclusion-app-name", {"MFA-014": F}),
    Case("exclusion-app-name", settings="contractors-break-glass"),
    Case("exclusion-location", {"MFA-014": F}),
    Case("exclusion-location", settings="contractors-break-glass"),
    Case("exclusion-system-preferred", {"MFA-014": F}),
    Case("exclusion-system-preferred", settings="contractors-break-glass"),
    Case("exclusion-campaign", {"MFA-014": F}),
    Case("exclusion-campaign", settings="contractors-break-glass"),
    Case("exclusion-all-users", {"MFA-014": F}),
    Case("exclusion-weak-methods-only"),
    Case("exclusion-authenticator-disabled", {"MFA-001": F, **AUTH_FEATURES_NA}),
    Case("exclusion-many-places", {"MFA-014": (F, F, F)}),
    Case("exclusion-many-places", {"MFA-014": (F, F)}, settings="contractors-break-glass"),
    Case(
        "exclusion-places-absent",
        {"MFA-003": F, "MFA-004": F, "MFA-005": F, "MFA-011": W, "MFA-012": W},
        settings="no-break-glass",
    ),
    # MFA-015 (mfaguard snapshots with directory data)
    Case("groups-all-exist", {"MFA-015": P}),
    Case("groups-deleted", {"MFA-015": F}),
    Case("groups-not-looked-up", {"MFA-015": E}),
    Case("groups-none-named", {"MFA-015": P}),
)
