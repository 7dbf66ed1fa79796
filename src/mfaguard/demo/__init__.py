"""``mfaguard demo``: the whole cycle on a realistic tenant, served by the embedded emulator.

``context`` (what a step gets: the emulator, a connection, a console, a work dir), one module per
part of the cycle (``audit``, ``enforce``, ``coverage``, ``detect``, ``fleet``) and ``steps`` (the
explicit tuple :data:`~mfaguard.demo.steps.DEMO_STEPS`).
"""

from __future__ import annotations

from mfaguard.demo.context import DemoContext, DemoStep, demo_context, run_steps
from mfaguard.demo.steps import DEMO_STEPS

__all__ = ["DEMO_STEPS", "DemoContext", "DemoStep", "demo_context", "run_steps"]
