"""Digests as staff get them: printed by the CLI, sent by `benken digest --send` to a fake
Telegram Bot API and a local SMTP server, and the Monday-morning rule."""

from __future__ import annotations

import email
import html
import os
import subprocess
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from bot import services
from bot.digest import morning_digests
from bot.models import Staff, StaffArea

from .factories import make_resident
from .fake_telegram import FakeTelegram
from .test_digest import smtp_server  # noqa: F401  (the fixture)

TOKEN = "123456:TEST-TOKEN"


def benken(database_url: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATABASE_URL": database_url, **(env or {})}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=environment, timeout=120)


async def seed(app) -> None:
    async with app.sessions() as session, session.begin():
        resident = await make_resident(session, channel="sms", locale="so")
        draft = services.IdeaDraft(text="<b>Lys</b> på stien & benker", category="lighting_paths")
        await services.submit_idea(session, resident, app.areas.require("furuset"), draft, timezone="Europe/Oslo")
        weekly = Staff(telegram_id=777001, name="Kari", locale="nb", digest_frequency="weekly", email="kari@bydel.example")
        daily = Staff(telegram_id=777002, name="Sam", locale="en", digest_frequency="daily", is_admin=True)
        session.add_all([weekly, daily])
        await session.flush()
        session.add(StaffArea(staff_id=weekly.id, area_slug="furuset"))


async def test_cli_prints_the_digest_of_an_area(app, database_url):
    await seed(app)
    printed = benken(database_url, "digest", "--area", "furuset", "--days", "7", "--lang", "en")
    assert printed.returncode == 0, printed.stderr
    assert "I-1" in printed.stdout and "<b>Lys</b> på stien & benker" in printed.stdout
    assert "+479" not in printed.stdout
    unknown = benken(database_url, "digest", "--area", "nowhere")
    assert unknown.returncode == 1 and "unknown area" in unknown.stderr and "Traceback" not in unknown.stderr


async def test_send_reaches_staff_on_telegram_and_by_email(app, database_url, smtp_server):  # noqa: F811
    inbox, port = smtp_server
    await seed(app)
    async with FakeTelegram(TOKEN) as fake:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url, "SMTP_URL": f"smtp://127.0.0.1:{port}"}
        sent = await _run(database_url, env)
        assert sent.returncode == 0, sent.stderr
        assert "sent to 2 staff member(s)" in sent.stdout
        to_kari = [m for m in fake.sent(777001)]
        assert to_kari and all(m["parse_mode"] == "HTML" for m in to_kari)
        assert "&lt;b&gt;Lys&lt;/b&gt;" in "".join(m["text"] for m in to_kari)  # resident text shown as text
        assert "<b>Lys</b>" in html.unescape("".join(m["text"] for m in to_kari))
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["kari@bydel.example"]
    message = email.message_from_bytes(envelope.content)
    attachments = [part for part in message.walk() if part.get_filename()]
    assert attachments and attachments[0].get_filename().endswith(".csv")


async def _run(database_url: str, env: dict) -> subprocess.CompletedProcess:
    import asyncio

    # The fake Telegram server lives in this event loop: run the CLI without blocking it.
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "digest", "--send",
        env={**os.environ, "DATABASE_URL": database_url, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return subprocess.CompletedProcess([], process.returncode, out.decode(), err.decode())


async def test_weekly_digests_go_on_monday_mornings_and_daily_ones_every_day(app):
    await seed(app)
    oslo = ZoneInfo("Europe/Oslo")
    got: list[int] = []

    async def send(chat_id: int, _html: str) -> None:
        got.append(chat_id)

    monday = datetime(2030, 6, 3, 8, 0, tzinfo=oslo).astimezone(timezone.utc)
    tuesday = datetime(2030, 6, 4, 8, 0, tzinfo=oslo).astimezone(timezone.utc)
    assert await morning_digests(app, send, now=monday) == 2
    assert sorted(set(got)) == [777001, 777002]
    got.clear()
    assert await morning_digests(app, send, now=tuesday) == 1
    assert set(got) == {777002}
