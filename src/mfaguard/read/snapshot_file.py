"""mfaguard snapshot files: what was read from a tenant, when, from which API version, verbatim.

A snapshot file is one JSON object::

    {
      "format": "mfaguard-snapshot",
      "format_version": 1,
      "tenant": {"id": "<tenant GUID or null>", "name": "<name or null>"},
      "api_version": "beta",                 # or "v1.0": the endpoint the policy was read from
      "captured_at": "2026-11-28T19:00:00+00:00",
      "source": "graph",                     # graph | graph-explorer | emulator | ...
      "raw": {
        "policy": { ...body of GET /policies/authenticationMethodsPolicy... },
        "groups": {"<group id>": {"id": ..., "displayName": ...} or null (not found), ...} or null
      },
      "read_errors": {"groups": "<why it could not be read>"}   # only when a part failed
    }

An optional ``"directory"`` object holds what coverage read (users, nested group members, the
registration report; see :mod:`mfaguard.read.directory_json`), so MFA-016..018, ``coverage`` and
``explain`` can run offline on the file.

Raw bodies are kept exactly as Graph sent them, so a snapshot can be re-judged by a newer mfaguard
(new controls, fixed parsers) and diffed. ``groups`` is null when the directory was not read.

:func:`load_snapshot` also accepts the raw body of ``GET /beta/policies/authenticationMethodsPolicy``
as saved from Graph Explorer (``source`` ``graph-explorer``, tenant and capture time unknown).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mfaguard.config.files import write_text_atomic
from mfaguard.errors import InputError, nested_too_deeply
from mfaguard.graph.parse import PolicyShapeError, describe_json, detect_api_version, json_field, parse_policy
from mfaguard.model.policy import ApiVersion, GroupInfo, JsonObject, TenantInfo, TenantSnapshot

__all__ = [
    "SNAPSHOT_FORMAT",
    "SNAPSHOT_FORMAT_VERSION",
    "build_snapshot",
    "load_snapshot",
    "parse_snapshot_document",
    "save_snapshot",
    "snapshot_to_json",
]

SNAPSHOT_FORMAT = "mfaguard-snapshot"
SNAPSHOT_FORMAT_VERSION = 1
"""Bump when a reader of the previous version could misread a new file."""

SOURCE_GRAPH_EXPLORER = "graph-explorer"

_EXPECTED = (
    "expected an mfaguard snapshot (mfaguard export) or the body of "
    "GET /beta/policies/authenticationMethodsPolicy saved from Graph Explorer"
)


def build_snapshot(
    policy_body: JsonObject,
    *,
    tenant: TenantInfo,
    api_version: ApiVersion | None = None,
    captured_at: datetime | None,
    group_bodies: Mapping[str, Mapping[str, Any] | None] | None = None,
    source: str = "graph",
) -> TenantSnapshot:
    """A snapshot from raw Graph bodies.

    ``api_version`` None → detected from the body's ``@odata.context``. ``group_bodies`` maps each
    group id the policy names to its Graph body, or None when Graph said it does not exist; pass None
    (not {}) when the directory was not read.
    """
    version = api_version if api_version is not None else detect_api_version(policy_body)
    policy = parse_policy(policy_body, api_version=version)
    groups: dict[str, GroupInfo] | None = None
    if group_bodies is not None:
        groups = {}
        for group_id, body in group_bodies.items():
            name = body.get("displayName") if body is not None else None
            groups[group_id.lower()] = GroupInfo(
                id=group_id,
                exists=body is not None,
                display_name=name if isinstance(name, str) else None,
            )
    raw: dict[str, Any] = {"policy": policy_body}
    if group_bodies is not None:
        raw["groups"] = {k: (dict(v) if v is not None else None) for k, v in group_bodies.items()}
    return TenantSnapshot(
        tenant=tenant,
        api_version=version,
        captured_at=captured_at,
        policy=policy,
        groups=groups,
        source=source,
        raw=raw,
    )


def snapshot_to_json(snap: TenantSnapshot) -> dict[str, Any]:
    """The snapshot file document (see the module docstring)."""
    policy = snap.raw.get("policy", snap.policy.raw)
    groups = snap.raw.get("groups")
    if groups is None and snap.groups is not None:
        groups = {
            info.id: ({"id": info.id, "displayName": info.display_name} if info.exists else None)
            for info in snap.groups.values()
        }
    document: dict[str, Any] = {
        "format": SNAPSHOT_FORMAT,
        "format_version": SNAPSHOT_FORMAT_VERSION,
        "tenant": {"id": snap.tenant.id, "name": snap.tenant.name},
        "api_version": snap.api_version.value,
        "captured_at": snap.captured_at.isoformat() if snap.captured_at else None,
        "source": snap.source,
        "raw": {"policy": policy, "groups": groups},
        **_directory_json(snap),
    }
    if snap.read_errors:
        # Parts the capture could not read: an offline re-audit must judge them ERROR as the live one did.
        document["read_errors"] = dict(snap.read_errors)
    return document


def _directory_json(snap: TenantSnapshot) -> dict[str, Any]:
    """``{"directory": ...}`` when the snapshot carries coverage's directory data, else nothing."""
    if snap.directory is None:
        return {}
    from mfaguard.read.directory_json import directory_to_json

    return {"directory": directory_to_json(snap.directory)}


def save_snapshot(snap: TenantSnapshot, path: str | os.PathLike[str]) -> None:
    """Write the snapshot file atomically (a crash never leaves half a file behind)."""
    text = json.dumps(snapshot_to_json(snap), indent=2, sort_keys=False) + "\n"
    write_text_atomic(path, text)


def load_snapshot(path: str | os.PathLike[str], *, directory: bool = False) -> TenantSnapshot:
    """Read an mfaguard snapshot file or a raw Graph Explorer policy body.

    Raises :class:`InputError` naming the file (and line or field) for anything unreadable, empty,
    not JSON, or of the wrong kind — and with ``directory`` (``coverage``, ``explain``) for a snapshot
    without directory data.
    """
    snapshot = _load(path)
    if directory and snapshot.directory is None:
        raise InputError(
            "the snapshot holds no directory data (users, groups, registration report)",
            file=str(path),
            hint="run mfaguard coverage against the tenant, or use a snapshot exported with directory data",
        )
    return snapshot


def _load(path: str | os.PathLike[str]) -> TenantSnapshot:
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # Windows tools like to add a BOM
    except FileNotFoundError:
        raise InputError("no such file", file=name, hint="check the --snapshot path") from None
    except UnicodeDecodeError:
        raise InputError("not a UTF-8 text file; " + _EXPECTED, file=name) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", file=name) from None
    if not text.strip():
        raise InputError("the file is empty; " + _EXPECTED, file=name)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); " + _EXPECTED,
            file=name,
            line=exc.lineno,
        ) from None
    except RecursionError:
        raise nested_too_deeply(name) from None
    try:
        return parse_snapshot_document(document)
    except RecursionError:
        raise nested_too_deeply(name) from None
    except PolicyShapeError as exc:
        raise InputError(exc.problem, file=name, key=exc.path, hint=exc.hint) from None
    except InputError as exc:
        raise InputError(exc.message, file=name, hint=exc.hint) from None


def parse_snapshot_document(document: Any) -> TenantSnapshot:
    """A parsed JSON document → snapshot (mfaguard snapshot or raw policy body); InputError otherwise."""
    if isinstance(document, list):
        raise InputError("the file holds a JSON array; " + _EXPECTED)
    if not isinstance(document, dict):
        raise InputError(f"the file holds {describe_json(document)}; " + _EXPECTED)
    if document.get("format") == SNAPSHOT_FORMAT:
        return _from_snapshot_document(document)
    if _is_policy_body(document):
        return build_snapshot(
            document,
            tenant=TenantInfo(id=None),
            captured_at=None,
            source=SOURCE_GRAPH_EXPLORER,
        )
    raise InputError(f"the file holds {_guess_kind(document)}; " + _EXPECTED)


def _is_policy_body(document: JsonObject) -> bool:
    context = document.get("@odata.context")
    if isinstance(context, str) and "authenticationmethodspolicy" in context.lower():
        return True
    return (
        document.get("id") == "authenticationMethodsPolicy"
        or "authenticationMethodConfigurations" in document
    )


def _guess_kind(document: JsonObject) -> str:
    """A short phrase for what a wrong-kind document seems to be (helps the user pick the right file)."""
    if "findings" in document and "schema_version" in document:
        return "an mfaguard audit report, not a snapshot"
    if "tenants" in document:
        return "a multi-tenant (fleet) document"
    odata_type = document.get("@odata.type")
    if isinstance(odata_type, str) and odata_type.endswith("AuthenticationMethodConfiguration"):
        return f"a single method configuration ({odata_type}), not the whole policy"
    if isinstance(document.get("value"), list):
        return 'a Graph collection page ({"value": [...]})'
    if "format" in document:
        return f"a document of format {describe_json(document['format'])}"
    keys = ", ".join(sorted(str(k) for k in document)[:5]) or "no keys"
    return f"a JSON object of an unknown kind (keys: {keys})"


def _from_snapshot_document(document: JsonObject) -> TenantSnapshot:
    version = json_field(document, "format_version", int, "")
    if version is None:
        raise PolicyShapeError("format_version", "missing")
    if version > SNAPSHOT_FORMAT_VERSION or version < 1:
        raise InputError(
            f"snapshot format_version {version} is not one this mfaguard reads "
            f"(1..{SNAPSHOT_FORMAT_VERSION})",
            hint="upgrade mfaguard, or re-export the snapshot with this version",
        )
    tenant = json_field(document, "tenant", dict, "") or {}
    api_version_text = json_field(document, "api_version", str, "")
    raw = json_field(document, "raw", dict, "")
    if raw is None:
        raise PolicyShapeError("raw", "missing: the snapshot holds no Graph bodies")
    policy_body = json_field(raw, "policy", dict, "raw")
    if policy_body is None:
        raise PolicyShapeError("raw.policy", "missing: the snapshot holds no policy body")
    if api_version_text is None:
        api_version = detect_api_version(policy_body)
    else:
        try:
            api_version = ApiVersion(api_version_text)
        except ValueError:
            raise PolicyShapeError(
                "api_version", f'expected "beta" or "v1.0", got "{api_version_text}"'
            ) from None
    groups_raw = json_field(raw, "groups", dict, "raw")
    group_bodies: dict[str, Mapping[str, Any] | None] | None = None
    if groups_raw is not None:
        group_bodies = {}
        for group_id, body in groups_raw.items():
            if body is not None and not isinstance(body, dict):
                raise PolicyShapeError(
                    f"raw.groups.{group_id}", f"expected an object or null, got {describe_json(body)}"
                )
            group_bodies[group_id] = body
    snapshot = build_snapshot(
        policy_body,
        tenant=TenantInfo(
            id=json_field(tenant, "id", str, "tenant"), name=json_field(tenant, "name", str, "tenant")
        ),
        api_version=api_version,
        captured_at=_timestamp(json_field(document, "captured_at", str, ""), "captured_at"),
        group_bodies=group_bodies,
        source=json_field(document, "source", str, "") or "snapshot",
    )
    read_errors = json_field(document, "read_errors", dict, "") or {}
    if read_errors:
        for part, reason in read_errors.items():
            if not isinstance(reason, str):
                raise PolicyShapeError(
                    f"read_errors.{part}", f"expected a string, got {describe_json(reason)}"
                )
        snapshot = dataclasses.replace(snapshot, read_errors=dict(read_errors))
    if document.get("directory") is not None:
        from mfaguard.read.directory_json import directory_from_json

        snapshot = dataclasses.replace(snapshot, directory=directory_from_json(document["directory"]))
    return snapshot


def _timestamp(text: str | None, path: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise PolicyShapeError(path, f'expected an ISO 8601 timestamp, got "{text}"') from None
    # A timestamp without offset is taken as UTC (mfaguard writes UTC; a hand edit may drop the offset).
    return value if value.tzinfo else value.replace(tzinfo=UTC)
