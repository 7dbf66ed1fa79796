from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from mfaguard.enforce.session import take_lock
from mfaguard.errors import EnforcementError


@dataclass
class Lock:
    holder: str


class FakeLocks:
    def __init__(self) -> None:
        self.locks: dict[str, str] = {}

    def acquire_lock(self, name: str, holder: str, *, ttl: timedelta) -> bool:
        if self.locks.get(name, holder) != holder:
            return False
        self.locks[name] = holder
        return True

    def release_lock(self, name: str, holder: str) -> bool:
        if self.locks.get(name) == holder:
            del self.locks[name]
            return True
        return False

    def get_lock(self, name: str) -> Any:
        holder = self.locks.get(name)
        return Lock(holder) if holder else None


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_lock_is_taken_and_released() -> None:
    locks = FakeLocks()
    name, holder = take_lock(locks, "contoso")
    assert name == "enforce:contoso" and holder.startswith(f"{socket.gethostname()}:{os.getpid()}:")
    assert locks.release_lock(name, holder)


def test_a_live_holder_blocks() -> None:
    locks = FakeLocks()
    locks.locks["enforce:contoso"] = f"{socket.gethostname()}:{os.getpid()}:other"
    with pytest.raises(
        EnforcementError, match="another mfaguard apply/rollback is working on tenant contoso"
    ):
        take_lock(locks, "contoso")


def test_a_lock_left_by_a_killed_process_on_this_host_is_taken_over() -> None:
    locks = FakeLocks()
    locks.locks["enforce:contoso"] = f"{socket.gethostname()}:{_dead_pid()}:dead"
    _, holder = take_lock(locks, "contoso")
    assert locks.locks["enforce:contoso"] == holder


def test_a_lock_from_another_host_is_respected() -> None:
    locks = FakeLocks()
    locks.locks["enforce:contoso"] = "elsewhere:1:x"
    with pytest.raises(EnforcementError, match="expires after 30 minutes"):
        take_lock(locks, "contoso")
