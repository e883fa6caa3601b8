"""Evenly spaced slots for sending to a provider with a rate limit (Telegram's, Twilio's).

An outbox send must be marked `sending` in the database before it goes (the `ready` a
sender is given). That commit takes a few milliseconds, now and then a few tens (another
writer holds SQLite's lock): were it made after the slot came, a slow one would hold back
the sends behind it and let them go in a bunch, over the provider's limit. So a slot is
given LEAD seconds before its time, the mark is made in that lead, and the request waits
for the slot's own time: the sends stay evenly spaced while a mark takes up to LEAD longer
than usual. After a crash, at most LEAD seconds' worth of marked messages had not yet
gone. A stall of the event loop (a garbage collection, a slow commit) can still make a
request late: one more than LATE_AT_MOST past its slot takes a new slot rather than go in
a bunch. Where the provider counts requests in a one-second window (Telegram), a last
check holds a request back while too many may have reached it within the last second.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import Awaitable, Callable

# A late-waking event loop may still give out the slots of this many missed seconds at
# once. Any burst of missed slots puts more than the pace into the next second's window, so
# it is a fraction of the limiter's margin: at most 0.5 % of the limit, the rest is for jitter.
CATCH_UP_SECONDS = 0.005
LEAD = 0.05  # seconds a slot is given before its time (for the outbox's mark)
LATE_AT_MOST = 0.03  # a request this much later than its slot takes a new one


class Pacer:
    """Evenly spaced slots, `per_second` of them; urgent callers take the next free slot
    before bulk ones. A slot is given `lead` seconds before its time, which `wait`
    returns (a request takes its `turn`, which waits for it). A rate of 0 lets everyone
    through at once."""

    def __init__(self, per_second: float, lead: float = 0.0, most_per_second: float | None = None):
        self.interval = 1 / per_second if per_second else 0.0
        # Requests that may reach the provider in any one second, at most (None: not counted).
        self.most = int(most_per_second) if most_per_second else 0
        self._in_flight = 0  # requests sent and not yet answered
        self._answered: deque[float] = deque()  # when the requests of the last second were answered
        self.catch_up = CATCH_UP_SECONDS
        self.lead = lead
        self._next = 0.0
        self._waiting: dict[bool, deque[asyncio.Future]] = {True: deque(), False: deque()}
        self._timer: asyncio.TimerHandle | None = None

    async def wait(self, urgent: bool = True) -> float:
        """Wait for a slot; its time on the event loop's clock (at most `lead` ahead)."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if not self.interval:
            return now
        if self._timer is None and not any(self._waiting.values()) and now + self.lead >= self._next:
            slot = max(self._next, now)  # a free slot now: no queue, no timer
            self._next = slot + self.interval
            return slot
        future = loop.create_future()
        self._waiting[urgent].append(future)
        self._schedule(loop)
        return await future

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is None:
            self._timer = loop.call_at(max(self._next - self.lead, loop.time()), self._release, loop)

    def _release(self, loop: asyncio.AbstractEventLoop) -> None:
        """Give out every slot that is due (a busy event loop may wake late: the slots it
        missed in the last CATCH_UP_SECONDS are not lost), then wait for the next."""
        self._timer = None
        now = loop.time()
        self._next = max(self._next, now - self.catch_up)
        while self._next <= now + self.lead and self._give_one(self._next):
            self._next += self.interval
        if any(self._waiting.values()):
            self._schedule(loop)

    def _give_one(self, slot: float) -> bool:
        for queue in (self._waiting[True], self._waiting[False]):
            while queue:
                future = queue.popleft()
                if not future.done():  # a cancelled waiter gives its slot on
                    future.set_result(slot)
                    return True
        return False

    @contextlib.asynccontextmanager
    async def turn(self, urgent: bool = True, ready: Callable[[], Awaitable[None]] | None = None):
        """A request's turn: its slot (`wait`), the outbox's mark (`ready`) made in the lead,
        the slot's own time, and the last check (`_room`); the body sends the request."""
        slot = await self.wait(urgent)
        if ready is not None:
            await ready()
        if not self.interval:
            yield
            return
        loop = asyncio.get_running_loop()
        while (late := loop.time() - slot) < 0 or late > LATE_AT_MOST:
            if late < 0:
                await asyncio.sleep(-late)
            else:  # a stall made it late: it takes the next slot rather than go in a bunch
                slot = await self.wait(urgent=True)
        if self.most:
            await self._room(loop)
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            self._answered.append(loop.time())

    async def _room(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wait until fewer than `most` requests may have reached Telegram in the last
        second: those still on their way, and those answered within it (a request's arrival
        lies between its sending and its answer; a late answer counts it for longer)."""
        while True:
            now = loop.time()
            while self._answered and now - self._answered[0] >= 1.0:
                self._answered.popleft()
            if self._in_flight + len(self._answered) < self.most:
                return
            wait = self._answered[0] + 1.0 - now if self._answered else 0.001
            await asyncio.sleep(max(wait, 0.001))

    def pause(self, seconds: float) -> None:
        """Telegram said to wait: no slot for anyone before then."""
        self._next = max(self._next, asyncio.get_running_loop().time() + seconds)
