"""The monthly "What happened in your area": offered once at the end of the first flow a
resident took part in, turned off and on under Privacy, gone with their data; made in the
first days of a month, once, queued for daytime; one SMS segment in GSM-7 languages and
within the budget in all."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.channels.sms import SEGMENT_BUDGET, gsm_safe, is_gsm7, segments
from bot.domain import ideas
from bot.messaging import followups, notices, outbox
from bot.models import OutboxMessage, Resident, Signup
from bot.text.resident import LOCALES, Text
from bot.staff import actions

from ..factories import Chat, make_event, make_resident

OSLO = ZoneInfo("Europe/Oslo")
LONGEST_AREA = "Veitvet/Sletteløkka"


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), OSLO).astimezone(timezone.utc)


def next_month_day(day: int) -> date:
    return (datetime.now(OSLO).date().replace(day=1) + timedelta(days=32)).replace(day=day)


async def news(app) -> list[OutboxMessage]:
    async with app.sessions() as session:
        return list((await session.execute(
            select(OutboxMessage).where(OutboxMessage.kind == followups.MONTHLY_NEWS).order_by(OutboxMessage.id)
        )).scalars())


async def test_offered_once_after_taking_part_and_turned_off_and_on_under_privacy(app, session):
    await make_event(session)
    await session.commit()
    chat = Chat(app, channel="sms")
    await chat.script("hi", "2", "1")
    await chat.script("3", "1")  # is someone in danger? yes: the numbers, no offer after a safety report
    assert "once a month" not in chat.text
    await chat.script("2", "1", "1")  # a sign-up: the offer, once
    assert "one short message a month about Furuset" in chat.text and chat.choices == ["Yes, once a month", "No, thank you"]
    await chat.say("yes")
    assert "You will get it at the start of each month." in chat.text
    await chat.script("1", "A table tennis table at the school", "4", "skip", "no", "send")
    assert "once a month" not in chat.text  # not again
    await chat.script("8", "1")
    assert "You get a monthly message about Furuset." in chat.text
    await chat.script("8", "turn off the monthly message")
    assert "The monthly message is turned off." in chat.text
    async with app.sessions() as s:
        assert (await s.execute(select(Resident.monthly_news))).scalar_one() is False
    await chat.script("8", "get a monthly message")
    async with app.sessions() as s:
        assert (await s.execute(select(Resident.monthly_news))).scalar_one() is True
    await chat.script("8", "2", "1")  # delete my data: the opt-in goes with it
    async with app.sessions() as s:
        assert (await s.execute(select(Resident))).all() == []


async def test_made_once_in_the_first_days_of_a_month_and_sent_in_daytime(app):
    this_month = datetime.now(OSLO).date().replace(day=1)
    async with app.sessions() as session, session.begin():
        wants = await make_resident(session, locale="nb")
        wants.monthly_news = True
        declined = await make_resident(session, locale="en")
        declined.monthly_news = False
        stopped = await make_resident(session, locale="so", opted_out=True)
        stopped.monthly_news = True
        elsewhere = await make_resident(session, locale="en", area="romsas")  # nothing happened in Romsås
        elsewhere.monthly_news = True
        idea = await ideas.submit_idea(session, declined, app.areas.require("furuset"),
                                       ideas.IdeaDraft("Benker ved skolen", "meeting_places"), timezone="Europe/Oslo")
        event = await make_event(session, start=local(this_month + timedelta(days=1), 10))
        session.add(Signup(event_id=event.id, resident_id=declined.id, status="attended", hours=3.5))
        await make_event(session, start=local(next_month_day(10), 10))  # coming, when the news is made
    async with app.sessions() as session, session.begin():
        await actions.answer_idea(session, await session.get(type(idea), idea.id), "done", note=None,
                                  timezone="Europe/Oslo", now=local(this_month + timedelta(days=2), 12))

    late = local(next_month_day(8), 11)
    assert await followups.monthly_tick(app, now=late) == 0  # past the first week: stale, not sent
    night = local(next_month_day(2), 23, 30)
    assert await followups.monthly_tick(app, now=night) == 1  # only the one who asked, of an area with news
    assert await followups.monthly_tick(app, now=night + timedelta(hours=12)) == 0  # once a month
    [message] = await news(app)
    assert message.resident_id == wants.id
    assert message.not_before == local(next_month_day(3), 8)  # queued for the morning, not the night
    expected = notices.monthly_news(Text("nb"), "Furuset", this_month, 1, 0, 1, 3.5)
    assert message.text == expected and "1 idé ferdig" in expected and "4 dugnadstimer gitt" in expected
    # The outbox holds it through quiet hours too.
    kinds = (followups.MONTHLY_NEWS,)
    assert await outbox.claim_due(app, ["telegram"], now=night + timedelta(hours=1), kinds=kinds) == []
    assert await outbox.claim_due(app, ["telegram"], now=local(next_month_day(3), 8, 5), kinds=kinds) == [message.id]


def test_one_sms_segment_in_gsm7_languages_and_within_the_budget_in_every_language():
    month = date(2026, 9, 1)  # September: the longest month name in most of our languages
    for locale in LOCALES:
        text = gsm_safe(notices.monthly_news(Text(locale), LONGEST_AREA, month, 12, 14, 3, 1250))
        if locale in ("nb", "en", "so"):
            assert is_gsm7(text) and segments(text) == 1, (locale, text)
        assert segments(text) <= SEGMENT_BUDGET, (locale, text)
