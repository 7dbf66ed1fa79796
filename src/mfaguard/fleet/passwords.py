"""Dashboard password hashes: scrypt (stdlib ``hashlib.scrypt``), self-describing, constant-time check.

Format: ``scrypt$N$r$p$<salt, base64>$<hash, base64>`` — parameters travel with the hash, so they can
be raised later without breaking existing users. Produce one with::

    python -c "import getpass; from mfaguard.fleet.passwords import hash_password; print(hash_password(getpass.getpass()))"
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

# 2**15 × 8 × 1: ~32 MiB and ~50 ms per check — slow for guessing, fine for a login.
DEFAULT_N = 2**15
DEFAULT_R = 8
DEFAULT_P = 1
_DKLEN = 32
_MAXMEM = 128 * 1024 * 1024

HASH_PATTERN = re.compile(r"^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$")


def hash_password(password: str, *, n: int = DEFAULT_N, r: int = DEFAULT_R, p: int = DEFAULT_P) -> str:
    """A new salted scrypt hash of ``password``."""
    if not password:
        raise ValueError("an empty password cannot be hashed")
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=_DKLEN, maxmem=_MAXMEM)
    return f"scrypt${n}${r}${p}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def is_password_hash(value: str) -> bool:
    """True when ``value`` has the shape :func:`hash_password` produces (sane parameters)."""
    match = HASH_PATTERN.match(value)
    if not match:
        return False
    n, r, p = (int(x) for x in match.group(1, 2, 3))
    return n >= 2**14 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches ``encoded`` (constant-time comparison; False for bad hashes)."""
    match = HASH_PATTERN.match(encoded)
    if not match or not is_password_hash(encoded):
        return False
    n, r, p = (int(x) for x in match.group(1, 2, 3))
    salt = base64.b64decode(match.group(4))
    expected = base64.b64decode(match.group(5))
    try:
        digest = hashlib.scrypt(
            password.encode(), salt=salt, n=n, r=r, p=p, dklen=len(expected), maxmem=_MAXMEM
        )
    except ValueError:
        return False
    return hmac.compare_digest(digest, expected)
