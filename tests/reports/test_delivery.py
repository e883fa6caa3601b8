"""Digests as staff get them: queued in the durable outbox (once a day, whatever runs the
job twice), delivered by Telegram in pieces and by e-mail with the spreadsheet, printed and
sent by the CLI, and the Monday-morning rule."""

from __future__ import annotations

import dataclasses
import email
import html
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.channels.telegram import TelegramSender
from bot.channels.telegram_api import units
from bot.domain import ideas
from bot.messaging import sending
from bot.models import OUTBOX_FAILED, OUTBOX_SENT, OutboxMessage, Staff, StaffArea, utcnow
from bot.reports.delivery import DIGEST, morning_digests, queue_digests
from tests.conftest import daytime
from tests.doubles.fake_telegram import FakeTelegram
from tests.factories import make_resident
from tests.support import TOKEN, benken, benken_async

OSLO = ZoneInfo("Europe/Oslo")


# In the week before both "now" (the CLI's digest) and daytime() (tomorrow noon, the queued
# ones), outside the day before either: daytime() less 30 hours is still ahead of the
# clock between midnight and six in Oslo.
SUBMITTED = utcnow() - timedelta(hours=30)


async def seed(app, *, ideas_in_furuset: int = 1) -> None:
    async with app.sessions() as session, session.begin():
        resident = await make_resident(session, channel="sms", locale="so")
        furuset = app.areas.require("furuset")
        for n in range(ideas_in_furuset):
            text = "<b>Lys</b> på stien & benker" if n == 0 else f"Idé {n}: " + "en lengre tekst " * 12
            await ideas.submit_idea(session, resident, furuset, ideas.IdeaDraft(text, "lighting_paths"),
                                    timezone="Europe/Oslo", now=SUBMITTED)
        weekly = Staff(telegram_id=777001, name="Kari", locale="nb", digest_frequency="weekly", email="kari@bydel.example")
        daily = Staff(telegram_id=777002, name="Sam", locale="en", digest_frequency="daily", is_admin=True)
        idle = Staff(telegram_id=777003, name="Per", locale="nb", digest_frequency="weekly")  # no areas
        never = Staff(telegram_id=777004, name="Ola", locale="nb", digest_frequency="never")
        session.add_all([weekly, daily, idle, never])
        await session.flush()
        session.add_all([StaffArea(staff_id=weekly.id, area_slug="furuset"), StaffArea(staff_id=never.id, area_slug="furuset")])


def with_telegram(app, **more):
    """The app as a deployment with a Telegram bot (and whatever else) configured."""
    return dataclasses.replace(app, settings=dataclasses.replace(app.settings, telegram_bot_token=TOKEN, **more))


async def queued(app) -> list[OutboxMessage]:
    async with app.sessions() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def test_each_staff_member_gets_one_digest_of_their_areas_queued_once(app):
    await seed(app)
    configured = with_telegram(app)
    assert await queue_digests(configured, now=daytime()) == 2
    assert await queue_digests(configured, now=daytime() + timedelta(hours=1)) == 0  # the job ran twice
    rows = await queued(app)
    assert [(r.staff_id is not None, r.resident_id, r.channel, r.kind, r.format) for r in rows] == [
        (True, None, "telegram", DIGEST, "html")
    ] * 2
    async with app.sessions() as session:
        names = {s.id: s.name for s in (await session.execute(select(Staff))).scalars()}
    by_name = {names[r.staff_id]: r.text for r in rows}
    assert set(by_name) == {"Kari", "Sam"}
    assert by_name["Kari"].startswith("<b>Benken-oppsummering for Furuset</b>") and "Romsås" not in by_name["Kari"]
    assert by_name["Sam"].startswith("<b>Benken digest for Furuset, Veitvet/Sletteløkka, Romsås")
    assert "&lt;b&gt;Lys&lt;/b&gt;" in by_name["Kari"]  # resident text shown as text


async def test_a_digest_reaches_telegram_in_pieces_that_fit(app):
    await seed(app, ideas_in_furuset=31)
    configured = with_telegram(app)
    await queue_digests(configured, now=daytime(), frequency="weekly")
    async with FakeTelegram(TOKEN) as fake:
        from telegram import Bot

        async with Bot(TOKEN, base_url=fake.base_url) as bot:
            while await sending.drain_once(configured, {"telegram": TelegramSender(bot)}, now=daytime()):
                pass
        pieces = [m["text"] for m in fake.sent(777001)]
    assert len(pieces) > 1 and all(m["parse_mode"] == "HTML" for m in fake.sent(777001))
    for piece in pieces:
        assert 0 < units(piece) <= 4096
        assert piece.count("<b>") == piece.count("</b>") and piece.count("<i>") == piece.count("</i>")
        assert not re.search(r"&(?!(amp|lt|gt|quot|#x27);)", piece), "an entity was cut"
    joined = html.unescape("\n".join(pieces))
    assert "…og 1 til." in joined  # 31 new ideas: 30 shown, one counted
    assert [r.status for r in await queued(app)] == [OUTBOX_SENT]


async def test_a_staff_member_telegram_refuses_does_not_stop_the_others(app):
    await seed(app)
    configured = with_telegram(app)
    await queue_digests(configured, now=daytime())
    async with FakeTelegram(TOKEN) as fake:
        from telegram import Bot

        fake.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
        async with Bot(TOKEN, base_url=fake.base_url) as bot:
            await sending.drain_once(configured, {"telegram": TelegramSender(bot)}, now=daytime())
        assert len({m["chat_id"] for m in fake.sent()}) == 1
    statuses = sorted(r.status for r in await queued(app))
    assert statuses == [OUTBOX_FAILED, OUTBOX_SENT]  # a staff member is never "opted out"


async def test_the_email_digest_carries_the_whole_waiting_list(app, smtp_server):
    inbox, port = smtp_server
    await seed(app, ideas_in_furuset=35)
    configured = with_telegram(app, smtp_url=f"smtp://127.0.0.1:{port}")
    assert await queue_digests(configured, now=daytime(), frequency="weekly") == 1
    from bot.channels.email import EmailSender

    await sending.drain_once(configured, {"email": EmailSender(configured.settings.smtp_url)}, now=daytime())
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["kari@bydel.example"]
    message = email.message_from_bytes(envelope.content)
    [attachment] = [part for part in message.walk() if part.get_filename()]
    rows = attachment.get_payload(decode=True).decode("utf-8-sig").splitlines()
    assert sum(row.startswith("waiting,") for row in rows) == 35


async def test_cli_prints_the_digest_of_an_area(app, database_url):
    await seed(app)
    printed = benken(database_url, "digest", "--area", "furuset", "--days", "7", "--lang", "en")
    assert printed.returncode == 0, printed.stderr
    assert "I-1" in printed.stdout and "<b>Lys</b> på stien & benker" in printed.stdout
    assert "+479" not in printed.stdout
    unknown = benken(database_url, "digest", "--area", "nowhere")
    assert unknown.returncode == 1 and "unknown area" in unknown.stderr and "Traceback" not in unknown.stderr


async def test_send_reaches_staff_on_telegram_and_by_email(app, database_url, smtp_server):
    inbox, port = smtp_server
    await seed(app)
    async with FakeTelegram(TOKEN) as fake:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url, "SMTP_URL": f"smtp://127.0.0.1:{port}"}
        sent = await benken_async(database_url, "digest", "--send", env=env)
        assert sent.returncode == 0, sent.stderr
        assert "sent to 2 staff member(s)" in sent.stdout
        to_kari = fake.sent(777001)
        assert to_kari and all(m["parse_mode"] == "HTML" for m in to_kari)
        assert "&lt;b&gt;Lys&lt;/b&gt;" in "".join(m["text"] for m in to_kari)  # resident text shown as text
        again = await benken_async(database_url, "digest", "--send", env=env)
        assert "sent to 0 staff member(s)" in again.stdout and len(fake.sent(777001)) == len(to_kari)
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["kari@bydel.example"]
    message = email.message_from_bytes(envelope.content)
    attachments = [part for part in message.walk() if part.get_filename()]
    assert attachments and attachments[0].get_filename().endswith(".csv")


async def test_weekly_digests_go_on_monday_mornings_and_daily_ones_every_day(app):
    await seed(app)
    configured = with_telegram(app)
    monday = datetime(2030, 6, 3, 8, 0, tzinfo=OSLO).astimezone(timezone.utc)
    tuesday = datetime(2030, 6, 4, 8, 0, tzinfo=OSLO).astimezone(timezone.utc)
    assert await morning_digests(configured, now=monday) == 2
    assert await morning_digests(configured, now=tuesday) == 1
    async with app.sessions() as session:
        telegram_ids = dict((await session.execute(select(Staff.id, Staff.telegram_id))).all())
    assert [telegram_ids[r.staff_id] for r in await queued(app)] == [777002, 777001, 777002]
