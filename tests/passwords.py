"""Dashboard password hashes for tests, each made once per test session.

A hash at mfaguard's minimum cost (scrypt N=2**17, r=8) takes ~0.4 s, so tests share these instead of
hashing per test; the dummy hash for unknown user names is built once by mfaguard itself.
"""

from __future__ import annotations

import functools

SECRET_KEY = "test-secret-key-0123456789abcdef-0123456789"
"""A session signing key long enough for the dashboard (at least 32 characters)."""


@functools.cache
def hashed(password: str) -> str:
    """mfaguard's hash of ``password`` (cached for the session)."""
    from mfaguard.fleet.passwords import hash_password

    return hash_password(password)
