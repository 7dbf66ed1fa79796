"""Microsoft Graph's published schema (tests/fixtures/graph_schema.json), and a walker that checks JSON against it.

The fixture is msgraph-metadata reduced to the types mfaguard touches (regenerate it with
``tools/graph_schema_fixture.py``; its ``source`` key names the commit). :class:`GraphSchema` walks a
response or request body and lists every property, type, ``@odata.type`` or enum member the schema does
not have, honouring the API version, derived types (``@odata.type``), open types, nullability and evolvable
enums (a member numerically after ``unknownFutureValue`` may only be served to a caller that sent
``Prefer: include-unknown-enum-members``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "graph_schema.json"
NS = "microsoft.graph."
UFV = "unknownFutureValue"
# OData control information a payload may carry (instance annotations Graph emits).
_INSTANCE_ANNOTATIONS = frozenset(
    {
        "@odata.context",
        "@odata.type",
        "@odata.id",
        "@odata.etag",
        "@odata.nextLink",
        "@odata.count",
        "@odata.deltaLink",
    }
)
_STRINGS = frozenset(
    {
        "Edm.String",
        "Edm.Guid",
        "Edm.Date",
        "Edm.Duration",
        "Edm.TimeOfDay",
        "Edm.Binary",
        "Edm.DateTimeOffset",
    }
)
_INTS = frozenset({"Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.SByte"})
_FLOATS = frozenset({"Edm.Double", "Edm.Single", "Edm.Decimal"})
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})$")


@cache
def load_fixture() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text("utf-8"))
    return data


def _element(type_ref: str) -> tuple[str, bool]:
    if type_ref.startswith("Collection(") and type_ref.endswith(")"):
        return type_ref[11:-1], True
    return type_ref, False


def _type_name(odata_type: str) -> str:
    name = odata_type.lstrip("#")
    return name[len(NS) :] if name.startswith(NS) and "." not in name[len(NS) :] else name


class GraphSchema:
    """One API version of the reduced schema."""

    def __init__(self, version: str) -> None:
        model = load_fixture()[version]
        self.version = version
        self.types: dict[str, Any] = model["types"]
        self.enums: dict[str, Any] = model["enums"]
        self.paths: dict[str, str] = model["paths"]

    # ------------------------------------------------------------------------------------ lookups

    def path_type(self, path: str) -> str | None:
        """The type a request path returns: ``/users/abc/memberOf`` → ``Collection(directoryObject)``."""
        segments = [s for s in path.split("?")[0].strip("/").split("/") if s]
        for template, type_ref in self.paths.items():
            parts = template.split("/")
            if len(parts) == len(segments) and all(
                p == "{id}" or p.lower() == s.lower() for p, s in zip(parts, segments, strict=True)
            ):
                return type_ref
        return None

    def is_derived(self, child: str, base: str) -> bool:
        seen: str | None = child
        while seen:
            if seen == base:
                return True
            seen = self.types.get(seen, {}).get("base")
        return False

    def member(self, type_name: str, prop: str) -> tuple[str, bool, bool] | None:
        """``(type, nullable, is_navigation)`` of a property declared on the type or one of its bases."""
        seen: str | None = type_name
        while seen:
            spec = self.types.get(seen)
            if spec is None:
                return None
            if prop in spec["props"]:
                prop_type, nullable = spec["props"][prop]
                return str(prop_type), bool(nullable), False
            if prop in spec["navs"]:
                return str(spec["navs"][prop]), True, True
            seen = spec.get("base")
        return None

    def is_open(self, type_name: str) -> bool:
        seen: str | None = type_name
        while seen:
            spec = self.types.get(seen, {})
            if spec.get("open"):
                return True
            seen = spec.get("base")
        return False

    def late_members(self, enum_name: str) -> frozenset[str]:
        """Members numerically after ``unknownFutureValue`` (served only with the Prefer header)."""
        members = self.enums[enum_name]["members"]
        sentinel = next(
            (m for m in members if m.lower() == UFV.lower()), None
        )  # tokenIssuerType: "UnknownFutureValue"
        if sentinel is None:
            return frozenset()
        return frozenset(m for m, v in members.items() if v > members[sentinel])

    # -------------------------------------------------------------------------------------- walks

    def check_response(self, path: str, body: Any, *, prefer_unknown: bool = False) -> list[str]:
        """Problems in a response ``body`` for a GET/POST on ``path`` (after the version segment)."""
        type_ref = self.path_type(path)
        if type_ref is None:
            return [f"{path}: not a path of Graph {self.version} (per the schema fixture)"]
        element, many = _element(type_ref)
        if not isinstance(body, dict):
            return [f"{path}: body is not a JSON object"]
        if many and "value" in body:
            problems = [
                f"{path}: {k} is not a collection annotation"
                for k in body
                if k != "value" and k not in _INSTANCE_ANNOTATIONS
            ]
            if not isinstance(body["value"], list):
                return [*problems, f"{path}: value is not an array"]
            for index, item in enumerate(body["value"]):
                problems.extend(self.walk(element, item, f"{path}[{index}]", prefer_unknown=prefer_unknown))
            return problems
        return list(self.walk(element, body, path, prefer_unknown=prefer_unknown))

    def check_body(self, type_name: str, body: Any, where: str) -> list[str]:
        """Problems in a request body of ``type_name`` (new enum members are allowed on input)."""
        return list(self.walk(type_name, body, where, prefer_unknown=True, request=True))

    def walk(
        self,
        type_ref: str,
        value: Any,
        where: str,
        *,
        prefer_unknown: bool,
        request: bool = False,
        nullable: bool = True,
    ) -> Iterator[str]:
        element, many = _element(type_ref)
        if many:
            if value is None:
                yield f"{where}: null for collection {type_ref} (Graph serialises an empty array)"
                return
            if not isinstance(value, list):
                yield f"{where}: expected an array of {element}, got {type(value).__name__}"
                return
            for index, item in enumerate(value):
                yield from self.walk(
                    element,
                    item,
                    f"{where}[{index}]",
                    prefer_unknown=prefer_unknown,
                    request=request,
                    nullable=False,
                )
            return
        if value is None:
            if not nullable:
                yield f"{where}: null, but the schema says {element} is not nullable here"
            return
        if element == "?":
            return
        if element.startswith("Edm."):
            yield from self._primitive(element, value, where)
        elif element in self.enums:
            yield from self._enum(element, value, where, prefer_unknown=prefer_unknown)
        elif element in self.types:
            yield from self._object(element, value, where, prefer_unknown=prefer_unknown, request=request)
        else:
            yield f"{where}: type {element} is not in the reduced schema fixture (add it to tools/graph_schema_fixture.py)"

    def _primitive(self, edm: str, value: Any, where: str) -> Iterator[str]:
        if edm in _STRINGS:
            if not isinstance(value, str):
                yield f"{where}: expected {edm} (a string), got {type(value).__name__} {value!r}"
            elif edm == "Edm.DateTimeOffset" and not _DATETIME.match(value):
                yield f"{where}: {value!r} is not an Edm.DateTimeOffset"
            elif edm == "Edm.DateTimeOffset":
                dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        elif edm == "Edm.Boolean":
            if not isinstance(value, bool):
                yield f"{where}: expected Edm.Boolean, got {value!r}"
        elif edm in _INTS:
            if isinstance(value, bool) or not isinstance(value, int):
                yield f"{where}: expected {edm}, got {value!r}"
        elif edm in _FLOATS and (isinstance(value, bool) or not isinstance(value, int | float | str)):
            yield f"{where}: expected {edm}, got {value!r}"

    def _enum(self, name: str, value: Any, where: str, *, prefer_unknown: bool) -> Iterator[str]:
        spec = self.enums[name]
        if not isinstance(value, str):
            yield f"{where}: expected enum {name} (a string), got {value!r}"
            return
        parts = [p.strip() for p in value.split(",")] if spec["flags"] else [value]
        late = self.late_members(name)
        for part in parts:
            if part not in spec["members"]:
                yield f"{where}: {part!r} is not a member of enum {name} ({', '.join(spec['members'])})"
            elif part in late and not prefer_unknown:
                yield f"{where}: {part!r} comes after unknownFutureValue in {name}; without Prefer: include-unknown-enum-members Graph serves unknownFutureValue"

    def _object(
        self, declared: str, value: Any, where: str, *, prefer_unknown: bool, request: bool
    ) -> Iterator[str]:
        if not isinstance(value, Mapping):
            yield f"{where}: expected an object of {declared}, got {type(value).__name__}"
            return
        actual = declared
        odata_type = value.get("@odata.type")
        if odata_type is not None:
            actual = _type_name(str(odata_type))
            if actual not in self.types:
                yield f"{where}: @odata.type {odata_type!r} is not a type of the schema fixture"
                return
            if not self.is_derived(actual, declared):
                yield f"{where}: @odata.type {odata_type!r} does not derive from {declared}"
                return
        elif self.types[declared].get("abstract") and not request:
            yield f"{where}: {declared} is abstract; Graph names the concrete type in @odata.type"
        open_type = self.is_open(actual)
        for key, item in value.items():
            if key.startswith("@"):
                if key not in _INSTANCE_ANNOTATIONS:
                    yield f"{where}: annotation {key!r} is not one Graph emits"
                continue
            if "@" in key:
                prop, _, annotation = key.partition("@")
                if self.member(actual, prop) is None:
                    yield f"{where}: annotation {key!r} names {prop!r}, which {actual} does not have"
                elif "@" + annotation not in _INSTANCE_ANNOTATIONS:
                    yield f"{where}: annotation {key!r} is not one Graph emits"
                continue
            found = self.member(actual, key)
            if found is None:
                if not open_type:
                    yield f"{where}.{key}: property not in {actual} ({self.version} schema)"
                continue
            prop_type, nullable, navigation = found
            if navigation and _element(prop_type)[0] not in self.types and prop_type != "?":
                yield f"{where}.{key}: navigation to {prop_type}, whose type the fixture does not follow"
                continue
            yield from self.walk(
                prop_type,
                item,
                f"{where}.{key}",
                prefer_unknown=prefer_unknown,
                request=request,
                nullable=nullable,
            )


@cache
def schema(version: str) -> GraphSchema:
    return GraphSchema(version)
