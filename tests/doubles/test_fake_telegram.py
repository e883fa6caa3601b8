"""The fake Telegram Bot API against the real python-telegram-bot client and Application."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, MessageHandler, filters

from tests.doubles.fake_telegram import FakeTelegram

USER = 4242


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch):
    """PTB 22 warns about int time periods (RetryAfter.retry_after) unless opted in to timedelta."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake():
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(fake):
    async with telegram.Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as client:
        yield client


async def test_initialize_calls_get_me(fake, bot):
    assert bot.username == "benken_test_bot"
    assert bot.bot.is_bot and bot.bot.supports_inline_queries is False
    assert fake.calls[0]["method"] == "getMe" and fake.calls[0]["status"] == 200


async def test_send_message_with_inline_keyboard(fake, bot):
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes")]])
    first = await bot.send_message(USER, "Hello", reply_markup=markup)
    second = await bot.send_message(USER + 1, "Other")
    assert first.text == "Hello" and first.chat.id == USER and second.message_id > first.message_id
    assert first.reply_markup == markup
    [params] = fake.sent(USER)
    assert params["reply_markup"] == {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}
    assert params["chat_id"] == USER and len(fake.sent()) == 2
    edited = await bot.edit_message_text("Edited", chat_id=USER, message_id=first.message_id)
    assert edited.text == "Edited" and edited.message_id == first.message_id
    assert fake.calls[-1]["method"] == "editMessageText"


async def test_text_validation(fake, bot):
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(USER, "x" * 4097)
    await bot.send_message(USER, "x" * 4096)
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(USER, "")
    assert [c["status"] for c in fake.calls[1:]] == [400, 200, 400] and len(fake.sent()) == 1


async def test_long_polling_wakes_on_push_and_confirms(fake, bot):
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    fake.text(USER, "/start now", language_code="nb")
    [update] = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1
    assert update.update_id == 1 and update.message.text == "/start now"
    assert update.message.from_user.language_code == "nb" and update.message.chat.id == USER
    assert update.message.entities[0].type == "bot_command" and update.message.entities[0].length == 6
    assert fake.pending == 1
    fake.location(USER, 59.9, 10.7)
    [again] = await bot.get_updates(offset=update.update_id + 1, timeout=0)
    assert again.message.location.latitude == 59.9 and fake.pending == 1
    assert await bot.get_updates(offset=again.update_id + 1, timeout=0.1) == ()
    assert fake.pending == 0


async def test_errors_map_to_ptb_exceptions(fake, bot):
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    fake.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    fake.fail_next("sendMessage", 502, "Bad Gateway")
    with pytest.raises(RetryAfter) as retry:
        await bot.send_message(USER, "a")
    assert retry.value.retry_after == timedelta(seconds=1)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(USER, "b")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(USER, "c")
    await bot.send_message(USER, "d")
    assert [c["status"] for c in fake.calls[1:]] == [429, 403, 502, 200]
    assert [p["text"] for p in fake.sent()] == ["d"]


async def test_wrong_token_and_unknown_method(fake):
    async with httpx.AsyncClient() as client:
        wrong = await client.post(f"{fake.base_url}1:WRONG/getMe")
        unknown = await client.get(f"{fake.base_url}{fake.token}/noSuchMethod")
        json_call = await client.post(f"{fake.base_url}{fake.token}/SENDMESSAGE", json={"chat_id": 7, "text": "hi"})
    assert wrong.status_code == 401 and wrong.json()["description"] == "Unauthorized"
    assert unknown.status_code == 404 and unknown.json()["description"] == "Not Found: method not found"
    assert json_call.json()["result"]["text"] == "hi" and fake.sent(7) == [{"chat_id": 7, "text": "hi"}]
    with pytest.raises(InvalidToken, match="rejected"):
        async with telegram.Bot("1:WRONG", base_url=fake.base_url):
            pass


async def test_callback_photo_and_file_download(fake, bot):
    fake.tap(USER, "vote:1", message_id=17)
    fake.photo(USER)
    fake.sticker(USER)
    fake.voice(USER)
    tap, photo, sticker, voice = await bot.get_updates(timeout=0)
    assert tap.callback_query.data == "vote:1" and tap.callback_query.message.message_id == 17
    assert tap.callback_query.from_user.id == USER
    assert await bot.answer_callback_query(tap.callback_query.id, text="Thanks") is True
    sizes = photo.message.photo
    assert len(sizes) == 3 and sizes[0].width < sizes[-1].width
    assert sticker.message.sticker.type == "regular" and voice.message.voice.mime_type == "audio/ogg"
    data = await (await bot.get_file(sizes[-1].file_id)).download_as_bytearray()
    assert data.startswith(b"\xff\xd8\xff")
    assert fake.calls[-1]["params"] == {"file_id": sizes[-1].file_id}


async def test_unqueued_updates_and_webhook(fake, bot):
    built = fake.text(USER, "hi", queue=False)
    assert built["update_id"] == 1 and fake.pending == 0
    assert telegram.Update.de_json(built, bot).message.text == "hi"
    assert fake.text(USER, "queued")["update_id"] == 2
    await bot.set_webhook("https://example.org/hook")
    info = await bot.get_webhook_info()
    assert info.url == "https://example.org/hook" and info.pending_update_count == 1
    await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.set_my_commands([("start", "Start")]) is True and await bot.get_my_commands() == ()
    assert await bot.send_chat_action(USER, "typing") is True
    doc = await bot.send_document(USER, b"%PDF-1.4", filename="a.pdf")
    assert doc.document.file_id and fake.sent()[-1]["document"]["size"] == 8


async def test_enforced_limits():
    async with FakeTelegram(enforce_limits=True) as limited, telegram.Bot(
        limited.token, base_url=limited.base_url
    ) as bot:
        await bot.send_message(USER, "one")
        await asyncio.sleep(0.1)
        with pytest.raises(RetryAfter):
            await bot.send_message(USER, "two")
        assert limited.limit_violations == 1 and limited.calls[-1]["status"] == 429
        for chat in range(1, 30):  # 29 more chats: 30 in this second in all
            await bot.send_message(chat, "hi")
        with pytest.raises(RetryAfter):
            await bot.send_message(99, "over the global limit")
        assert limited.limit_violations == 2 and len(limited.sent()) == 30


async def test_group_limit():
    async with FakeTelegram(enforce_limits=True) as limited, telegram.Bot(
        limited.token, base_url=limited.base_url
    ) as bot:
        for n in range(20):  # no per-second gap for groups, only 20 a minute
            assert (await bot.send_message(-100, f"{n}")).chat.type == "group"
        with pytest.raises(RetryAfter):
            await bot.send_message(-100, "21st this minute")
        await bot.send_message(-200, "another group")
        assert limited.limit_violations == 1 and len(limited.sent(-100)) == 20


async def test_application_polls_and_replies(fake):
    app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).base_file_url(fake.base_file_url).build()

    async def echo(update, context):
        await update.message.reply_text(f"echo: {update.message.text}")

    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        fake.text(USER, "hello")
        deadline = time.monotonic() + 5
        while not fake.sent(USER) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert [p["text"] for p in fake.sent(USER)] == ["echo: hello"]
    assert fake.pending == 0
