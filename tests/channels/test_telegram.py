"""The Telegram channel with a real python-telegram-bot Application against a fake Bot API
server on loopback: polling, webhook, buttons, limits, errors and restarts."""

from __future__ import annotations

import asyncio
import dataclasses
import html
import os
import signal
import subprocess
import sys
import time

import httpx
from sqlalchemy import select

from bot.app import open_app
from bot.channels.telegram import TelegramSender, build_application, merge
from bot.messaging import sending
from bot.metrics import Metrics
from bot.models import Idea, InboundMessage, OutboxMessage, Resident, SafetyReport, Signup
from bot.run import poll
from bot.staff import actions
from bot.text.resident import FSI, PDI
from bot.web import create_web
from conversations.messages import Choice, Outbound
from tests.conftest import daytime
from tests.doubles.fake_telegram import FakeTelegram
from tests.factories import make_event
from tests.support import SECRET, TOKEN, TelegramBot, count, onboard, texts, until


async def test_idea_flow_by_buttons_with_location_photo_and_html(telegram):
    bot, user = telegram, 5001
    await onboard(bot, user)
    await bot.send(bot.fake.tap_label, user, "Share an idea")
    await bot.send(bot.fake.text, user, "<b>Benches</b> & <script>alert(1)</script> by the shop")
    sent = await bot.send(bot.fake.tap_label, user, "Meeting places")
    place_prompt = sent[-1]
    assert place_prompt["reply_markup"]["keyboard"][0][0]["request_location"] is True
    await bot.send(bot.fake.location, user, 59.9458, 10.8917)
    await bot.send(bot.fake.photo, user, ["small", "medium", "large"])
    sent = await bot.send(bot.fake.tap_label, user, "Yes")
    confirm = sent[-1]
    assert confirm["parse_mode"] == "HTML"
    assert "&lt;b&gt;Benches&lt;/b&gt; &amp; &lt;script&gt;" in confirm["text"]  # shows as text
    sent = await bot.send(bot.fake.tap_label, user, "Send it")
    assert "Your idea is saved as I-1" in texts(sent)
    async with bot.app.sessions() as session:
        idea = (await session.execute(select(Idea))).scalar_one()
    assert idea.text == "<b>Benches</b> & <script>alert(1)</script> by the shop"
    assert (idea.photo_ref, idea.latitude, idea.longitude) == ("large", 59.9458, 10.8917)
    methods = [c["method"] for c in bot.fake.calls]
    assert methods.count("answerCallbackQuery") == 6
    edits = [c["params"] for c in bot.fake.calls if c["method"] == "editMessageText"]
    assert edits and all("reply_markup" not in e for e in edits)  # the old keyboard is gone
    assert "➜ Send it" in html.unescape(edits[-1]["text"])


async def test_dugnad_and_safety_by_buttons(telegram):
    async with telegram.app.sessions() as session, session.begin():
        await make_event(session, capacity=3, title="Vårrydding", title_en="Spring clean-up")
    bot, user = telegram, 5002
    await onboard(bot, user)
    sent = await bot.send(bot.fake.tap_label, user, "Join a dugnad")
    label = next(b["text"] for row in sent[-1]["reply_markup"]["inline_keyboard"] for b in row if "Spring" in b["text"])
    await bot.send(bot.fake.tap_label, user, label)
    sent = await bot.send(bot.fake.tap_label, user, "Sign me up")
    assert "D-1" in texts(sent)
    await bot.send(bot.fake.tap_label, user, "No, thank you")  # the monthly news, offered once
    await bot.send(bot.fake.tap_label, user, "Tell us where you feel unsafe")
    await bot.send(bot.fake.tap_label, user, "No")
    await bot.send(bot.fake.text, user, "The underpass by the station")
    await bot.send(bot.fake.tap_label, user, "At night")
    await bot.send(bot.fake.tap_label, user, "Poor lighting")
    await bot.send(bot.fake.tap_label, user, "Skip")
    sent = await bot.send(bot.fake.tap_label, user, "Send anonymously")
    assert "S-1" in texts(sent)
    assert await count(bot.app, Signup, Signup.status == "confirmed") == 1
    async with bot.app.sessions() as session:
        report = (await session.execute(select(SafetyReport))).scalar_one()
    assert report.resident_id is None and report.place_text == "The underpass by the station"


async def test_old_buttons_cannot_be_tapped_again(telegram):
    bot, user = telegram, 5003
    await onboard(bot, user)
    menu_id, buttons = bot.fake.buttons(user)
    await bot.send(bot.fake.tap_label, user, "Share an idea")
    data = dict(buttons)["Join a dugnad"]
    sent = await bot.send(bot.fake.tap, user, data, menu_id)
    assert "earlier question" in texts(sent)


async def test_stickers_and_voice_where_no_words_are_taken_get_a_kind_answer(telegram):
    bot, user = telegram, 5004
    await onboard(bot, user)
    sent = await bot.send(bot.fake.voice, user)  # at the menu: a choice, not words
    assert "We cannot listen to voice messages here. Please choose one of the options." in texts(sent)
    await bot.send(bot.fake.tap_label, user, "Share an idea")
    sent = await bot.send(bot.fake.sticker, user)
    assert "Please write it" in texts(sent)


async def test_arabic_keeps_references_readable(telegram):
    bot, user = telegram, 5005
    sent = await bot.send(bot.fake.text, user, "/start", language_code="ar")
    await bot.send(bot.fake.tap, user, bot.fake.buttons(user)[1][0][1], bot.fake.buttons(user)[0])
    await bot.send(bot.fake.tap, user, bot.fake.buttons(user)[1][0][1], bot.fake.buttons(user)[0])
    await bot.send(bot.fake.tap, user, bot.fake.buttons(user)[1][0][1], bot.fake.buttons(user)[0])  # share an idea
    await bot.send(bot.fake.text, user, "مقاعد قرب المدرسة")
    await bot.send(bot.fake.tap, user, bot.fake.buttons(user)[1][0][1], bot.fake.buttons(user)[0])
    await bot.send(bot.fake.text, user, "تخطي")  # skip, in Arabic
    await bot.send(bot.fake.text, user, "تخطي")
    await bot.send(bot.fake.tap, user, bot.fake.buttons(user)[1][0][1], bot.fake.buttons(user)[0])
    sent = await bot.send(bot.fake.tap, user, bot.fake.buttons(user)[1][0][1], bot.fake.buttons(user)[0])
    assert f"{FSI}I-1{PDI}" in texts(sent)


async def test_blocked_bot_marks_the_resident_and_sends_nothing_more(telegram):
    bot, user = telegram, 5006
    await onboard(bot, user)
    bot.fake.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user", count=3)
    await bot.send(bot.fake.tap_label, user, "Help")
    async with bot.app.sessions() as session:
        resident = (await session.execute(select(Resident))).scalar_one()
        assert resident.opted_out is True
        session.add(OutboxMessage(resident_id=resident.id, channel="telegram", kind="test", text="Hei"))
        await session.commit()
    sends = len(bot.fake.sent(user))
    await sending.drain_once(bot.app, {"telegram": TelegramSender(bot.application.bot)}, now=daytime())
    assert len(bot.fake.sent(user)) == sends


async def test_429_and_5xx_are_retried(telegram):
    bot, user = telegram, 5007
    bot.fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    started = time.monotonic()
    sent = await bot.send(bot.fake.text, user, "/start")
    assert sent and time.monotonic() - started >= 1.0
    bot.fake.fail_next("sendMessage", 502, "Bad Gateway")
    sent = await bot.send(bot.fake.tap_label, user, "Continue")
    assert "Choose your area" in texts(sent)


async def test_duplicate_update_and_webhook_secret(telegram):
    bot, user = telegram, 5008
    web = create_web(bot.app, Metrics(), bot.application.bot_data["channel"])
    update = bot.fake.text(user, "/start", queue=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://internal") as client:
        refused = await client.post("/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
        assert refused.status_code == 403 and await count(bot.app, InboundMessage) == 0
        for _ in range(2):
            answer = await client.post("/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert answer.status_code == 200
    assert await count(bot.app, InboundMessage) == 1
    assert len(bot.fake.sent(user)) == 1  # one answer (greeting and menu merged) for two deliveries


async def test_a_reply_telegram_refuses_does_not_fail_the_webhook(telegram):
    """A BadRequest ("chat not found") while answering once came back as HTTP 500, and
    Telegram delivered the same update again and again, holding back those behind it."""
    bot, user = telegram, 5012
    metrics, channel = Metrics(), bot.application.bot_data["channel"]
    channel.metrics = metrics  # as open_runtime wires it: one Metrics for the channel and /metrics
    web = create_web(bot.app, metrics, channel)
    update = bot.fake.text(user, "/start", queue=False)
    bot.fake.fail_next("sendMessage", 400, "Bad Request: chat not found")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://internal") as client:
        answer = await client.post("/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert answer.status_code == 200
        again = await client.post("/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert again.status_code == 200
    assert await count(bot.app, InboundMessage) == 1 and bot.fake.sent(user) == []  # handled once, not re-answered
    assert 'benken_replies_failed_total{channel="telegram",error="BadRequest"} 1.0' in metrics.render().decode()


async def test_staff_answer_reaches_a_telegram_resident(telegram):
    bot, user = telegram, 5009
    await onboard(bot, user)
    await bot.send(bot.fake.tap_label, user, "Share an idea")
    await bot.send(bot.fake.text, user, "A table tennis table")
    sent = await bot.send(bot.fake.tap_label, user, "Children and youth")
    assert sent[-1]["reply_markup"]["keyboard"][1][0]["text"] == "Skip"  # a reply-keyboard button
    await bot.send(bot.fake.text, user, "Skip")
    await bot.send(bot.fake.tap_label, user, "Skip")
    await bot.send(bot.fake.tap_label, user, "No")
    await bot.send(bot.fake.tap_label, user, "Send it")
    async with bot.app.sessions() as session, session.begin():
        idea = (await session.execute(select(Idea))).scalar_one()
        await actions.answer_idea(session, idea, "planned", note="<i>Spring</i>", timezone="Europe/Oslo", now=daytime())
    assert await sending.drain_once(bot.app, {"telegram": TelegramSender(bot.application.bot)}, now=daytime()) == 1
    last = bot.fake.sent(user)[-1]
    assert "News about your idea I-1: Planned." in html.unescape(last["text"]) and "&lt;i&gt;Spring" in last["text"]


def test_notes_join_the_next_prompt():
    merged = merge([Outbound("Saved as I-1."), Outbound("What now?", (Choice("a", "A"),), prompt=3)])
    assert len(merged) == 1 and merged[0].text == "Saved as I-1.\n\nWhat now?" and merged[0].prompt == 3


async def test_rate_limits_hold_when_the_fake_enforces_them(settings):
    async with FakeTelegram(TOKEN, enforce_limits=True) as fake:
        configured = dataclasses.replace(
            settings, telegram_bot_token=TOKEN, telegram_api_base_url=fake.base_url,
            telegram_api_base_file_url=fake.base_file_url,
        )
        async with open_app(configured, migrate=False) as app:
            application = build_application(app)  # Telegram's real limit: 1 a second a chat
            async with application:
                bot = TelegramBot(fake, app, application)
                stop = asyncio.Event()
                polling = asyncio.create_task(poll(application, stop))
                try:
                    await onboard(bot, 5010)
                    await bot.send(fake.tap_label, 5010, "Help")
                finally:
                    stop.set()
                    await polling
    times = [c["time"] for c in fake.calls if c["method"] in ("sendMessage", "editMessageText") and c["status"] == 200]
    assert len(times) >= 6 and fake.limit_violations == 0
    assert all(b - a >= 0.95 for a, b in zip(times, times[1:]))


async def test_kill_and_restart_mid_conversation(database_url):
    async with FakeTelegram(TOKEN) as fake:
        env = {**os.environ, "DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": TOKEN,
               "TELEGRAM_API_BASE_URL": fake.base_url, "PTB_TIMEDELTA": "true"}

        def start():
            return subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

        async def turn(push, *args) -> str:
            before = len(fake.sent(6001))
            push(*args)
            await until(lambda: len(fake.sent(6001)) > before, timeout=30)
            return html.unescape(fake.sent(6001)[-1]["text"])

        bot = start()
        try:
            await turn(fake.text, 6001, "/start")
            await turn(fake.tap_label, 6001, "Continue")
            await turn(fake.tap_label, 6001, "Furuset (Alna)")
            await turn(fake.tap_label, 6001, "Share an idea")
            await turn(fake.text, 6001, "A barbecue place by the lake")
            bot.send_signal(signal.SIGKILL)
            bot.wait(timeout=10)
            update = fake.tap_label(6001, "Parks and outdoor areas")  # arrives while we are down
            bot = start()
            await until(lambda: len(fake.sent(6001)) >= 6, timeout=30)
            assert "Where should it be?" in html.unescape(fake.sent(6001)[-1]["text"])
            replies = len(fake.sent(6001))
            fake._updates.append(update)  # Telegram delivers the same update_id again
            fake._wake()
            await until(lambda: fake.pending == 0, timeout=30)
            await asyncio.sleep(0.3)
            assert len(fake.sent(6001)) == replies  # dropped by the inbound log, not answered twice
            assert "Do you have a photo" in await turn(fake.text, 6001, "By the lake")  # the flow goes on
        finally:
            bot.send_signal(signal.SIGTERM)
            stderr = bot.communicate(timeout=20)[1]
        assert "Traceback" not in stderr
