"""Reduce a stream of raw records to the evidence the detections judge (pure: records in, evidence out).

Memory stays small however long the input is: most benign records are dropped after a cheap triage
(:func:`~mfaguard.detect.normalise.triage`); the baseline of known countries and IPs per user is kept as
merged time intervals, not as records; only denial-bearing records, successes and their events are
kept. Whole records are deduplicated by ``id`` and denial events by their dedupe key (reference §3
rule 3), so overlapping pages, the same file loaded twice, or JSON plus CSV give the same evidence.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import os
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Protocol

from mfaguard.detect.classify import NOISE_CODES
from mfaguard.detect.events import denial_events, success_event
from mfaguard.detect.model import (
    AuditEvent,
    DenialEvent,
    EventClass,
    InputStats,
    RiskEvent,
    SignIn,
    SuccessEvent,
)
from mfaguard.detect.normalise import (
    SkipRecord,
    Triage,
    fast_success,
    normalise_audit,
    normalise_risk,
    normalise_signin,
    parse_ts,
    to_int,
    triage,
    user_key,
)

MAX_EXAMPLES = 10


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


class IntervalSet:
    """A union of half-open intervals ``(start, end]`` of POSIX seconds, merged as they are added."""

    __slots__ = ("ends", "starts")

    def __init__(self) -> None:
        self.starts: list[float] = []
        self.ends: list[float] = []

    def add(self, start: float, end: float) -> None:
        starts, ends = self.starts, self.ends
        if starts and start >= starts[-1]:
            # Fast path for chronological input.
            if start <= ends[-1]:
                if end > ends[-1]:
                    ends[-1] = end
                return
            starts.append(start)
            ends.append(end)
            return
        i = bisect.bisect_left(starts, start)
        # Merge with the neighbour on the left when they overlap.
        if i > 0 and ends[i - 1] >= start:
            i -= 1
            start = starts[i]
            end = max(end, ends[i])
        j = i
        while j < len(starts) and starts[j] <= end:
            end = max(end, ends[j])
            j += 1
        starts[i:j] = [start]
        ends[i:j] = [end]

    def covers(self, t: float) -> bool:
        i = bisect.bisect_left(self.starts, t) - 1
        return i >= 0 and self.starts[i] < t <= self.ends[i]

    def merge(self, other: IntervalSet) -> None:
        for s, e in zip(other.starts, other.ends, strict=True):
            self.add(s, e)

    def __len__(self) -> int:
        return len(self.starts)


class Baseline:
    """Per user: when each country and IP had a successful MFA sign-in, within the lookback.

    A success at time ``s`` makes its country and IP known for events in ``(s, s + lookback]``, so
    "was this country seen in the lookback before the event" is one lookup, and memory grows with the
    number of distinct (user, country/IP) pairs, not with the number of records.
    """

    def __init__(self, lookback: timedelta) -> None:
        self.lookback = lookback.total_seconds()
        self._sets: dict[tuple[str, str, str], IntervalSet] = {}

    def add(self, user: str, ts: datetime, country: str, ip: str) -> None:
        start = ts.timestamp()
        end = start + self.lookback
        for key in ((user, "*", ""), (user, "c", country), (user, "ip", ip)):
            if key[2] or key[1] == "*":
                iset = self._sets.get(key)
                if iset is None:
                    iset = self._sets[key] = IntervalSet()
                iset.add(start, end)

    def _covers(self, key: tuple[str, str, str], ts: datetime) -> bool:
        iset = self._sets.get(key)
        return iset is not None and iset.covers(ts.timestamp())

    def has_history(self, user: str, ts: datetime) -> bool:
        """The user had at least one successful MFA sign-in in the lookback before ``ts``."""
        return self._covers((user, "*", ""), ts)

    def knows_country(self, user: str, country: str, ts: datetime) -> bool:
        return bool(country) and self._covers((user, "c", country), ts)

    def knows_ip(self, user: str, ip: str, ts: datetime) -> bool:
        return bool(ip) and self._covers((user, "ip", ip), ts)

    def rekey(self, aliases: Mapping[str, str]) -> None:
        """Merge the entries of alias user keys (``upn:x``) into their canonical keys."""
        for key in [k for k in self._sets if k[0] in aliases]:
            iset = self._sets.pop(key)
            target = (aliases[key[0]], key[1], key[2])
            if target in self._sets:
                self._sets[target].merge(iset)
            else:
                self._sets[target] = iset

    def size(self) -> int:
        return sum(len(s) for s in self._sets.values())

    def merge(self, other: Baseline) -> None:
        for key, iset in other._sets.items():
            mine = self._sets.get(key)
            if mine is None:
                self._sets[key] = iset
            else:
                mine.merge(iset)


@dataclass(frozen=True)
class Evidence:
    """Everything the detections judge, deduplicated and sorted by time."""

    denials: tuple[DenialEvent, ...]
    successes: tuple[SuccessEvent, ...]
    denial_records: tuple[SignIn, ...]
    """Records that carry denial events (for profiles that count records or raw steps)."""
    baseline: Baseline
    audits: tuple[AuditEvent, ...] = ()
    risks: tuple[RiskEvent, ...] = ()
    interrupts: Mapping[str, Mapping[int, int]] = field(default_factory=dict)
    users: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """user key → (UPN, userId)."""
    newest: datetime | None = None
    """Newest sign-in time in the input (``--since`` on files counts back from it)."""
    stats: InputStats = field(default_factory=InputStats)


class _Where:
    """A record's location, formatted only when an example message needs it."""

    __slots__ = ("line", "source")

    def __init__(self, source: str, line: int | None) -> None:
        self.source = source
        self.line = line

    def __str__(self) -> str:
        if self.line is None:
            return self.source
        return f"{self.source}:{self.line}" if self.source else f"record {self.line}"


class _Stats:
    def __init__(self) -> None:
        self.records = 0
        self.used = 0
        self.duplicates = 0
        self.skipped: Counter[str] = Counter()
        self.examples: list[tuple[_Where, str]] = []
        self.notes: list[str] = []

    def skip(self, reason: str, where: _Where) -> None:
        self.skipped[reason] += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append((where, reason))

    def merge(self, other: _Stats, line_offset: int) -> None:
        """Add the counts of a worker that read a later part of the same input."""
        self.records += other.records
        self.used += other.used
        self.duplicates += other.duplicates
        self.skipped.update(other.skipped)
        for where, reason in other.examples:
            if len(self.examples) < MAX_EXAMPLES:
                line = where.line + line_offset if where.line is not None else None
                self.examples.append((_Where(where.source, line), reason))
        self.notes.extend(n for n in other.notes if n not in self.notes)

    def freeze(self) -> InputStats:
        return InputStats(
            records=self.records,
            used=self.used,
            duplicates=self.duplicates,
            skipped=dict(self.skipped),
            examples=tuple(f"{w}: {r}" if str(w) else r for w, r in self.examples),
            notes=tuple(self.notes),
        )


SUCCESS_HORIZON = timedelta(days=1)
"""Successes further than this from every denial of their user are never looked at."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


class SuccessStore:
    """Successes, kept in memory up to ``limit`` and spilled to an anonymous temporary file beyond.

    Whether a success matters (a denial of the same user near it) is known only once the whole input
    is read, and inputs come in any order; spilling keeps memory flat however large the file is. The
    files are unlinked as soon as they are open, so nothing is left behind. Pickling (a parallel
    worker handing its part back) writes the successes to a named file the receiver opens and
    unlinks.
    """

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self._mem: list[SuccessEvent] = []
        self._file: IO[bytes] | None = None
        self._adopted: list[IO[bytes]] = []
        self.spilled = 0

    def add(self, success: SuccessEvent) -> None:
        self._mem.append(success)
        if len(self._mem) >= self.limit:
            self._flush()

    def _flush(self) -> None:
        if self._file is None:
            # Lives as long as the store; removed by the OS when closed or at exit.
            self._file = tempfile.TemporaryFile(prefix="mfaguard-successes-")  # noqa: SIM115
        self._file.write(_encode(self._mem))
        self.spilled += len(self._mem)
        self._mem = []

    def __iter__(self) -> Iterator[SuccessEvent]:
        for handle in [*self._adopted, *([self._file] if self._file else [])]:
            handle.flush()
            handle.seek(0)
            for line in handle:
                yield _decode(line)
            handle.seek(0, 2)
        yield from self._mem

    def extend(self, other: SuccessStore) -> None:
        """Take over another store's successes (files included)."""
        self._adopted.extend(other._adopted)
        if other._file is not None:
            self._adopted.append(other._file)
        for s in other._mem:
            self.add(s)
        self.spilled += other.spilled
        other._adopted, other._file, other._mem = [], None, []

    def __getstate__(self) -> dict[str, Any]:
        fd, name = tempfile.mkstemp(prefix="mfaguard-successes-")
        with os.fdopen(fd, "wb") as out:
            for handle in [*self._adopted, *([self._file] if self._file else [])]:
                handle.flush()
                handle.seek(0)
                while chunk := handle.read(1 << 20):
                    out.write(chunk)
            out.write(_encode(self._mem))
        return {"limit": self.limit, "path": name, "spilled": self.spilled + len(self._mem)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.limit = state["limit"]
        self._mem = []
        self._file = None
        path = Path(state["path"])
        handle = path.open("rb+")
        path.unlink()
        self._adopted = [handle]
        self.spilled = state["spilled"]


def _encode(successes: Iterable[SuccessEvent]) -> bytes:
    lines = []
    for s in successes:
        micros = (s.ts - _EPOCH) // _MICRO
        row = [s.record_id, s.user_key, s.upn, micros, s.ip, s.country, s.app, s.method, s.interactive,
               s.low_confidence, s.city, s.state, s.asn]  # fmt: skip
        lines.append(json.dumps(row, separators=(",", ":")) + "\n")
    return "".join(lines).encode()


def _decode(line: bytes) -> SuccessEvent:
    r = json.loads(line)
    return SuccessEvent(
        record_id=r[0], user_key=r[1], upn=r[2], ts=_EPOCH + r[3] * _MICRO, ip=r[4], country=r[5],
        app=r[6], method=r[7], interactive=r[8], low_confidence=r[9], city=r[10], state=r[11], asn=r[12],
    )  # fmt: skip


class Collector:
    """Feed raw records in any order; :meth:`evidence` returns the reduced, deduplicated evidence."""

    def __init__(self, *, lookback: timedelta = timedelta(days=14), success_limit: int = 4096) -> None:
        self.baseline = Baseline(lookback)
        self._stats = _Stats()
        self._denials: dict[tuple[str, ...], DenialEvent] = {}
        self._successes = SuccessStore(success_limit)
        self._denial_records: dict[str, SignIn] = {}
        self._interrupts: dict[str, Counter[int]] = {}
        self._users: dict[str, tuple[str, str]] = {}
        self._upn_to_id: dict[str, str] = {}
        self._audits: dict[str, AuditEvent] = {}
        self._risks: dict[str, RiskEvent] = {}
        self._newest_prefix = ""
        self._newest_raw: list[str] = []
        self._newest: datetime | None = None

    # -- input -----------------------------------------------------------------------------------

    def note(self, message: str) -> None:
        self._stats.notes.append(message)

    def skip(self, reason: str, source: str = "", line: int | None = None) -> None:
        """Count a record a loader could not even decode (truncated JSON, bad CSV row)."""
        self._stats.records += 1
        self._stats.skip(reason, _Where(source, line))

    def add_signins(
        self, items: Iterable[tuple[Any, int]], *, source: str = "", default_interactive: bool = True
    ) -> None:
        """Add raw sign-in records, each with its line (or index) in ``source`` for error messages."""
        # The hot loop of a large file: counters and the newest-time prefix are kept in locals.
        stats = self._stats
        keep, success, noise = Triage.KEEP, Triage.SUCCESS, Triage.NOISE
        records = used = 0
        newest = self._newest_prefix
        try:
            for raw, line in items:
                records += 1
                verdict = triage(raw) if type(raw) is dict else keep
                if verdict is success:
                    try:
                        ev = fast_success(raw, default_interactive=default_interactive)
                    except SkipRecord as exc:
                        stats.skip(exc.reason, _Where(source, line))
                        continue
                    used += 1
                    self._add_success(ev)
                    continue
                if verdict is not keep:
                    # Benign and irrelevant: only check it is well-formed and note how new it is.
                    rid = raw.get("id")
                    created = raw.get("createdDateTime")
                    if not rid or type(rid) is not str:
                        stats.skip("missing id", _Where(source, line))
                        continue
                    if not created or type(created) is not str:
                        stats.skip("missing createdDateTime", _Where(source, line))
                        continue
                    if (
                        len(created) >= 20
                        and created[-1] == "Z"
                        and created[10] == "T"
                        and created[13] == ":"
                    ):
                        # UTC ISO strings compare like the times they spell once their first 19
                        # characters differ; the candidates sharing the newest prefix are parsed later.
                        prefix = created[:19]
                        if prefix > newest:
                            newest = prefix
                            self._newest_raw = [created]
                        elif prefix == newest:
                            self._newest_raw.append(created)
                    elif not self._see_time(created):
                        stats.skip("bad createdDateTime", _Where(source, line))
                        continue
                    used += 1
                    if verdict is noise:
                        self._count_noise(raw)
                    continue
                try:
                    rec = normalise_signin(raw, default_interactive=default_interactive)
                except SkipRecord as exc:
                    stats.skip(exc.reason, _Where(source, line))
                    continue
                used += 1
                self._add_record(rec)
        finally:
            stats.records += records
            stats.used += used
            self._newest_prefix = newest

    def _see_time(self, created: str) -> bool:
        """Note the time of a record not in Graph's UTC form (offsets, portal style)."""
        try:
            self._bump(parse_ts(created))
        except ValueError:
            return False
        return True

    def _needed_successes(
        self, denials: Sequence[DenialEvent], canon: Callable[[str], str]
    ) -> list[SuccessEvent]:
        """The successes of users with a denial event within a day of them (the only ones any
        detection or profile looks at), deduplicated by record id."""
        times: dict[str, list[datetime]] = defaultdict(list)
        for e in denials:
            times[e.user_key].append(e.ts)  # denials are sorted by time already
        kept: dict[str, SuccessEvent] = {}
        for s in self._successes:
            key = canon(s.user_key)
            near = times.get(key)
            if not near:
                continue
            i = bisect.bisect_left(near, s.ts - SUCCESS_HORIZON)
            if i == len(near) or near[i] > s.ts + SUCCESS_HORIZON:
                continue
            if s.record_id in kept:
                self._stats.duplicates += 1
                continue
            kept[s.record_id] = replace(s, user_key=key) if key != s.user_key else s
        return sorted(kept.values(), key=lambda s: (s.ts, s.record_id))

    def _bump(self, ts: datetime) -> None:
        if self._newest is None or ts > self._newest:
            self._newest = ts

    def _count_noise(self, raw: Mapping[str, Any]) -> None:
        uid = raw.get("userId")
        upn = raw.get("userPrincipalName")
        key = user_key(
            uid.strip() if isinstance(uid, str) else "", upn.strip().lower() if isinstance(upn, str) else ""
        )
        code = to_int(raw["status"].get("errorCode"))
        if code is not None:
            self._interrupts.setdefault(key, Counter())[code] += 1

    def add_signin(self, rec: SignIn) -> None:
        """Add one already normalised record."""
        self._stats.records += 1
        self._stats.used += 1
        self._add_record(rec)

    def _add_record(self, rec: SignIn) -> None:
        self._bump(rec.ts)
        if rec.id in self._denial_records:
            self._stats.duplicates += 1
            return
        if rec.upn or rec.user_id:
            self._users.setdefault(rec.user_key, (rec.upn, rec.user_id))
            if rec.upn and rec.user_id:
                self._upn_to_id.setdefault(rec.upn, rec.user_key)
        if rec.error_code in NOISE_CODES:
            self._interrupts.setdefault(rec.user_key, Counter())[rec.error_code] += 1
        events = denial_events(rec)
        if events:
            self._denial_records[rec.id] = rec
            for ev in events:
                old = self._denials.get(ev.key)
                # Keep the copy from the earliest record (the denial record itself, not a later
                # record repeating the step), whatever order the input comes in.
                if old is None or (ev.record_ts, ev.record_id) < (old.record_ts, old.record_id):
                    self._denials[ev.key] = ev
        success = success_event(rec)
        if success is not None:
            self._successes.add(success)
            if rec.cls is EventClass.MFA_SUCCESS:
                self.baseline.add(rec.user_key, rec.ts, rec.country, rec.ip)

    def _add_success(self, s: SuccessEvent) -> None:
        """A record that is only an MFA approval (the triage fast path)."""
        self._bump(s.ts)
        if s.user_key not in self._users:
            uid = s.user_key if not s.user_key.startswith("upn:") else ""
            self._users[s.user_key] = (s.upn, uid)
            if s.upn and uid:
                self._upn_to_id.setdefault(s.upn, s.user_key)
        self._successes.add(s)
        self.baseline.add(s.user_key, s.ts, s.country, s.ip)

    def add_audits(self, items: Iterable[tuple[Any, int]], *, source: str = "") -> None:
        self._add_objects(items, source, normalise_audit, self._audits)

    def add_risks(self, items: Iterable[tuple[Any, int]], *, source: str = "") -> None:
        self._add_objects(items, source, normalise_risk, self._risks)

    def _add_objects(
        self,
        items: Iterable[tuple[Any, int]],
        source: str,
        normalise: Callable[[object], _Identified],
        store: dict[str, Any],
    ) -> None:
        for raw, line in items:
            self._stats.records += 1
            try:
                obj = normalise(raw)
            except SkipRecord as exc:
                self._stats.skip(exc.reason, _Where(source, line))
                continue
            self._stats.used += 1
            if obj.id in store:
                self._stats.duplicates += 1
            store[obj.id] = obj

    def merge(self, other: Collector, *, line_offset: int = 0) -> None:
        """Fold in a collector that read a later part of the same input (parallel reading).

        Gives what reading that part here would have given: denial events keep the copy from the
        earliest record, records are deduplicated by id, baselines and counters add up.
        """
        self._stats.merge(other._stats, line_offset)
        for rid, rec in other._denial_records.items():
            if rid in self._denial_records:
                self._stats.duplicates += 1
            else:
                self._denial_records[rid] = rec
        for dkey, ev in other._denials.items():
            old = self._denials.get(dkey)
            if old is None or (ev.record_ts, ev.record_id) < (old.record_ts, old.record_id):
                self._denials[dkey] = ev
        self._successes.extend(other._successes)
        self.baseline.merge(other.baseline)
        for key, counts in other._interrupts.items():
            self._interrupts.setdefault(key, Counter()).update(counts)
        for key, names in other._users.items():
            self._users.setdefault(key, names)
        for upn, key in other._upn_to_id.items():
            self._upn_to_id.setdefault(upn, key)
        if other._newest_prefix > self._newest_prefix:
            self._newest_prefix, self._newest_raw = other._newest_prefix, list(other._newest_raw)
        elif other._newest_prefix == self._newest_prefix:
            self._newest_raw.extend(other._newest_raw)
        if other._newest is not None:
            self._bump(other._newest)

    # -- output ----------------------------------------------------------------------------------

    def evidence(self) -> Evidence:
        """The evidence collected so far, with user keys unified (``upn:x`` → userId when known)."""
        aliases = {f"upn:{upn}": key for upn, key in self._upn_to_id.items()}
        for raw in self._newest_raw:
            with contextlib.suppress(ValueError):
                self._bump(parse_ts(raw))

        def canon(key: str) -> str:
            return aliases.get(key, key)

        denials = sorted(
            (
                (replace(e, user_key=canon(e.user_key)) if e.user_key in aliases else e)
                for e in self._denials.values()
            ),
            key=lambda e: (e.ts, e.key),
        )
        successes = self._needed_successes(denials, canon)
        records = sorted(
            (
                (replace(r, user_key=canon(r.user_key)) if r.user_key in aliases else r)
                for r in self._denial_records.values()
            ),
            key=lambda r: (r.ts, r.id),
        )
        self.baseline.rekey(aliases)
        users: dict[str, tuple[str, str]] = {}
        for key, (upn, uid) in self._users.items():
            ck = canon(key)
            old = users.get(ck)
            users[ck] = (upn or (old[0] if old else ""), uid or (old[1] if old else ""))
        interrupts: dict[str, dict[int, int]] = {}
        for key, counts in self._interrupts.items():
            slot = interrupts.setdefault(canon(key), {})
            for code, n in counts.items():
                slot[code] = slot.get(code, 0) + n
        return Evidence(
            denials=tuple(denials),
            successes=tuple(successes),
            denial_records=tuple(records),
            baseline=self.baseline,
            audits=tuple(sorted(self._audits.values(), key=lambda a: (a.ts, a.id))),
            risks=tuple(sorted(self._risks.values(), key=lambda r: (r.ts, r.id))),
            interrupts=interrupts,
            users=users,
            newest=self._newest,
            stats=self._stats.freeze(),
        )
