"""What every sender to Telegram here needs: the size of a message, splitting and escaping,
which failures may be retried, and the rate limits Telegram asks bots to keep."""

from __future__ import annotations

import asyncio
import html
import re
from typing import Any

import httpx
from aiolimiter import AsyncLimiter
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter

# Telegram allows 4,096 characters a message (after entities are parsed). We count UTF-16
# code units of the HTML we send, which is never fewer than Telegram counts.
MAX_TEXT = 4096
SEND_ATTEMPTS = 4  # for failures that surely did not deliver, with backoff 1 s, 2 s, 4 s
CHAT_MESSAGES_PER_SECOND = 1.0  # Telegram's advice for one private chat
FORGET_CHATS_OVER = 10_000  # paced chats kept in memory before quiet ones are forgotten
MAX_PHOTO_BYTES = 20 * 1024 * 1024  # the largest file the Bot API lets a bot download

_TAG = re.compile(r"</?[bi]>")


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_html(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Telegram HTML in pieces of at most `limit` units, cut between lines so that no tag
    or entity is cut; a single line too long loses its tags and is cut between words."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        for part in _fit_line(line, limit):
            candidate = f"{current}\n{part}" if current else part
            if units(candidate) <= limit:
                current = candidate
            else:
                if current.strip():
                    pieces.append(current.strip("\n"))
                current = part
    if current.strip() or not pieces:
        pieces.append(current.strip("\n"))
    return pieces


def _fit_line(line: str, limit: int) -> list[str]:
    if units(line) <= limit:
        return [line]
    rest, parts = _TAG.sub("", line), []
    while units(rest) > limit:
        cut = limit
        while units(rest[:cut]) > limit:
            cut -= units(rest[:cut]) - limit
        space = rest.rfind(" ", 0, cut)
        cut = space if space > cut // 2 else cut
        amp = rest.rfind("&", 0, cut)
        if amp > 0 and ";" not in rest[amp:cut]:
            cut = amp  # never inside "&lt;"
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return parts + [rest] if rest else parts


def escaped_pieces(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Plain text as Telegram HTML (every character shows as written) in pieces that fit,
    counting the escapes: a text full of "<" grows fourfold."""
    return split_html(html.escape(text, quote=False), limit)


def surely_not_delivered(error: Exception) -> bool:
    """Whether a failed Bot API call certainly did not reach Telegram, so that sending it
    again cannot deliver it twice: the connection was never made, or Telegram answered
    with a server error (5xx). A timeout after the request left may have delivered it."""
    cause = error.__cause__
    if isinstance(error, TimedOut):
        return isinstance(cause, (httpx.ConnectTimeout, httpx.PoolTimeout))
    if isinstance(error, NetworkError) and not isinstance(error, (BadRequest, Forbidden, RetryAfter)):
        if isinstance(cause, httpx.HTTPError):
            return isinstance(cause, httpx.ConnectError)
        return True  # PTB raises a bare NetworkError for an HTTP error answer (5xx)
    return False


async def with_retries(call, *args: Any, **kwargs: Any) -> Any:
    """A Bot API call retried, with backoff, only where it surely did not arrive (429s are
    the rate limiter's); anything else is raised for the caller to judge."""
    for attempt in range(SEND_ATTEMPTS):
        try:
            return await call(*args, **kwargs)
        except NetworkError as problem:
            if attempt == SEND_ATTEMPTS - 1 or not surely_not_delivered(problem):
                raise
            await asyncio.sleep(2**attempt)


async def fetch_photo(bot: Bot, file_id: str) -> bytes | None:
    """A photo a resident sent, by its file id, for the web desk to show; None when
    Telegram no longer has it or will not hand it over."""
    try:
        found = await bot.get_file(file_id)
        if found.file_size and found.file_size > MAX_PHOTO_BYTES:
            return None
        return bytes(await found.download_as_bytearray())
    except TelegramError:
        return None


def seconds(value: Any) -> float:
    """RetryAfter.retry_after is an int or a timedelta, depending on PTB's settings."""
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


class ChatRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter (30 a second overall, 20 a minute per group, RetryAfter
    honoured), plus what it leaves out: one message a second to each private chat."""

    PACED = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendLocation", "sendVoice", "editMessageText"})

    def __init__(self, per_chat: float = CHAT_MESSAGES_PER_SECOND, **kwargs: Any):
        super().__init__(max_retries=3, **kwargs)
        self._per_chat = per_chat
        self._chats: dict[int, AsyncLimiter] = {}

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        chat_id = data.get("chat_id")
        if endpoint in self.PACED and isinstance(chat_id, int) and chat_id > 0:
            if len(self._chats) > FORGET_CHATS_OVER:  # forget chats that have been quiet
                self._chats = {k: v for k, v in self._chats.items() if not v.has_capacity()}
            # A bucket of one: each chat's messages at least 1/per_chat seconds apart.
            async with self._chats.setdefault(chat_id, AsyncLimiter(1, 1 / self._per_chat)):
                pass
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
