"""What every Telegram sender shares: one splitter that counts as Telegram does, and
retries only where a message surely did not arrive."""

from __future__ import annotations

import html
import re

import httpx
import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest

from bot.channels.telegram import TelegramSender
from bot.channels.telegram_api import MAX_TEXT, escaped_pieces, split_html, surely_not_delivered, units, with_retries
from bot.messaging.outbox import SENT, UNKNOWN, Recipient
from bot.models import OutboxMessage
from tests.doubles.fake_telegram import FakeTelegram
from tests.support import TOKEN


async def nothing_to_do() -> None:
    """The outbox's `ready` when no outbox is involved."""


def test_long_text_is_split_cleanly():
    text = ("Ord " * 1500).strip()
    pieces = escaped_pieces(text)
    assert len(pieces) == 2 and all(units(p) <= MAX_TEXT for p in pieces) and " ".join(pieces) == text
    hostile = "<" * 5000
    escaped = escaped_pieces(hostile)
    assert all(units(p) <= MAX_TEXT for p in escaped) and html.unescape("".join(escaped)) == hostile


def test_pieces_are_counted_in_utf16_units_as_telegram_counts_them():
    # 3,000 emoji are 3,000 code points but 6,000 UTF-16 units: one piece by code points
    # would be refused by Telegram ("message is too long").
    text = "🌳" * 3000
    pieces = escaped_pieces(text)
    assert len(pieces) == 2 and all(units(p) <= MAX_TEXT for p in pieces) and "".join(pieces) == text


def test_split_html_cuts_between_lines_and_never_inside_a_tag_or_entity():
    lines = [f"<b>I-{n}</b> · Noe annet" for n in range(400)] + ["<i>" + html.escape('a<b>& "' * 900) + "</i>"]
    pieces = split_html("\n".join(lines))
    assert len(pieces) > 2 and all(units(p) <= MAX_TEXT for p in pieces)
    assert "\n".join(pieces).count("<b>I-") == 400
    for piece in pieces:
        assert not re.search(r"&(?!(amp|lt|gt|quot|#x27);)", piece)
        assert piece.count("<b>") == piece.count("</b>")


def _failed(error: Exception, cause: Exception | None) -> Exception:
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    "error, safe",
    [
        (_failed(NetworkError("httpx.ConnectError: refused"), httpx.ConnectError("refused")), True),
        (_failed(TimedOut(), httpx.ConnectTimeout("no answer to SYN")), True),
        (_failed(TimedOut(), httpx.PoolTimeout("pool full")), True),
        (NetworkError("Bad Gateway (502)"), True),  # Telegram answered with a server error
        (_failed(TimedOut(), httpx.ReadTimeout("slow answer")), False),  # it may have arrived
        (_failed(NetworkError("httpx.ReadError"), httpx.ReadError("connection dropped")), False),
    ],
)
def test_only_what_surely_did_not_arrive_is_safe_to_send_again(error, safe):
    assert surely_not_delivered(error) is safe


async def test_with_retries_gives_up_on_a_timeout_at_once():
    calls = []

    async def slow_answer():
        calls.append(1)
        raise _failed(TimedOut(), httpx.ReadTimeout("slow"))

    with pytest.raises(TimedOut):
        await with_retries(slow_answer)
    assert len(calls) == 1


async def test_a_send_that_timed_out_is_not_sent_again(monkeypatch):
    """Telegram took the message but answered too late for our timeout: the outbox must
    mark it unconfirmed, and Telegram must have it exactly once."""
    async with FakeTelegram(TOKEN) as fake:
        bot = Bot(TOKEN, base_url=fake.base_url, request=HTTPXRequest(read_timeout=0.3))
        async with bot:
            fake.delay_next("sendMessage", 1.0)
            message = OutboxMessage(id=1, resident_id=1, channel="telegram", kind="x", text="Hei", format="text")
            result = await TelegramSender(bot).send(Recipient("telegram", 4242, 1), message, nothing_to_do)
            assert result.outcome == UNKNOWN
            assert len(fake.sent(4242)) == 1  # delivered once, never repeated
            again = await TelegramSender(bot).send(Recipient("telegram", 4242, 1), message, nothing_to_do)
            assert again.outcome == SENT and len(fake.sent(4242)) == 2


async def test_the_aiohttp_backend_tells_a_slow_answer_from_a_refused_connection():
    """PTB on aiohttp (what build_application uses): a read timeout may have delivered, a
    refused connection surely did not."""
    from bot.channels.telegram_http import AiohttpRequest
    from tests.support import free_port

    async with FakeTelegram(TOKEN) as fake:
        bot = Bot(TOKEN, base_url=fake.base_url, request=AiohttpRequest(read_timeout=0.3))
        async with bot:
            fake.delay_next("sendMessage", 1.0)
            with pytest.raises(TimedOut) as slow:
                await bot.send_message(4242, "Hei")
            assert not surely_not_delivered(slow.value) and len(fake.sent(4242)) == 1
            sent = await bot.send_message(4242, "Hei igjen")
            assert sent.text == "Hei igjen" and len(fake.sent(4242)) == 2
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as refused:  # nothing listens there
            await request.post(f"http://127.0.0.1:{free_port()}/bot{TOKEN}/sendMessage")
    finally:
        await request.shutdown()
    assert surely_not_delivered(refused.value)
