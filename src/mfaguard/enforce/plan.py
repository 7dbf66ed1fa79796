"""The planner: current tenant state + baseline → the minimal list of changes. Pure.

``plan`` reads nothing and writes nothing: it takes the raw GET body of the Authentication Methods
Policy (configurations inline, as ``GET /beta/policies/authenticationMethodsPolicy`` returns them),
the baseline and the settings, and returns one :class:`ObjectPlan` per Graph object that must change,
each with its changes ``{path, field, before, after, control_id}`` and the exact PATCH body it will get.

Bodies are read-modify-write (reference/graph.md §3): a method configuration is sent whole (its
``@odata.type``, whole ``includeTargets``/``excludeTargets``, whole ``featureSettings``), keeping the
``authenticationMode``/``isRegistrationRequired`` of every target the change does not touch, without
annotations or read-only properties, and without ``numberMatchingRequiredState`` unless the tenant is
``number_matching: configurable``. The policy root gets only the top-level properties that change,
each one whole (its PATCH merges top-level properties and replaces each complex value).

Pilot (DESIGN §5): with a pilot group G every change applies to G only — a feature's includeTarget
becomes G, a method being turned off gets G added to its excludeTargets, a policy-level setting targets
G. Settings that cannot be scoped to a group (isSoftwareOathEnabled, policyMigrationState, turning a
policy-level setting off) are deferred to the apply without a pilot group and listed in ``notes``.
Planning again with the same pilot group after a pilot apply gives no changes; planning without one
widens to everyone.

Exclusions (``exclusions: break_glass_only``, :mod:`mfaguard.enforce.exclusions`): every place MFA-014
judges keeps only the break-glass groups of the settings. Removing exclusions cannot be scoped to a
pilot group, so a pilot plan defers it (a note says so).

Verification re-uses the planner: an object shows the desired state when planning it again from its
fresh GET body gives no changes (:func:`plan_object`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mfaguard.enforce.baseline import AuthenticatorBaseline, Baseline, is_group_id
from mfaguard.enforce.body import (
    POLICY_PATH,
    method_path,
    method_writable,
    policy_writable,
    strip_annotations,
)
from mfaguard.enforce.exclusions import BREAK_GLASS_ONLY, break_glass_ids, kept_exclude, kept_targets
from mfaguard.model.policy import (
    ALL_USERS,
    APP_INFORMATION,
    AUTHENTICATOR,
    COMPANION_APP,
    EMAIL,
    LOCATION_INFORMATION,
    NUMBER_MATCHING,
    SMS,
    VOICE,
    ZERO_GUID,
)
from mfaguard.model.settings import NumberMatchingMode

PLAN_SCHEMA_VERSION = "1.0"

POLICY_OBJECT = "authenticationMethodsPolicy"
"""Object key of the policy root (method configurations use their id)."""


@dataclass(frozen=True, slots=True)
class PlanSettings:
    """What the planner needs besides the tenant state and the baseline."""

    number_matching: NumberMatchingMode = NumberMatchingMode.SERVICE_ENFORCED
    pilot_group: str | None = None
    break_glass_groups: tuple[str, ...] = ()
    """Group ids that may stay excluded under ``exclusions: break_glass_only``."""

    @property
    def configurable(self) -> bool:
        return self.number_matching is NumberMatchingMode.CONFIGURABLE

    @property
    def keep(self) -> frozenset[str]:
        """The break-glass group ids, lower-case."""
        return break_glass_ids(self.break_glass_groups)


@dataclass(frozen=True, slots=True)
class Change:
    """One field that changes: ``field`` is a dotted path inside the object at ``path``."""

    path: str
    field: str
    before: Any
    after: Any
    control_id: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "field": self.field,
            "before": self.before,
            "after": self.after,
            "control_id": self.control_id,
        }


@dataclass(frozen=True, slots=True)
class ObjectPlan:
    """All changes to one Graph object and the PATCH body that makes them."""

    object_id: str
    """``authenticationMethodsPolicy`` or the configuration id (``MicrosoftAuthenticator``, ``Sms`` ...)."""
    path: str
    changes: tuple[Change, ...]
    body: Mapping[str, Any]
    before: Mapping[str, Any] = field(repr=False)
    """The raw GET body the plan was made from (for the "changed since the plan?" check and rollback)."""

    @property
    def is_policy(self) -> bool:
        return self.object_id == POLICY_OBJECT

    def to_json(self) -> dict[str, Any]:
        return {
            "object": self.object_id,
            "path": self.path,
            "method": "PATCH",
            "changes": [c.to_json() for c in self.changes],
            "body": self.body,
        }


@dataclass(frozen=True, slots=True)
class Plan:
    """The minimal set of changes that brings a tenant to a baseline."""

    baseline: str
    settings: PlanSettings
    objects: tuple[ObjectPlan, ...]
    notes: tuple[str, ...] = ()

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(c for obj in self.objects for c in obj.changes)

    @property
    def empty(self) -> bool:
        return not self.objects

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": PLAN_SCHEMA_VERSION,
            "baseline": self.baseline,
            "pilot_group": self.settings.pilot_group,
            "number_matching": self.settings.number_matching.value,
            "break_glass_groups": list(self.settings.break_glass_groups),
            "objects": [o.to_json() for o in self.objects],
            "changes": [c.to_json() for c in self.changes],
            "notes": list(self.notes),
        }


# --- small helpers over raw JSON ------------------------------------------------------------------


def _find_config(policy_body: Mapping[str, Any], config_id: str) -> Mapping[str, Any] | None:
    for config in policy_body.get("authenticationMethodConfigurations") or ():
        if isinstance(config, Mapping) and str(config.get("id", "")).lower() == config_id.lower():
            return config
    return None


def _target_ids(targets: Any) -> list[str]:
    return [str(t.get("id", "")).lower() for t in targets or () if isinstance(t, Mapping)]


def _feature_target(target_id: str) -> dict[str, str]:
    return {"targetType": "group", "id": target_id}


def _no_exclusion() -> dict[str, str]:
    return _feature_target(ZERO_GUID)


def _same(a: Any, b: Any) -> bool:
    return bool(strip_annotations(a) == strip_annotations(b))


class _Recorder:
    """Applies field changes to a working copy of one object and records each real difference."""

    def __init__(self, path: str, body: dict[str, Any]) -> None:
        self.path = path
        self.body = body
        self.changes: list[Change] = []
        self.touched_top: set[str] = set()

    def set(self, dotted: str, value: Any, control_id: str | None) -> None:
        parts = dotted.split(".")
        node = self.body
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        before = node.get(parts[-1])
        if parts[-1] in node and _same(before, value):
            return
        node[parts[-1]] = copy.deepcopy(value)
        self.changes.append(
            Change(self.path, dotted, copy.deepcopy(before), copy.deepcopy(value), control_id)
        )
        self.touched_top.add(parts[0])

    def put(
        self,
        dotted: str,
        current: Mapping[str, Any] | None,
        wanted: Mapping[str, Any],
        parts: Mapping[str, str],
        *,
        report_as: str | None = None,
    ) -> None:
        """Write a whole complex value (Graph replaces it) and report the change per part.

        ``parts`` maps each reported part to its control id; ``report_as`` names the object in the
        reported field paths when it differs from where it is written.
        """
        cur = dict(current or {})
        if current is not None and _same(wanted, cur):
            return
        self.set(dotted, dict(wanted), None)
        self.changes.pop()
        prefix = report_as or dotted
        for part, control in parts.items():
            if current is None or not _same(cur.get(part), wanted.get(part)):
                self.changes.append(
                    Change(
                        self.path,
                        f"{prefix}.{part}",
                        copy.deepcopy(cur.get(part)),
                        copy.deepcopy(wanted.get(part)),
                        control,
                    )
                )


# --- methods ---------------------------------------------------------------------------------------


def _plan_off_method(
    rec: _Recorder,
    current: Mapping[str, Any],
    desired: str,
    settings: PlanSettings,
    control: str,
    notes: list[str],
) -> None:
    """Sms / Voice: enabled or disabled; a pilot turns a method off for G by excluding G."""
    state = current.get("state")
    if state == desired:
        return
    pilot = settings.pilot_group
    if pilot is None:
        rec.set("state", desired, control)
    elif desired == "disabled":
        _exclude_group(rec, current, pilot, control)
    else:
        notes.append(f"{rec.path}: turning the method on is not piloted; it happens without --pilot-group")


def _exclude_group(rec: _Recorder, current: Mapping[str, Any], group: str, control: str) -> None:
    excludes = list(current.get("excludeTargets") or [])
    if group.lower() not in _target_ids(excludes):
        rec.set("excludeTargets", [*excludes, {"id": group, "targetType": "group"}], control)


def _plan_email(
    rec: _Recorder, current: Mapping[str, Any], desired: str, settings: PlanSettings, notes: list[str]
) -> None:
    control = "MFA-009"
    state = current.get("state")
    includes = list(current.get("includeTargets") or [])
    if desired != "guests_only":
        _plan_off_method(rec, current, desired, settings, control, notes)
        return
    if state == "enabled" and not includes:
        return
    if settings.pilot_group is not None:
        if state == "enabled":
            _exclude_group(rec, current, settings.pilot_group, control)
        else:
            notes.append(
                f"{rec.path}: enabling email OTP for guests is not piloted; it happens without --pilot-group"
            )
        return
    rec.set("state", "enabled", control)
    rec.set("includeTargets", [], control)


_FEATURES: tuple[tuple[str, str, str], ...] = (
    ("number_matching", NUMBER_MATCHING, "MFA-002"),
    ("app_information", APP_INFORMATION, "MFA-003"),
    ("location_information", LOCATION_INFORMATION, "MFA-004"),
    ("companion_app", COMPANION_APP, "MFA-005"),
)


def _desired_feature(
    current: Mapping[str, Any] | None, state: str, auth: AuthenticatorBaseline, keep: frozenset[str] | None
) -> dict[str, Any]:
    """The feature object the baseline wants for everyone (no pilot); ``keep``: the break-glass groups
    when the baseline says ``exclusions: break_glass_only`` (None otherwise)."""
    cur = dict(current or {})
    include = cur.get("includeTarget") if isinstance(cur.get("includeTarget"), Mapping) else None
    exclude = cur.get("excludeTarget") if isinstance(cur.get("excludeTarget"), Mapping) else None
    if state == "enabled" or include is None:
        include = _feature_target(auth.feature_include)
    if auth.sets_feature_exclude:
        exclude = _feature_target(auth.feature_exclude) if auth.feature_exclude else _no_exclusion()
    elif keep is not None:
        exclude = kept_exclude(exclude, keep)
    elif exclude is None:
        exclude = _no_exclusion()
    return {**cur, "state": state, "includeTarget": dict(include), "excludeTarget": dict(exclude)}


_JUDGED_FEATURES = frozenset({NUMBER_MATCHING, APP_INFORMATION, LOCATION_INFORMATION})
"""Features whose exclusion MFA-014 judges (not Authenticator Lite: excluding people from a weak
option is fine)."""


def _covers_all(feature: Mapping[str, Any] | None) -> bool:
    if not feature or feature.get("state") != "enabled":
        return False
    include = feature.get("includeTarget")
    return isinstance(include, Mapping) and str(include.get("id", "")).lower() == ALL_USERS


def _plan_features(
    rec: _Recorder,
    body: Mapping[str, Any],
    auth: AuthenticatorBaseline,
    settings: PlanSettings,
    notes: list[str],
    keep: frozenset[str] | None,
) -> None:
    features = body.get("featureSettings") if isinstance(body.get("featureSettings"), Mapping) else {}
    assert isinstance(features, Mapping)
    for key, name, control in _FEATURES:
        state = getattr(auth, key)
        judged = keep if name in _JUDGED_FEATURES else None
        if state is None:
            _prune_feature(rec, features.get(name), name, settings, notes, judged)
            continue
        if name == NUMBER_MATCHING and not settings.configurable:
            # Enforced by Microsoft since 2023-05-08; Graph rejects any write of it (graph.md §3 rule 5).
            notes.append(
                "number_matching is enforced by Microsoft and not written (set number_matching: configurable "
                "only for a tenant that still has the pre-2023 control)"
            )
            continue
        current = features.get(name) if isinstance(features.get(name), Mapping) else None
        if current is None and name == COMPANION_APP and settings.configurable:
            # Authenticator Lite arrived in 2023, with enforced number matching: a tenant that still
            # has the pre-2023 control has no such setting, and Graph would reject it.
            notes.append(f"{rec.path}: the tenant has no {COMPANION_APP} (pre-2023 policy); not written")
            continue
        wanted = _desired_feature(current, state, auth, judged if settings.pilot_group is None else None)
        if current is not None and _same(wanted, current):
            continue
        pilot = settings.pilot_group
        if pilot is not None:
            piloted = _pilot_feature(current, wanted, pilot, state)
            if piloted is None:
                notes.append(
                    f"{rec.path}: featureSettings.{name} -> {state} cannot be scoped to the pilot group; "
                    "it happens without --pilot-group"
                )
                continue
            wanted = piloted
        parts = {"state": control, "includeTarget": control, "excludeTarget": "MFA-014"}
        rec.put(f"featureSettings.{name}", current, wanted, parts)


def _prune_feature(
    rec: _Recorder,
    current: Any,
    name: str,
    settings: PlanSettings,
    notes: list[str],
    keep: frozenset[str] | None,
) -> None:
    """A feature the baseline leaves as it is, but whose exclusion ``break_glass_only`` removes."""
    if keep is None or not isinstance(current, Mapping):
        return
    exclude = current.get("excludeTarget")
    wanted = {**current, "excludeTarget": kept_exclude(exclude, keep)}
    if _same(wanted, current):
        return
    if name == NUMBER_MATCHING and not settings.configurable:
        notes.append(
            f"{rec.path}: the exclusion of {NUMBER_MATCHING} cannot be written (Microsoft enforces number "
            "matching; Graph rejects writes of it): remove it in the Entra admin center"
        )
        return
    if settings.pilot_group is not None:
        notes.append(_EXCLUSIONS_NOT_PILOTED)
        return
    rec.put(f"featureSettings.{name}", current, wanted, {"excludeTarget": "MFA-014"})


_EXCLUSIONS_NOT_PILOTED = (
    "exclusions: removing exclusions cannot be scoped to a pilot group; it happens without --pilot-group"
)


def _prune_excludes(
    rec: _Recorder,
    current: Mapping[str, Any],
    keep: frozenset[str] | None,
    settings: PlanSettings,
    notes: list[str],
) -> None:
    """The method's ``excludeTargets`` under ``break_glass_only``."""
    if keep is None:
        return
    excludes = [dict(t) for t in current.get("excludeTargets") or [] if isinstance(t, Mapping)]
    wanted = kept_targets(excludes, keep)
    if _same(wanted, excludes):
        return
    if settings.pilot_group is not None:
        notes.append(_EXCLUSIONS_NOT_PILOTED)
        return
    rec.set("excludeTargets", wanted, "MFA-014")


def _pilot_feature(
    current: Mapping[str, Any] | None, wanted: Mapping[str, Any], pilot: str, state: str
) -> dict[str, Any] | None:
    if state == "enabled":
        if _covers_all(current):
            return dict(wanted)  # already on for everyone: never narrow it to the pilot group
        return {**wanted, "includeTarget": _feature_target(pilot)}
    if state == "disabled":
        # Off for G only = on for everyone else with G excluded; needs the single exclude slot.
        cur = dict(current or {})
        exclude = cur.get("excludeTarget")
        exclude_id = str(exclude.get("id", "")) if isinstance(exclude, Mapping) else ZERO_GUID
        if exclude_id.lower() not in (ZERO_GUID, pilot.lower()):
            return None
        if cur.get("state") == "disabled":
            return None
        include = cur.get("includeTarget") if isinstance(cur.get("includeTarget"), Mapping) else None
        return {
            **cur,
            "state": "enabled",
            "includeTarget": dict(include) if include else _feature_target(ALL_USERS),
            "excludeTarget": _feature_target(pilot),
        }
    return None


def _plan_authenticator(
    rec: _Recorder,
    current: Mapping[str, Any],
    auth: AuthenticatorBaseline,
    settings: PlanSettings,
    notes: list[str],
    keep: frozenset[str] | None = None,
) -> None:
    pilot = settings.pilot_group
    includes: list[dict[str, Any]] | None = [
        dict(t) for t in current.get("includeTargets") or [] if isinstance(t, Mapping)
    ]
    if auth.state is not None and current.get("state") != auth.state:
        if pilot is None:
            rec.set("state", auth.state, "MFA-001")
        elif auth.state == "disabled":
            _exclude_group(rec, current, pilot, "MFA-001")
        else:
            # Turned on for the pilot group only; the apply without a pilot group adds `include`.
            rec.set("state", "enabled", "MFA-001")
            rec.set("includeTargets", [_method_target(pilot, auth)], "MFA-001")
            includes = None
    if includes is not None and auth.include:
        if pilot is None:
            _plan_include(rec, includes, auth.include, auth, replace=auth.replace_targets)
        else:
            ids = _target_ids(includes)
            if ALL_USERS not in ids and any(t not in ids for t in auth.include):
                _plan_include(rec, includes, [pilot.lower()], auth, replace=False)
    if auth.software_oath is not None and current.get("isSoftwareOathEnabled") != auth.software_oath:
        if pilot is None:
            rec.set("isSoftwareOathEnabled", auth.software_oath, "MFA-006")
        else:
            notes.append(
                f"{rec.path}: isSoftwareOathEnabled applies to everyone; it changes without --pilot-group"
            )
    _prune_excludes(rec, current, keep, settings, notes)
    _plan_features(rec, current, auth, settings, notes, keep)


def _method_target(target_id: str, auth: AuthenticatorBaseline) -> dict[str, Any]:
    return {
        "targetType": "group",
        "id": target_id,
        "isRegistrationRequired": False,
        "authenticationMode": auth.authentication_mode,
    }


def _plan_include(
    rec: _Recorder,
    includes: list[dict[str, Any]],
    required: Sequence[str],
    auth: AuthenticatorBaseline,
    *,
    replace: bool,
) -> None:
    by_id = {str(t.get("id", "")).lower(): t for t in includes}
    if replace:
        # Exactly the required targets; a target that stays keeps its mode and flags.
        new = [by_id.get(tid, _method_target(tid, auth)) for tid in required]
    else:
        new = list(includes) + [_method_target(tid, auth) for tid in required if tid not in by_id]
    if not _same(new, includes):
        rec.set("includeTargets", new, "MFA-001")


# --- the policy root --------------------------------------------------------------------------------


def _plan_policy(
    rec: _Recorder, current: Mapping[str, Any], baseline: Baseline, settings: PlanSettings, notes: list[str]
) -> None:
    pilot = settings.pilot_group
    rsa = baseline.report_suspicious_activity
    if rsa is not None:
        cur = current.get("reportSuspiciousActivitySettings")
        cur = dict(cur) if isinstance(cur, Mapping) else {"voiceReportingCode": 0}
        wanted = {**cur, "state": rsa}
        if rsa == "enabled" or not isinstance(cur.get("includeTarget"), Mapping):
            wanted["includeTarget"] = _feature_target(ALL_USERS)
        if not _same(wanted, cur):
            if pilot is not None and rsa == "enabled":
                if not _covers_all(cur):
                    wanted["includeTarget"] = _feature_target(pilot)
            elif pilot is not None:
                notes.append("reportSuspiciousActivitySettings: turning it off is not piloted")
                wanted = cur
            rec.put(
                "reportSuspiciousActivitySettings",
                cur,
                wanted,
                {"state": "MFA-010", "includeTarget": "MFA-010"},
            )
    keep = settings.keep if baseline.exclusions == BREAK_GLASS_ONLY else None
    spm = baseline.system_preferred_mfa
    raw = current.get("systemCredentialPreferences")
    if spm is not None or (keep is not None and isinstance(raw, Mapping)):
        cur = dict(raw) if isinstance(raw, Mapping) else {"excludeTargets": [], "includeTargets": []}
        wanted = (
            _plan_targeted(cur, spm, pilot, {}, "systemCredentialPreferences", notes) if spm else dict(cur)
        )
        wanted = _keep_break_glass(wanted, cur, keep, pilot, notes)
        parts = {"state": "MFA-011", "includeTargets": "MFA-011", "excludeTargets": "MFA-014"}
        rec.put("systemCredentialPreferences", cur, wanted, parts)
    campaign = baseline.registration_campaign
    enforcement = current.get("registrationEnforcement")
    enforcement = dict(enforcement) if isinstance(enforcement, Mapping) else {}
    raw = enforcement.get("authenticationMethodsRegistrationCampaign")
    if campaign is not None or (keep is not None and isinstance(raw, Mapping)):
        cur_c = (
            dict(raw)
            if isinstance(raw, Mapping)
            else {"snoozeDurationInDays": 1, "excludeTargets": [], "includeTargets": []}
        )
        extra = {"targetedAuthenticationMethod": "microsoftAuthenticator"}
        wanted = (
            _plan_targeted(cur_c, campaign, pilot, extra, "registration campaign", notes)
            if campaign
            else dict(cur_c)
        )
        wanted = _keep_break_glass(wanted, cur_c, keep, pilot, notes)
        if not _same(wanted, cur_c):
            whole = {**enforcement, "authenticationMethodsRegistrationCampaign": wanted}
            rec.put(
                "registrationEnforcement",
                enforcement,
                whole,
                {},
                report_as="registrationEnforcement.authenticationMethodsRegistrationCampaign",
            )
            prefix = "registrationEnforcement.authenticationMethodsRegistrationCampaign"
            for part, control in (
                ("state", "MFA-012"),
                ("includeTargets", "MFA-012"),
                ("excludeTargets", "MFA-014"),
            ):
                if not _same(cur_c.get(part), wanted.get(part)):
                    rec.changes.append(
                        Change(rec.path, f"{prefix}.{part}", cur_c.get(part), wanted.get(part), control)
                    )
    if baseline.migration == "complete" and current.get("policyMigrationState") not in ("migrationComplete",):
        if pilot is None:
            rec.set("policyMigrationState", "migrationComplete", "MFA-013")
        else:
            notes.append("policyMigrationState applies to the whole tenant; it changes without --pilot-group")


def _keep_break_glass(
    wanted: dict[str, Any],
    cur: Mapping[str, Any],
    keep: frozenset[str] | None,
    pilot: str | None,
    notes: list[str],
) -> dict[str, Any]:
    """``wanted`` with ``excludeTargets`` cut to the break-glass groups (``break_glass_only``)."""
    if keep is None:
        return wanted
    excludes = [dict(t) for t in cur.get("excludeTargets") or [] if isinstance(t, Mapping)]
    kept = kept_targets(excludes, keep)
    if _same(kept, excludes):
        return wanted
    if pilot is not None:
        notes.append(_EXCLUSIONS_NOT_PILOTED)
        return wanted
    return {**wanted, "excludeTargets": kept}


def _plan_targeted(
    cur: dict[str, Any], state: str, pilot: str | None, extra: Mapping[str, str], what: str, notes: list[str]
) -> dict[str, Any]:
    """System-preferred MFA and the registration campaign: state + includeTargets (a list)."""
    includes = [dict(t) for t in cur.get("includeTargets") or [] if isinstance(t, Mapping)]
    wanted = {**cur, "state": state}
    has_all = ALL_USERS in _target_ids(includes)
    if state == "enabled" and not has_all:
        wanted["includeTargets"] = [{"id": ALL_USERS, "targetType": "group", **extra}]
    if _same(wanted, cur) or pilot is None:
        return wanted
    if state != "enabled":
        notes.append(f"{what}: turning it {state} is not piloted; it changes without --pilot-group")
        return cur
    if cur.get("state") == "enabled" and has_all:
        return wanted
    kept = includes if cur.get("state") == "enabled" else []
    if pilot.lower() not in _target_ids(kept):
        kept = [*kept, {"id": pilot, "targetType": "group", **extra}]
    return {**cur, "state": "enabled", "includeTargets": kept}


# --- entry points -----------------------------------------------------------------------------------

_METHOD_ORDER = (AUTHENTICATOR, SMS, VOICE, EMAIL)


def plan_object(
    object_id: str,
    body: Mapping[str, Any],
    baseline: Baseline,
    settings: PlanSettings,
    notes: list[str] | None = None,
) -> ObjectPlan | None:
    """Plan one Graph object from its raw GET body; None when it already shows the desired state."""
    notes = notes if notes is not None else []
    if object_id == POLICY_OBJECT:
        rec = _Recorder(POLICY_PATH, policy_writable(body))
        _plan_policy(rec, body, baseline, settings, notes)
        if not rec.changes:
            return None
        patch = {k: rec.body[k] for k in sorted(rec.touched_top) if k in rec.body}
        return ObjectPlan(POLICY_OBJECT, POLICY_PATH, tuple(rec.changes), patch, copy.deepcopy(dict(body)))
    config_id = str(body.get("id") or object_id)
    rec = _Recorder(
        method_path(config_id), method_writable(body, number_matching_configurable=settings.configurable)
    )
    key = config_id.lower()
    keep = settings.keep if baseline.exclusions == BREAK_GLASS_ONLY else None
    if key == AUTHENTICATOR.lower() and (baseline.authenticator is not None or keep is not None):
        _plan_authenticator(
            rec, body, baseline.authenticator or AuthenticatorBaseline(), settings, notes, keep
        )
    elif key == SMS.lower() and baseline.sms is not None:
        _plan_off_method(rec, body, baseline.sms, settings, "MFA-007", notes)
    elif key == VOICE.lower() and baseline.voice is not None:
        _plan_off_method(rec, body, baseline.voice, settings, "MFA-008", notes)
    elif key == EMAIL.lower() and baseline.email is not None:
        _plan_email(rec, body, baseline.email, settings, notes)
    if not rec.changes:
        return None
    return ObjectPlan(config_id, rec.path, tuple(rec.changes), rec.body, copy.deepcopy(dict(body)))


def plan(
    policy_body: Mapping[str, Any],
    baseline: Baseline,
    settings: PlanSettings,
    *,
    baseline_name: str = "baseline",
) -> Plan:
    """The minimal changes that bring the policy (raw beta GET body) to ``baseline``. Pure."""
    notes: list[str] = []
    objects: list[ObjectPlan] = []
    wanted = {
        AUTHENTICATOR: baseline.authenticator is not None or baseline.exclusions is not None,
        SMS: baseline.sms is not None,
        VOICE: baseline.voice is not None,
        EMAIL: baseline.email is not None,
    }
    for config_id in _METHOD_ORDER:
        if not wanted[config_id]:
            continue
        config = _find_config(policy_body, config_id)
        if config is None:
            notes.append(f"the tenant has no {config_id} configuration; nothing to change there")
            continue
        obj = plan_object(config_id, config, baseline, settings, notes)
        if obj is not None:
            objects.append(obj)
    root = plan_object(POLICY_OBJECT, policy_body, baseline, settings, notes)
    if root is not None:
        objects.append(root)
    if settings.pilot_group is not None and not is_group_id(settings.pilot_group):
        notes.append(f"pilot group {settings.pilot_group!r} is not a group id")
    return Plan(baseline_name, settings, tuple(objects), tuple(dict.fromkeys(notes)))


def proposed_policy(policy_body: Mapping[str, Any], p: Plan) -> dict[str, Any]:
    """The policy body as it will read after ``p`` is applied (for the lock-out guard). Pure.

    Graph's PATCH semantics (graph.md §3): top-level values of the body replace the stored ones,
    each ``featureSettings`` member is replaced whole, properties not in the body keep their values.
    """
    out = copy.deepcopy(dict(policy_body))
    for obj in p.objects:
        if obj.is_policy:
            out.update(copy.deepcopy(dict(obj.body)))
            continue
        for config in out.get("authenticationMethodConfigurations") or []:
            if isinstance(config, dict) and str(config.get("id", "")).lower() == obj.object_id.lower():
                for key, value in obj.body.items():
                    if key == "featureSettings" and isinstance(value, Mapping):
                        features = config.setdefault("featureSettings", {})
                        features.update(copy.deepcopy(dict(value)))
                    elif key != "@odata.type" or key not in config:
                        config[key] = copy.deepcopy(value)
    return out
