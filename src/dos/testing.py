"""Helpers for tests of DOS and of code built on it: a clock that moves only when told.

Every verdict and surface takes its clock by injection (``Context(ws, clock=...)``), so a
test moves time with ``FakeClock.advance`` instead of sleeping. There is deliberately no
environment variable that sets the clock of a DOS process: an agent controls its own
environment, and a settable clock would let it age a foreign lease out of its way.
"""

from __future__ import annotations

import time


class FakeClock:
    """Milliseconds since the epoch, from START_MS (default: now), moved by hand."""

    def __init__(self, start_ms: int | None = None) -> None:
        self.ms = int(time.time() * 1000) if start_ms is None else int(start_ms)

    def __call__(self) -> int:
        return self.ms

    def advance(self, seconds: float = 0.0, *, ms: int = 0) -> int:
        """Move forward by SECONDS (and MS); returns the new time. Time never runs backwards."""
        step = int(seconds * 1000) + ms
        if step < 0:
            raise ValueError("a FakeClock only moves forward; build a new one to start earlier")
        self.ms += step
        return self.ms

    def __repr__(self) -> str:
        return f"FakeClock({self.ms})"
