"""OData query options the emulator understands: ``$top``, ``$select``, ``$filter`` (a subset),
``$count``, and paging by ``@odata.nextLink`` with an opaque ``$skiptoken`` (graph.md §6).

Filters: clauses joined by ``and``; each is ``path op literal`` (``eq``, ``ne``, ``ge``, ``le``,
``gt``, ``lt``), ``startswith(path,'x')`` or ``path/any(x: x eq 'v')``. Literals: quoted strings,
numbers, ``true``/``false``/``null``, and unquoted ISO date-times. Each endpoint lists the paths and
operators it accepts (as Graph does per resource); anything else is a 400.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from mfaguard.emulator.errors import GraphFailure

Item = Mapping[str, Any]


def unsupported(message: str) -> GraphFailure:
    return GraphFailure(400, "Request_UnsupportedQuery", message)


def parse_top(params: Mapping[str, str], *, default: int, maximum: int) -> int:
    """``$top`` within 1..maximum, else 400 with Graph's wording."""
    raw = params.get("$top")
    if raw is None:
        return default
    try:
        top = int(raw)
    except ValueError:
        raise unsupported(
            f"Invalid page size specified: '{raw}'. Must be between 1 and {maximum} inclusive."
        ) from None
    if not 1 <= top <= maximum:
        raise unsupported(f"Invalid page size specified: '{raw}'. Must be between 1 and {maximum} inclusive.")
    return top


def parse_select(params: Mapping[str, str], *, known: frozenset[str], type_name: str) -> list[str] | None:
    raw = params.get("$select")
    if raw is None or not raw.strip():
        return None
    fields = [f.strip() for f in raw.split(",") if f.strip()]
    for name in fields:
        if name not in known:
            raise GraphFailure(
                400, "Request_BadRequest", f"Could not find a property named '{name}' on type '{type_name}'."
            )
    return fields


def project(item: Item, fields: Sequence[str] | None, default: Sequence[str] | None = None) -> dict[str, Any]:
    """Keep the selected properties (``id`` always), or the resource's default property set."""
    chosen = fields if fields is not None else default
    if chosen is None:
        return dict(item)
    out: dict[str, Any] = {}
    if "@odata.type" in item:
        out["@odata.type"] = item["@odata.type"]
    if "id" not in chosen:
        out["id"] = item.get("id")
    for name in chosen:
        out[name] = item.get(name)
    return out


# ------------------------------------------------------------------------------------------ $filter

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
_CLAUSE = re.compile(r"^(?P<path>[A-Za-z_][\w/]*)\s+(?P<op>eq|ne|ge|le|gt|lt)\s+(?P<lit>.+)$", re.IGNORECASE)
_STARTSWITH = re.compile(
    r"^startswith\(\s*(?P<path>[A-Za-z_][\w/]*)\s*,\s*(?P<lit>'.*')\s*\)$", re.IGNORECASE
)
_ANY = re.compile(r"^(?P<path>[A-Za-z_][\w/]*)/any\(\s*(?P<var>\w+)\s*:\s*(?P<body>.+)\)$", re.IGNORECASE)
_ANY_TERM = re.compile(r"^(?P<var>\w+)\s+eq\s+(?P<lit>'.*')$", re.IGNORECASE)


@dataclass(frozen=True)
class Clause:
    path: str
    op: str  # eq ne ge le gt lt startswith any
    value: Any


def _literal(text: str) -> Any:
    text = text.strip()
    if text.startswith("'") and text.endswith("'") and len(text) >= 2:
        return text[1:-1].replace("''", "'")
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    if _DATETIME.match(text):
        return parse_datetime(text)
    try:
        return int(text)
    except ValueError:
        pass
    raise unsupported(f"Invalid filter clause: the literal '{text}' is not supported.")


def parse_datetime(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def _any_values(var: str, body: str, part: str) -> tuple[str, ...]:
    """The values of ``x eq 'a' or x eq 'b'`` inside an ``any`` lambda."""
    values: list[str] = []
    for term in re.split(r"\s+or\s+", body.strip(), flags=re.IGNORECASE):
        match = _ANY_TERM.match(term.strip())
        if match is None or match["var"] != var:
            raise unsupported(f"Invalid filter clause: '{part}'.")
        values.append(str(_literal(match["lit"])))
    return tuple(values)


def _split_and(expr: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    in_quote = False
    start = 0
    i = 0
    lowered = expr.lower()
    while i < len(expr):
        ch = expr[i]
        if ch == "'":
            in_quote = not in_quote
        elif not in_quote and ch == "(":
            depth += 1
        elif not in_quote and ch == ")":
            depth -= 1
        elif not in_quote and depth == 0 and lowered.startswith(" and ", i):
            parts.append(expr[start:i])
            i += 5
            start = i
            continue
        elif not in_quote and depth == 0 and lowered.startswith(" or ", i):
            raise unsupported("Invalid filter clause: 'or' is not supported by this resource.")
        i += 1
    parts.append(expr[start:])
    return [p.strip() for p in parts if p.strip()]


def parse_filter(params: Mapping[str, str], *, allowed: Mapping[str, frozenset[str]]) -> list[Clause]:
    """Parse ``$filter``; ``allowed`` maps each filterable path to the operators it supports."""
    raw = params.get("$filter")
    if raw is None or not raw.strip():
        return []
    clauses: list[Clause] = []
    for part in _split_and(raw.strip()):
        while part.startswith("(") and part.endswith(")"):
            part = part[1:-1].strip()
        match = _ANY.match(part)
        if match:
            clause = Clause(match["path"], "any", _any_values(match["var"], match["body"], part))
        elif match := _STARTSWITH.match(part):
            clause = Clause(match["path"], "startswith", _literal(match["lit"]))
        elif match := _CLAUSE.match(part):
            clause = Clause(match["path"], match["op"].lower(), _literal(match["lit"]))
        else:
            raise unsupported(f"Invalid filter clause: '{part}'.")
        ops = allowed.get(clause.path)
        if ops is None or clause.op not in ops:
            raise unsupported(
                f"Unsupported filter: '{clause.op}' on property '{clause.path}' is not supported by this resource."
            )
        clauses.append(clause)
    return clauses


def _get(item: Item, path: str) -> Any:
    value: Any = item
    for step in path.split("/"):
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


def _compare(actual: Any, op: str, expected: Any) -> bool:
    if isinstance(expected, dt.datetime):
        if not isinstance(actual, str):
            return False
        actual = parse_datetime(actual)
    elif isinstance(expected, str) and isinstance(actual, str):
        actual, expected = actual.lower(), expected.lower()
    if op == "eq":
        return bool(actual == expected)
    if op == "ne":
        return bool(actual != expected)
    if actual is None:
        return False
    try:
        if op == "ge":
            return bool(actual >= expected)
        if op == "le":
            return bool(actual <= expected)
        if op == "gt":
            return bool(actual > expected)
        if op == "lt":
            return bool(actual < expected)
    except TypeError:
        return False
    return False


def matcher(clauses: Sequence[Clause]) -> Callable[[Item], bool]:
    """A predicate for the parsed clauses (all must hold)."""

    def match(item: Item) -> bool:
        for clause in clauses:
            actual = _get(item, clause.path)
            if clause.op == "any":
                values = {str(v).lower() for v in actual} if isinstance(actual, list) else set()
                if not any(str(w).lower() in values for w in clause.value):
                    return False
            elif clause.op == "startswith":
                if not isinstance(actual, str) or not actual.lower().startswith(str(clause.value).lower()):
                    return False
            elif not _compare(actual, clause.op, clause.value):
                return False
        return True

    return match


# ------------------------------------------------------------------------------------------- paging


class SkipTokens:
    """Opaque ``$skiptoken`` values: an offset sealed with a per-emulator salt so clients cannot forge them."""

    def __init__(self, salt: str) -> None:
        self._salt = salt

    def encode(self, offset: int) -> str:
        raw = f"{self._salt}:{offset}".encode()
        return "RFNwdAIAAQAAA" + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, token: str | None) -> int:
        if token is None:
            return 0
        try:
            if not token.startswith("RFNwdAIAAQAAA"):
                raise ValueError
            body = token[len("RFNwdAIAAQAAA") :]
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
            salt, _, offset = raw.rpartition(":")
            if salt != self._salt:
                raise ValueError
            return int(offset)
        except (ValueError, UnicodeDecodeError):
            raise GraphFailure(
                400, "Request_BadRequest", "The specified page token value has expired or is invalid."
            ) from None


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_offset: int | None


def take_page(source: Iterator[tuple[int, dict[str, Any]]], top: int) -> Page:
    """Take ``top`` items from ``(index, item)`` pairs; the next page starts at the following match."""
    items: list[dict[str, Any]] = []
    for index, item in source:
        if len(items) == top:
            return Page(items, index)
        items.append(item)
    return Page(items, None)


def next_link(base_url: str, path_with_version: str, params: Mapping[str, str], token: str) -> str:
    """The full nextLink: the original query options plus ``$skiptoken`` (clients follow it verbatim)."""
    query = [f"{quote(k, safe='$')}={quote(v, safe='')}" for k, v in params.items() if k != "$skiptoken"]
    query.append(f"$skiptoken={token}")
    return f"{base_url}{path_with_version}?{'&'.join(query)}"
