"""CA device-filter rules (``conditions.devices.deviceFilter``), judged for the attacker's device.

The rule syntax is ``device.<property> -<operator> <value>`` clauses joined by ``-and`` / ``-or``
with parentheses; values are quoted strings (``"x"`` or ``'x'``), arrays (``["a", "b"]``) for
``-in`` / ``-notIn``, or bare words (``True``). Operators are case-insensitive.

The attacker signs in from an unregistered device. Entra documents that such a device has no
properties, so a positive operator (``-eq``, ``-in``, ``-startsWith``, ``-endsWith``, ``-contains``)
is false and a negative one (``-ne``, ``-notIn``, ``-notStartsWith``, ``-notEndsWith``,
``-notContains``) true, whatever the value (DESIGN §10). A rule mfaguard cannot parse is reported
as such: the engine then makes the policy *unreadable*, never guesses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["DeviceFilterError", "FilterClause", "FilterNode", "parse_rule", "unregistered_device_matches"]

POSITIVE_OPERATORS = frozenset({"-eq", "-in", "-startswith", "-endswith", "-contains"})
NEGATIVE_OPERATORS = frozenset({"-ne", "-notin", "-notstartswith", "-notendswith", "-notcontains"})
_JOINERS = frozenset({"-and", "-or"})


class DeviceFilterError(ValueError):
    """The rule is not one mfaguard can parse; ``str()`` says where."""


@dataclass(frozen=True, slots=True)
class FilterClause:
    """``device.<property> <operator> <value>`` (operator lower-cased)."""

    property: str
    operator: str
    value: str

    def unregistered_matches(self) -> bool:
        return self.operator in NEGATIVE_OPERATORS


@dataclass(frozen=True, slots=True)
class FilterNode:
    """``-and`` / ``-or`` over two or more operands."""

    joiner: str
    operands: tuple[FilterNode | FilterClause, ...]

    def unregistered_matches(self) -> bool:
        if self.joiner == "-and":
            return all(o.unregistered_matches() for o in self.operands)
        return any(o.unregistered_matches() for o in self.operands)


Rule = FilterNode | FilterClause


def _tokens(rule: str) -> list[str]:
    tokens: list[str] = []
    i, n = 0, len(rule)
    while i < n:
        ch = rule[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(ch)
            i += 1
        elif ch in "\"'":
            end = _string_end(rule, i)
            tokens.append(rule[i : end + 1])
            i = end + 1
        elif ch == "[":
            end = _array_end(rule, i)
            tokens.append(rule[i : end + 1])
            i = end + 1
        else:
            start = i
            while i < n and not rule[i].isspace() and rule[i] not in "()\"'[":
                i += 1
            tokens.append(rule[start:i])
    return tokens


def _string_end(rule: str, start: int) -> int:
    quote = rule[start]
    i = start + 1
    while i < len(rule):
        if rule[i] == "\\":
            i += 2
            continue
        if rule[i] == quote:
            if i + 1 < len(rule) and rule[i + 1] == quote:  # a doubled quote inside the string
                i += 2
                continue
            return i
        i += 1
    raise DeviceFilterError(f"unterminated string starting at character {start + 1}")


def _array_end(rule: str, start: int) -> int:
    i = start + 1
    while i < len(rule):
        if rule[i] in "\"'":
            i = _string_end(rule, i) + 1
            continue
        if rule[i] == "]":
            return i
        i += 1
    raise DeviceFilterError(f"unterminated array starting at character {start + 1}")


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise DeviceFilterError("the rule ends too early")
        self.pos += 1
        return token

    def expression(self) -> Rule:
        return self._joined("-or", self.conjunction)

    def conjunction(self) -> Rule:
        return self._joined("-and", self.primary)

    def _joined(self, joiner: str, operand: Callable[[], Rule]) -> Rule:
        """``operand (joiner operand)*``: -and binds tighter because conjunction is the operand of -or."""
        operands = [operand()]
        while (self.peek() or "").lower() == joiner:
            self.take()
            operands.append(operand())
        return operands[0] if len(operands) == 1 else FilterNode(joiner, tuple(operands))

    def primary(self) -> Rule:
        token = self.take()
        if token == "(":
            inner = self.expression()
            if self.take() != ")":
                raise DeviceFilterError("a '(' is not closed")
            return inner
        if not token.lower().startswith("device.") or len(token) <= len("device."):
            raise DeviceFilterError(f"expected device.<property>, got {token!r}")
        operator = self.take().lower()
        if operator not in POSITIVE_OPERATORS and operator not in NEGATIVE_OPERATORS:
            raise DeviceFilterError(f"unknown operator {operator!r} after {token}")
        value = self.take()
        if value in ("(", ")") or value.lower() in _JOINERS:
            raise DeviceFilterError(f"missing value after {token} {operator}")
        return FilterClause(token[len("device.") :], operator, value)


def parse_rule(rule: str) -> Rule:
    """Parse a device-filter rule; raises :class:`DeviceFilterError` when it is not understood."""
    tokens = _tokens(rule)
    if not tokens:
        raise DeviceFilterError("the rule is empty")
    parser = _Parser(tokens)
    tree = parser.expression()
    if parser.peek() is not None:
        raise DeviceFilterError(f"unexpected {parser.peek()!r} after a complete rule")
    return tree


def unregistered_device_matches(rule: str) -> bool:
    """Whether the rule is true for an unregistered device (raises DeviceFilterError if unparsable)."""
    return parse_rule(rule).unregistered_matches()
