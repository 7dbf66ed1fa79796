"""Read the directory coverage needs through :class:`~mfaguard.graph.client.GraphClient`.

Three reads run concurrently, each streamed item by item into compact frozen records (a page is
dropped as soon as it is consumed, so memory grows with the users kept, not with pages):

- ``GET /v1.0/users?$select=id,userPrincipalName,displayName,accountEnabled,userType&$top=999``:
  every user, disabled ones included — they cost a few extra rows and let ``explain`` say "disabled"
  and MFA-018 see a disabled account parked in a break-glass group.
- ``GET /beta/reports/authenticationMethods/userRegistrationDetails?$top=999``: the registration
  report. It falls under the reports quota (5 requests / 10 s per app per tenant); the client paces
  it (:mod:`mfaguard.graph.pacing`) instead of retrying into 429s. Beta, for ``defaultMfaMethod``.
  Its list page documents only ``$filter`` and ``$orderBy`` (microsoft-graph-docs-contrib, beta
  authenticationmethodsroot-list-userregistrationdetails.md); ``$top=999`` is widely used against
  it in practice and we follow ``@odata.nextLink`` whatever page size comes back. ``$select`` is not
  sent: unlike ``$top`` it is not seen working in the wild, and a 400 would cost the whole report.
- Group membership: for every group the policy names (and the break-glass groups), the group itself
  and its *direct* members, breadth-first down the nesting, through ``$batch`` (20 requests per
  round trip). Direct members rather than ``/transitiveMembers`` because the reason chain
  ("excluded by group X ← nested in Y") needs the nesting, and because the flat list would repeat
  users of overlapping subgroups; each nested group costs one inner request per 999 members.
  Further pages of a big group follow ``@odata.nextLink`` verbatim.

Licence and permission errors do not stop the others: the part is recorded as a
:class:`~mfaguard.model.directory.ReadProblem` (what, why, what to do) and its data is ``None``.
Token and service failures propagate (the tool could not finish).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from mfaguard.errors import GraphError, LicenseError, NotFoundError, PermissionError_
from mfaguard.model.directory import (
    Directory,
    DirectoryUser,
    Group,
    ProblemKind,
    ReadProblem,
    RegistrationDetail,
    norm_id,
)
from mfaguard.model.policy import AuthenticationMethodsPolicy, coverage_group_ids
from mfaguard.read.directory_json import registration_from_graph, user_from_graph

if TYPE_CHECKING:
    from mfaguard.graph.client import BatchRequest, GraphClient

USERS_PATH = "/users"
USER_SELECT = "id,userPrincipalName,displayName,accountEnabled,userType"
REGISTRATION_PATH = "/reports/authenticationMethods/userRegistrationDetails"
MEMBER_SELECT = "id,displayName,userPrincipalName"
PAGE_SIZE = 999
"""The largest ``$top`` directory collections accept."""

BATCH_SIZE = 20
"""Graph's limit of requests per ``$batch``."""
BATCH_CONCURRENCY = 4

DIRECTORY_VERSION = "v1.0"
REPORT_VERSION = "beta"

_USER_TYPE = "#microsoft.graph.user"
_GROUP_TYPE = "#microsoft.graph.group"


class _Keyed(Protocol):
    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=_Keyed)

Progress = Callable[[str, int], None]
"""Called with (``users`` | ``registration`` | ``groups``, items read so far in that part)."""


@dataclass(slots=True)
class RequestCounts:
    """What collection cost, for diagnostics and the benchmark (inner requests, not round trips)."""

    users_pages: int = 0
    registration_pages: int = 0
    group_requests: int = 0
    group_pages: int = 0
    batches: int = 0
    by_part: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {
            "users_pages": self.users_pages,
            "registration_pages": self.registration_pages,
            "group_requests": self.group_requests,
            "group_pages": self.group_pages,
            "batches": self.batches,
        }


async def collect_directory(
    client: GraphClient,
    policy: AuthenticationMethodsPolicy,
    *,
    extra_groups: Iterable[str] = (),
    progress: Progress | None = None,
    only_user: str | None = None,
) -> Directory:
    """Users, the registration report and the membership of every group the policy names.

    ``extra_groups`` adds groups the settings name (break-glass groups, a planned pilot group).
    ``only_user`` (UPN or object id) reads that one user and their report row instead of everyone
    (``explain``); group membership is still read whole, because the reason chain needs it.
    """
    import asyncio

    counts = RequestCounts()
    report = progress or _no_progress
    group_ids = sorted(coverage_group_ids(policy) | {norm_id(g) for g in extra_groups if g})
    if only_user is not None:
        users_task = asyncio.create_task(_read_one_user(client, only_user, counts))
        registration_task = asyncio.create_task(_read_one_registration(client, users_task, counts))
    else:
        users_task = asyncio.create_task(_read_users(client, counts, report))
        registration_task = asyncio.create_task(_read_registration(client, counts, report))
    groups_task = asyncio.create_task(_read_groups(client, group_ids, counts, report))
    try:
        users, users_problem = await users_task
        registration, registration_problem = await registration_task
        groups, group_problems = await groups_task
    except BaseException:
        for task in (users_task, registration_task, groups_task):
            task.cancel()
        await asyncio.gather(users_task, registration_task, groups_task, return_exceptions=True)
        raise
    problems = [p for p in (users_problem, registration_problem) if p is not None]
    problems.extend(group_problems)
    return Directory(
        users=users,
        groups=groups,
        registration=registration,
        problems=tuple(problems),
        requests=counts.as_dict(),
    )


def _no_progress(part: str, count: int) -> None:
    return None


async def _read_users(
    client: GraphClient, counts: RequestCounts, progress: Progress
) -> tuple[dict[str, DirectoryUser] | None, ReadProblem | None]:
    params = {"$select": USER_SELECT, "$top": str(PAGE_SIZE)}
    source = _paged(client, USERS_PATH, params, DIRECTORY_VERSION, counts, "users")
    return await _read_rows(source, user_from_graph, "users", progress, ("the user list", "User.Read.All"))


async def _read_registration(
    client: GraphClient, counts: RequestCounts, progress: Progress
) -> tuple[dict[str, RegistrationDetail] | None, ReadProblem | None]:
    params = {"$top": str(PAGE_SIZE)}
    source = _paged(client, REGISTRATION_PATH, params, REPORT_VERSION, counts, "registration")
    label = ("the registration report (userRegistrationDetails)", "AuditLog.Read.All")
    return await _read_rows(source, registration_from_graph, "registration", progress, label)


async def _read_one_user(
    client: GraphClient, key: str, counts: RequestCounts
) -> tuple[dict[str, DirectoryUser] | None, ReadProblem | None]:
    from urllib.parse import quote

    counts.users_pages += 1
    try:
        body = await client.get(
            f"/users/{quote(key.strip(), safe='@')}",
            version=DIRECTORY_VERSION,
            params={"$select": USER_SELECT},
        )
    except NotFoundError:
        return {}, None
    except GraphError as exc:
        problem = _degrade(exc, "users", "the user", "User.Read.All")
        if problem is None:
            raise
        return None, problem
    user = user_from_graph(body)
    return ({user.id: user} if user is not None else {}), None


async def _read_one_registration(
    client: GraphClient,
    user_task: Awaitable[tuple[dict[str, DirectoryUser] | None, ReadProblem | None]],
    counts: RequestCounts,
) -> tuple[dict[str, RegistrationDetail] | None, ReadProblem | None]:
    users, _ = await user_task
    if not users:
        return {}, None  # no such user (or unreadable): nothing to look up
    (user_id,) = users
    counts.registration_pages += 1
    try:
        body = await client.get(f"{REGISTRATION_PATH}/{user_id}", version=REPORT_VERSION)
    except NotFoundError:
        return {}, None  # not in the report (disabled, or too new)
    except GraphError as exc:
        label = ("the registration report (userRegistrationDetails)", "AuditLog.Read.All")
        problem = _degrade(exc, "registration", *label)
        if problem is None:
            raise
        return None, problem
    row = registration_from_graph(body)
    return ({row.id: row} if row is not None else {}), None


async def _read_rows(
    source: AsyncIterator[dict[str, Any]],
    parse: Callable[[dict[str, Any]], R | None],
    part: str,
    progress: Progress,
    label: tuple[str, str],
) -> tuple[dict[str, R] | None, ReadProblem | None]:
    """Stream a collection into ``{id: record}``; licence/permission errors become a ReadProblem."""
    rows: dict[str, R] = {}
    try:
        async for body in source:
            row = parse(body)
            if row is not None:
                rows[row.id] = row
                if len(rows) % PAGE_SIZE == 0:
                    progress(part, len(rows))
    except GraphError as exc:
        problem = _degrade(exc, part, *label)
        if problem is None:
            raise
        return None, problem
    progress(part, len(rows))
    return rows, None


async def _paged(
    client: GraphClient,
    path: str,
    params: dict[str, str],
    version: str,
    counts: RequestCounts,
    part: str,
) -> AsyncIterator[dict[str, Any]]:
    url: str | None = path
    page_params: dict[str, str] | None = params
    while url is not None:
        page = await client.get(url, version=version, params=page_params)
        _count_page(counts, part)
        items = page.get("value")
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict):
                    yield item
        next_link = page.get("@odata.nextLink")
        url = next_link if isinstance(next_link, str) else None
        page_params = None  # the nextLink carries the query verbatim
        del page, items  # drop the page before fetching the next one


def _count_page(counts: RequestCounts, part: str) -> None:
    if part == "users":
        counts.users_pages += 1
    elif part == "registration":
        counts.registration_pages += 1
    else:
        counts.group_pages += 1


async def _read_groups(
    client: GraphClient, roots: list[str], counts: RequestCounts, progress: Progress
) -> tuple[dict[str, Group], list[ReadProblem]]:
    from mfaguard.graph.client import BatchRequest

    groups: dict[str, Group] = {}
    names: dict[str, str | None] = {}
    problems: list[ReadProblem] = []
    seen: set[str] = set(roots)
    level = list(roots)
    named = set(roots)
    while level:
        requests: list[BatchRequest] = []
        for group_id in level:
            if group_id in named:
                requests.append(BatchRequest("GET", f"/groups/{group_id}?$select=id,displayName"))
            requests.append(
                BatchRequest("GET", f"/groups/{group_id}/members?$select={MEMBER_SELECT}&$top={PAGE_SIZE}")
            )
        counts.group_requests += len(requests)
        answers = iter(await _batched(client, requests, counts))
        next_level: list[str] = []
        for group_id in level:
            if group_id in named:
                head = next(answers)
                if _missing(head):
                    next(answers)  # the members request of a missing group failed too
                    groups[group_id] = Group(id=group_id, display_name=None, exists=False)
                    continue
                if head.ok:
                    name = head.json().get("displayName")
                    names[group_id] = name if isinstance(name, str) else None
            answer = next(answers)
            counts.group_pages += 1
            if not answer.ok:
                if _missing(answer):
                    groups[group_id] = Group(id=group_id, display_name=names.get(group_id), exists=False)
                    continue
                problem = _group_problem(answer.error, group_id)
                if problem is None:
                    assert answer.error is not None
                    raise answer.error
                problems.append(problem)
                continue
            member_users: set[str] = set()
            member_groups: set[str] = set()
            page = answer.json()
            while True:
                for item in page.get("value") or ():
                    _take_member(item, member_users, member_groups, names)
                next_link = page.get("@odata.nextLink")
                if not isinstance(next_link, str):
                    break
                page = await client.get(next_link, version=DIRECTORY_VERSION)
                counts.group_requests += 1
                counts.group_pages += 1
            groups[group_id] = Group(
                id=group_id,
                display_name=names.get(group_id),
                member_users=frozenset(member_users),
                member_groups=frozenset(member_groups),
            )
            for child in sorted(member_groups):
                if child not in seen:
                    seen.add(child)
                    next_level.append(child)
        named = set()
        level = next_level
        progress("groups", len(groups))
    return groups, problems


async def _batched(client: GraphClient, requests: list[BatchRequest], counts: RequestCounts) -> list[Any]:
    """Answers in request order; a few $batch round trips in flight at once (directory quota is ample)."""
    import asyncio

    chunks = [requests[i : i + BATCH_SIZE] for i in range(0, len(requests), BATCH_SIZE)]
    counts.batches += len(chunks)
    limit = asyncio.Semaphore(BATCH_CONCURRENCY)

    async def one(chunk: list[BatchRequest]) -> list[Any]:
        async with limit:
            return list(await client.batch(chunk, version=DIRECTORY_VERSION))

    answers: list[Any] = []
    for part in await asyncio.gather(*(one(chunk) for chunk in chunks)):
        answers.extend(part)
    return answers


def _missing(answer: Any) -> bool:
    """404 (deleted, unknown) or 400 (not even a valid object id): the group does not exist."""
    return isinstance(answer.error, NotFoundError) or answer.status == 400


def _take_member(item: Any, users: set[str], groups: set[str], names: dict[str, str | None]) -> None:
    if not isinstance(item, dict):
        return
    member_id = item.get("id")
    if not isinstance(member_id, str) or not member_id:
        return
    odata_type = str(item.get("@odata.type") or "").lower()
    if odata_type == _USER_TYPE.lower():
        users.add(norm_id(member_id))
    elif odata_type == _GROUP_TYPE.lower():
        key = norm_id(member_id)
        groups.add(key)
        name = item.get("displayName")
        names[key] = name if isinstance(name, str) else None
    # devices, contacts, service principals: not people, never MFA users.


def _group_problem(error: GraphError | None, group_id: str) -> ReadProblem | None:
    if error is None:
        return None
    return _degrade(error, f"group:{group_id}", f"the members of group {group_id}", "GroupMember.Read.All")


def _degrade(exc: GraphError, what: str, label: str, permission: str) -> ReadProblem | None:
    """A ReadProblem for licence and permission errors; None for errors that must stop the run."""
    if isinstance(exc, LicenseError):
        return ReadProblem(
            what=what,
            kind=ProblemKind.LICENSE,
            reason=f"{label} needs Microsoft Entra ID P1 or P2 ({exc.message})",
            hint="license the tenant for Entra ID P1/P2 (reports are a premium feature)",
        )
    if isinstance(exc, PermissionError_):
        return ReadProblem(
            what=what,
            kind=ProblemKind.PERMISSION,
            reason=f"not allowed to read {label} ({exc.message})",
            hint=exc.hint or f"grant the app {permission} (application permission, admin consent)",
        )
    return None


def lower_bound_requests(users: int, registration_rows: int, group_pages: int = 0) -> int:
    """Fewest requests a full read can take: pages at the maximum page size, plus group pages."""
    return -(-users // PAGE_SIZE) + -(-registration_rows // PAGE_SIZE) + group_pages


def unread_directory(
    reason: str, *, hint: str | None, kind: ProblemKind, groups: Iterable[str] = ()
) -> Directory:
    """A directory that was not (or could not be) read, saying why for every part: users, the
    registration report and each break-glass group. The coverage controls then say ERROR with the
    reason, never a verdict."""
    parts = ["users", "registration", *(f"group:{norm_id(g)}" for g in groups if g)]
    problems = tuple(ReadProblem(what=part, kind=kind, reason=reason, hint=hint) for part in parts)
    return Directory(users=None, groups={}, registration=None, problems=problems)
