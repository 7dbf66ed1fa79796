"""Keep secrets out of logs, errors, files and the history store.

Two layers: known secret *values* (a webhook URL, a password read from the environment, a token) are
replaced wherever they appear; and secret-shaped text (bearer tokens, JWTs, passwords in URLs, the
path and query of webhook URLs) is masked even when nobody registered it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"

# Keys whose value is always a secret, whatever it looks like (exact, case-insensitive). Narrow on
# purpose: Graph objects are stored for rollback and must come back byte for byte.
SECRET_KEYS = frozenset(
    {
        "client_secret",
        "clientsecret",
        "password",
        "access_token",
        "refresh_token",
        "id_token",
        "secret",
        "authorization",
        "api_key",
        "apikey",
    }
)

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}")
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/@\s:]+):([^/@\s]+)@")
_URL = re.compile(r"(?i)\bhttps?://[^\s\"'<>]+")


def mask_url(url: str) -> str:
    """``https://host/path?query`` → ``https://host/***``: hosts help debugging, paths hold keys.

    Teams workflow URLs carry a ``sig=`` signature and Slack hook URLs a secret path; either one
    lets anyone post to the channel.
    """
    match = re.match(r"(?i)^(https?://[^/?#\s]+)(.*)$", url)
    if not match:
        return MASK
    host, rest = match.groups()
    host = _URL_USERINFO.sub(lambda m: f"{m.group(1)}{m.group(2)}:{MASK}@", host)
    return host + ("/" + MASK if rest and rest != "/" else rest)


class Redactor:
    """Masks registered secret values and secret-shaped text."""

    def __init__(self, values: Iterable[str] = (), *, mask_urls: bool = False) -> None:
        self._values: set[str] = set()
        # Longest first so a secret containing another is masked whole.
        self._ordered: list[str] = []
        # Matches if any registered value occurs: one C-level scan instead of one ``replace`` per
        # secret per string (a fleet registers hundreds of secrets and the store redacts every leaf).
        self._any: re.Pattern[str] | None = None
        self.mask_urls = mask_urls
        self.add(values)

    def add(self, values: Iterable[str]) -> None:
        """Register secret values (empty and very short strings are ignored: too many false hits)."""
        before = len(self._values)
        for value in values:
            if value and len(value) >= 6:
                self._values.add(value)
        if len(self._values) != before:
            self._ordered = sorted(self._values, key=len, reverse=True)
            self._any = re.compile("|".join(re.escape(v) for v in self._ordered))

    def text(self, text: str) -> str:
        """``text`` with every secret masked."""
        # Nothing to replace unless some value occurs in the original text.
        if self._any is not None and self._any.search(text):
            for value in self._ordered:
                text = text.replace(value, MASK)
        # Cheap substring checks first: the store runs this over every finding it saves.
        if "eyJ" in text:
            text = _JWT.sub(MASK, text)
        lowered = text.lower()
        if "bearer" in lowered:
            text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
        if "@" in text and "://" in text:
            text = _URL_USERINFO.sub(lambda m: f"{m.group(1)}{m.group(2)}:{MASK}@", text)
        if self.mask_urls and "http" in lowered:
            text = _URL.sub(lambda m: mask_url(m.group(0)), text)
        return text

    def json(self, value: Any) -> Any:
        """A copy of a JSON-like value with secret keys and secret-shaped strings masked."""
        # Exact-type checks first: JSON from Graph is plain dicts, lists and strings, and the ABC
        # ``isinstance`` checks below cost more than the redaction itself.
        kind = type(value)
        if kind is str:
            return self.text(value)
        if kind is int or kind is bool or kind is float or value is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {
                key: (MASK if str(key).lower() in SECRET_KEYS and item is not None else self.json(item))
                for key, item in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.json(item) for item in value]
        return value


def redact(text: str, secrets: Iterable[str] = (), *, mask_urls: bool = True) -> str:
    """One-shot :meth:`Redactor.text` (URLs masked by default: for logs and error messages)."""
    return Redactor(secrets, mask_urls=mask_urls).text(text)
