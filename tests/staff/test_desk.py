"""Staff on Telegram, through a real PTB Application and the fake Bot API: only staff
are answered, only for their areas, and every answer reaches residents in their language."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from sqlalchemy import select

from bot.domain import dugnad, ideas
from bot.text.resident import Text
from bot.models import DugnadEvent, Idea, IdeaStatusChange, OutboxMessage, Resident, Signup, Staff, StaffArea

from tests.conftest import BACKEND, in_days
from tests.factories import make_resident
from tests.support import benken, texts, until

STAFF_ID = 9001


async def seed(app) -> dict:
    """Staff for Furuset, an Arabic Telegram author and a Somali SMS supporter, an idea in
    Furuset and one in Romsås."""
    async with app.sessions() as session, session.begin():
        staff = Staff(telegram_id=STAFF_ID, name="Kari", locale="en")
        session.add(staff)
        await session.flush()
        session.add(StaffArea(staff_id=staff.id, area_slug="furuset"))
        author = await make_resident(session, channel="telegram", locale="ar")
        supporter = await make_resident(session, channel="sms", locale="so")
        other = await make_resident(session, channel="sms", locale="nb", area="romsas")
        furuset, romsas = app.areas.require("furuset"), app.areas.require("romsas")
        draft = ideas.IdeaDraft(text="Benker ved <lekeplassen>", category="meeting_places", wants_to_help=True)
        idea = await ideas.submit_idea(session, author, furuset, draft, timezone="Europe/Oslo")
        elsewhere = await ideas.submit_idea(session, other, romsas, draft, timezone="Europe/Oslo")
        await ideas.support_idea(session, supporter, idea.id)
    return {"idea": idea.id, "elsewhere": elsewhere.id, "author": author.id, "supporter": supporter.id}


async def outbox(app, kind=None) -> list[OutboxMessage]:
    async with app.sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        return list((await session.execute(query.where(OutboxMessage.kind == kind) if kind else query)).scalars())


async def test_residents_cannot_use_staff_commands(telegram):
    await seed(telegram.app)
    sent = await telegram.send(telegram.fake.text, 4242, "/ideas")
    assert "Benker" not in texts(sent) and "This is Benken" in texts(sent)  # the resident greeting


async def test_staff_see_only_their_areas(telegram):
    ids = await seed(telegram.app)
    sent = await telegram.send(telegram.fake.text, STAFF_ID, "/ideas")
    listed = texts(sent)
    assert f"I-{ids['idea']}" in listed and f"I-{ids['elsewhere']}" not in listed
    assert "<lekeplassen>" in listed and "&lt;lekeplassen&gt;" in sent[-1]["text"]  # escaped HTML
    sent = await telegram.send(telegram.fake.text, STAFF_ID, f"/idea {ids['elsewhere']}")
    assert "not one of your areas" in texts(sent)
    sent = await telegram.send(telegram.fake.text, STAFF_ID, "/ideas romsas")
    assert "not one of your areas" in texts(sent)


async def test_answer_with_a_template_reaches_each_resident_in_their_language(telegram):
    app, fake = telegram.app, telegram.fake
    ids = await seed(app)
    sent = await telegram.send(fake.text, STAFF_ID, f"/idea {ids['idea']}")
    assert "Wants to help: yes" in texts(sent)
    await telegram.send(fake.tap_label, STAFF_ID, "planned")
    await telegram.send(fake.tap_label, STAFF_ID, "It is planned for a season")
    await telegram.send(fake.tap_label, STAFF_ID, "spring")
    sent = await telegram.send(fake.text, STAFF_ID, "Vi bygger i april.")
    assert "2 residents will be told" in texts(sent)
    messages = {m.resident_id: m.text for m in await outbox(app, "idea_status")}
    arabic, somali = Text("ar"), Text("so")
    assert arabic._("It is planned for {season}.", season=arabic.pgettext("season", "the spring (March to May)")) in messages[ids["author"]]
    assert somali._("It is planned for {season}.", season=somali.pgettext("season", "the spring (March to May)")) in messages[ids["supporter"]]
    assert all("Vi bygger i april." in text for text in messages.values())  # the staff's own words, as written
    async with app.sessions() as session:
        change = (await session.execute(select(IdeaStatusChange).where(IdeaStatusChange.status == "planned"))).scalar_one()
    assert (change.template, change.template_param, change.note) == ("season", "spring", "Vi bygger i april.")


async def test_passed_on_to_an_agency_and_you_said_we_did(telegram):
    app, fake = telegram.app, telegram.fake
    ids = await seed(app)
    await telegram.send(fake.text, STAFF_ID, f"/idea {ids['idea']}")
    await telegram.send(fake.tap_label, STAFF_ID, "declined")
    await telegram.send(fake.tap_label, STAFF_ID, "Not ours: passed to an agency")
    await telegram.send(fake.text, STAFF_ID, "Bymiljøetaten")
    sent = await telegram.send(fake.tap_label, STAFF_ID, "Send")
    assert "Sent." in texts(sent)
    [first, *_] = await outbox(app, "idea_status")
    assert "Bymiljøetaten" in first.text

    async with app.sessions() as session, session.begin():
        idea = await session.get(Idea, ids["idea"])
        idea.status = "in_progress"
    await telegram.send(fake.text, STAFF_ID, f"/idea {ids['idea']}")
    await telegram.send(fake.tap_label, STAFF_ID, "done")
    await telegram.send(fake.tap_label, STAFF_ID, "Done, thank you!")
    await telegram.send(fake.tap_label, STAFF_ID, "Send")
    sent = await telegram.send(fake.tap_label, STAFF_ID, "Tell the whole area")
    assert "goes to 2 residents" in texts(sent)  # Furuset's opted-in residents
    told = await outbox(app, "you_said_we_did")
    assert {m.resident_id for m in told} == {ids["author"], ids["supporter"]}


async def test_new_event_sign_ups_attendance_and_invitations(telegram):
    app, fake = telegram.app, telegram.fake
    ids = await seed(app)
    day = (in_days(10)).date().isoformat()
    await telegram.send(fake.text, STAFF_ID, "/newevent")
    for answer in ("Vårrydding", day, "10:00", "9:00"):
        sent = await telegram.send(fake.text, STAFF_ID, answer)
    assert "The end must be after the start" in texts(sent)
    for answer in ("14:00", "Ved biblioteket", "many"):
        sent = await telegram.send(fake.text, STAFF_ID, answer)
    assert "Write a number" in texts(sent)
    await telegram.send(fake.text, STAFF_ID, "2")
    sent = await telegram.send(fake.tap_label, STAFF_ID, "Create")
    assert "Dugnad #1 is made" in texts(sent)
    async with app.sessions() as session:
        event = (await session.execute(select(DugnadEvent))).scalar_one()
    assert (event.area_slug, event.capacity, event.end_at - event.start_at) == ("furuset", 2, timedelta(hours=4))

    sent = await telegram.send(fake.text, STAFF_ID, "/invite 1")
    assert "1 resident who wants to help is invited" in texts(sent)  # the author; no sign-up yet
    [invitation] = await outbox(app, "invitation")
    assert invitation.resident_id == ids["author"] and "Vårrydding" in invitation.text

    async with app.sessions() as session, session.begin():
        author = await session.get(Resident, ids["author"])
        await dugnad.sign_up(session, author, event.id)
    sent = await telegram.send(fake.text, STAFF_ID, "/events")
    assert "1 of 2 places" in texts(sent)
    sent = await telegram.send(fake.text, STAFF_ID, "/signups 1")
    assert "D-1 · confirmed · العربية · telegram" in texts(sent)
    assert "+47" not in texts(sent)
    sent = await telegram.send(fake.tap_label, STAFF_ID, "D-1 came")
    assert "Marked as came: D-1" in texts(sent)
    async with app.sessions() as session:
        signup = await session.get(Signup, 1)
    assert signup.status == "attended" and signup.hours == 4

    await telegram.send(fake.text, STAFF_ID, "/cancelevent 1")
    sent = await telegram.send(fake.tap_label, STAFF_ID, "Yes, cancel it")
    assert "Cancelled." in texts(sent)


async def test_broadcast_shows_its_reach_before_sending(telegram):
    app, fake = telegram.app, telegram.fake
    ids = await seed(app)
    await telegram.send(fake.text, STAFF_ID, "/broadcast")
    sent = await telegram.send(fake.text, STAFF_ID, "Kafé i kveld kl 18 på biblioteket!")
    assert "It will reach 2 residents in Furuset: 1 on Telegram, 1 by SMS" in texts(sent)
    assert await outbox(app, "broadcast") == []
    await telegram.send(fake.tap_label, STAFF_ID, "Send to all")
    assert {m.resident_id for m in await outbox(app, "broadcast")} == {ids["author"], ids["supporter"]}


async def test_a_staff_member_is_a_resident_outside_staff_work(telegram):
    await seed(telegram.app)
    sent = await telegram.send(telegram.fake.text, STAFF_ID, "hello")
    assert "This is Benken" in texts(sent)  # plain text with nothing pending: the resident flow
    sent = await telegram.send(telegram.fake.text, STAFF_ID, "/broadcast")
    sent = await telegram.send(telegram.fake.text, STAFF_ID, "/cancel")
    assert "stopped" in texts(sent).lower()


async def test_impact_for_staff_on_telegram_and_the_cli(telegram, database_url):
    await seed(telegram.app)
    sent = await telegram.send(telegram.fake.text, STAFF_ID, "/impact")
    assert "residents" in texts(sent) and "hours of dugnad" in texts(sent)
    sent = await telegram.send(telegram.fake.text, STAFF_ID, "/impact romsas")
    assert "not one of your areas" in texts(sent)
    printed = benken(database_url, "impact", "--area", "furuset", "--lang", "en")
    assert printed.returncode == 0 and "hours of dugnad" in printed.stdout


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's single writer is what a long transaction would block")
async def test_an_ideas_photo_is_sent_after_the_transaction_ends(telegram):
    """A photo sent inside the open transaction held SQLite's write lock over a network
    call: every resident's message waited for Telegram to answer."""
    app, fake = telegram.app, telegram.fake
    ids = await seed(app)
    async with app.sessions() as session, session.begin():
        (await session.get(Idea, ids["idea"])).photo_ref = "AgACAgQAAxkBAAIBphoto"
    fake.delay_next("sendPhoto", 2.0)
    opening = asyncio.create_task(telegram.send(fake.text, STAFF_ID, f"/idea {ids['idea']}"))
    await until(lambda: any(c["method"] == "sendPhoto" for c in fake.calls))
    started = time.monotonic()
    async with app.sessions() as session, session.begin():  # a resident's message, say
        await make_resident(session)
    assert time.monotonic() - started < 1.0
    await opening
    assert fake.sent(STAFF_ID)[-1]["photo"] == "AgACAgQAAxkBAAIBphoto"
