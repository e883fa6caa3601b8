"""Small pieces every Telegram sender here needs: limits, splitting, escaping, retries."""

from __future__ import annotations

import asyncio
import html
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

MAX_TEXT = 4096  # Telegram's limit for one message, in characters after entity parsing
SEND_ATTEMPTS = 4  # for 5xx and timeouts, with backoff 1 s, 2 s, 4 s


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit` characters, cut at a line break or space where possible."""
    pieces = []
    while len(text) > limit:
        cut = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return pieces + [text] if text else pieces


def escaped_pieces(text: str, limit: int = MAX_TEXT) -> list[str]:
    """The text HTML-escaped (every character shows as written) in pieces that fit, even
    counting escapes: a text full of "<" grows fourfold."""
    pieces = []
    for piece in split_text(text, limit) or [""]:
        escaped = html.escape(piece, quote=False)
        pieces.extend([escaped] if len(escaped) <= MAX_TEXT else escaped_pieces(piece, limit // 2))
    return pieces


async def with_retries(call, *args: Any, **kwargs: Any) -> Any:
    """A Bot API call retried on 5xx and timeouts, with backoff (429s are the limiter's)."""
    for attempt in range(SEND_ATTEMPTS):
        try:
            return await call(*args, **kwargs)
        except (Forbidden, RetryAfter):
            raise
        except BadRequest:  # our mistake: sending again will not help
            raise
        except NetworkError:  # 5xx, timeouts, connection errors
            if attempt == SEND_ATTEMPTS - 1:
                raise
            await asyncio.sleep(2**attempt)


def seconds(value: Any) -> float:
    """RetryAfter.retry_after is an int or a timedelta, depending on PTB's settings."""
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)
