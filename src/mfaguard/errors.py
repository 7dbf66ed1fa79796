"""One error hierarchy for the whole tool.

Every error carries a short message (what failed and why) and a ``hint`` (what to do next).
Only the CLI turns these into one line and an exit code (see :data:`EXIT_CODES`); ``--debug``
shows the traceback. Never put a secret into a message or a hint.
"""

from __future__ import annotations

from collections.abc import Iterable

# Exit codes of DESIGN §4, shared by every command.
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_UNFINISHED = 3


class MfaguardError(Exception):
    """Base of every error mfaguard raises on purpose."""

    exit_code: int = EXIT_UNFINISHED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} — {self.hint}"
        return self.message


class ConfigError(MfaguardError):
    """A configuration or baseline file is wrong (names file, line and key)."""

    exit_code = EXIT_USAGE

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        where = ""
        if file:
            where = file
            if line is not None:
                where += f":{line}"
            where += ": "
        if key:
            message = f"{key}: {message}"
        super().__init__(where + message, hint=hint)
        self.file = file
        self.line = line
        self.key = key


class InputError(ConfigError):
    """An input file (snapshot, sign-in export) cannot be read or has the wrong shape."""


def nested_too_deeply(file: str | None = None, line: int | None = None) -> InputError:
    """The error for JSON nested deeper than it can be decoded (hostile or corrupt input): exit 2,
    never a RecursionError. Real Graph and mfaguard documents nest fewer than twenty levels."""
    return InputError(
        "the JSON is nested too deeply to be a Graph export or an mfaguard file",
        file=file,
        line=line,
        hint="check that this is the file you meant to pass",
    )


class UsageError(MfaguardError):
    """The command line itself is wrong (conflicting or missing options)."""

    exit_code = EXIT_USAGE


def bad_value(option: str, value: object, hint: str) -> UsageError:
    """The one wording of a bad option value, in every command (exit 2)::

    invalid value for --format: 'nonsense' — use one of: table, json
    """
    return UsageError(f"invalid value for {option}: {value!r}", hint=hint)


def one_of(allowed: Iterable[str]) -> str:
    """The hint of :func:`bad_value` for a closed set of values."""
    return "use one of: " + ", ".join(allowed)


class Declined(MfaguardError):
    """The operator answered no at a confirmation prompt: nothing was written, which is not a
    failure (exit 0; the CLI says "nothing changed")."""

    exit_code = EXIT_OK


class GraphError(MfaguardError):
    """Microsoft Graph (or the token endpoint) answered with an error or not at all."""

    exit_code = EXIT_UNFINISHED

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        url: str | None = None,
    ) -> None:
        parts = [message]
        extra = []
        if status is not None:
            extra.append(f"HTTP {status}")
        if code:
            extra.append(code)
        if request_id:
            extra.append(f"request-id {request_id}")
        if extra:
            parts.append(f"({', '.join(extra)})")
        super().__init__(" ".join(parts), hint=hint)
        self.status = status
        self.code = code
        self.request_id = request_id
        self.url = url


class AuthError(GraphError):
    """No token could be obtained, or Graph rejected it (401)."""


class PermissionError_(GraphError):
    """403 Authorization_RequestDenied: the app lacks a permission or the user a role."""


# Friendlier public name; the trailing underscore only avoids shadowing the builtin in this module.
GraphPermissionError = PermissionError_


class LicenseError(GraphError):
    """403 Authentication_RequestFromNonPremiumTenantOrB2CTenant: the tenant lacks Entra ID P1/P2."""


class ThrottledError(GraphError):
    """429 (or 503 with Retry-After) persisted past the retry budget."""


class NotFoundError(GraphError):
    """404 from Graph."""


class ServiceError(GraphError):
    """5xx, timeouts, connection failures, or a response mfaguard cannot understand."""


class UnreachableError(ServiceError):
    """The endpoint (Graph or the token endpoint) could not be reached at all: nothing was read.

    ``cause`` is ``refused``, ``dns``, ``tls``, ``timeout`` or ``network``; the message names what
    could not be reached and why, the hint what to check.
    """

    def __init__(self, message: str, *, hint: str | None = None, cause: str, url: str | None = None) -> None:
        super().__init__(message, hint=hint, url=url)
        self.cause = cause


class EnforcementError(MfaguardError):
    """apply / rollback could not complete safely (nothing or everything was restored; see message)."""

    exit_code = EXIT_UNFINISHED


class StoreError(MfaguardError):
    """The history store could not be opened, migrated, read or written."""

    exit_code = EXIT_UNFINISHED


class MissingExtraError(MfaguardError):
    """A command needs an optional part of mfaguard (an extra) that is not installed.

    Raised by :func:`mfaguard.config.extras.require_extra`; the message names the extra to install.
    """

    exit_code = EXIT_USAGE

    def __init__(
        self, message: str, *, hint: str | None = None, extra: str, missing: tuple[str, ...]
    ) -> None:
        super().__init__(message, hint=hint)
        self.extra = extra
        self.missing = missing
