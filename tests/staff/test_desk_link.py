"""/desk on the Telegram desk: a registered staff member gets a one-time sign-in link to
the web desk, sent without a link preview (Telegram's preview would use the link up)."""

from __future__ import annotations

import dataclasses
import html
import re

from sqlalchemy import select

from bot.models import AuditEntry

from tests.support import desk_client, make_staff, running_telegram, texts

LINK = re.compile(r'href="(https://desk\.example\.org/desk/login\?token=[A-Za-z0-9_-]+)"')


async def test_desk_sends_a_one_time_link_without_a_preview(settings):
    configured = dataclasses.replace(settings, public_base_url="https://desk.example.org/")
    async with running_telegram(configured) as bot:
        staff = await make_staff(bot.app, "Kari", areas=("furuset",))
        sent = await bot.send(bot.fake.text, staff.telegram_id, "/desk")
        assert len(sent) == 1 and sent[0]["link_preview_options"] == {"is_disabled": True}
        link = html.unescape(LINK.search(sent[0]["text"]).group(1))
        assert "Den virker én gang, innen 10 minutter" in texts(sent)

        async with desk_client(bot.app, "https://desk.example.org") as client:
            path = link.removeprefix("https://desk.example.org")
            first = await client.get(path)
            assert first.status_code == 303 and first.headers["location"] == "/desk/"
            client.cookies.clear()
            assert (await client.get(path)).status_code == 400  # single use
        async with bot.app.sessions() as session:
            actions = list((await session.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars())
        assert actions == ["sign_in_link_sent", "sign_in", "sign_in_refused"]
        # Other replies keep Telegram's previews.
        help_sent = await bot.send(bot.fake.text, staff.telegram_id, "/staff")
        assert "link_preview_options" not in help_sent[0] and "/desk" in texts(help_sent)


async def test_without_a_public_address_the_bot_says_so(telegram):
    staff = await make_staff(telegram.app, "Kari", areas=(), locale="en")
    sent = await telegram.send(telegram.fake.text, staff.telegram_id, "/desk")
    assert "PUBLIC_BASE_URL is not set" in texts(sent) and "token=" not in texts(sent)


async def test_residents_get_no_link(telegram):
    sent = await telegram.send(telegram.fake.text, 4242, "/desk")
    assert "token=" not in texts(sent)
