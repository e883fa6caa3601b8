"""Spacing calls to a provider: at most one per interval, across concurrent callers."""

from __future__ import annotations

import asyncio
import time


class Pace:
    """Lets a caller through at least `1 / per_second` seconds after the previous one."""

    def __init__(self, per_second: float):
        self._interval = 1.0 / per_second
        self._lock = asyncio.Lock()
        self._next = 0.0

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            if self._next > now:
                await asyncio.sleep(self._next - now)
            self._next = max(now, self._next) + self._interval

    @property
    def idle(self) -> bool:
        """True when nobody waits and the next call would go at once (safe to forget)."""
        return not self._lock.locked() and self._next <= time.monotonic()
