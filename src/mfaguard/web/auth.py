"""Dashboard logins: users with scrypt hashes from the fleet file, or one token from the environment.

Sessions live in a signed cookie (itsdangerous; HttpOnly, SameSite=strict; Secure and named with the
``__Host-`` prefix over HTTPS) that holds the user name, a per-session CSRF token and the user's
*session version* — an HMAC of their password hash — never a password. Every request looks the user
up again in the current logins (:class:`Logins` re-reads the fleet file when it changes), so removing
a user, demoting them to ``viewer`` or changing their password takes effect at once, without a
restart. Scripts may send ``Authorization: Bearer <token>`` to ``/api/`` instead of a cookie (no CSRF
token needed then: a browser never adds that header by itself).

Guessing is throttled by :class:`LoginThrottle`: per user name (refused after 10 failures) and per
client address (slowed down, never refused), with check and record done atomically.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from itsdangerous import BadSignature, URLSafeTimedSerializer

from mfaguard.errors import ConfigError
from mfaguard.fleet.passwords import dummy_hash, hash_parameters, verify_password

Role = Literal["viewer", "operator"]
SESSION_COOKIE = "mfaguard_session"
PRELOGIN_COOKIE = "mfaguard_prelogin"
HOST_PREFIX = "__Host-"
"""Cookie-name prefix browsers only accept with Secure, Path=/ and no Domain: over HTTPS the cookies
cannot be planted or shadowed by another host of the same site."""
SESSION_MAX_AGE = 12 * 3600
TOKEN_USER = "token"
DEFAULT_TOKEN_ENV = "MFAGUARD_DASHBOARD_TOKEN"
SECRET_KEY_ENV = "MFAGUARD_DASHBOARD_SECRET_KEY"
MIN_TOKEN_LENGTH = 16
MIN_SECRET_KEY_LENGTH = 32
"""A shorter signing key can be guessed offline from one captured cookie (then sessions are forged)."""
_NEW_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def cookie_name(base: str, secure: bool) -> str:
    """``__Host-<base>`` over HTTPS (or with secure cookies forced), else ``<base>``."""
    return HOST_PREFIX + base if secure else base


def signing_key(value: str | None, *, source: str = SECRET_KEY_ENV) -> str:
    """The session signing key: ``value`` (at least 32 characters, else ConfigError naming ``source``),
    or a random one per process when none is given (everyone is logged out on restart)."""
    if value is None or value == "":
        return secrets.token_urlsafe(32)
    if len(value) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"{source} is shorter than {MIN_SECRET_KEY_LENGTH} characters: one captured session cookie "
            "would let anyone guess it offline and forge sessions",
            hint=f'use a long random value, e.g. export {source}="$({_NEW_SECRET})"',
        )
    return value


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is logged in."""

    name: str
    role: Role
    csrf: str = ""
    """The session's CSRF token ("" for bearer-token API calls, which need none)."""
    via_bearer: bool = False

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"


@dataclass(frozen=True, slots=True)
class UserEntry:
    password_hash: str
    role: Role


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """Who may log in. ``token`` (single-user setups) logs in as an operator named ``token``."""

    users: Mapping[str, UserEntry] = field(default_factory=dict)
    token: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.users) or bool(self.token)

    def credential_of(self, name: str) -> str | None:
        """What a session of ``name`` is bound to: the password hash (or the token for ``token``).
        A session signed for another value is over (the password or token changed)."""
        entry = self.users.get(name)
        if entry is not None:
            return "user\0" + entry.password_hash
        if name == TOKEN_USER and self.token:
            return "token\0" + self.token
        return None

    def dummy_hash(self) -> str:
        """The hash checked for unknown user names: the scrypt parameters most users have (the
        default without users), so a wrong name costs what a wrong password costs."""
        params = Counter(
            p for u in self.users.values() if (p := hash_parameters(u.password_hash)) is not None
        )
        if not params:
            return dummy_hash()
        return dummy_hash(*max(params, key=lambda p: (params[p], p)))


def auth_settings(dashboard: Any | None, env: Mapping[str, str]) -> AuthSettings:
    """Logins from the fleet file's ``dashboard:`` section and the token variable it names
    (``token_env``, default ``MFAGUARD_DASHBOARD_TOKEN``)."""
    users: dict[str, UserEntry] = {}
    token_env = DEFAULT_TOKEN_ENV
    if dashboard is not None:
        users = {u.name: UserEntry(u.password_hash, u.role) for u in dashboard.users}
        token_env = dashboard.token_env or DEFAULT_TOKEN_ENV
    token = env.get(token_env) or None
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise ConfigError(
            f"{token_env} is shorter than {MIN_TOKEN_LENGTH} characters",
            hint=f'use a long random value, e.g. export {token_env}="$({_NEW_SECRET})"',
        )
    return AuthSettings(users=users, token=token)


def check_password(settings: AuthSettings, name: str, password: str) -> Role | None:
    """The user's role when ``password`` is theirs, else None (same cost for unknown names)."""
    entry = settings.users.get(name)
    ok = verify_password(password, entry.password_hash if entry else settings.dummy_hash())
    return entry.role if entry is not None and ok else None


def check_token(settings: AuthSettings, token: str) -> bool:
    return bool(settings.token) and hmac.compare_digest(token.encode(), (settings.token or "").encode())


def role_of(settings: AuthSettings, name: str) -> Role | None:
    """The current role of a logged-in name (None when it may no longer log in)."""
    if name == TOKEN_USER and name not in settings.users:
        return "operator" if settings.token else None
    entry = settings.users.get(name)
    return entry.role if entry else None


class Logins:
    """The current :class:`AuthSettings`: fixed ones, or the fleet file's, re-read when it changes.

    The file is read on every request and compared with what was loaded (a fleet file is small; an
    mtime check can miss two edits within its granularity). A file that no longer loads refuses every
    login and session (ConfigError) until it is fixed: fail closed, never keep a removed user.
    """

    def __init__(
        self,
        settings: AuthSettings,
        *,
        path: Path | None = None,
        env: Mapping[str, str] | None = None,
        loaded: bytes | None = None,
    ) -> None:
        self._settings = settings
        self._path = path
        self._env: Mapping[str, str] = env or {}
        self._loaded = loaded
        self._error: ConfigError | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_file(cls, path: Path, env: Mapping[str, str]) -> Logins:
        """Logins of the fleet file at ``path`` (ConfigError when it does not load)."""
        logins = cls(AuthSettings(), path=path, env=env)
        logins.current()
        return logins

    def current(self) -> AuthSettings:
        if self._path is None:
            return self._settings
        try:
            data = self._path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read the fleet file: {exc.strerror}", file=str(self._path)) from None
        with self._lock:
            if data != self._loaded:
                self._loaded = data
                try:
                    self._settings, self._error = self._parse(data), None
                except ConfigError as exc:
                    self._settings, self._error = AuthSettings(), exc
            if self._error is not None:
                raise self._error
            return self._settings

    def _parse(self, data: bytes) -> AuthSettings:
        from mfaguard.config.yaml import load_yaml_text
        from mfaguard.fleet.config import fleet_config_from_document

        assert self._path is not None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"not UTF-8 text (byte {exc.start})", file=str(self._path)) from None
        config = fleet_config_from_document(load_yaml_text(text, path=str(self._path)))
        settings = auth_settings(config.dashboard, self._env)
        settings.dummy_hash()  # built now, so the first unknown name costs no more than the next
        return settings


class SessionSigner:
    """Signs and checks the session and pre-login cookies."""

    def __init__(self, secret_key: str) -> None:
        self._key = secret_key.encode()
        self._session = URLSafeTimedSerializer(secret_key, salt="mfaguard-dashboard-session")
        self._prelogin = URLSafeTimedSerializer(secret_key, salt="mfaguard-dashboard-prelogin")

    def version(self, credential: str) -> str:
        """The session version for a user's credential (see :meth:`AuthSettings.credential_of`): an
        HMAC under the signing key, so the cookie reveals nothing about the hash."""
        digest = hmac.new(self._key, b"session-version\0" + credential.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")

    def new_session(self, name: str, credential: str) -> tuple[str, str]:
        """(cookie value, CSRF token) of a fresh session for ``name`` bound to ``credential``."""
        csrf = secrets.token_urlsafe(32)
        return self._session.dumps({"u": name, "c": csrf, "v": self.version(credential)}), csrf

    def read_session(self, value: str) -> tuple[str, str, str] | None:
        """(user name, CSRF token, session version) of a valid, unexpired session cookie."""
        try:
            data = self._session.loads(value, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("u", "c", "v")):
            return None
        return data["u"], data["c"], data["v"]

    def new_prelogin(self) -> tuple[str, str]:
        """(cookie value, CSRF token) protecting the login form itself."""
        csrf = secrets.token_urlsafe(32)
        return self._prelogin.dumps(csrf), csrf

    def read_prelogin(self, value: str) -> str | None:
        try:
            data = self._prelogin.loads(value, max_age=3600)
        except BadSignature:
            return None
        return data if isinstance(data, str) else None


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


@dataclass(slots=True)
class Attempt:
    """One login (or bearer-token) attempt admitted by :meth:`LoginThrottle.begin`."""

    refused_for: int
    """Seconds until the user name may try again; > 0 means refused (nothing is checked)."""
    delay: float
    """Seconds to wait before checking (the client address is over its limit)."""
    keys: tuple[str, ...] = ()
    stamp: float = 0.0


class LoginThrottle:
    """Slows password and token guessing. In memory, per process (the dashboard is one process).

    - Per user name: after ``user_limit`` failures within ``window`` seconds, attempts for that name
      are refused (HTTP 429) until the oldest failure leaves the window — even with the right password,
      or distributed guessing of one account would be unlimited.
    - Per client address: after ``address_limit`` failures the address is *slowed*, never refused:
      each further attempt from it waits for its turn, one every ``slow_step`` seconds (at most
      ``max_wait``). Many users behind one proxy address are never locked out; a correct password
      still logs in.

    :meth:`begin` checks the limits and records the attempt as a failure in one step under a lock, so
    parallel requests cannot all pass the check before any failure is counted; :meth:`succeeded`
    takes the record back.
    """

    MAX_KEYS = 50_000
    """Tracked names and addresses are pruned beyond this (names are attacker-chosen)."""

    def __init__(
        self,
        *,
        user_limit: int = 10,
        address_limit: int = 50,
        window: float = 900.0,
        slow_step: float = 2.0,
        max_wait: float = 30.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.user_limit = user_limit
        self.address_limit = address_limit
        self.window = window
        self.slow_step = slow_step
        self.max_wait = max_wait
        self._clock = clock or time.monotonic
        self._failures: dict[str, list[float]] = {}
        self._next_slot: dict[str, float] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        kept = [t for t in self._failures.get(key, ()) if now - t < self.window]
        if kept:
            self._failures[key] = kept
        else:
            self._failures.pop(key, None)
        return kept

    def begin(self, name: str | None, address: str) -> Attempt:
        """Admit an attempt for user ``name`` (None: a token, which has no per-name limit) from
        ``address``, recording it as a failure until :meth:`succeeded` says otherwise."""
        now = self._clock()
        user_key = f"user:{name.lower()}" if name is not None else None
        address_key = f"ip:{address}"
        with self._lock:
            if len(self._failures) > self.MAX_KEYS:
                self._prune(now)
            if user_key is not None:
                recent = self._recent(user_key, now)
                if len(recent) >= self.user_limit:
                    return Attempt(refused_for=int(recent[-self.user_limit] + self.window - now) + 1, delay=0)
            delay = 0.0
            if len(self._recent(address_key, now)) >= self.address_limit:
                start = min(max(now, self._next_slot.get(address, now)), now + self.max_wait)
                self._next_slot[address] = start + self.slow_step
                delay = start + self.slow_step - now
            keys = (address_key,) if user_key is None else (user_key, address_key)
            for key in keys:
                self._failures.setdefault(key, []).append(now)
            return Attempt(refused_for=0, delay=delay, keys=keys, stamp=now)

    def succeeded(self, attempt: Attempt) -> None:
        """The attempt was right: take its failure record back and clear the user name's failures."""
        with self._lock:
            for key in attempt.keys:
                stamps = self._failures.get(key)
                if stamps and attempt.stamp in stamps:
                    stamps.remove(attempt.stamp)
                if key.startswith("user:") or not stamps:
                    self._failures.pop(key, None)

    def _prune(self, now: float) -> None:
        for key in list(self._failures):
            self._recent(key, now)
        self._next_slot = {a: t for a, t in self._next_slot.items() if t > now}
        if len(self._failures) > self.MAX_KEYS:
            by_age = sorted(self._failures, key=lambda k: self._failures[k][-1])
            for key in by_age[: len(self._failures) - self.MAX_KEYS // 2]:
                del self._failures[key]
