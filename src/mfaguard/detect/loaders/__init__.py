"""File loaders for sign-ins, directory audits and risk detections (explicit :data:`LOADERS` registry).

A loader turns one file into raw Graph-shaped records ``(dict, line)``; undecodable parts are reported
through the collector's skip counter, never raised. Large files are streamed (JSON Lines line by line,
JSON arrays and Graph pages in 1 MiB chunks). ``auto`` picks the loader from the file's first bytes.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from mfaguard.detect.collect import Collector
from mfaguard.detect.loaders.jsonio import iter_array, iter_jsonl, sniff
from mfaguard.detect.loaders.shapes import (
    AUTH_DETAIL_COLUMNS,
    CSV_COLUMNS,
    csv_row_to_signin,
    from_log_analytics,
    header_key,
    looks_like_la,
)
from mfaguard.errors import InputError, nested_too_deeply

__all__ = ["LOADERS", "LoadRequest", "Loader", "choose_loader", "find_auth_details", "load_file"]

Records = Iterator[tuple[Any, int]]
SkipFn = Callable[[str, int | None], None]


@dataclass(frozen=True)
class LoadRequest:
    """What a loader reads: the file, and for the portal CSV the AuthDetails file to join."""

    path: Path
    kind: str
    """``signins``, ``audits`` or ``risks``."""
    auth_details: Path | None = None


@dataclass(frozen=True)
class Loader:
    """One input format."""

    name: str
    description: str
    kinds: tuple[str, ...]
    read: Callable[[IO[bytes], LoadRequest, SkipFn, Callable[[str], None]], Records]


def _read_array(stream: IO[bytes], req: LoadRequest, skip: SkipFn, note: Callable[[str], None]) -> Records:
    return _la_aware(iter_array(stream, skip))


def _read_page(stream: IO[bytes], req: LoadRequest, skip: SkipFn, note: Callable[[str], None]) -> Records:
    return _la_aware(iter_array(stream, skip, find_value=True))


def _read_jsonl(stream: IO[bytes], req: LoadRequest, skip: SkipFn, note: Callable[[str], None]) -> Records:
    return _la_aware(iter_jsonl(stream, skip))


def _read_object(stream: IO[bytes], req: LoadRequest, skip: SkipFn, note: Callable[[str], None]) -> Records:
    return _la_aware(iter_jsonl(io.BytesIO(b" ".join(stream.read().splitlines())), skip))


def _read_la(stream: IO[bytes], req: LoadRequest, skip: SkipFn, note: Callable[[str], None]) -> Records:
    head = stream.peek(65536)[:65536] if hasattr(stream, "peek") else b""
    shape = sniff(head)
    inner = (
        iter_jsonl(stream, skip) if shape == "jsonl" else iter_array(stream, skip, find_value=shape == "page")
    )
    for raw, line in inner:
        yield (from_log_analytics(raw) if isinstance(raw, Mapping) else raw), line


def _la_aware(items: Records) -> Records:
    """Map Log Analytics rows to Graph shape when the first record is one; else pass through untouched."""
    first = next(items, None)
    if first is None:
        return iter(())
    if isinstance(first[0], dict) and looks_like_la(first[0]):
        return _la_rows(itertools.chain([first], items))
    return itertools.chain([first], items)


def _la_rows(items: Records) -> Records:
    for raw, line in items:
        yield (from_log_analytics(raw) if isinstance(raw, dict) and looks_like_la(raw) else raw), line


def _read_csv(stream: IO[bytes], req: LoadRequest, skip: SkipFn, note: Callable[[str], None]) -> Records:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    header = next(reader, None)
    if header is None:
        return
    mapping: list[str | None] = []
    unknown: list[str] = []
    seen: set[str] = set()
    for name in header:
        key = header_key(name)
        path = CSV_COLUMNS.get(key)
        if path is None:
            if key:
                unknown.append(name.strip())
            mapping.append(None)
        elif path in seen:
            mapping.append(None)  # the portal duplicates "Incoming token type": keep the first
        else:
            seen.add(path)
            mapping.append(path)
    if unknown:
        note(f"{req.path.name}: ignored {len(unknown)} unknown column(s): {', '.join(unknown[:8])}")
    for needed, label in (("id", "Request ID"), ("createdDateTime", "Date (UTC)")):
        if needed not in seen:
            note(f"{req.path.name}: no '{label}' column; every row will be skipped")
    steps = _auth_details(req, note, skip) if req.auth_details else None
    interactive_hint = "noninteractive" not in req.path.name.lower().replace("-", "").replace("_", "")
    for lineno, row in enumerate(reader, 2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            skip(f"CSV row has {len(row)} fields, the header {len(header)}", lineno)
            continue
        record = csv_row_to_signin({p: v for p, v in zip(mapping, row, strict=True) if p is not None})
        record.setdefault("isInteractive", interactive_hint)
        if steps is not None:
            rid = record.get("id")
            if isinstance(rid, str) and rid in steps:
                record["authenticationDetails"] = steps[rid]
        yield record, lineno


def _auth_details(
    req: LoadRequest, note: Callable[[str], None], skip: SkipFn
) -> dict[str, list[dict[str, Any]]]:
    assert req.auth_details is not None
    out: dict[str, list[dict[str, Any]]] = {}
    try:
        handle = req.auth_details.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(
            f"cannot read {req.auth_details}: {exc.strerror}", file=str(req.auth_details)
        ) from None
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None) or []
        mapping = [AUTH_DETAIL_COLUMNS.get(header_key(h)) for h in header]
        if "requestId" not in mapping:
            raise InputError(
                "the AuthDetails file has no 'Request ID' column",
                file=str(req.auth_details),
                hint="pass the InteractiveSignIns_AuthDetails_*.csv file exported with the sign-ins",
            )
        for row in reader:
            if len(row) != len(header):
                continue
            fields = {p: v for p, v in zip(mapping, row, strict=True) if p is not None and v != ""}
            rid = fields.pop("requestId", "")
            fields.pop("statusText", None)
            if rid:
                out.setdefault(rid, []).append(fields)
    note(f"{req.path.name}: joined {sum(len(v) for v in out.values())} step(s) from {req.auth_details.name}")
    return out


LOADERS: Mapping[str, Loader] = {
    "json": Loader("json", "JSON array of Graph signIn (or directoryAudit, riskDetection) objects",
                   ("signins", "audits", "risks"), _read_array),
    "page": Loader("page", "A Graph response page {\"value\": [...]} as saved from Graph Explorer",
                   ("signins", "audits", "risks"), _read_page),
    "jsonl": Loader("jsonl", "JSON Lines: one Graph object per line", ("signins", "audits", "risks"), _read_jsonl),
    "object": Loader("object", "A single Graph object", ("signins", "audits", "risks"), _read_object),
    "la": Loader("la", "Log Analytics SigninLogs export (JSON array or JSON Lines, PascalCase columns)",
                 ("signins",), _read_la),
    "csv": Loader("csv", "Entra portal sign-in CSV export (with the AuthDetails CSV joined on Request ID)",
                  ("signins",), _read_csv),
}  # fmt: skip
"""Input formats by name (``--input-format``); ``auto`` sniffs the file."""


def _with_progress(
    items: Records, stream: IO[bytes], total: int, progress: Callable[[int, int], None]
) -> Records:
    for n, item in enumerate(items, 1):
        if not n & 0x3FFF:
            progress(stream.tell(), total)
        yield item
    progress(total, total)


def choose_loader(path: Path, head: bytes) -> str:
    """The loader for a file, from its first bytes (and its suffix for CSV)."""
    shape = sniff(head)
    if shape in ("array", "page", "jsonl", "object"):
        return {"array": "json"}.get(shape, shape)
    if path.suffix.lower() == ".csv" or b"," in head.split(b"\n", 1)[0]:
        return "csv"
    raise InputError(
        "cannot tell the format of this file",
        file=str(path),
        hint='expected a JSON array, a Graph page {"value": [...]}, JSON Lines or the portal CSV export; '
        "or pass --input-format",
    )


def find_auth_details(path: Path) -> Path | None:
    """The portal's AuthDetails CSV next to a sign-in CSV (``X_2024...csv`` ↔ ``X_AuthDetails_2024...csv``)."""
    name = path.name
    for prefix in ("InteractiveSignIns_", "NonInteractiveSignIns_"):
        if name.startswith(prefix) and "AuthDetails" not in name:
            candidate = path.with_name(prefix + "AuthDetails_" + name[len(prefix) :])
            if candidate.exists():
                return candidate
    return None


def load_file(
    collector: Collector,
    path: Path,
    *,
    kind: str = "signins",
    input_format: str = "auto",
    auth_details: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    jobs: int = 1,
) -> None:
    """Read one file into the collector (``progress(bytes_read, size)`` is called now and then).

    A large JSON Lines sign-in file is read by ``jobs`` processes when ``jobs`` > 1. Raises :class:`InputError` only when the file cannot be
    opened or its format is unknown; bad records are counted as skipped."""
    try:
        stream = path.open("rb", buffering=1 << 20)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", file=str(path)) from None
    try:
        with stream:
            _read_into(collector, stream, path, kind, input_format, auth_details, progress, jobs)
    except RecursionError:
        # JSON nested deeper than the decoder's stack (or orjson's 1024 levels): hostile, not damaged.
        raise nested_too_deeply(str(path)) from None


def _read_into(
    collector: Collector,
    stream: IO[bytes],
    path: Path,
    kind: str,
    input_format: str,
    auth_details: Path | None,
    progress: Callable[[int, int], None] | None,
    jobs: int,
) -> None:
    head = stream.peek(65536)[:65536]  # type: ignore[attr-defined]  # BufferedReader
    if not head.strip():
        collector.note(f"{path.name}: the file is empty")
        return
    name = choose_loader(path, head) if input_format == "auto" else input_format
    loader = LOADERS.get(name)
    if loader is None:
        raise InputError(f"unknown input format {name!r}", hint=f"use one of: auto, {', '.join(LOADERS)}")
    if kind not in loader.kinds:
        raise InputError(f"the {name} format holds sign-ins only, not {kind}", file=str(path))
    if name == "csv" and auth_details is None:
        auth_details = find_auth_details(path)
    req = LoadRequest(path=path, kind=kind, auth_details=auth_details)
    source = str(path)
    if name == "jsonl" and kind == "signins" and jobs > 1:
        from mfaguard.detect.parallel import MIN_PARALLEL_BYTES, load_jsonl_parallel

        size = path.stat().st_size
        if size >= MIN_PARALLEL_BYTES:
            load_jsonl_parallel(collector, path, jobs=jobs, source=source)
            if progress is not None:
                progress(size, size)
            return

    def skip(reason: str, line: int | None) -> None:
        collector.skip(reason, source, line)

    records = loader.read(stream, req, skip, collector.note)
    if progress is not None:
        records = _with_progress(records, stream, path.stat().st_size, progress)
    if kind == "signins":
        collector.add_signins(records, source=source)
    elif kind == "audits":
        collector.add_audits(records, source=source)
    else:
        collector.add_risks(records, source=source)
