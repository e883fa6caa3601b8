"""Reminder rows: created when a volunteer gets a place or is offered one, an event or an
idea is saved, and dropped when they no longer apply. The tick that acts on them, and
writes what they say, is bot/messaging/reminders.py."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import REMINDER_DROPPED, REMINDER_PENDING, DugnadEvent, Idea, Reminder, Signup

BEFORE_DAY = timedelta(hours=24)
BEFORE_START = timedelta(hours=2)
THANKS_AT = time(10, 0)  # the day after a dugnad, mid-morning
FOLLOW_UP_AT = time(10, 0)  # the day after an idea's promised answer date

EVENT_24H, EVENT_2H, OFFER_MADE, OFFER_EXPIRY, THANKS, IDEA_FOLLOWUP = (
    "event_24h", "event_2h", "offer_made", "offer_expiry", "thanks", "idea_followup"
)


def local_at(day, at: time, timezone: str) -> datetime:
    return datetime.combine(day, at, ZoneInfo(timezone))


def schedule_signup(session: AsyncSession, signup: Signup, event: DugnadEvent, now: datetime) -> None:
    """The day-before and two-hours-before reminders of a confirmed volunteer; one whose
    time has passed is not made (who signs up this morning needs no day-before note)."""
    for kind, before in ((EVENT_24H, BEFORE_DAY), (EVENT_2H, BEFORE_START)):
        if event.start_at - before > now:
            session.add(Reminder(kind=kind, due_at=event.start_at - before, signup_id=signup.id, event_id=event.id))


def schedule_event(session: AsyncSession, event: DugnadEvent, timezone: str) -> None:
    """Thanks to those who came, the morning after."""
    day_after = event.end_at.astimezone(ZoneInfo(timezone)).date() + timedelta(days=1)
    session.add(Reminder(kind=THANKS, due_at=local_at(day_after, THANKS_AT, timezone), event_id=event.id))


def schedule_idea(session: AsyncSession, idea: Idea, timezone: str) -> None:
    """One follow-up if the promised answer date passes without an answer."""
    day_after = idea.answer_due + timedelta(days=1)
    session.add(Reminder(kind=IDEA_FOLLOWUP, due_at=local_at(day_after, FOLLOW_UP_AT, timezone), idea_id=idea.id))


async def drop(session: AsyncSession, *, now: datetime, signup_id: int | None = None, event_id: int | None = None,
               kinds: tuple[str, ...] = (EVENT_24H, EVENT_2H)) -> None:
    """Pending reminders that no longer apply (a cancelled place, a moved event)."""
    where = [Reminder.status == REMINDER_PENDING, Reminder.kind.in_(kinds)]
    where.append(Reminder.signup_id == signup_id if signup_id is not None else Reminder.event_id == event_id)
    await session.execute(update(Reminder).where(*where).values(status=REMINDER_DROPPED, done_at=now))
