"""Classification of MFA phrases, steps and records (reference §3 rule 2, §1.3).

Phrases are compared after :func:`normalise_phrase`: lower-case, whitespace collapsed, trailing "."
stripped, so ``MFA Denied; user declined the authentication.`` and ``mfa denied; user declined the
authentication`` are the same phrase.
"""

from __future__ import annotations

from functools import lru_cache

from mfaguard.detect.model import EventClass

SUCCESS_CODES = frozenset({0, 50140, 50199})
"""errorCodes that end a sign-in successfully (50140 KMSI and 50199 CMSI interrupts included)."""

DENIAL_CODES = frozenset({500121, 50158})
"""errorCodes of an MFA step that failed (50158: external MFA not satisfied)."""

INTERRUPT_CODES = frozenset({50074, 50076})
NOISE_CODES = frozenset({50074, 50076, 50097, 50155, 53003})
"""Codes counted by the MFA-interrupt noise summary (D10, hunt output only)."""

# Old Microsoft list of MFA denial reasons (reference §1.3, [MS-MFAREP]); matched as substrings of the
# normalised phrase. "authentication in-progress" is intermediate, not a denial, and is left out.
_OTHER_DENIAL_PHRASES = (
    "duplicate authentication attempt",
    "entered incorrect code too many times",
    "invalid authentication",
    "invalid mobile app verification code",
    "invalid verification code",
    "verification code already used",
    "misconfiguration",
    "phone call went to voicemail",
    "phone number has an invalid format",
    "unable to reach the user's phone",
    "unable to send the mobile app notification",
    "user does not have any verification methods registered",
    "user entered incorrect code",
    "user entered incorrect pin",
    "user hung up the phone call",
    "user never entered the verification code",
    "user not found",
    "oath code incorrect",
)

_SUCCESS_PHRASES = (
    "mfa successfully completed",
    "mfa completed in azure ad",
    "mfa completed in the cloud",
    "completed in the cloud",
    "mfa requirement satisfied by strong authentication",
    "satisfied by strong authentication",
)
_NO_MFA_PHRASES = ("satisfied by claim", "mfa requirement skipped", "skipped due to")

PUSH_METHODS = frozenset(
    {"mobile app notification", "authenticator app", "microsoft authenticator", "phoneappnotification"}
)
OATH_METHODS = frozenset(
    {"oath verification code", "software oath token", "hardware oath token", "phoneappotp", "oath code"}
)


@lru_cache(maxsize=4096)
def normalise_phrase(value: str) -> str:
    """Lower-case, collapse whitespace, strip spaces and a trailing period."""
    text = " ".join(value.split()).lower()
    while text.endswith("."):
        text = text[:-1].rstrip()
    return text


@lru_cache(maxsize=4096)
def classify_denial_phrase(detail: str) -> EventClass | None:
    """The denial class of a normalised phrase, or ``None`` when it is not a denial phrase."""
    if not detail:
        return None
    if "fraud" in detail or "suspiciousactivityreported" in detail:
        return EventClass.FRAUD
    if "user is blocked" in detail:
        return EventClass.BLOCKED
    if "user declined" in detail:
        return EventClass.DENY_EXPLICIT
    if "did not respond" in detail:
        return EventClass.DENY_TIMEOUT
    if "did not select the correct number" in detail:
        return EventClass.DENY_WRONG_NUMBER
    if detail.startswith(("mfa denied", "azure multi-factor authentication denied")):
        return EventClass.MFA_FAIL_OTHER
    if any(p in detail for p in _OTHER_DENIAL_PHRASES):
        return EventClass.MFA_FAIL_OTHER
    return None


@lru_cache(maxsize=1024)
def is_success_phrase(detail: str) -> bool:
    """An MFA step result that means the user approved (not merely "satisfied by claim")."""
    return any(p in detail for p in _SUCCESS_PHRASES)


@lru_cache(maxsize=1024)
def is_no_mfa_phrase(detail: str) -> bool:
    """MFA satisfied without an interactive approval (claim in the token, skipped)."""
    return any(p in detail for p in _NO_MFA_PHRASES)


def normalise_method(method: str) -> str:
    return " ".join(method.split()).lower()


def is_push(method: str) -> bool:
    return normalise_method(method) in PUSH_METHODS


def is_oath(method: str) -> bool:
    m = normalise_method(method)
    return m in OATH_METHODS or "oath" in m or "verification code" in m
