"""Scheduled work with the clock in the test's hand: reminders, quiet hours, offers that
lapse, thanks, follow-ups, event changes, and two workers claiming at once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.domain import dugnad, ideas, residents
from bot.messaging import outbox, reminders, sending
from bot.messaging.outbox import SENT, SendResult
from bot.models import OutboxMessage, Reminder, Resident, Signup
from bot.staff import actions

from tests.factories import make_resident

OSLO = ZoneInfo("Europe/Oslo")


def oslo(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO).astimezone(timezone.utc)


class RecordingSender:
    """A channel that accepts everything and remembers what, to whom."""

    def __init__(self, channel: str):
        self.channel, self.sent = channel, []

    async def send(self, recipient, message, ready) -> SendResult:
        await ready()
        self.sent.append((recipient.resident_id, message.kind, message.text))
        return SendResult(SENT, provider_message_id=f"m{len(self.sent)}")

    async def close(self) -> None:
        pass


async def event_at(session, start: datetime, *, capacity=10, hours=3, area="furuset"):
    return await dugnad.create_event(
        session, area_slug=area, titles={"nb": "Vårrydding", "en": "Spring clean-up"}, place="Ved biblioteket",
        start_at=start, end_at=start + timedelta(hours=hours), capacity=capacity, timezone="Europe/Oslo",
    )


async def queued(app, kind: str | None = None) -> list[OutboxMessage]:
    async with app.sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list((await session.execute(query)).scalars())


async def signed_up(app, start: datetime, *, locale="en", capacity=10, now=None):
    async with app.sessions() as session, session.begin():
        event = await event_at(session, start, capacity=capacity)
        resident = await make_resident(session, locale=locale)
        signup = await dugnad.sign_up(session, resident, event.id, now=now or start - timedelta(days=5))
    return event, resident, signup


async def test_day_before_and_two_hours_before(app):
    start = oslo(2030, 6, 15, 10)
    event, resident, _ = await signed_up(app, start, locale="nb")
    assert await reminders.tick(app, now=start - timedelta(hours=25)) == 0
    assert await reminders.tick(app, now=start - timedelta(hours=24)) == 1
    [day_before] = await queued(app)
    assert day_before.kind == "event_24h" and "Vårrydding" in day_before.text and "Ved biblioteket" in day_before.text
    assert "10:00" in day_before.text and "Påminnelse" in day_before.text  # in the volunteer's language
    assert await reminders.tick(app, now=start - timedelta(hours=23)) == 0  # never twice
    assert await reminders.tick(app, now=start - timedelta(hours=2)) == 1
    soon = (await queued(app, "event_2h"))[0]
    assert soon.priority < 0 and "10:00" in soon.text


async def test_overdue_reminders_after_downtime(app):
    start = oslo(2030, 6, 15, 10)
    await signed_up(app, start)
    # Down from two days before until three hours before: the day-before reminder still goes.
    await reminders.tick(app, now=start - timedelta(hours=3))
    assert [m.kind for m in await queued(app)] == ["event_24h"]

    start2 = oslo(2030, 6, 16, 10)
    await signed_up(app, start2)
    # Down until one hour before: only the two-hour reminder is still worth sending.
    await reminders.tick(app, now=start2 - timedelta(hours=1))
    assert [m.kind for m in await queued(app)] == ["event_24h", "event_2h"]

    start3 = oslo(2030, 6, 17, 10)
    await signed_up(app, start3)
    # Down until after the start: both dropped.
    await reminders.tick(app, now=start3 + timedelta(minutes=5))
    assert len(await queued(app)) == 2
    async with app.sessions() as session:
        statuses = (await session.execute(select(Reminder.status).where(Reminder.kind.in_(("event_24h", "event_2h"))))).scalars().all()
    # first: 24h done, 2h dropped (it had started); second: 24h dropped, 2h done; third: both dropped
    assert sorted(statuses) == ["done", "done", "dropped", "dropped", "dropped", "dropped"]


async def test_quiet_hours_hold_all_but_the_two_hour_reminder(app):
    start = oslo(2030, 6, 15, 7)  # an early dugnad: both reminders fall in quiet hours
    _event, resident, _ = await signed_up(app, start)
    sender = RecordingSender("telegram")
    await reminders.tick(app, now=start - timedelta(hours=24))  # 07:00 the day before: quiet
    await sending.drain_once(app, {"telegram": sender}, now=start - timedelta(hours=24))
    assert sender.sent == []
    await sending.drain_once(app, {"telegram": sender}, now=oslo(2030, 6, 14, 8))  # morning
    assert [kind for _, kind, _ in sender.sent] == ["event_24h"]

    async with app.sessions() as session, session.begin():
        await outbox.enqueue(session, await session.get(Resident, resident.id), "broadcast", "Hei!", not_before=oslo(2030, 6, 14, 22))
    await reminders.tick(app, now=start - timedelta(hours=2))  # 05:00: quiet
    await sending.drain_once(app, {"telegram": sender}, now=start - timedelta(hours=2))
    assert [kind for _, kind, _ in sender.sent] == ["event_24h", "event_2h"]  # the broadcast waits
    await sending.drain_once(app, {"telegram": sender}, now=oslo(2030, 6, 15, 8))
    assert [kind for _, kind, _ in sender.sent][-1] == "broadcast"


async def test_offer_lapses_and_goes_to_the_next(app):
    start = oslo(2030, 6, 15, 10)
    cancel_time = oslo(2030, 6, 10, 12)
    async with app.sessions() as session, session.begin():
        event = await event_at(session, start, capacity=1)
        first, second, third = [await make_resident(session) for _ in range(3)]
        held = await dugnad.sign_up(session, first, event.id, now=cancel_time - timedelta(days=1))
        for resident in (second, third):
            await dugnad.sign_up(session, resident, event.id, now=cancel_time - timedelta(hours=20))
        offered = await dugnad.cancel_signup(session, held, timezone="Europe/Oslo", now=cancel_time)
    assert offered.resident_id == second.id and offered.offer_expires_at == cancel_time + timedelta(hours=12)
    await reminders.tick(app, now=cancel_time + timedelta(hours=11))
    async with app.sessions() as session:
        assert (await session.get(Signup, offered.id)).status == "offered"
    await reminders.tick(app, now=cancel_time + timedelta(hours=12, minutes=1))
    async with app.sessions() as session:
        statuses = dict((await session.execute(select(Signup.resident_id, Signup.status))).all())
    assert statuses == {first.id: "cancelled", second.id: "waitlisted", third.id: "offered"}
    offers = await queued(app, "waitlist_offer")
    assert [m.resident_id for m in offers] == [second.id, third.id]


async def test_an_offer_made_at_night_counts_from_the_morning(app):
    start = oslo(2030, 6, 20, 18)
    night = oslo(2030, 6, 15, 23)
    async with app.sessions() as session, session.begin():
        event = await event_at(session, start, capacity=1)
        holder, waiting = await make_resident(session), await make_resident(session)
        held = await dugnad.sign_up(session, holder, event.id, now=night - timedelta(days=1))
        await dugnad.sign_up(session, waiting, event.id, now=night - timedelta(days=1))
        offered = await dugnad.cancel_signup(session, held, timezone="Europe/Oslo", now=night)
    assert offered.offer_expires_at == oslo(2030, 6, 16, 8) + timedelta(hours=12)


async def test_two_workers_never_handle_the_same_reminder(app):
    start = oslo(2030, 6, 15, 10)
    async with app.sessions() as session, session.begin():
        event = await event_at(session, start, capacity=60)
        for _ in range(60):
            await dugnad.sign_up(session, await make_resident(session), event.id, now=start - timedelta(days=3))
    handled = await asyncio.gather(*(reminders.tick(app, now=start - timedelta(hours=23)) for _ in range(3)))
    assert sum(handled) == 60
    messages = await queued(app, "event_24h")
    assert len(messages) == 60 and len({m.resident_id for m in messages}) == 60


async def test_thanks_with_hours_and_the_year_in_the_area(app):
    start = oslo(2030, 5, 10, 10)
    async with app.sessions() as session, session.begin():
        event = await event_at(session, start, hours=3)
        came, also, absent = [await make_resident(session, locale=l) for l in ("en", "nb", "en")]
        signups = [await dugnad.sign_up(session, r, event.id, now=start - timedelta(days=2)) for r in (came, also, absent)]
        await dugnad.mark_attended(session, signups[0], hours=2.5)
        await dugnad.mark_attended(session, signups[1])
    assert await reminders.tick(app, now=oslo(2030, 5, 11, 10)) >= 1
    thanks = await queued(app, "thanks")
    assert [m.resident_id for m in thanks] == [came.id, also.id]
    assert "You gave 2.5 hours" in thanks[0].text and "This year, 2 neighbours gave 6 hours in Furuset" in thanks[0].text
    assert "3 timer" in thanks[1].text


async def test_follow_up_when_the_promised_date_passes(app):
    async with app.sessions() as session, session.begin():
        waiting, answered = await make_resident(session), await make_resident(session)
        area = app.areas.require("furuset")
        draft = ideas.IdeaDraft(text="A bench", category="meeting_places")
        created = oslo(2030, 3, 1, 12)
        first = await ideas.submit_idea(session, waiting, area, draft, timezone="Europe/Oslo", now=created)
        second = await ideas.submit_idea(session, answered, area, draft, timezone="Europe/Oslo", now=created)
        await actions.answer_idea(session, second, "reviewing", note=None, timezone="Europe/Oslo", now=created)
    await reminders.tick(app, now=oslo(2030, 3, 15, 23))  # the promised day itself
    assert await queued(app, "idea_followup") == []
    await reminders.tick(app, now=oslo(2030, 3, 16, 10))
    [follow_up] = await queued(app, "idea_followup")
    assert follow_up.resident_id == waiting.id and f"I-{first.id}" in follow_up.text


async def test_cancelled_and_moved_events_tell_everyone(app):
    start = oslo(2030, 6, 15, 10)
    event, resident, signup = await signed_up(app, start, capacity=1)
    async with app.sessions() as session, session.begin():
        waiting = await make_resident(session, locale="nb")
        await dugnad.sign_up(session, waiting, event.id, now=start - timedelta(days=4))
        moved = await session.get(type(event), event.id)
        change = dugnad.EventChange(start_at=start + timedelta(days=1), end_at=start + timedelta(days=1, hours=3))
        told = await actions.change_event(session, moved, change, timezone="Europe/Oslo", now=start - timedelta(days=3))
    assert told == 2
    await reminders.tick(app, now=start - timedelta(hours=23))  # the old day-before time
    assert await queued(app, "event_24h") == []
    await reminders.tick(app, now=start)  # the new one
    assert len(await queued(app, "event_24h")) == 1
    async with app.sessions() as session, session.begin():
        told = await actions.cancel_event(session, await session.get(type(event), event.id), timezone="Europe/Oslo",
                                           now=start + timedelta(hours=1))
    assert told == 2
    cancelled = await queued(app, "event_cancelled")
    assert {m.resident_id for m in cancelled} == {resident.id, waiting.id} and "avlyst" in cancelled[-1].text
    await reminders.tick(app, now=start + timedelta(days=1))
    assert await queued(app, "event_2h") == []


async def test_nothing_is_queued_for_a_volunteer_who_stopped(app):
    start = oslo(2030, 6, 15, 10)
    _event, resident, _ = await signed_up(app, start)
    async with app.sessions() as session, session.begin():
        await residents.set_opted_out(session, await session.get(Resident, resident.id), True)
    await reminders.tick(app, now=start - timedelta(hours=2))
    assert await queued(app) == []
    async with app.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Reminder).where(Reminder.status == "dropped"))).scalar_one() == 2
