"""The pace Telegram asks of a bot: 30 messages a second overall, one a second to each
private chat, 20 a minute to a group; up to 1,000 a second overall for a paid broadcast
(`allow_paid_broadcast`, paid in Stars).

PTB's AIORateLimiter is a leaky bucket that lets a whole second's quota out at once, so a
strict window sees up to twice the rate, and it serves replies and broadcasts first come
first served. Here the overall limit is evenly spaced slots, replies to residents take the
next slot before broadcasts (outbox sends pass BULK), and a chat's next message goes a
little over a second after Telegram answered the previous one, not after it was sent:
network jitter then cannot bring two messages closer than Telegram allows.

An outbox send is marked `sending` in the database in the lead before its slot
(`Bulk.ready`, see pacing.py), and a last check before each request counts what may
have reached Telegram in the last second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from .pacing import LEAD, Pacer

log = logging.getLogger(__name__)

OVERALL_PER_SECOND = 30.0  # Telegram's broadcast limit for one bot
PAID_PER_SECOND = 1000.0  # with allow_paid_broadcast (0.1 Star a message)
CHAT_PER_SECOND = 1.0  # Telegram's advice for one private chat
GROUP_PER_MINUTE = 20.0
CHAT_MARGIN = 0.05  # 5 % over a chat's interval, counted from the previous answer
# The overall pace stays this far under the limit: Telegram counts requests as they reach
# it, and network jitter (or a busy far end) bunches evenly sent ones into a window.
OVERALL_MARGIN = 0.02
# … and what may have reached Telegram in any one second (counted from the answers, so a
# request that was slow on its way counts for longer) stays this far under it.
WINDOW_MARGIN = 0.01
MAX_RETRIES = 3  # RetryAfter answers retried for replies; bulk sends go back to the outbox
FORGET_CHATS_OVER = 10_000  # paced chats kept in memory before quiet ones are forgotten


@dataclass(frozen=True)
class Bulk:
    """rate_limit_args of an outbox send: it waits behind replies, and `ready` is awaited
    once its slot has come, right before the request (the outbox marks it `sending`)."""

    ready: Callable[[], Awaitable[None]] | None = None


BULK = Bulk()  # an outbox send with nothing to do before it goes


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
