"""Conditional Access device filters: ``device.<property> -<operator> <value>`` clauses joined by ``-and``,
``-or`` and parentheses (reference CA §1).

Used twice: writes with a rule Graph could not parse are refused (400), and the sign-in evaluator asks
whether a device matches. Properties a device does not report are empty strings, so an unregistered
device (an attacker's) fails every positive operator and passes every negative one, as Entra documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

_CLAUSE = re.compile(
    r"device\.(?P<prop>\w+)\s+-(?P<op>eq|ne|in|notIn|startsWith|notStartsWith|endsWith|notEndsWith|contains|notContains)"
    r"\s+(?P<value>\"[^\"]*\"|'[^']*'|\[[^\]]*\]|[\w.-]+)",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"\s*(\(|\)|-and\b|-or\b)", re.IGNORECASE)

Predicate = Callable[[Mapping[str, Any]], bool]


class FilterSyntaxError(ValueError):
    """The rule is not a device filter Graph accepts."""


def _values(raw: str) -> list[str]:
    raw = raw.strip()
    if raw.startswith("["):
        return [v.strip().strip("\"'") for v in raw[1:-1].split(",") if v.strip()]
    return [raw.strip("\"'")]


def _clause(prop: str, op: str, raw: str) -> Predicate:
    op = op.lower()
    wanted = [v.lower() for v in _values(raw)]
    negative = op.startswith("not") or op == "ne"
    base = {"ne": "eq", "notin": "in"}.get(op, op.removeprefix("not"))

    def test(device: Mapping[str, Any]) -> bool:
        value = device.get(prop.lower())
        actual = "" if value is None else str(value).lower()
        if base == "eq":
            hit = actual == wanted[0]
        elif base == "in":
            hit = actual in wanted
        elif base == "startswith":
            hit = bool(actual) and actual.startswith(wanted[0])
        elif base == "endswith":
            hit = bool(actual) and actual.endswith(wanted[0])
        else:  # contains
            hit = bool(actual) and wanted[0] in actual
        return not hit if negative else hit

    return test


def _any_of(parts: tuple[Predicate, ...]) -> Predicate:
    return lambda device: any(p(device) for p in parts)


def _all_of(parts: tuple[Predicate, ...]) -> Predicate:
    return lambda device: all(p(device) for p in parts)


def parse_rule(rule: str) -> Predicate:
    """A predicate over a device's properties, keyed by lower-case name (``deviceid``, ``iscompliant``,
    ``trusttype``, ...); raises :class:`FilterSyntaxError` for a rule Graph would refuse."""
    text = rule.strip()
    pos = 0

    def expr() -> Predicate:
        nonlocal pos
        terms = [term()]
        while True:
            match = _TOKEN.match(text, pos)
            if match is None or match.group(1).lower() != "-or":
                break
            pos = match.end()
            terms.append(term())
        return terms[0] if len(terms) == 1 else _any_of(tuple(terms))

    def term() -> Predicate:
        nonlocal pos
        factors = [factor()]
        while True:
            match = _TOKEN.match(text, pos)
            if match is None or match.group(1).lower() != "-and":
                break
            pos = match.end()
            factors.append(factor())
        return factors[0] if len(factors) == 1 else _all_of(tuple(factors))

    def factor() -> Predicate:
        nonlocal pos
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if text.startswith("(", pos):
            pos += 1
            inner = expr()
            match = _TOKEN.match(text, pos)
            if match is None or match.group(1) != ")":
                raise FilterSyntaxError(f"missing ')' at position {pos} of the device filter rule")
            pos = match.end()
            return inner
        match = _CLAUSE.match(text, pos)
        if match is None:
            raise FilterSyntaxError(
                f"cannot read the device filter rule at position {pos}: {text[pos : pos + 30]!r}"
            )
        pos = match.end()
        return _clause(match["prop"], match["op"], match["value"])

    if not text:
        raise FilterSyntaxError("the device filter rule is empty")
    predicate = expr()
    if text[pos:].strip():
        raise FilterSyntaxError(f"unexpected text at position {pos} of the device filter rule")
    return predicate
