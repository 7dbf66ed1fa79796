"""Dashboard password hashes: scrypt (stdlib ``hashlib.scrypt``), self-describing, constant-time check.

Format: ``scrypt$N$r$p$<salt, base64>$<hash, base64>`` — parameters travel with the hash, so they can
be raised later. Hashes weaker than OWASP's scrypt minimum (N=2^17, r=8, p=1) are refused: the fleet
file will not load with one, and :func:`verify_password` never accepts one. Make a hash with::

    python -m mfaguard.fleet.passwords

(it asks for the password twice and prints the hash; nothing is stored).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import threading
from functools import lru_cache

# OWASP's minimum for scrypt: 2**17 × 8 × 1 is 128 MiB and ~0.4 s per check on one core — slow for
# guessing, fine for a login.
DEFAULT_N = 2**17
DEFAULT_R = 8
DEFAULT_P = 1
MIN_N = DEFAULT_N
MIN_R = DEFAULT_R
MAX_MEMORY = 512 * 1024 * 1024
"""Hashes needing more memory than this per check are refused (a login must not exhaust the host)."""
CONCURRENT_CHECKS = 2
"""At most this many hashes are computed at once: each takes 128 MiB, and logins are unauthenticated."""
HASH_COMMAND = "python -m mfaguard.fleet.passwords"
"""What to run to make a hash (asks for the password, prints the hash)."""
_DKLEN = 32

HASH_PATTERN = re.compile(r"^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$")
_SLOTS = threading.BoundedSemaphore(CONCURRENT_CHECKS)


def _memory(n: int, r: int, p: int) -> int:
    """Bytes OpenSSL needs for scrypt(n, r, p) (the V array plus the B and XY buffers)."""
    return 128 * r * (n + p + 2)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    maxmem = _memory(n, r, p) + 1024 * 1024
    with _SLOTS:
        return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=maxmem)


def hash_password(password: str, *, n: int = DEFAULT_N, r: int = DEFAULT_R, p: int = DEFAULT_P) -> str:
    """A new salted scrypt hash of ``password``."""
    if not password:
        raise ValueError("an empty password cannot be hashed")
    salt = os.urandom(16)
    digest = _scrypt(password, salt, n, r, p, _DKLEN)
    return f"scrypt${n}${r}${p}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def hash_parameters(value: str) -> tuple[int, int, int] | None:
    """``(N, r, p)`` of a value shaped like a hash (None for anything else)."""
    match = HASH_PATTERN.match(value)
    if not match:
        return None
    n, r, p = (int(x) for x in match.group(1, 2, 3))
    return n, r, p


def hash_problem(value: str) -> str | None:
    """Why ``value`` is not a usable password hash (None when it is one). Never quotes the value."""
    params = hash_parameters(value)
    if params is None:
        return f"is not an mfaguard scrypt hash: make one with `{HASH_COMMAND}`"
    n, r, p = params
    if n < 2 or n & (n - 1) or not 1 <= r <= 64 or not 1 <= p <= 16:
        return f"has impossible scrypt parameters: make a new hash with `{HASH_COMMAND}`"
    if n < MIN_N or r < MIN_R:
        return (
            f"is a weaker scrypt hash (N={n}, r={r}) than mfaguard accepts (at least N={MIN_N}, r={MIN_R}): "
            f"make a new one with `{HASH_COMMAND}`"
        )
    if _memory(n, r, p) > MAX_MEMORY:
        return (
            f"needs more than {MAX_MEMORY // 2**20} MiB per check (N={n}, r={r}): make a new hash with "
            f"`{HASH_COMMAND}`"
        )
    return None


def is_password_hash(value: str) -> bool:
    """True when ``value`` is a hash :func:`verify_password` accepts (see :func:`hash_problem`)."""
    return hash_problem(value) is None


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches ``encoded`` (constant-time comparison; False for hashes that
    are malformed or weaker than the minimum, which are never checked)."""
    params = hash_parameters(encoded)
    if params is None or not is_password_hash(encoded):
        return False
    parts = encoded.split("$")
    try:
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
        digest = _scrypt(password, salt, *params, dklen=len(expected) or _DKLEN)
    except ValueError:
        return False
    return hmac.compare_digest(digest, expected)


@lru_cache(maxsize=8)
def dummy_hash(n: int = DEFAULT_N, r: int = DEFAULT_R, p: int = DEFAULT_P) -> str:
    """A hash of a password nobody has, with the given parameters: checked for unknown user names so
    they cost exactly what a wrong password costs (no user enumeration by timing). Built once."""
    return hash_password(base64.b64encode(os.urandom(24)).decode(), n=n, r=r, p=p)


def main() -> int:
    """``python -m mfaguard.fleet.passwords``: ask for a password twice, print its hash."""
    import getpass
    import sys

    first = getpass.getpass("Dashboard password: ")
    if not first:
        print("error: the password is empty", file=sys.stderr)
        return 2
    if getpass.getpass("Again: ") != first:
        print("error: the two passwords differ", file=sys.stderr)
        return 2
    print(hash_password(first))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
