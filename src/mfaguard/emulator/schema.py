"""A small typed schema for validating PATCH bodies the way Graph's OData deserializer does.

Graph rejects (400) unknown properties, values of the wrong JSON type and enum members it does not
know, naming the property and the OData type. The specs below encode the subset of the Graph metadata
the emulator serves (graph.md §1-§3); :mod:`mfaguard.emulator.graph_policy` builds them per API version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mfaguard.emulator.errors import bad_request, unknown_property


class Spec:
    """A property type. ``check`` returns the normalised value or raises a GraphFailure (400)."""

    def check(self, value: Any, where: str) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


def _type_error(where: str, expected: str, value: Any) -> Exception:
    return bad_request(
        f"Invalid value for property '{where}': expected {expected}, got {type(value).__name__} "
        f"{_short(value)}."
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class Bool(Spec):
    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, bool):
            raise _type_error(where, "Edm.Boolean", value)
        return value


@dataclass(frozen=True)
class Int(Spec):
    low: int = -(2**31)
    high: int = 2**31 - 1

    def check(self, value: Any, where: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _type_error(where, "Edm.Int32", value)
        if not self.low <= value <= self.high:
            raise bad_request(
                f"Invalid value {value} for property '{where}': must be between {self.low} and {self.high}."
            )
        return value


@dataclass(frozen=True)
class Str(Spec):
    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, str):
            raise _type_error(where, "Edm.String", value)
        return value


@dataclass(frozen=True)
class Enum(Spec):
    """An OData enum. ``unknownFutureValue`` is never writable (Graph rejects it on input)."""

    type_name: str
    members: tuple[str, ...]

    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, str):
            raise _type_error(where, self.type_name, value)
        if value not in self.members:
            raise bad_request(
                f"Requested value '{value}' was not found. '{value}' is not a valid value of enum type "
                f"'microsoft.graph.{self.type_name}' for property '{where}'; valid values: "
                f"{', '.join(self.members)}."
            )
        return value


@dataclass(frozen=True)
class Flags(Spec):
    """An OData flags enum, sent as one comma-separated string (``"internalGuest,b2bCollaborationGuest"``)."""

    type_name: str
    members: tuple[str, ...]

    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, str):
            raise _type_error(where, self.type_name, value)
        member = Enum(self.type_name, self.members)
        return ",".join(member.check(part.strip(), where) for part in value.split(","))


@dataclass(frozen=True)
class Nullable(Spec):
    """A property that accepts ``null`` (Graph stores null, e.g. ``"sessionControls": null``)."""

    inner: Spec

    def check(self, value: Any, where: str) -> Any:
        return None if value is None else self.inner.check(value, where)


@dataclass(frozen=True)
class AnyJson(Spec):
    """A property the emulator stores verbatim (complex types it does not model in detail)."""

    def check(self, value: Any, where: str) -> Any:
        return value


@dataclass(frozen=True)
class ListOf(Spec):
    item: Spec

    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, list):
            raise _type_error(where, "a JSON array", value)
        return [self.item.check(v, f"{where}[{i}]") for i, v in enumerate(value)]


@dataclass(frozen=True)
class Obj(Spec):
    """A complex type: known properties only; ``required`` ones must be present and non-null.

    ``defaults`` fill properties the caller left out (Graph "recalculates" them), so stored objects are
    always complete.
    """

    type_name: str
    props: Mapping[str, Spec]
    required: frozenset[str] = frozenset()
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, dict):
            raise _type_error(where, f"microsoft.graph.{self.type_name}", value)
        out: dict[str, Any] = {}
        for key, val in value.items():
            if key.startswith("@odata.") or "@odata." in key:
                continue  # annotations are ignored on input
            spec = self.props.get(key)
            if spec is None:
                raise unknown_property(key, f"microsoft.graph.{self.type_name}")
            if val is None and not isinstance(spec, Nullable):
                raise bad_request(f"Property '{where}.{key}' does not accept a null value.")
            out[key] = spec.check(val, f"{where}.{key}")
        for key in self.required:
            if key not in out:
                raise bad_request(f"Required property '{key}' is missing in '{where}'.")
        for key, default in self.defaults.items():
            out.setdefault(key, default)
        return out


@dataclass(frozen=True)
class Derived(Spec):
    """A value of an abstract type: ``@odata.type`` names the concrete type, which must be one of ``choices``.

    The checked value keeps its ``@odata.type`` (Graph stores and returns the concrete type).
    """

    base: str
    choices: Mapping[str, Obj]

    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, dict):
            raise _type_error(where, f"microsoft.graph.{self.base}", value)
        odata_type = str(value.get("@odata.type", "")).lstrip("#")
        name = odata_type.removeprefix("microsoft.graph.")
        spec = self.choices.get(name)
        if spec is None:
            raise bad_request(
                f"Cannot create an abstract class. '{where}' is of the abstract type 'microsoft.graph.{self.base}': "
                f"send '@odata.type' as one of {', '.join('#microsoft.graph.' + c for c in self.choices)}."
            )
        return {"@odata.type": f"#microsoft.graph.{name}", **spec.check(value, where)}
