"""The pace Telegram asks of a bot: 30 messages a second overall, one a second to each
private chat, 20 a minute to a group; up to 1,000 a second overall for a paid broadcast
(`allow_paid_broadcast`, paid in Stars).

PTB's AIORateLimiter is a leaky bucket that lets a whole second's quota out at once, so a
strict window sees up to twice the rate, and it serves replies and broadcasts first come
first served. Here the overall limit is evenly spaced slots, replies to residents take the
next slot before broadcasts (outbox sends pass BULK), and a chat's next message goes a
little over a second after Telegram answered the previous one, not after it was sent:
network jitter then cannot bring two messages closer than Telegram allows.

An outbox send must be marked `sending` in the database before it goes (`Bulk.ready`).
That commit takes a few milliseconds, now and then a few tens (another writer holds
SQLite's lock): were it made after the slot came, a slow one would hold back the sends
behind it and let them go in a bunch, over Telegram's limit. So a slot is given LEAD
seconds before its time, the mark is made in that lead, and the request waits for the
slot's own time: the sends stay evenly spaced while a mark takes up to LEAD longer than
usual. After a crash, at most LEAD seconds' worth of marked messages had not yet gone.
A stall of the event loop (a garbage collection, a slow commit) can still make sends
late and send them together; the last check, right before each request, counts what
really went in the last second and holds a request back rather than break the limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

OVERALL_PER_SECOND = 30.0  # Telegram's broadcast limit for one bot
PAID_PER_SECOND = 1000.0  # with allow_paid_broadcast (0.1 Star a message)
CHAT_PER_SECOND = 1.0  # Telegram's advice for one private chat
GROUP_PER_MINUTE = 20.0
CHAT_MARGIN = 0.05  # 5 % over a chat's interval, counted from the previous answer
# The overall pace stays this far under the limit: Telegram counts requests as they reach
# it, and network jitter (or a busy far end) bunches evenly sent ones into a window.
OVERALL_MARGIN = 0.03
# … and what may have reached Telegram in any one second (counted from the answers, so a
# request that was slow on its way counts for longer) stays this far under it.
WINDOW_MARGIN = 0.01
MAX_RETRIES = 3  # RetryAfter answers retried for replies; bulk sends go back to the outbox
FORGET_CHATS_OVER = 10_000  # paced chats kept in memory before quiet ones are forgotten
# A late-waking event loop may still give out the slots of this many missed seconds at
# once. Any burst of missed slots puts more than the pace into the next second's window, so
# it is a fraction of OVERALL_MARGIN: at most 0.5 % of the limit, the rest is for jitter.
CATCH_UP_SECONDS = 0.005
LEAD = 0.05  # seconds a slot is given before its time (for the outbox's mark)
LATE_AT_MOST = 0.03  # a request this much later than its slot takes a new one


@dataclass(frozen=True)
class Bulk:
    """rate_limit_args of an outbox send: it waits behind replies, and `ready` is awaited
    once its slot has come, right before the request (the outbox marks it `sending`)."""

    ready: Callable[[], Awaitable[None]] | None = None


BULK = Bulk()  # an outbox send with nothing to do before it goes


class Pacer:
    """Evenly spaced slots, `per_second` of them; urgent callers take the next free slot
    before bulk ones. A slot is given `lead` seconds before its time, which `wait`
    returns (a request takes its `turn`, which waits for it). A rate of 0 lets everyone
    through at once."""

    def __init__(self, per_second: float, lead: float = 0.0, most_per_second: float | None = None):
        self.interval = 1 / per_second if per_second else 0.0
        self.most = int(most_per_second or per_second)  # requests in any one second, at most
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


class _Chat:
    """One private chat's pace: one request at a time, the next an interval after the answer."""

    __slots__ = ("lock", "ready_at")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.ready_at = 0.0


class BotRateLimiter(BaseRateLimiter[Bulk]):
    """Telegram's limits for one bot in one process; `share` divides the overall rate
    among several sender processes (each takes its part of the chats)."""

    def __init__(
        self,
        *,
        per_chat: float = CHAT_PER_SECOND,
        overall: float = OVERALL_PER_SECOND,
        paid: float = PAID_PER_SECOND,
        share: float = 1.0,
        max_retries: int = MAX_RETRIES,
    ):
        self._chat_interval = (1 + CHAT_MARGIN) / per_chat if per_chat else 0.0
        # Evenly spaced under the limit by OVERALL_MARGIN; in any one second at most half
        # that margin under it (the other half is for the network's jitter).
        # Evenly spaced OVERALL_MARGIN under the limit; in any second at most WINDOW_MARGIN
        # under it may have gone or be on their way (the last check, Pacer._room).
        self._overall = Pacer(overall * share * (1 - OVERALL_MARGIN), LEAD, overall * share * (1 - WINDOW_MARGIN))
        self._paid = Pacer(paid * share * (1 - OVERALL_MARGIN), LEAD, paid * share * (1 - WINDOW_MARGIN))
        self._max_retries = max_retries
        self._chats: dict[int, _Chat] = {}
        self._groups: dict[int | str, AsyncLimiter] = {}

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)
        urgent = not isinstance(rate_limit_args, Bulk)
        ready = None if urgent else rate_limit_args.ready
        pacer = self._paid if data.get("allow_paid_broadcast") else self._overall
        if chat_id is None:  # getUpdates, answerCallbackQuery, getMe …: no message to pace
            return await callback(*args, **kwargs)
        for attempt in range(self._max_retries + 1):
            try:
                if isinstance(chat_id, int) and chat_id > 0:
                    return await self._private(chat_id, pacer, urgent, ready, callback, args, kwargs)
                group = self._groups.setdefault(chat_id, AsyncLimiter(GROUP_PER_MINUTE, 60))
                async with group, pacer.turn(urgent, ready):
                    return await callback(*args, **kwargs)
            except RetryAfter as told:
                wait = seconds(told.retry_after) + 0.1
                self._overall.pause(wait)
                self._paid.pause(wait)
                if not urgent or attempt == self._max_retries:
                    raise  # the outbox tries again after retry_after, without holding a task
                log.info("Telegram asked to wait %.1f s", wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def _private(self, chat_id: int, pacer: Pacer, urgent: bool, ready, callback, args, kwargs):
        if len(self._chats) > FORGET_CHATS_OVER:
            now = asyncio.get_running_loop().time()
            self._chats = {k: c for k, c in self._chats.items() if c.lock.locked() or c.ready_at > now}
        chat = self._chats.setdefault(chat_id, _Chat())
        loop = asyncio.get_running_loop()
        async with chat.lock:
            delay = chat.ready_at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                async with pacer.turn(urgent, ready):
                    return await callback(*args, **kwargs)
            finally:
                chat.ready_at = loop.time() + self._chat_interval


def seconds(value: Any) -> float:
    """RetryAfter.retry_after is an int or a timedelta, depending on PTB's settings."""
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)
