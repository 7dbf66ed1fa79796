"""Streaming readers for JSON arrays, Graph pages (``{"value": [...]}``) and JSON Lines.

Each reader yields ``(object, line)`` and reports undecodable input through ``on_skip(reason, line)``
instead of raising, so a truncated file still gives every record before the damage. JSON nested too
deeply to decode is not damage but hostile input: it raises RecursionError (as the json module's
decoder does), which the loader turns into an input error for the whole file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import IO, Any

try:  # orjson is ~3x faster than json on sign-in records; json is the fallback.
    import orjson

    _loads: Callable[[bytes], Any] = orjson.loads
    _DecodeError: tuple[type[Exception], ...] = (orjson.JSONDecodeError, ValueError)
except ImportError:  # pragma: no cover - orjson is a declared dependency
    _loads = json.loads
    _DecodeError = (ValueError,)

SkipFn = Callable[[str, int | None], None]


def raise_if_too_deep(exc: Exception) -> None:
    """orjson refuses nesting deeper than 1024 levels with a decode error; make it the same
    RecursionError the json module raises, so both readers refuse such a file the same way."""
    if "depth limit" in str(exc):
        raise RecursionError("JSON nested too deeply") from None


CHUNK = 1 << 20
_VALUE_KEY = re.compile(r'"value"\s*:\s*\[')


def sniff(head: bytes) -> str:
    """``jsonl``, ``array``, ``page`` or ``object`` for the first bytes of a JSON file."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"["):
        return "array"
    if not text.startswith(b"{"):
        return "unknown"
    first, _, rest = text.partition(b"\n")
    try:
        obj = _loads(first)
    except _DecodeError:
        obj = None
    if isinstance(obj, dict):
        if "value" in obj and isinstance(obj["value"], list):
            return "page"
        if rest.strip().startswith(b"{"):
            return "jsonl"
        return "object" if not rest.strip() else "jsonl"
    return "page" if _VALUE_KEY.search(text.decode("utf-8", "replace")) else "object"


def iter_jsonl(stream: IO[bytes], on_skip: SkipFn) -> Iterator[tuple[Any, int]]:
    """One JSON value per line; blank lines are ignored, bad lines skipped with their number."""
    loads = _loads
    for lineno, line in enumerate(stream, 1):
        if len(line) < 3 and not line.strip():
            continue
        try:
            yield loads(line), lineno
        except _DecodeError as exc:
            raise_if_too_deep(exc)
            if line.strip():
                on_skip("not valid JSON (truncated line?)", lineno)


def iter_array(stream: IO[bytes], on_skip: SkipFn, *, find_value: bool = False) -> Iterator[tuple[Any, int]]:
    """Elements of a top-level JSON array (or of a Graph page's ``value``), read in chunks."""
    decoder = json.JSONDecoder()
    buf = ""
    pos = 0
    index = 0
    eof = False
    text_stream = _Utf8(stream)

    def fill() -> bool:
        nonlocal buf, pos, eof
        chunk = text_stream.read(CHUNK)
        if not chunk:
            eof = True
            return False
        buf = buf[pos:] + chunk
        pos = 0
        return True

    fill()
    if buf.startswith("\ufeff"):
        pos = 1
    # Find the opening bracket.
    while True:
        if find_value:
            m = _VALUE_KEY.search(buf, pos)
            if m:
                pos = m.end()
                break
        else:
            i = buf.find("[", pos)
            if i != -1:
                pos = i + 1
                break
        if eof or not fill():
            on_skip('no JSON array found (expected [...] or a Graph page {"value": [...]})', None)
            return
    while True:
        # Skip whitespace and commas between elements.
        while True:
            n = len(buf)
            while pos < n and buf[pos] in " \t\r\n,":
                pos += 1
            if pos < n or eof or not fill():
                break
        if pos >= len(buf):
            on_skip("truncated JSON: the array is not closed", None)
            return
        if buf[pos] == "]":
            return
        while True:
            try:
                obj, end = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError:
                if not eof and fill():
                    continue
                on_skip(f"truncated or invalid JSON after element {index}", index + 1)
                return
            else:
                # An element ending exactly at the buffer end may be a number cut in two: refill.
                if end >= len(buf) and not eof and fill():
                    continue
                break
        index += 1
        yield obj, index
        pos = end


class _Utf8:
    """Incremental UTF-8 decoding of a binary stream (a chunk may end inside a character)."""

    def __init__(self, stream: IO[bytes]) -> None:
        import codecs

        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def read(self, size: int) -> str:
        data = self._stream.read(size)
        return self._decoder.decode(data, final=not data)
