"""The Microsoft Graph client: the only code in mfaguard that speaks HTTP.

Behaviour, and why (reference/graph.md §7, §8, §11):

- **Retries.** 429, 503 and 504 are retried, honouring ``Retry-After`` (seconds or an HTTP date);
  without one (riskDetections' 429s never carry it) we back off exponentially with jitter so that
  parallel clients do not retry in lock-step. Attempts are bounded (:attr:`RetryPolicy.max_attempts`)
  and so is the wall time of one call including its retries (:attr:`RetryPolicy.deadline`); a
  ``Retry-After`` longer than the time left fails at once rather than sleeping past the deadline.
- **Connection failures and timeouts** are retried only when re-sending cannot change the tenant
  twice: always for reads; for writes only when the request provably never left (connect error,
  connect/pool timeout). Never when the connection was refused, the host name does not resolve or
  the TLS certificate is not trusted: those do not heal within a call's deadline, so the user hears
  at once what could not be reached. A PATCH whose connection died after sending may have landed; re-sending it
  blindly could overwrite a change someone made in between (the writer re-reads before every PATCH
  precisely to detect that), so we raise and let the caller re-read. A 504 on a write is not retried
  for the same reason; 429 and 503 are, because Graph refused the request before processing it.
- **Paging** follows ``@odata.nextLink`` verbatim (it carries ``$skiptoken``; rebuilding it breaks
  paging) and re-sends the caller's headers — ``ConsistencyLevel: eventual`` is not carried over by
  Graph. A nextLink to another origin is refused, so the bearer token never leaves the endpoint.
- **$batch** sends ≤ 20 requests per POST, correlates answers by ``id`` (their order may differ),
  retries only the inner requests that were throttled (honouring their own ``Retry-After``; inner
  503/504 too when the inner request is a read) and maps every inner error like a top-level one.
- **Pacing.** Report and Identity Protection endpoints are paced client-side (see
  :mod:`mfaguard.graph.pacing`) so big reads do not provoke a 429 storm.
- **Unknown enum members.** Every request sends ``Prefer: include-unknown-enum-members``: evolvable
  enums then carry the real new member (e.g. a future ``advancedConfigState``) instead of the opaque
  ``unknownFutureValue``, so findings can name what Graph actually holds and a read-modify-write
  PATCH echoes back the real value. Our parsers keep unknown strings as they are (never PASS).
- **Diagnostics.** Each logical call gets a ``client-request-id`` (kept across its retries so
  Microsoft support can correlate them); Graph's ``request-id`` ends up in every error. Debug
  logging (logger ``mfaguard.graph``) shows method, URL, status, timing and ids — never headers,
  so never the ``Authorization`` header.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import ssl
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx

from mfaguard import __version__
from mfaguard.errors import GraphError, ServiceError, UsageError
from mfaguard.graph.auth import TokenInfo, TokenProvider
from mfaguard.graph.clouds import is_loopback_host, normalize_endpoint
from mfaguard.graph.errors import api_path, connection_cause, error_from_response, transport_error
from mfaguard.graph.pacing import Pacer

log = logging.getLogger("mfaguard.graph")

API_VERSIONS = ("beta", "v1.0")
BATCH_LIMIT = 20
"""Graph accepts at most 20 requests per ``$batch``."""

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

# Transport failures that happen before any byte of the request reached the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_TRANSIENT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_HOPELESS = frozenset({"refused", "dns", "tls"})
"""Connection failures a retry within the call's deadline would not cure."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounds on retrying one logical call (one GET, one page, one PATCH, one $batch chunk)."""

    max_attempts: int = 6
    """Attempts in total, the first included."""
    deadline: float = 120.0
    """Seconds one call may take, retries and waits included."""
    backoff_base: float = 0.5
    """First backoff (seconds) when the server gives no Retry-After; doubles per attempt."""
    backoff_max: float = 30.0
    timeout: float = 30.0
    """Per-attempt read/write timeout (seconds); also capped by the time left before the deadline."""
    connect_timeout: float = 10.0
    retry_statuses: frozenset[int] = frozenset({429, 503, 504})

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random (never ~0)."""
        ceiling = min(self.backoff_max, self.backoff_base * 2.0 ** max(0, attempt - 1))
        jitter: float = (rng or random.Random()).uniform(0, ceiling / 2)
        return ceiling / 2 + jitter


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date); None if absent/bad."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """One request inside a ``$batch``; ``url`` is relative to ``/{version}`` (e.g. ``/groups/x``)."""

    method: str
    url: str
    body: Any = None
    headers: Mapping[str, str] | None = None

    @property
    def idempotent(self) -> bool:
        return self.method.upper() in ("GET", "HEAD")


@dataclass(frozen=True, slots=True)
class BatchResponse:
    """The answer to one :class:`BatchRequest` (same position in the result list)."""

    request: BatchRequest
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    error: GraphError | None = None
    """The mapped error for a non-2xx status (None on success)."""

    @property
    def ok(self) -> bool:
        return self.error is None

    def json(self) -> dict[str, Any]:
        """The body as a JSON object; raises :attr:`error` for a failed request."""
        if self.error is not None:
            raise self.error
        if not isinstance(self.body, dict):
            raise ServiceError(
                f"{self.request.method} {self.request.url} in $batch returned no JSON object",
                status=self.status,
            )
        return self.body


class GraphClient:
    """Async Microsoft Graph client. Use as ``async with GraphClient(...) as graph:``.

    ``endpoint`` is the Graph root (``https://graph.microsoft.com`` or the emulator's); paths given
    to the methods are relative to ``{endpoint}/{version}``. ``transport`` lets tests run the client
    in-process against the emulator (``httpx.ASGITransport``). ``sleep`` and ``clock`` are for
    tests that must not wait in real time.
    """

    def __init__(
        self,
        endpoint: str,
        token_provider: TokenProvider,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: str | bool | ssl.SSLContext = True,
        retry: RetryPolicy | None = None,
        report_pacing: bool = True,
        pacer: Pacer | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        rng: random.Random | None = None,
        token_info: TokenInfo | None = None,
    ) -> None:
        self.endpoint = normalize_endpoint(endpoint)
        self.token_info = token_info
        """What the token says about the caller (tenant, app, permissions), when it is a readable JWT and
        the client was opened through :func:`mfaguard.graph.connect.open_tenant`."""
        self._origin = _origin(self.endpoint)
        self._tokens = token_provider
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._pacer = (pacer or Pacer(clock=clock, sleep=sleep)) if report_pacing else None
        host = urlsplit(self.endpoint).hostname or ""
        if isinstance(verify, str):
            verify = ssl.create_default_context(cafile=verify)
        self._http = httpx.AsyncClient(
            transport=transport,
            verify=verify,
            timeout=httpx.Timeout(self.retry.timeout, connect=self.retry.connect_timeout),
            follow_redirects=False,
            # Never route loopback traffic (the emulator) through a proxy from the environment.
            trust_env=not is_loopback_host(host),
            headers={
                "Accept": "application/json",
                "User-Agent": f"mfaguard/{__version__}",
                "Prefer": "include-unknown-enum-members",
            },
        )
        self.requests_sent = 0
        """Attempts sent over the wire (diagnostics, benchmarks)."""

    async def __aenter__(self) -> GraphClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # ------------------------------------------------------------------------------------ public API

    async def get(
        self,
        path: str,
        *,
        version: str = "beta",
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """GET one JSON object (``path`` relative to ``/{version}``, or an absolute nextLink)."""
        url = self._url(path, version)
        response = await self._request("GET", url, params=params, headers=headers, idempotent=True)
        return _json_object(response, "GET", url)

    async def iter_items(
        self,
        path: str,
        *,
        version: str = "beta",
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield every item of a collection, following ``@odata.nextLink`` page by page."""
        url: str | None = self._url(path, version)
        page_params = params
        seen: set[str] = set()
        while url is not None:
            response = await self._request("GET", url, params=page_params, headers=headers, idempotent=True)
            page = _json_object(response, "GET", url)
            items = page.get("value")
            if not isinstance(items, list):
                raise ServiceError(f"GET {api_path(url)} returned no 'value' collection", url=url)
            for item in items:
                if isinstance(item, dict):
                    yield item
            next_link = page.get("@odata.nextLink")
            if next_link is None:
                return
            if not isinstance(next_link, str) or next_link in seen:
                raise ServiceError(
                    f"GET {api_path(url)} returned a bad or repeating @odata.nextLink", url=url
                )
            seen.add(next_link)
            url = self._url(next_link, version)  # verbatim: only the origin is checked
            page_params = None  # the nextLink already carries the query

    async def patch(
        self, path: str, body: Mapping[str, Any], *, version: str = "beta"
    ) -> dict[str, Any] | None:
        """PATCH ``body``; returns the response object, or None for ``204 No Content``."""
        url = self._url(path, version)
        response = await self._request("PATCH", url, json_body=body, idempotent=False)
        if response.status_code == 204 or not response.content:
            return None
        return _json_object(response, "PATCH", url)

    async def post(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        version: str = "beta",
        idempotent: bool = False,
    ) -> dict[str, Any] | None:
        """POST ``body``. Pass ``idempotent=True`` for read-only actions (``getByIds``,
        ``checkMemberGroups``) so that connection failures may be retried."""
        url = self._url(path, version)
        response = await self._request("POST", url, json_body=body, idempotent=idempotent)
        if response.status_code == 204 or not response.content:
            return None
        return _json_object(response, "POST", url)

    async def batch(self, requests: Sequence[BatchRequest], *, version: str = "beta") -> list[BatchResponse]:
        """Send ``requests`` through ``$batch`` (chunks of 20); answers in the same order."""
        results: list[BatchResponse | None] = [None] * len(requests)
        for start in range(0, len(requests), BATCH_LIMIT):
            chunk = list(enumerate(requests[start : start + BATCH_LIMIT], start))
            await self._batch_chunk(chunk, results, version)
        return [r for r in results if r is not None]

    async def ping(self) -> int:
        """GET the ``/v1.0/`` root without a token, once: any HTTP answer (even 401/404) proves the
        network, proxy and TLS are fine. Returns the status; raises :class:`ServiceError` otherwise."""
        url = f"{self.endpoint}/v1.0/"
        try:
            response = await self._http.get(url, timeout=self.retry.connect_timeout)
        except httpx.TransportError as exc:
            raise transport_error(exc, method="GET", url=url, may_have_landed=False) from exc
        return response.status_code

    # ------------------------------------------------------------------------------------- internals

    def _url(self, path: str, version: str) -> str:
        if "://" in path:
            if _origin(path) != self._origin:
                raise ServiceError(
                    f"Graph returned a link to another host ({_origin(path)}); refusing to send the token there",
                    url=path,
                )
            return path
        if version not in API_VERSIONS:
            raise UsageError(f"unknown Graph API version {version!r}", hint="use 'beta' or 'v1.0'")
        if not path.startswith("/"):
            path = "/" + path
        return f"{self.endpoint}/{version}{path}"

    async def _request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        idempotent: bool,
    ) -> httpx.Response:
        """Send with pacing, auth, retries and the deadline; return a 2xx response or raise."""
        policy = self.retry
        deadline = self._clock() + policy.deadline
        client_request_id = str(uuid.uuid4())
        path = api_path(url)
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            slot = None
            if self._pacer is not None:
                # Time spent queueing for a paced report slot is not the call's own time: many
                # concurrent report reads would otherwise use up their deadline before being sent.
                queued = self._clock()
                slot = await self._pacer.begin(path)
                deadline += self._clock() - queued
            token = await self._tokens.get_token()
            request_headers = _merge_headers(headers)
            request_headers["Authorization"] = f"Bearer {token}"
            request_headers["client-request-id"] = client_request_id
            request_headers["return-client-request-id"] = "true"
            remaining = deadline - self._clock()
            timeout = httpx.Timeout(
                max(0.1, min(policy.timeout, remaining)),
                connect=max(0.1, min(policy.connect_timeout, remaining)),
            )
            started = self._clock()
            self.requests_sent += 1
            try:
                try:
                    response = await self._http.request(
                        method, url, params=params, headers=request_headers, json=json_body, timeout=timeout
                    )
                finally:
                    if slot is not None:
                        slot.finish(self._clock())
            except httpx.TransportError as exc:
                sent = not isinstance(exc, _NOT_SENT)
                # A refused connection, an unknown host name or an untrusted certificate will not
                # change within seconds: say so at once instead of retrying for ~12 s.
                hopeless = not sent and connection_cause(exc) in _HOPELESS
                retryable = isinstance(exc, _TRANSIENT) and (idempotent or not sent) and not hopeless
                delay = policy.backoff(attempt, self._rng)
                if retryable and self._may_retry(attempt, delay, deadline):
                    log.debug(
                        "%s %s: %s (attempt %d, client-request-id %s); retrying in %.2f s",
                        method,
                        url,
                        type(exc).__name__,
                        attempt,
                        client_request_id,
                        delay,
                    )
                    await self._sleep(delay)
                    continue
                raise transport_error(
                    exc, method=method, url=url, may_have_landed=sent and not idempotent
                ) from exc
            elapsed_ms = (self._clock() - started) * 1000
            status = response.status_code
            log.debug(
                "%s %s -> %d in %.0f ms (attempt %d, request-id %s, client-request-id %s)",
                method,
                url,
                status,
                elapsed_ms,
                attempt,
                response.headers.get("request-id"),
                client_request_id,
            )
            if 200 <= status < 300:
                return response
            invalidate = getattr(self._tokens, "invalidate", None)
            if status == 401 and not refreshed and callable(invalidate):
                # A cached token may have been revoked or expired early: fetch a new one once.
                invalidate()
                refreshed = True
                continue
            if status in policy.retry_statuses and (idempotent or status != 504):
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                delay = policy.backoff(attempt, self._rng) if retry_after is None else retry_after
                if self._may_retry(attempt, delay, deadline):
                    log.debug("%s %s: HTTP %d, retrying in %.2f s", method, url, status, delay)
                    await self._sleep(delay)
                    continue
            raise error_from_response(
                status, _json_or_none(response), response.headers, method=method, url=url
            )

    def _may_retry(self, attempt: int, delay: float, deadline: float) -> bool:
        return attempt < self.retry.max_attempts and self._clock() + delay < deadline

    async def _batch_chunk(
        self,
        chunk: list[tuple[int, BatchRequest]],
        results: list[BatchResponse | None],
        version: str,
    ) -> None:
        policy = self.retry
        deadline = self._clock() + policy.deadline
        pending = dict(chunk)
        attempt = 0
        while pending:
            attempt += 1
            if self._pacer is not None:
                queued = self._clock()
                for request in pending.values():
                    await self._pacer.acquire(api_path(request.url))
                deadline += self._clock() - queued  # queueing is not the call's own time
            body = {"requests": [_batch_entry(str(index), request) for index, request in pending.items()]}
            url = self._url("/$batch", version)
            idempotent = all(r.idempotent for r in pending.values())
            response = await self._request("POST", url, json_body=body, idempotent=idempotent)
            answers = _json_object(response, "POST", url).get("responses")
            if not isinstance(answers, list):
                raise ServiceError("$batch returned no 'responses' collection", url=url)
            retry_delays: list[float] = []
            for answer in answers:
                if not isinstance(answer, dict) or str(answer.get("id")) not in {str(i) for i in pending}:
                    continue
                index = int(str(answer["id"]))
                request = pending[index]
                status = int(answer.get("status") or 0)
                inner_headers = {str(k).lower(): str(v) for k, v in (answer.get("headers") or {}).items()}
                retryable = status == 429 or (status in (503, 504) and request.idempotent)
                if retryable and attempt < policy.max_attempts:
                    inner_after = parse_retry_after(inner_headers.get("retry-after"))
                    retry_delays.append(
                        policy.backoff(attempt, self._rng) if inner_after is None else inner_after
                    )
                    continue
                inner_url = self._url(request.url, version)
                error = None
                if not 200 <= status < 300:
                    error = error_from_response(
                        status, answer.get("body"), inner_headers, method=request.method, url=inner_url
                    )
                results[index] = BatchResponse(request, status, inner_headers, answer.get("body"), error)
                del pending[index]
            if not pending:
                return
            if not retry_delays:
                missing = ", ".join(f"{r.method} {r.url}" for r in pending.values())
                raise ServiceError(f"$batch response lacked answers for: {missing}", url=url)
            delay = max(retry_delays)
            if self._clock() + delay >= deadline or attempt >= policy.max_attempts:
                # Out of budget: report the still-throttled requests as errors, keep the rest.
                for index, request in pending.items():
                    error = error_from_response(
                        429, None, {}, method=request.method, url=self._url(request.url, version)
                    )
                    results[index] = BatchResponse(request, 429, {}, None, error)
                return
            log.debug("$batch: %d inner request(s) throttled, retrying in %.2f s", len(pending), delay)
            await self._sleep(delay)


def _batch_entry(request_id: str, request: BatchRequest) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": request_id, "method": request.method.upper(), "url": request.url}
    headers = dict(request.headers or {})
    if request.body is not None:
        entry["body"] = request.body
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"  # Graph requires it when a body is present
    if headers:
        entry["headers"] = headers
    return entry


def _merge_headers(extra: Mapping[str, str] | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in (extra or {}).items():
        if name.lower() in ("authorization", "client-request-id"):
            continue  # set by the client only
        if name.lower() == "prefer":
            value = f"include-unknown-enum-members, {value}"
        headers[name] = value
    return headers


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _json_object(response: httpx.Response, method: str, url: str) -> dict[str, Any]:
    body = _json_or_none(response)
    if not isinstance(body, dict):
        raise ServiceError(
            f"{method} {api_path(url)} returned a body that is not a JSON object "
            f"(HTTP {response.status_code}, {response.headers.get('content-type', 'no content type')})",
            url=url,
            request_id=response.headers.get("request-id"),
        )
    return body
