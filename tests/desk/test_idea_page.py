"""One idea over HTTP: what the resident gave and its history; the answer's preview is
exactly what each follower is sent; only the moves the rules allow; "you said, we did",
inviting helpers, and the photo through the bot."""

from __future__ import annotations

import html
import re

import httpx
from sqlalchemy import func, select
from telegram import Bot

from bot.channels.sms import gsm_safe
from bot.channels.telegram import TelegramChannel
from bot.domain import ideas
from bot.metrics import Metrics
from bot.models import AuditEntry, IdeaStatusChange, OutboxMessage
from bot.web import create_web

from tests.doubles.fake_telegram import JPEG_BYTES, FakeTelegram
from tests.factories import make_event, make_idea, make_resident
from tests.support import TOKEN, count, csrf, make_staff, sign_in

PREVIEW = re.compile(r'<p class="sent-text" lang="([a-z]+)" dir="(ltr|rtl)">(.*?)</p>', re.S)


async def seed(app, session):
    author = await make_resident(session, channel="telegram", locale="ar")
    supporter = await make_resident(session, channel="sms", locale="so")
    quiet = await make_resident(session, channel="sms", locale="pl", opted_out=True)
    idea = await make_idea(session, author, app, text="Benker ved <lekeplassen>", wants_to_help=True)
    idea.place_text, idea.latitude, idea.longitude = "Trosterud", 59.94, 10.88
    for resident in (supporter, quiet):
        await ideas.support_idea(session, resident, idea.id)
    await session.commit()
    return idea


async def test_the_page_shows_what_the_resident_gave_and_who_answered(app, client, session):
    idea = await seed(app, session)
    staff = await make_staff(app, "Kari Nordmann")
    async with app.sessions() as s, s.begin():
        await ideas.answer_idea(s, await s.get(type(idea), idea.id), "reviewing", note="Vi ser på det", staff_id=staff.id,
                                template="meeting")
    await sign_in(client, app, staff)
    page = (await client.get(f"/desk/ideas/{idea.id}")).text
    for shown in ("Benker ved &lt;lekeplassen&gt;", "Møteplasser", "Trosterud", "Arabisk", "Støttere",
                  "Kari Nordmann", "Vi tar ideen din med til neste planleggingsmøte.", "Vi ser på det", "beboeren",
                  "data-map", "59.94"):
        assert shown in page, shown
    assert "Maskinoversatt" not in page  # no translator configured: nothing to say beside the words
    # Only the moves the rules allow from "reviewing": never back to "received".
    offered = re.findall(r'name="status" value="([a-z_]+)"', page)
    assert offered == [s for s in ("reviewing", "planned", "in_progress", "done", "declined")]


async def test_the_preview_is_exactly_what_each_resident_is_sent(app, client, session):
    idea = await seed(app, session)
    await sign_in(client, app, await make_staff(app))
    token = csrf(await client.get(f"/desk/ideas/{idea.id}"))
    answer = {"csrf_token": token, "status": "planned", "template": "passed_on", "agency": "Bymiljøetaten",
              "note": "Vi sier fra “snart”.\r\nHilsen bydelen"}
    preview = await client.post(f"/desk/ideas/{idea.id}/preview", data=answer)
    assert preview.status_code == 200
    shown = [(lang, direction, html.unescape(text)) for lang, direction, text in PREVIEW.findall(preview.text)]
    assert [(lang, direction) for lang, direction, _ in shown] == [("ar", "rtl"), ("so", "ltr")]
    assert "Har meldt seg av: får ingenting." in preview.text  # the Polish supporter opted out
    assert await count(app, OutboxMessage) == 0 and await count(app, IdeaStatusChange) == 1  # nothing sent yet

    sent = await client.post(f"/desk/ideas/{idea.id}/answer", data=answer)
    assert sent.status_code == 303 and sent.headers["location"] == f"/desk/ideas/{idea.id}?sent=2"
    async with app.sessions() as s:
        queued = list((await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())
    assert [m.channel for m in queued] == ["telegram", "sms"]
    assert shown[0][2] == queued[0].text  # Telegram: as queued
    assert shown[1][2] == gsm_safe(queued[1].text) and "Bymiljøetaten" in shown[1][2]  # SMS: as the phone shows it
    assert "Hilsen bydelen" in queued[0].text and "\r" not in queued[0].text
    after = await client.get(sent.headers["location"])
    assert "Sendt. I-" in after.text and "planlagt" in after.text


async def test_htmx_gets_the_preview_alone_and_mistakes_are_said(app, client, session):
    idea = await seed(app, session)
    await sign_in(client, app, await make_staff(app))
    token = csrf(await client.get(f"/desk/ideas/{idea.id}"))
    htmx = {"HX-Request": "true", "HX-Target": "answer-preview"}
    fragment = await client.post(f"/desk/ideas/{idea.id}/preview", headers=htmx,
                                 data={"csrf_token": token, "status": "reviewing", "template": "meeting"})
    assert "<html" not in fragment.text and len(PREVIEW.findall(fragment.text)) == 2
    for data, said in (({"template": "none"}, "Velg en status."),
                       ({"status": "planned", "template": "season"}, "Velg årstiden."),
                       ({"status": "planned", "template": "passed_on"}, "Skriv navnet på etaten.")):
        refused = await client.post(f"/desk/ideas/{idea.id}/preview", headers=htmx, data={"csrf_token": token, **data})
        assert refused.status_code == 400 and said in refused.text


async def test_a_move_the_rules_refuse_changes_nothing(app, client, session):
    idea = await seed(app, session)
    await ideas.answer_idea(session, idea, "done", note=None)
    await session.commit()
    await sign_in(client, app, await make_staff(app))
    token = csrf(await client.get(f"/desk/ideas/{idea.id}"))
    refused = await client.post(f"/desk/ideas/{idea.id}/answer", data={"csrf_token": token, "status": "reviewing"})
    assert refused.status_code == 400 and "kan ikke få den statusen" in refused.text
    assert await count(app, OutboxMessage) == 0
    assert await count(app, AuditEntry, AuditEntry.action == "idea_answer") == 0


async def test_you_said_we_did_and_inviting_helpers_are_told_and_audited(app, client, session):
    idea = await seed(app, session)
    event = await make_event(session, area="furuset")
    await make_resident(session, area="furuset")  # one more resident of the area
    await session.commit()
    await sign_in(client, app, await make_staff(app))
    page = await client.get(f"/desk/ideas/{idea.id}")
    assert "Dere sa det, vi gjorde det" not in page.text  # not done yet
    token = csrf(page)
    assert (await client.post(f"/desk/ideas/{idea.id}/you-said-we-did", data={"csrf_token": token})).status_code == 400
    assert (await client.post(f"/desk/ideas/{idea.id}/you-said-we-did/preview",
                              data={"csrf_token": token})).status_code == 400

    invited = await client.post(f"/desk/ideas/{idea.id}/invite", data={"csrf_token": token, "event": str(event.id)})
    assert invited.status_code == 303 and invited.headers["location"].endswith("?invited=1")  # the author wants to help
    bad = await client.post(f"/desk/ideas/{idea.id}/invite", data={"csrf_token": token, "event": "99999"})
    assert bad.status_code == 400

    await client.post(f"/desk/ideas/{idea.id}/answer", data={"csrf_token": token, "status": "done", "template": "done_thanks"})
    assert "Dere sa det, vi gjorde det" in (await client.get(f"/desk/ideas/{idea.id}")).text
    # First what each language of the area will read; nothing goes yet.
    previewed = await client.post(f"/desk/ideas/{idea.id}/you-said-we-did/preview", data={"csrf_token": token},
                                  headers={"HX-Request": "true", "HX-Target": "area-preview"})
    assert previewed.status_code == 200 and "<html" not in previewed.text
    assert "Send «Dere sa det, vi gjorde det» til Furuset" in previewed.text
    assert await count(app, OutboxMessage, OutboxMessage.kind == "you_said_we_did") == 0
    told = await client.post(f"/desk/ideas/{idea.id}/you-said-we-did", data={"csrf_token": token})
    assert told.status_code == 303
    async with app.sessions() as s:
        kinds = dict((await s.execute(select(OutboxMessage.kind, func.count()).group_by(OutboxMessage.kind))).all())
        actions = list((await s.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars())
    assert kinds == {"invitation": 1, "idea_status": 2, "you_said_we_did": 3}  # 4 of the area, one opted out
    assert actions == ["sign_in", "invite_helpers", "idea_answer", "you_said_we_did"]


async def test_the_photo_comes_through_the_bot_and_the_token_stays_on_the_server(app, session):
    idea = await seed(app, session)
    idea.photo_ref = "photo-file-id-1"
    await session.commit()
    staff = await make_staff(app)
    async with FakeTelegram(TOKEN) as fake:
        bot = Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url)
        async with bot:
            web = create_web(app, Metrics(), TelegramChannel(app, bot))
            transport = httpx.ASGITransport(app=web, client=("127.0.0.1", 1))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                await sign_in(client, app, staff)
                page = await client.get(f"/desk/ideas/{idea.id}")
                assert f'src="/desk/ideas/{idea.id}/photo"' in page.text and TOKEN not in page.text
                photo = await client.get(f"/desk/ideas/{idea.id}/photo")
                assert photo.status_code == 200 and photo.content == JPEG_BYTES
                assert photo.headers["content-type"] == "image/jpeg" and TOKEN not in str(photo.headers)
        assert [c["params"]["file_id"] for c in fake.calls if c["method"] == "getFile"] == ["photo-file-id-1"]


async def test_without_a_bot_the_page_says_where_the_photo_is(app, client, session):
    idea = await seed(app, session)
    idea.photo_ref = "photo-file-id-1"
    other = await make_idea(session, await make_resident(session), app, text="MMS")
    other.photo_ref = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
    await session.commit()
    await sign_in(client, app, await make_staff(app))
    assert "Åpne det i boten med /idea" in (await client.get(f"/desk/ideas/{idea.id}")).text
    assert (await client.get(f"/desk/ideas/{idea.id}/photo")).status_code == 404
    mms = (await client.get(f"/desk/ideas/{other.id}")).text
    assert "ligger hos Twilio" in mms and "api.twilio.com" not in mms
