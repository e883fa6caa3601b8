""""Is it fixed?": a day after staff mark an idea done, in daytime, its author and
supporters are asked; buttons on Telegram answer it from any step, a number by SMS while it
is the last thing asked, for 14 days; answers are kept, a "no" (or mostly "partly")
reopens the idea and tells staff, and the figures say how many done ideas residents
confirmed."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.channels.twilio import TwilioSender
from bot.channels.telegram import TelegramSender
from bot.domain import followup, ideas
from bot.messaging import reminders, sending
from bot.models import ConversationState, Idea, IdeaCheck, OutboxMessage, Reminder, Resident, Staff, StaffArea
from bot.reports.digest import build_digest
from bot.reports.digest_layout import render_text as digest_text
from bot.reports.impact import measure
from bot.reports.impact_layout import render_text as impact_text
from bot.staff import actions

from ..doubles.fake_twilio import FakeTwilio
from ..factories import Chat, make_resident
from ..support import TWILIO_SID, TWILIO_TOKEN, Phone, onboard, texts

OSLO = ZoneInfo("Europe/Oslo")


def oslo(day_offset: int, hour: int, minute: int = 0) -> datetime:
    day = datetime.now(OSLO).date() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, minute), OSLO).astimezone(timezone.utc)


async def done(app, idea_id: int, now: datetime) -> None:
    async with app.sessions() as session, session.begin():
        await actions.answer_idea(session, await session.get(Idea, idea_id), "done", note=None,
                                  timezone="Europe/Oslo", now=now)


async def questions(app) -> list[OutboxMessage]:
    async with app.sessions() as session:
        return list((await session.execute(
            select(OutboxMessage).where(OutboxMessage.kind == followup.IDEA_FIXED).order_by(OutboxMessage.id)
        )).scalars())


async def staff_for_furuset(app) -> Staff:
    async with app.sessions() as session, session.begin():
        staff = Staff(telegram_id=9_123, name="Kari", locale="en")
        session.add(staff)
        await session.flush()
        session.add(StaffArea(staff_id=staff.id, area_slug="furuset"))
    return staff


async def test_asked_a_day_later_in_daytime_buttons_on_telegram_a_number_by_sms(telegram, sms_client, sms_app):
    """One idea, a Telegram author and an SMS supporter (one database, two channels)."""
    app = telegram.app
    await onboard(telegram, 7001)
    await telegram.send(telegram.fake.tap_label, 7001, "Share an idea")
    await telegram.send(telegram.fake.text, 7001, "A bench by the bus stop for older people")
    await telegram.send(telegram.fake.tap_label, 7001, "Meeting places")
    await telegram.send(telegram.fake.text, 7001, "skip")  # the place: a keyboard with "share my location"
    for label in ("Skip", "Yes", "Send it", "No, thank you"):
        await telegram.send(telegram.fake.tap_label, 7001, label)
    phone = Phone(sms_client, "+4790000777")
    await phone.script("hi", "2", "1", "4", "1", "2")  # English, Furuset; ideas of the area: support; menu
    async with app.sessions() as session:
        idea = (await session.execute(select(Idea))).scalar_one()
        assert len(await ideas.followers(session, idea)) == 2
    marked = oslo(1, 21, 30)  # done late in the evening …
    await done(app, idea.id, marked)
    await reminders.tick(app, now=marked + timedelta(hours=23))
    assert await questions(app) == []  # … not asked before a day has passed …
    await reminders.tick(app, now=oslo(2, 23, 0))
    assert await questions(app) == []  # … nor in quiet hours: the next morning
    await reminders.tick(app, now=oslo(3, 8, 0))
    asked = await questions(app)
    assert len(asked) == 2 and all(q.choices and len(q.choices) == 3 for q in asked)

    # Telegram: the question with its three buttons; a tap answers it.
    sender = TelegramSender(telegram.application.bot)
    await sending.drain_once(app, {"telegram": sender}, now=oslo(3, 8, 1))
    message_id, buttons = telegram.fake.buttons(7001)
    assert [label for label, _data in buttons] == ["Yes", "Partly", "No"]
    sent = await telegram.send(telegram.fake.tap, 7001, buttons[0][1], message_id)
    assert "Good to hear" in texts(sent)

    # SMS: numbered, and "3" answers it; a no puts the idea back in front of staff.
    async with FakeTwilio(TWILIO_SID, TWILIO_TOKEN) as fake:
        sms = TwilioSender(dataclasses.replace(sms_app.settings, twilio_api_base_url=fake.base_url), per_second=50)
        try:
            await sending.drain_once(sms_app, {"sms": sms}, now=oslo(3, 8, 2))
        finally:
            await sms.close()
        body = fake.messages[-1]["body"]
    assert f"I-{idea.id} is done" in body and "1. Yes\n2. Partly\n3. No" in body
    await phone.text("3")
    assert f"The district will look at I-{idea.id} again" in phone.said
    async with app.sessions() as session:
        stored = await session.get(Idea, idea.id)
        said = sorted((await session.execute(select(IdeaCheck.answer))).scalars())
    assert stored.status == "reviewing" and said == ["no", "yes"]


async def test_a_no_reopens_staff_are_told_and_the_figures_count_it(app):
    staff = await staff_for_furuset(app)
    async with app.sessions() as session, session.begin():
        author = await make_resident(session, locale="nb")
        supporters = [await make_resident(session, locale=locale) for locale in ("en", "so", "ar")]
        fixed = await ideas.submit_idea(session, author, app.areas.require("furuset"),
                                        ideas.IdeaDraft("Benker ved T-banen", "meeting_places"), timezone="Europe/Oslo")
        broken = await ideas.submit_idea(session, author, app.areas.require("furuset"),
                                         ideas.IdeaDraft("Lys i undergangen", "lighting_paths"), timezone="Europe/Oslo")
        for resident in supporters:
            await ideas.support_idea(session, resident, fixed.id)
            await ideas.support_idea(session, resident, broken.id)
    marked = oslo(-3, 12)
    await done(app, fixed.id, marked)
    await done(app, broken.id, marked)
    await reminders.tick(app, now=oslo(-2, 12))
    async with app.sessions() as session:
        checks = {(c.idea_id, c.resident_id): c for c in (await session.execute(select(IdeaCheck))).scalars()}
    assert len(checks) == 8  # every follower of both, each asked once

    async def answer(idea_id: int, resident_id: int, said: str) -> list:
        chat = Chat(app)
        async with app.sessions() as session:
            resident = await session.get(type(author), resident_id)
        chat.address = {"telegram_id": resident.telegram_id}
        return await chat.tap(f"fixed:{checks[(idea_id, resident_id)].id}:{said}")

    for resident, said in zip([author, *supporters], ("yes", "yes", "partly", "yes")):
        await answer(fixed.id, resident.id, said)
    await answer(broken.id, author.id, "yes")
    await answer(broken.id, supporters[0].id, "partly")
    assert (await questions(app))  # (the questions were queued too)
    async with app.sessions() as session:
        assert (await session.get(Idea, fixed.id)).status == "done"
        assert (await session.get(Idea, broken.id)).status == "done"  # one partly of two: not yet
    await answer(broken.id, supporters[1].id, "no")
    async with app.sessions() as session:
        assert (await session.get(Idea, broken.id)).status == "reviewing"
    await reminders.tick(app)  # staff are told by the scheduler, within half a minute
    async with app.sessions() as session:
        told = (await session.execute(select(OutboxMessage).where(OutboxMessage.staff_id == staff.id))).scalar_one()
    assert told.kind == followup.IDEA_REOPENED
    assert f"Residents say I-{broken.id} is not fixed (1 yes, 1 partly, 1 no)" in told.text and "undergangen" in told.text

    since, until = oslo(-10, 0), oslo(1, 0)
    async with app.sessions() as session:
        impact = await measure(session, area_slugs=["furuset"], since=since, until=until, timezone="Europe/Oslo")
        digest = await build_digest(session, app.areas, area_slugs=["furuset"], since=oslo(-7, 0), until=until,
                                    locale="en", timezone="Europe/Oslo")
    assert (impact.fixed.asked, impact.fixed.confirmed) == (2, 1) and impact.fixed.share == 0.5
    line = "Residents confirmed 50% of done ideas (1 of 2 asked; answers: 4 yes, 2 partly, 1 no)"
    assert line in impact_text(impact, "en") and line in digest_text(digest, "en")
    assert "Beboerne bekreftet 50" in impact_text(impact, "nb")


async def test_a_late_answer_counts_for_14_days_and_a_busy_resident_is_asked_later(app):
    chat = Chat(app, channel="sms")
    await chat.script("hi", "2", "1")  # English, Furuset: at the menu
    busy = Chat(app, channel="sms")
    await busy.script("hi", "2", "1")
    async with app.sessions() as session, session.begin():
        author, other = (await session.execute(select(Resident).order_by(Resident.id))).scalars().all()
        idea = await ideas.submit_idea(session, author, app.areas.require("furuset"),
                                       ideas.IdeaDraft("Søppelbøtter ved stien", "clean_tidy"), timezone="Europe/Oslo")
        await ideas.support_idea(session, other, idea.id)
    await busy.script("1", "Flere trær i parken")  # half-way through sharing an idea of their own
    await done(app, idea.id, oslo(-1, 10))
    await reminders.tick(app, now=oslo(0, 10) + timedelta(minutes=5))
    asked = await questions(app)
    assert len(asked) == 1 and asked[0].resident_id == author.id  # the busy one later
    async with app.sessions() as session:
        later = (await session.execute(select(Reminder).where(Reminder.kind == followup.IDEA_FIXED,
                                                              Reminder.status == "pending"))).scalar_one()
    assert later.due_at == oslo(0, 11, 5)  # an hour on

    # Ten days later, at rest, the author's "2" still answers the question (not the menu).
    async with app.sessions() as session, session.begin():
        state = await session.get(ConversationState, author.id)
        state.updated_at = oslo(-10, 10)
        (await session.execute(select(IdeaCheck))).scalar_one().asked_at = oslo(-10, 10)
    await chat.say("2")
    assert "Thank you for telling us." in chat.text and "What would you like to do?" in chat.text
    async with app.sessions() as session:
        check = (await session.execute(select(IdeaCheck))).scalar_one()
        assert check.answer == "partly"
    # After 14 days the question has closed: a tap on its button is thanked, not kept.
    async with app.sessions() as session, session.begin():
        (await session.get(IdeaCheck, check.id)).asked_at = oslo(-15, 10)
    await chat.tap(f"fixed:{check.id}:yes")
    assert "This question is closed now." in chat.text
    async with app.sessions() as session:
        assert (await session.get(IdeaCheck, check.id)).answer == "partly"

