"""Dashboard logins: users with scrypt hashes from the fleet file, or one token from the environment.

Sessions live in a signed cookie (itsdangerous; HttpOnly, SameSite=strict, Secure over HTTPS) that
holds the user name and a per-session CSRF token, never a password. The role is looked up again on
every request, so removing a user or demoting them to ``viewer`` takes effect at once. Scripts may
send ``Authorization: Bearer <token>`` to ``/api/`` instead of a cookie (no CSRF token needed then:
a browser never adds that header by itself).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from itsdangerous import BadSignature, URLSafeTimedSerializer

from mfaguard.fleet.passwords import hash_password, verify_password

Role = Literal["viewer", "operator"]
SESSION_COOKIE = "mfaguard_session"
PRELOGIN_COOKIE = "mfaguard_prelogin"
SESSION_MAX_AGE = 12 * 3600
TOKEN_USER = "token"
DEFAULT_TOKEN_ENV = "MFAGUARD_DASHBOARD_TOKEN"
SECRET_KEY_ENV = "MFAGUARD_DASHBOARD_SECRET_KEY"
MIN_TOKEN_LENGTH = 16

# Checked when the user name is unknown, so a wrong name costs as long as a wrong password
# (no user enumeration by timing).
_DUMMY_HASH = hash_password("mfaguard-dummy-password")


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
        from mfaguard.errors import ConfigError

        raise ConfigError(
            f"{token_env} is shorter than {MIN_TOKEN_LENGTH} characters",
            hint=f'use a long random value, e.g. export {token_env}="$(python -c '
            "'import secrets; print(secrets.token_urlsafe(32))')\"",
        )
    return AuthSettings(users=users, token=token)


def check_password(settings: AuthSettings, name: str, password: str) -> Role | None:
    """The user's role when ``password`` is theirs, else None (same cost for unknown names)."""
    entry = settings.users.get(name)
    ok = verify_password(password, entry.password_hash if entry else _DUMMY_HASH)
    return entry.role if entry is not None and ok else None


def check_token(settings: AuthSettings, token: str) -> bool:
    return bool(settings.token) and hmac.compare_digest(token.encode(), (settings.token or "").encode())


def role_of(settings: AuthSettings, name: str) -> Role | None:
    """The current role of a logged-in name (None when it may no longer log in)."""
    if name == TOKEN_USER and name not in settings.users:
        return "operator" if settings.token else None
    entry = settings.users.get(name)
    return entry.role if entry else None


class SessionSigner:
    """Signs and checks the session and pre-login cookies."""

    def __init__(self, secret_key: str) -> None:
        self._session = URLSafeTimedSerializer(secret_key, salt="mfaguard-dashboard-session")
        self._prelogin = URLSafeTimedSerializer(secret_key, salt="mfaguard-dashboard-prelogin")

    def new_session(self, name: str) -> tuple[str, str]:
        """(cookie value, CSRF token) of a fresh session for ``name``."""
        csrf = secrets.token_urlsafe(32)
        return self._session.dumps({"u": name, "c": csrf}), csrf

    def read_session(self, value: str) -> tuple[str, str] | None:
        """(user name, CSRF token) of a valid, unexpired session cookie."""
        try:
            data = self._session.loads(value, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return None
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("u"), str)
            or not isinstance(data.get("c"), str)
        ):
            return None
        return data["u"], data["c"]

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


class LoginThrottle:
    """Slows password guessing: after ``limit`` failed logins for one user name (or ``5 × limit`` from
    one client address) within ``window`` seconds, further attempts are refused until it passes.
    In memory, per process (the dashboard is one process)."""

    def __init__(self, *, limit: int = 10, window: float = 900.0, clock: Any = None) -> None:
        import threading
        import time

        self.limit = limit
        self.window = window
        self._clock = clock or time.monotonic
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        kept = [t for t in self._failures.get(key, []) if now - t < self.window]
        if kept:
            self._failures[key] = kept
        else:
            self._failures.pop(key, None)
        return kept

    def retry_after(self, name: str, client: str) -> int:
        """Seconds until ``name`` from ``client`` may try again (0: now)."""
        now = self._clock()
        with self._lock:
            waits = []
            for key, limit in ((f"user:{name.lower()}", self.limit), (f"ip:{client}", 5 * self.limit)):
                recent = self._recent(key, now)
                if len(recent) >= limit:
                    waits.append(int(recent[-limit] + self.window - now) + 1)
            return max(waits, default=0)

    def failed(self, name: str, client: str) -> None:
        now = self._clock()
        with self._lock:
            for key in (f"user:{name.lower()}", f"ip:{client}"):
                self._failures.setdefault(key, []).append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{name.lower()}", None)
