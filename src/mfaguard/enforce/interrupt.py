"""Ctrl-C (SIGINT) and SIGTERM while the tenant is being written: deferred to safe points.

An interrupt that lands while a PATCH is on the wire must not leave the object half-known (did it land
or not?), nor the tenant half-changed. So while :class:`~mfaguard.enforce.apply.Writer` writes, the two
signals only *note* the request; the writer checks at its safe points — before each re-read and each
PATCH, between verification reads — lets the request in flight finish (a PATCH's answer says whether it
landed; if the connection died, the restore re-reads the object first), then restores what it wrote,
verifies, and says so.

- first signal: stop writing; restore every object written so far (and the one in flight), verify;
- second signal, while restoring: stop restoring after the request in flight; the change stays
  ``pending``, and the message names what is left and the command that finishes it;
- third signal: the usual immediate stop (``KeyboardInterrupt`` / termination) for someone who must quit.

Outside the write phase the signals behave as usual (reads are simply cancelled: nothing was written).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

HANDLED = (signal.SIGINT, signal.SIGTERM)


@dataclass
class Interrupts:
    """Counts interrupt requests; the writer asks :attr:`requested` / :attr:`again` at safe points."""

    say: Callable[[str], None] = lambda _text: None
    """Tells the user at once what will happen (called in the event loop, never in the handler)."""
    count: int = 0
    signal_name: str | None = None
    first: str = "finishing the request in flight, then restoring what was written (press Ctrl-C again to stop restoring)"
    """What the first interrupt does, as told to the user (the writer sets it per phase)."""
    _event: asyncio.Event | None = field(default=None, repr=False)
    _loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)

    @property
    def requested(self) -> bool:
        """Stop writing (and restore what was written)."""
        return self.count >= 1

    @property
    def again(self) -> bool:
        """Stop restoring too (leave the rest to ``mfaguard rollback``)."""
        return self.count >= 2

    def request(self, name: str = "SIGINT") -> None:
        """Note one interrupt (the signal handler calls this through the loop; tests call it directly)."""
        self.count += 1
        self.signal_name = self.signal_name or name
        if self._event is not None:
            self._event.set()
        if self.count == 1:
            self.say(f"{name}: {self.first}")
        elif self.count == 2:
            self.say(
                f"{name} again: stopping the restore after the request in flight "
                "(press Ctrl-C once more to quit at once, leaving the tenant as it is)"
            )

    async def pause(self, seconds: float, sleep: Callable[[float], Any]) -> None:
        """``sleep(seconds)``, cut short by an interrupt (a backoff wait must not delay the restore)."""
        if self._event is None:
            await sleep(seconds)
            return
        self._event.clear()
        tasks = {asyncio.ensure_future(self._event.wait()), asyncio.ensure_future(sleep(seconds))}
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()

    @contextlib.contextmanager
    def deferred(self, first: str | None = None) -> Iterator[Interrupts]:
        """While the block runs (inside the event loop), SIGINT and SIGTERM are noted, not raised;
        ``first`` says what the first one will do.

        Only the main thread can set signal handlers; elsewhere (a test's worker thread, the dashboard)
        nothing is installed and :meth:`request` is the only way in.
        """
        loop = asyncio.get_running_loop()
        self._loop = loop
        if first is not None:
            self.first = first
        self._event = asyncio.Event()
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {sig: signal.getsignal(sig) for sig in HANDLED}

        def handler(signum: int, _frame: FrameType | None) -> None:
            name = signal.Signals(signum).name
            if self.count >= 2:  # a third one: the usual immediate stop
                for sig, old in previous.items():
                    signal.signal(sig, old)
                if signum == signal.SIGINT:
                    raise KeyboardInterrupt
                raise SystemExit(128 + signum)
            loop.call_soon_threadsafe(self.request, name)

        for sig in HANDLED:
            signal.signal(sig, handler)
        try:
            yield self
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)
