"""Baselines: the desired state of the Authentication Methods Policy (DESIGN §5), as YAML.

A baseline lists only what it wants; keys left out are left as the tenant has them. The models
forbid unknown keys so a typo is an error (exit 2 naming file, line and key), never a silently
ignored setting. The JSON Schema published at ``docs/schema/baseline.schema.json`` is generated from
these models (:func:`baseline_json_schema`) and a test keeps it up to date.

Built-in baselines live next to this module as YAML files (``baselines/<name>.yaml``); each one
documents which benchmark requirement every key comes from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from mfaguard.config.yaml import YamlDocument, load_yaml_document, load_yaml_text, validate
from mfaguard.errors import ConfigError
from mfaguard.model.policy import ALL_USERS

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TARGET_PATTERN = r"^(all_users|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
GROUP_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def _normalise_target(value: str) -> str:
    # all_users is matched case-insensitively by Graph; group ids are GUIDs, compared lower-case.
    return ALL_USERS if value.lower() == ALL_USERS else value.lower()


def is_group_id(value: str) -> bool:
    """True for a GUID (a directory object id), False for ``all_users``."""
    return bool(_GUID.match(value))


def _not_empty(value: tuple[str, ...]) -> tuple[str, ...]:
    if not value:
        raise ValueError(
            "must name at least one target (all_users or a group id); leave the key out to keep the "
            "tenant's targets"
        )
    return value


TargetId = Annotated[
    str,
    Field(pattern=TARGET_PATTERN, description="`all_users` or a group object id (GUID)."),
    AfterValidator(_normalise_target),
]
GroupId = Annotated[
    str,
    Field(pattern=GROUP_PATTERN, description="A group object id (GUID)."),
    AfterValidator(_normalise_target),
]

MethodState = Literal["enabled", "disabled"]
FeatureState = Literal["enabled", "disabled", "default"]
AuthenticationMode = Literal["any", "push", "deviceBasedPush"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class AuthenticatorBaseline(_Strict):
    """Desired state of the Microsoft Authenticator method and its feature settings."""

    state: MethodState | None = Field(None, description="Method state (MFA-001).")
    include: Annotated[tuple[TargetId, ...], AfterValidator(_not_empty)] | None = Field(
        None,
        json_schema_extra={"minItems": 1},
        description=(
            "Targets that must be present (all_users and/or group ids). Other targets stay, with their "
            "authenticationMode, unless replace_targets is true. Must not be empty."
        ),
    )
    replace_targets: StrictBool = Field(
        False, description="Replace the include targets with exactly `include` instead of adding to them."
    )
    authentication_mode: AuthenticationMode = Field(
        "any", description="authenticationMode of the targets the change adds (existing targets keep theirs)."
    )
    software_oath: StrictBool | None = Field(None, description="isSoftwareOathEnabled (MFA-006).")
    number_matching: FeatureState | None = Field(
        None,
        description=(
            "numberMatchingRequiredState. Written only for tenants set to `number_matching: configurable`; "
            "Graph rejects it everywhere else (enforced by Microsoft since 2023-05-08)."
        ),
    )
    app_information: FeatureState | None = Field(
        None, description="displayAppInformationRequiredState (MFA-003)."
    )
    location_information: FeatureState | None = Field(
        None, description="displayLocationInformationRequiredState (MFA-004)."
    )
    companion_app: FeatureState | None = Field(
        None, description="companionAppAllowedState, Authenticator Lite (MFA-005)."
    )
    feature_include: TargetId = Field(
        ALL_USERS, description="includeTarget of the feature settings above: all_users or one group id."
    )
    feature_exclude: GroupId | None = Field(
        None,
        description=(
            "excludeTarget of the feature settings: one (break-glass) group id, or null for no exclusion. "
            "Left out: the tenant's exclusions stay."
        ),
    )

    @property
    def sets_feature_exclude(self) -> bool:
        """True when the baseline names ``feature_exclude`` (null included), False when it is left out."""
        return "feature_exclude" in self.model_fields_set


class Baseline(_Strict):
    """A hardening baseline: desired state; keys left out are left as the tenant has them."""

    description: str | None = Field(None, description="Free text shown by `mfaguard baseline show`.")
    authenticator: AuthenticatorBaseline | None = None
    sms: MethodState | None = Field(None, description="Sms method state (MFA-007).")
    voice: MethodState | None = Field(None, description="Voice method state (MFA-008).")
    email: Literal["enabled", "disabled", "guests_only"] | None = Field(
        None,
        description="Email OTP (MFA-009): disabled, or guests_only (state enabled, no includeTargets).",
    )
    report_suspicious_activity: FeatureState | None = Field(
        None, description="reportSuspiciousActivitySettings.state, include all_users (MFA-010)."
    )
    system_preferred_mfa: FeatureState | None = Field(
        None, description="systemCredentialPreferences.state, include all_users (MFA-011)."
    )
    registration_campaign: FeatureState | None = Field(
        None, description="Registration campaign for Microsoft Authenticator, include all_users (MFA-012)."
    )
    migration: Literal["complete"] | None = Field(
        None, description="policyMigrationState: complete = migrationComplete (MFA-013)."
    )
    exclusions: Literal["break_glass_only"] | None = Field(
        None,
        description=(
            "The exclusions MFA-014 judges — Authenticator excludeTargets, the excludeTarget of its "
            "number-matching, app-name and location features, systemCredentialPreferences and the "
            "registration campaign excludeTargets. break_glass_only keeps the break-glass groups (from "
            "--break-glass-group and the --config file) and removes every other excluded group or user. "
            "An explicit authenticator.feature_exclude still decides the feature exclusions. Left out: "
            "exclusions stay as the tenant has them."
        ),
    )

    def group_ids(self) -> dict[str, tuple[str | int, ...]]:
        """Group ids the baseline names, each with the key path (YAML loc) it first appears under."""
        found: dict[str, tuple[str | int, ...]] = {}
        auth = self.authenticator
        if auth is not None:
            for index, target in enumerate(auth.include or ()):
                if is_group_id(target):
                    found.setdefault(target, ("authenticator", "include", index))
            if is_group_id(auth.feature_include):
                found.setdefault(auth.feature_include, ("authenticator", "feature_include"))
            if auth.feature_exclude is not None:
                found.setdefault(auth.feature_exclude, ("authenticator", "feature_exclude"))
        return found


BUILTIN_NAMES = ("recommended", "cisa-scuba", "cis-l1")
"""Built-in baselines, by the name `--baseline` accepts."""


def builtin_text(name: str) -> str:
    """The YAML text of a built-in baseline (with its comments)."""
    if name not in BUILTIN_NAMES:
        raise ConfigError(
            f"unknown built-in baseline {name!r}",
            hint=f"use one of {', '.join(BUILTIN_NAMES)} or the path of a YAML file",
        )
    return resources.files("mfaguard.enforce").joinpath("baselines", f"{name}.yaml").read_text("utf-8")


@dataclass(frozen=True)
class LoadedBaseline:
    """A validated baseline with where it came from (for line-precise errors found later)."""

    name: str
    """Built-in name or file path, as shown to the user."""
    baseline: Baseline
    document: YamlDocument
    text: str

    def check_groups(self, exists: Mapping[str, bool]) -> None:
        """Raise ConfigError (file, line, key) for the first group id the tenant does not have.

        ``exists`` maps lower-case group ids to whether the directory has them.
        """
        for group_id, loc in self.baseline.group_ids().items():
            if not exists.get(group_id.lower(), False):
                raise ConfigError(
                    f"group {group_id} does not exist in the tenant",
                    file=self.document.path,
                    line=self.document.line_of(loc),
                    key=_format_loc(loc),
                    hint="use the object id of an existing group (Entra admin center > Groups) or all_users",
                )


def _format_loc(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def load_baseline(spec: str) -> LoadedBaseline:
    """A built-in (``recommended``, ``cisa-scuba``, ``cis-l1``) or a YAML file, validated.

    Errors are ConfigError naming file, line and key (exit 2).
    """
    name, path = resolve_baseline_source(spec)
    if path is None:
        text = builtin_text(name)
        doc = load_yaml_text(text, path=f"built-in:{name}")
    else:
        doc = load_yaml_document(path)
        text = path.read_text(encoding="utf-8")
    return LoadedBaseline(name, validate(Baseline, doc, what="baseline"), doc, text)


def covered_controls(baseline: Baseline, *, number_matching_configurable: bool = False) -> frozenset[str]:
    """Controls whose PASS condition the baseline fully sets (an apply of it makes them pass).

    MFA-002 counts only for configurable tenants (elsewhere Microsoft enforces it and it is not
    written); MFA-014 and MFA-015 are about groups, which a baseline does not fully decide.
    """
    covered: set[str] = set()
    auth = baseline.authenticator
    if auth is not None:
        everyone = auth.feature_include == ALL_USERS
        if auth.state == "enabled" and ALL_USERS in (auth.include or ()):
            covered.add("MFA-001")
        if number_matching_configurable and auth.number_matching == "enabled" and everyone:
            covered.add("MFA-002")
        if auth.app_information == "enabled" and everyone:
            covered.add("MFA-003")
        if auth.location_information == "enabled" and everyone:
            covered.add("MFA-004")
        if auth.companion_app == "disabled":
            covered.add("MFA-005")
        if auth.software_oath is False:
            covered.add("MFA-006")
    if baseline.sms == "disabled":
        covered.add("MFA-007")
    if baseline.voice == "disabled":
        covered.add("MFA-008")
    if baseline.email in ("disabled", "guests_only"):
        covered.add("MFA-009")
    if baseline.report_suspicious_activity == "enabled":
        covered.add("MFA-010")
    if baseline.system_preferred_mfa == "enabled":
        covered.add("MFA-011")
    if baseline.registration_campaign == "enabled":
        covered.add("MFA-012")
    if baseline.migration == "complete":
        covered.add("MFA-013")
    return frozenset(covered)


def resolve_baseline_source(spec: str) -> tuple[str, Path | None]:
    """``(display name, path or None for a built-in)`` for what ``--baseline`` was given."""
    if spec in BUILTIN_NAMES:
        return spec, None
    path = Path(spec)
    if not path.is_file():
        raise ConfigError(
            f"baseline {spec!r} is neither a built-in nor a readable file",
            hint=f"built-ins: {', '.join(BUILTIN_NAMES)}; or give the path of a YAML file",
        )
    return str(path), path


def baseline_json_schema() -> dict[str, Any]:
    """The published JSON Schema of baseline files (``docs/schema/baseline.schema.json``)."""
    schema = Baseline.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://mfaguard.dev/schema/baseline.schema.json",
        "title": "mfaguard baseline",
        **{k: v for k, v in schema.items() if k != "title"},
    }
