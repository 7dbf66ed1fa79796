"""YAML configuration files with line-precise errors.

Every YAML file mfaguard reads (audit config, baselines, the fleet file) goes through here:
:func:`load_yaml_document` parses it keeping the line of every key and item, and :func:`validate`
checks it against a pydantic model, turning the first problem into a :class:`~mfaguard.errors.ConfigError`
that names the file, the line and the key path ("fleet.yaml:12: tenants[0].mode: must be one of
report, alert, remediate (got 'remidiate')").

YAML's implicit typing is a known trap (``no`` → False, ``012`` → 10), so models should use strict
types where it matters; duplicate keys, which PyYAML silently accepts, are rejected here.

Hostile files are refused fast: aliases (``*name``) are not supported, so a few hundred bytes cannot
expand into gigabytes ("billion laughs") or refer to themselves, and nesting deeper than
:data:`MAX_DEPTH` is an error rather than a RecursionError. Error messages never quote the value of
a key that may hold a secret (``*_env``, ``password_hash``, ``store``...): they say where, not what.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml

from mfaguard.errors import ConfigError

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

Loc = tuple[str | int, ...]
M = TypeVar("M", bound="BaseModel")

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists accepted (mfaguard's files use fewer than ten levels)."""

# Keys whose value may be a secret pasted in the wrong place: a validation error names the key and
# the line, never the value (an env-variable field holding the secret itself, a password in
# ``password_hash``, a store URL with a password).
_SECRET_VALUE_KEY = re.compile(r"(?i)(env|secret|password|passphrase|hash|token|key|store|url)$")


class _SafeComposer(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases and overly deep nesting while composing the node tree
    (before anything is expanded, so a hostile file costs no more than reading it)."""

    path = "<string>"
    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise ConfigError(
                "YAML aliases (*name) are not supported",
                file=self.path,
                line=event.start_mark.line + 1,
                hint="write the value out where it is needed (the fleet file's defaults and groups "
                "share settings between tenants)",
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise ConfigError(
                    f"nested more than {MAX_DEPTH} levels deep",
                    file=self.path,
                    line=event.start_mark.line + 1,
                    hint="this is not an mfaguard configuration file",
                )
            node: yaml.Node | None = super().compose_node(parent, index)
            return node
        finally:
            self._depth -= 1


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file: its data and the line (1-based) of every key and sequence item."""

    path: str
    data: Any
    lines: Mapping[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """Line of ``loc`` or of its nearest ancestor that has one."""
        key = tuple(loc)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)


def load_yaml_text(text: str, *, path: str = "<string>") -> YamlDocument:
    """Parse YAML text (one document) keeping line numbers; raises ConfigError on syntax errors."""
    loader = _SafeComposer(text)
    loader.path = path
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.context_mark is not None and exc.problem:
            problem += f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
        raise ConfigError(
            f"not valid YAML: {problem}", file=path, line=line, hint="fix the syntax at that line"
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", file=path) from None
    finally:
        loader.dispose()
    if node is None:
        return YamlDocument(path=path, data=None, lines={})
    lines: dict[Loc, int] = {}
    data = _construct(node, (), lines, path)
    return YamlDocument(path=path, data=data, lines=lines)


def load_yaml_document(path: str | Path) -> YamlDocument:
    """Read and parse a YAML file; unreadable or non-UTF-8 files raise ConfigError."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", file=name, hint="check the path") from None
    except IsADirectoryError:
        raise ConfigError("is a directory, not a file", file=name) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte {exc.start})", file=name) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file=name) from None
    return load_yaml_text(text, path=name)


def _construct(node: yaml.Node, loc: Loc, lines: dict[Loc, int], path: str) -> Any:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ConfigError(
                    "YAML merge keys (<<) are not supported", file=path, line=key_node.start_mark.line + 1
                )
            key = _construct_scalar(key_node, path)
            if not isinstance(key, str | int) or isinstance(key, bool):
                raise ConfigError(
                    f"keys must be text, got {key!r}", file=path, line=key_node.start_mark.line + 1
                )
            if key in result:
                raise ConfigError(
                    "duplicate key (YAML keeps only the last one; remove the other)",
                    file=path,
                    line=key_node.start_mark.line + 1,
                    key=_format_loc((*loc, key)),
                )
            child = (*loc, key)
            lines[child] = key_node.start_mark.line + 1
            result[key] = _construct(value_node, child, lines, path)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item_node in enumerate(node.value):
            child = (*loc, index)
            lines[child] = item_node.start_mark.line + 1
            items.append(_construct(item_node, child, lines, path))
        return items
    return _construct_scalar(node, path)


def _construct_scalar(node: yaml.Node, path: str) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise ConfigError(
            "a mapping or list cannot be used as a key", file=path, line=node.start_mark.line + 1
        )
    try:
        return yaml.SafeLoader(" ").construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        raise ConfigError(f"bad value: {exc}", file=path, line=node.start_mark.line + 1) from None


def validate(
    model_cls: type[M],
    doc: YamlDocument,
    *,
    what: str | None = None,
    context: Mapping[str, Any] | None = None,
) -> M:
    """Validate ``doc.data`` against ``model_cls``; the first problem becomes a ConfigError.

    ``what`` names the kind of file in the hint ("baseline", "fleet config"); ``context`` is pydantic's
    validation context (e.g. the registered control ids).
    """
    from pydantic import ValidationError

    if doc.data is None:
        raise ConfigError("the file is empty", file=doc.path, hint=f"write a {what or 'configuration'} in it")
    if not isinstance(doc.data, dict):
        raise ConfigError(
            f"the top level must be a mapping of keys, not {_kind(doc.data)}", file=doc.path, line=1
        )
    try:
        return model_cls.model_validate(doc.data, context=context)
    except ValidationError as exc:
        raise validation_error(exc, doc, model_cls) from None


def load_and_validate(
    path: str | Path,
    model_cls: type[M],
    *,
    what: str | None = None,
    context: Mapping[str, Any] | None = None,
) -> M:
    """:func:`load_yaml_document` then :func:`validate`."""
    return validate(model_cls, load_yaml_document(path), what=what, context=context)


def validation_error(exc: ValidationError, doc: YamlDocument, model_cls: type[BaseModel]) -> ConfigError:
    """Turn a pydantic ValidationError into one line naming file, line and key (first error first)."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = _clean_loc(first["loc"])
    message = _describe(first, loc, model_cls)
    more = len(errors) - 1
    hint = f"{more} more problem{'s' if more > 1 else ''} after this one" if more else None
    return ConfigError(message, file=doc.path, line=doc.line_of(loc), key=_format_loc(loc) or None, hint=hint)


def _clean_loc(loc: Sequence[Any]) -> Loc:
    # pydantic adds tagged-union discriminators and validator names ("function-after[...]") to locs.
    out: list[str | int] = []
    for part in loc:
        internal = isinstance(part, str) and (part == "__root__" or ("[" in part and part.endswith("]")))
        if isinstance(part, int | str) and not internal:
            out.append(part)
    return tuple(out)


def _describe(error: Mapping[str, Any], loc: Loc, model_cls: type[BaseModel]) -> str:
    kind = error.get("type", "")
    value = error.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model_cls, loc[:-1])
        suffix = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return f"unknown key{suffix}"
    if kind == "missing":
        return "required key is missing"
    msg = str(error.get("msg", "invalid value"))
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if any(isinstance(part, str) and _SECRET_VALUE_KEY.search(part) for part in loc):
        return msg  # say where (file, line, key), never what: the value may be a secret
    if value is not None and not isinstance(value, dict | list):
        return f"{msg} (got {value!r})"
    if isinstance(value, dict | list):
        return f"{msg} (got {_kind(value)})"
    return msg


def _allowed_keys(model_cls: type[BaseModel], loc: Loc) -> list[str]:
    """Field names (aliases) of the model at ``loc``, best effort."""
    current: Any = model_cls
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in _names(current):
            return []
        info = fields[_names(current)[part]]
        current = _inner_model(info.annotation)
        if current is None:
            return []
    return sorted(_names(current)) if hasattr(current, "model_fields") else []


def _names(model: Any) -> dict[str, str]:
    return {(info.alias or name): name for name, info in model.model_fields.items()}


def _inner_model(annotation: Any) -> Any:
    from typing import get_args

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _format_loc(loc: Sequence[str | int]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return type(value).__name__
