"""PATCH bodies: what may be sent back to Graph from a GET body (read-modify-write rules).

Graph facts (reference/graph.md §3, §11): a per-method PATCH needs ``@odata.type`` and replaces whole
collections and whole feature objects, so bodies are built from a fresh GET; ``@odata.context``
annotations and read-only properties are stripped; ``numberMatchingRequiredState`` is rejected since
Microsoft enforced number matching (2023-05-08; M365DSC #3406) and is sent only to tenants configured
``number_matching: configurable``. Pure functions; no I/O.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from mfaguard.model.policy import NUMBER_MATCHING, ODATA_TYPES

POLICY_PATH = "/policies/authenticationMethodsPolicy"
"""The policy root; PATCH returns 200 with the policy."""

METHOD_READ_ONLY = frozenset({"id"})
"""Read-only properties of a method configuration (the id is in the URL)."""

POLICY_READ_ONLY = frozenset(
    {
        "id",
        "displayName",
        "description",
        "lastModifiedDateTime",
        "policyVersion",
        # Navigation property, expanded inline by GET; each configuration is PATCHed on its own URL.
        "authenticationMethodConfigurations",
    }
)
"""Read-only (or not-patchable-here) properties of the policy root."""


def method_path(config_id: str) -> str:
    """URL path of one method configuration (relative to the Graph version root)."""
    return f"{POLICY_PATH}/authenticationMethodConfigurations/{config_id}"


def strip_annotations(value: Any) -> Any:
    """A deep copy without OData annotations (``@odata.context``, ``includeTargets@odata.context``,
    ``@odata.etag`` ...) except ``@odata.type``, which a method PATCH requires."""
    if isinstance(value, Mapping):
        return {
            k: strip_annotations(v) for k, v in value.items() if k == "@odata.type" or "@odata." not in str(k)
        }
    if isinstance(value, list | tuple):
        return [strip_annotations(v) for v in value]
    return copy.deepcopy(value)


def method_writable(body: Mapping[str, Any], *, number_matching_configurable: bool) -> dict[str, Any]:
    """The writable part of a method configuration GET body: what a read-modify-write PATCH sends.

    Keeps ``@odata.type`` (adding the known one when a GET, e.g. an inline configuration, lacks it),
    whole collections and whole feature objects; drops annotations, read-only properties and, unless
    the tenant is configurable, ``featureSettings.numberMatchingRequiredState``.
    """
    out: dict[str, Any] = strip_annotations(body)
    config_id = str(body.get("id", ""))
    for key in METHOD_READ_ONLY:
        out.pop(key, None)
    if "@odata.type" not in out and config_id.lower() in ODATA_TYPES:
        out = {"@odata.type": ODATA_TYPES[config_id.lower()], **out}
    features = out.get("featureSettings")
    if not number_matching_configurable and isinstance(features, dict):
        features.pop(NUMBER_MATCHING, None)
    return out


def policy_writable(body: Mapping[str, Any]) -> dict[str, Any]:
    """The writable part of the policy root GET body (no configurations, no read-only properties)."""
    out: dict[str, Any] = strip_annotations(body)
    for key in POLICY_READ_ONLY:
        out.pop(key, None)
    return out


def comparable(body: Mapping[str, Any], *, is_policy: bool) -> dict[str, Any]:
    """What two reads of the same object must agree on to count as "unchanged" (no annotations,
    no read-only properties; number matching included, since a concurrent edit of it counts)."""
    if is_policy:
        return policy_writable(body)
    return method_writable(body, number_matching_configurable=True)
