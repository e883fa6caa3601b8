"""The pace Telegram asks of a bot: 30 messages a second overall, one a second to each
private chat, 20 a minute to a group; up to 1,000 a second overall for a paid broadcast
(`allow_paid_broadcast`, paid in Stars).

PTB's AIORateLimiter is a leaky bucket that lets a whole second's quota out at once, so a
strict window sees up to twice the rate, and it serves replies and broadcasts first come
first served. Here the overall limit is evenly spaced slots, replies to residents take the
next slot before broadcasts (outbox sends pass BULK), and a chat's next message goes a
little over a second after Telegram answered the previous one, not after it was sent:
network jitter then cannot bring two messages closer than Telegram allows.
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
MAX_RETRIES = 3  # RetryAfter answers retried for replies; bulk sends go back to the outbox
FORGET_CHATS_OVER = 10_000  # paced chats kept in memory before quiet ones are forgotten
# A late-waking event loop may still give out the slots of this many missed seconds at
# once. Any burst of missed slots puts more than the pace into the next second's window, so
# it is a fraction of OVERALL_MARGIN: at most 0.5 % of the limit, the rest is for jitter.
CATCH_UP_SECONDS = 0.005


@dataclass(frozen=True)
class Bulk:
    """rate_limit_args of an outbox send: it waits behind replies, and `ready` is awaited
    once its slot has come, right before the request (the outbox marks it `sending`)."""

    ready: Callable[[], Awaitable[None]] | None = None


BULK = Bulk()  # an outbox send with nothing to do before it goes


class Pacer:
    """Evenly spaced slots, `per_second` of them; urgent callers take the next free slot
    before bulk ones. A rate of 0 lets everyone through at once."""

    def __init__(self, per_second: float):
        self.interval = 1 / per_second if per_second else 0.0
        self.catch_up = CATCH_UP_SECONDS
        self._next = 0.0
        self._waiting: dict[bool, deque[asyncio.Future]] = {True: deque(), False: deque()}
        self._timer: asyncio.TimerHandle | None = None

    async def wait(self, urgent: bool = True) -> None:
        if not self.interval:
            return
        loop = asyncio.get_running_loop()
        if self._timer is None and not any(self._waiting.values()) and loop.time() >= self._next:
            self._next = loop.time() + self.interval  # a free slot now: no queue, no timer
            return
        future = loop.create_future()
        self._waiting[urgent].append(future)
        self._schedule(loop)
        await future

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is None:
            self._timer = loop.call_at(max(self._next, loop.time()), self._release, loop)

    def _release(self, loop: asyncio.AbstractEventLoop) -> None:
        """Give out every slot that is due (a busy event loop may wake late: the slots it
        missed in the last CATCH_UP_SECONDS are not lost), then wait for the next."""
        self._timer = None
        now = loop.time()
        self._next = max(self._next, now - self.catch_up)
        while self._next <= now and self._give_one():
            self._next += self.interval
        if any(self._waiting.values()):
            self._schedule(loop)

    def _give_one(self) -> bool:
        for queue in (self._waiting[True], self._waiting[False]):
            while queue:
                future = queue.popleft()
                if not future.done():  # a cancelled waiter gives its slot on
                    future.set_result(None)
                    return True
        return False

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
        self._overall = Pacer(overall * share * (1 - OVERALL_MARGIN))
        self._paid = Pacer(paid * share * (1 - OVERALL_MARGIN))
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
                async with self._groups.setdefault(chat_id, AsyncLimiter(GROUP_PER_MINUTE, 60)):
                    await pacer.wait(urgent)
                    if ready is not None:
                        await ready()
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
            await pacer.wait(urgent)
            if ready is not None:
                await ready()
            try:
                return await callback(*args, **kwargs)
            finally:
                chat.ready_at = loop.time() + self._chat_interval


def seconds(value: Any) -> float:
    """RetryAfter.retry_after is an int or a timedelta, depending on PTB's settings."""
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)
