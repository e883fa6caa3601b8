"""What every sender to Telegram here needs: the size of a message, splitting and escaping,
and which failures may be retried (the pace Telegram asks for is telegram_limits.py)."""

from __future__ import annotations

import asyncio
import html
import re
import warnings
from typing import Any

import aiohttp
import httpx
from telegram import Bot
from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from .telegram_http import NotSent

# `send_text` calls sendMessage through do_api_request on purpose (see there); PTB would
# warn on every call that Bot.sendMessage exists.
SEND_TEXT_WARNING = r"Please use 'Bot\.sendMessage' instead"
warnings.filterwarnings("ignore", message=SEND_TEXT_WARNING, category=PTBUserWarning)

# Telegram allows 4,096 characters a message (after entities are parsed). We count UTF-16
# code units of the HTML we send, which is never fewer than Telegram counts.
MAX_TEXT = 4096
SEND_ATTEMPTS = 4  # for failures that surely did not deliver, with backoff 1 s, 2 s, 4 s
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
    if isinstance(cause, NotSent):  # our aiohttp backend says so (telegram_http.py)
        return True
    if isinstance(error, TimedOut):
        return isinstance(cause, (httpx.ConnectTimeout, httpx.PoolTimeout))
    if isinstance(error, NetworkError) and not isinstance(error, (BadRequest, Forbidden, RetryAfter)):
        if isinstance(cause, (httpx.HTTPError, aiohttp.ClientError, TimeoutError)):
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


async def send_text(bot: Bot, chat_id: int | str, text: str, *, reply_markup: Any = None,
                    rate_limit_args: Any = None, **extra: Any) -> int:
    """sendMessage with Telegram HTML, retried as `with_retries` does; the new message's id.
    Telegram's answer is read as JSON, not built into PTB's Message with its chat, sender and
    entities: that took a seventh of a broadcast's CPU time, for one number. `rate_limit_args`
    go to the rate limiter (only the Application's bot has one)."""
    api_kwargs = {"chat_id": chat_id, "text": text, "parse_mode": "HTML", **extra}
    if reply_markup is not None:
        api_kwargs["reply_markup"] = reply_markup
    limited = {"rate_limit_args": rate_limit_args} if isinstance(bot, ExtBot) else {}
    answer = await with_retries(bot.do_api_request, "sendMessage", api_kwargs=api_kwargs, **limited)
    return int(answer["message_id"])


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
