"""POST a JSON document to a webhook (Teams workflow, Slack, generic receivers).

It lives in ``graph/`` because this package is mfaguard's only HTTP code: one place decides proxies,
TLS, timeouts and what gets logged. It knows nothing about notifications; :mod:`mfaguard.notify`
builds the payloads and decides about retries. The URL of a webhook is a secret (it carries the key
that lets anyone post to the channel), so it never appears in a log line or a returned error.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from mfaguard import __version__
from mfaguard.config.redact import mask_url
from mfaguard.graph.clouds import is_loopback_host

log = logging.getLogger("mfaguard.graph.webhook")


class _MaskWebhookUrls(logging.Filter):
    """httpx logs every request URL at INFO; for webhooks the URL is the secret, so mask it there."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.urls:
            message = record.getMessage()
            masked = message
            for url in self.urls:
                masked = masked.replace(url, mask_url(url))
            if masked != message:
                record.msg, record.args = masked, ()
        return True


def url_forms(url: str) -> tuple[str, ...]:
    """``url`` as written and as httpx sends and logs it (host lower-cased, a default port such as
    ``:443`` dropped, spaces and the like percent-encoded): masking has to catch both spellings."""
    try:
        sent = str(httpx.URL(url))
    except (httpx.InvalidURL, TypeError, ValueError):
        return (url,)
    return (url,) if sent == url else (url, sent)


_URL_FILTER = _MaskWebhookUrls()
logging.getLogger("httpx").addFilter(_URL_FILTER)


@dataclass(frozen=True, slots=True)
class PostResult:
    """What came back. ``status`` is None when no HTTP answer arrived (``error`` says why)."""

    status: int | None
    retry_after: float | None = None
    error: str | None = None
    body_excerpt: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def check_webhook_url(url: str) -> str | None:
    """Why ``url`` cannot be used (None when fine): https only, plain http to loopback only."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "the webhook URL cannot be parsed"
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        return "the webhook URL must start with https://"
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        return "the webhook URL uses plain http to a non-loopback host; use https://"
    return None


async def post_json(
    url: str,
    payload: Mapping[str, Any],
    *,
    request_timeout: float = 10.0,
    headers: Mapping[str, str] | None = None,
    verify: str | bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
) -> PostResult:
    """POST ``payload`` as JSON to ``url``; never raises for network or HTTP failures."""
    problem = check_webhook_url(url)
    if problem:
        return PostResult(status=None, error=problem)
    host = urlsplit(url).hostname or ""
    sent_headers = {"User-Agent": f"mfaguard/{__version__}", **(headers or {})}
    started = time.perf_counter()
    _URL_FILTER.urls.update(url_forms(url))
    try:
        async with httpx.AsyncClient(
            timeout=request_timeout, verify=verify, transport=transport, trust_env=not is_loopback_host(host)
        ) as client:
            response = await client.post(url, json=dict(payload), headers=sent_headers)
    except httpx.TimeoutException:
        return PostResult(status=None, error=f"no answer from {mask_url(url)} within {request_timeout:g} s")
    except httpx.HTTPError as exc:
        # httpx messages can quote the URL; keep only the exception type and the masked host.
        return PostResult(status=None, error=f"cannot reach {mask_url(url)}: {type(exc).__name__}")
    log.debug(
        "POST %s -> %s in %.0f ms",
        mask_url(url),
        response.status_code,
        (time.perf_counter() - started) * 1000,
    )
    return PostResult(
        status=response.status_code,
        retry_after=_retry_after(response.headers.get("Retry-After")),
        body_excerpt=response.text[:300],
    )


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, parsed.timestamp() - time.time())
