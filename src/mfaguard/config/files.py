"""Small file helpers shared by every writer of reports, snapshots, keys and the history store.

Everything mfaguard writes is private to the user running it: files 0600, folders it creates 0700
(reports name users without strong MFA, the store holds UPNs and IP addresses, the emulator's key is
a key). The umask can only make these stricter.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from mfaguard.errors import InputError

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename, so a crash or a full disk never
    leaves half a file for a pipeline to pick up. The file is 0600 (``mkstemp`` creates it so, and the
    rename replaces whatever was there, mode included). Raises InputError naming the path if it cannot."""
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise InputError(f"cannot write the file: {exc.strerror or exc}", file=str(target)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(tmp).replace(target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write the file: {exc.strerror or exc}", file=str(target)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_private_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` with mode 0600, also when the file already exists with another mode
    (``open(O_CREAT)`` keeps an existing file's mode, so it is set on the open descriptor). Refuses to
    follow a symlink at ``path`` (OSError ELOOP): a planted link must not redirect a key elsewhere."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0) | _CLOEXEC
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def make_private_dirs(path: str | os.PathLike[str]) -> None:
    """Create ``path`` and any missing parents with mode 0700 (existing folders are left as they are:
    they may be shared on purpose). Raises OSError like ``mkdir``."""
    target = Path(path)
    missing: list[Path] = []
    while not target.exists():
        missing.append(target)
        if target.parent == target:
            break
        target = target.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # created meanwhile by another process: fine
            folder.mkdir(mode=PRIVATE_DIR_MODE)


def make_private_file(path: str | os.PathLike[str]) -> None:
    """Create ``path`` empty with mode 0600 when it does not exist, and take group and other access
    away from an existing one (best effort: the next open of the file reports real problems)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT | _CLOEXEC, PRIVATE_FILE_MODE)
    except OSError:
        return
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, PRIVATE_FILE_MODE)
    except OSError:
        pass  # not ours to change (another owner): leave it
    finally:
        os.close(fd)
