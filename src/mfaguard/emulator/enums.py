"""Evolvable enums: members Graph added after ``unknownFutureValue`` (graph.md §11.6, reference CA §1).

Graph replaces every member numerically after the ``unknownFutureValue`` sentinel with
``unknownFutureValue`` unless the request sends ``Prefer: include-unknown-enum-members``; then it serves
the real members and answers ``Preference-Applied: include-unknown-enum-members``. The tables below list
the late members of the enums the emulator serves (from msgraph-metadata; the schema test in
``tests/emulator/test_schema.py`` fails when a served late member is not masked here).

Masks are written as paths into a response object: ``"conditions.platforms.includePlatforms[]"`` — dots
go into objects, ``[]`` into every element of an array.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PREFER_UNKNOWN = "include-unknown-enum-members"
UNKNOWN_FUTURE_VALUE = "unknownFutureValue"


@dataclass(frozen=True)
class Late:
    """The late members of one enum; ``flags`` enums are comma-separated strings."""

    members: frozenset[str]
    flags: bool = False


PLATFORM = Late(frozenset({"linux"}))
GRANT_CONTROL = Late(frozenset({"riskRemediation"}))
METHOD_MODES = Late(frozenset({"qrCodePin"}), flags=True)
CA_RESULT = Late(
    frozenset({"reportOnlySuccess", "reportOnlyFailure", "reportOnlyNotApplied", "reportOnlyInterrupted"})
)
CA_CONDITIONS = Late(
    frozenset({"servicePrincipals", "servicePrincipalRisk", "authenticationFlows", "insiderRisk"}), flags=True
)
CA_RULE = Late(
    frozenset(
        {
            "deviceFilterIncludeRuleNotMatched",
            "allDeviceStates",
            "anonymizedIPAddress",
            "unfamiliarFeatures",
            "nationStateIPAddress",
            "realTimeThreatIntelligence",
            "internalGuest",
            "b2bCollaborationGuest",
            "b2bCollaborationMember",
            "b2bDirectConnectUser",
            "otherExternalUser",
            "serviceProvider",
            "microsoftAdminPortals",
            "deviceCodeFlow",
            "authenticationTransfer",
            "insiderRisk",
        }
    )
)

Masks = Mapping[str, Late]


def wants_unknown(headers: Mapping[str, str]) -> bool:
    """True when the request's ``Prefer`` header (lower-case names) asks for the late members."""
    raw = headers.get("prefer", "")
    return any(token.strip().lower() == PREFER_UNKNOWN for token in raw.split(","))


def _mask_value(value: Any, late: Late) -> Any:
    if not isinstance(value, str):
        return value
    if not late.flags:
        return UNKNOWN_FUTURE_VALUE if value in late.members else value
    parts: list[str] = []
    for part in (p.strip() for p in value.split(",")):
        shown = UNKNOWN_FUTURE_VALUE if part in late.members else part
        if shown not in parts:
            parts.append(shown)
    return ",".join(parts)


def _apply(value: Any, steps: list[str], late: Late) -> Any:
    if not steps:
        return _mask_value(value, late)
    step = steps[0]
    many = step.endswith("[]")
    key = step[:-2] if many else step
    if key:
        if not isinstance(value, dict) or value.get(key) is None:
            return value
        inner = value[key]
        if many:
            if not isinstance(inner, list):
                return value
            new_inner: Any = [_apply(item, steps[1:], late) for item in inner]
        else:
            new_inner = _apply(inner, steps[1:], late)
        return value if new_inner == inner else {**value, key: new_inner}
    if not isinstance(value, list):
        return value
    return [_apply(item, steps[1:], late) for item in value]


def mask_late(value: Any, masks: Masks) -> Any:
    """``value`` with each late member at the ``masks`` paths replaced by ``unknownFutureValue``.

    Containers on a changed path are copied; everything else is shared (rendering stays cheap).
    """
    for path, late in masks.items():
        value = _apply(value, path.split("."), late)
    return value
