"""Dugnad: events, sign-ups and the whole waiting list in one place.

A volunteer gets a place while one is free, else a place on the waiting list. A freed
place (a cancellation, a lapsed offer) is offered to the first on the list and held for
OFFER_HOLD counted from the morning; the offer is taken, or it lapses and goes on to the
next. Staff log who came, with their hours. Every notice this causes is left as a
reminder row or returned to the caller: this module writes no text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .quiet import next_morning
from ..models import (
    EVENT_CANCELLED,
    EVENT_SCHEDULED,
    SIGNUP_ATTENDED,
    SIGNUP_CANCELLED,
    SIGNUP_CONFIRMED,
    SIGNUP_HOLDS_PLACE,
    SIGNUP_OFFERED,
    SIGNUP_WAITLISTED,
    DugnadEvent,
    Reminder,
    Resident,
    Signup,
    utcnow,
)
from ..text.resident import DEFAULT_LOCALE
from . import schedule
from .queries import places_taken, places_taken_column, ref

# How long a resident offered a freed place has to take it, and the margin before the
# start after which an offer is pointless (the default; shorter close to the day).
OFFER_HOLD = timedelta(hours=12)
OFFER_LAST_CALL = timedelta(hours=1)
SIGNUP_REMINDERS = (schedule.EVENT_24H, schedule.EVENT_2H, schedule.OFFER_EXPIRY, schedule.OFFER_MADE)
ACTIVE = (SIGNUP_CONFIRMED, SIGNUP_WAITLISTED, SIGNUP_OFFERED)  # still coming, or hoping to


class EventUnavailable(Exception):
    """The event is cancelled, has started, or does not exist."""


def event_title(event: DugnadEvent, locale: str | None) -> str:
    """The staff-written title in the reader's language, else Norwegian, else any."""
    titles = event.titles or {}
    return titles.get(locale or "") or titles.get(DEFAULT_LOCALE) or next(iter(titles.values()), "")


def event_hours(event: DugnadEvent) -> float:
    return (event.end_at - event.start_at) / timedelta(hours=1)


def hours_given(signup: Signup, event: DugnadEvent) -> float:
    """The hours staff logged, or the dugnad's length when they logged none."""
    return signup.hours if signup.hours is not None else event_hours(event)


# Events ------------------------------------------------------------------------------------


async def create_event(
    session: AsyncSession,
    *,
    area_slug: str,
    titles: dict[str, str],
    place: str,
    start_at: datetime,
    end_at: datetime,
    capacity: int,
    timezone: str,
) -> DugnadEvent:
    """A new dugnad, with its thanks-the-morning-after already scheduled."""
    event = DugnadEvent(
        area_slug=area_slug, titles=titles, place=place, start_at=start_at, end_at=end_at, capacity=capacity
    )
    session.add(event)
    await session.flush()
    schedule.schedule_event(session, event, timezone)
    return event


async def upcoming_events(
    session: AsyncSession, area_slug: str, *, now: datetime | None = None, limit: int = 9
) -> list[tuple[DugnadEvent, int]]:
    """Scheduled events in an area that have not started, soonest first, with places taken."""
    rows = await session.execute(
        select(DugnadEvent, places_taken_column())
        .where(
            DugnadEvent.area_slug == area_slug,
            DugnadEvent.status == EVENT_SCHEDULED,
            DugnadEvent.start_at > (now or utcnow()),
        )
        .order_by(DugnadEvent.start_at)
        .limit(limit)
    )
    return [(event, count) for event, count in rows.all()]


async def active_signups(session: AsyncSession, event_id: int) -> list[tuple[Signup, Resident]]:
    """Everyone with a place, an offer or a waiting-list place at an event."""
    rows = await session.execute(
        select(Signup, Resident)
        .join(Resident, Resident.id == Signup.resident_id)
        .where(Signup.event_id == event_id, Signup.status.in_(ACTIVE))
        .order_by(Signup.id)
    )
    return [(signup, resident) for signup, resident in rows.all()]


async def cancel_event(
    session: AsyncSession, event: DugnadEvent, *, now: datetime | None = None
) -> list[tuple[Signup, Resident]]:
    """Cancel a dugnad and every sign-up to it; returns those who were coming or waiting."""
    now = now or utcnow()
    event.status = EVENT_CANCELLED
    await schedule.drop(session, now=now, event_id=event.id, kinds=(*SIGNUP_REMINDERS, schedule.THANKS))
    affected = await active_signups(session, event.id)
    for signup, _resident in affected:
        signup.status, signup.updated_at, signup.offer_expires_at = SIGNUP_CANCELLED, now, None
    return affected


@dataclass(frozen=True)
class EventChange:
    """A dugnad moved in time or place; what is None stays as it was."""

    start_at: datetime | None = None
    end_at: datetime | None = None
    place: str | None = None


async def change_event(
    session: AsyncSession, event: DugnadEvent, change: EventChange, *, timezone: str, now: datetime | None = None
) -> list[tuple[Signup, Resident]]:
    """Move a dugnad in time or place; reminders follow. Returns everyone signed up or
    waiting, to be told."""
    now = now or utcnow()
    event.start_at = change.start_at or event.start_at
    event.end_at = change.end_at or event.end_at
    event.place = change.place or event.place
    if event.end_at <= event.start_at:
        raise ValueError("the end must be after the start")
    await schedule.drop(session, now=now, event_id=event.id, kinds=(schedule.EVENT_24H, schedule.EVENT_2H, schedule.THANKS))
    schedule.schedule_event(session, event, timezone)
    affected = await active_signups(session, event.id)
    for signup, _resident in affected:
        if signup.status == SIGNUP_CONFIRMED:
            schedule.schedule_signup(session, signup, event, now)
    return affected


# Signing up and the waiting list -----------------------------------------------------------


async def sign_up(session: AsyncSession, resident: Resident, event_id: int, *, now: datetime | None = None) -> Signup:
    """A place if one is free, else a waiting-list place; an existing sign-up is returned.

    The event row is locked first (FOR UPDATE on PostgreSQL; SQLite transactions here take
    the write lock at BEGIN), so two residents can never both take the last place.
    """
    now = now or utcnow()
    event = (
        await session.execute(select(DugnadEvent).where(DugnadEvent.id == event_id).with_for_update())
    ).scalar_one_or_none()
    if event is None or event.status != EVENT_SCHEDULED or event.start_at <= now:
        raise EventUnavailable(event_id)
    signup = (
        await session.execute(select(Signup).where(Signup.event_id == event_id, Signup.resident_id == resident.id))
    ).scalar_one_or_none()
    if signup is not None and signup.status != SIGNUP_CANCELLED:
        return signup
    status = SIGNUP_CONFIRMED if await places_taken(session, event_id) < event.capacity else SIGNUP_WAITLISTED
    if signup is None:
        signup = Signup(event_id=event_id, resident_id=resident.id, created_at=now)
        session.add(signup)
    signup.status, signup.queued_at, signup.updated_at, signup.offer_expires_at = status, now, now, None
    await session.flush()
    if status == SIGNUP_CONFIRMED:
        schedule.schedule_signup(session, signup, event, now)
    return signup


async def waitlist_position(session: AsyncSession, signup: Signup) -> int:
    return (
        await session.execute(
            select(func.count(Signup.id)).where(
                Signup.event_id == signup.event_id,
                Signup.status == SIGNUP_WAITLISTED,
                Signup.queued_at <= signup.queued_at,
            )
        )
    ).scalar_one()


async def cancel_signup(
    session: AsyncSession, signup: Signup, *, timezone: str, now: datetime | None = None
) -> Signup | None:
    """Cancel a sign-up; a freed place is offered to the first on the waiting list."""
    now = now or utcnow()
    event = (
        await session.execute(select(DugnadEvent).where(DugnadEvent.id == signup.event_id).with_for_update())
    ).scalar_one()
    held_place = signup.status in SIGNUP_HOLDS_PLACE
    signup.status, signup.updated_at, signup.offer_expires_at = SIGNUP_CANCELLED, now, None
    await schedule.drop(session, now=now, signup_id=signup.id, kinds=SIGNUP_REMINDERS)
    await session.flush()
    if held_place:
        return await offer_freed_place(session, event, timezone=timezone, now=now)
    return None


async def offer_freed_place(
    session: AsyncSession, event: DugnadEvent, *, timezone: str, now: datetime, skip: int | None = None
) -> Signup | None:
    """Hold the freed place for the first on the waiting list (but `skip`, whose offer just
    lapsed), unless the dugnad is too close. The offer is told by an OFFER_MADE reminder;
    the time to answer starts when it can be delivered, after quiet hours."""
    if event.status != EVENT_SCHEDULED or event.start_at <= now + OFFER_LAST_CALL:
        return None
    waiting = select(Signup).where(Signup.event_id == event.id, Signup.status == SIGNUP_WAITLISTED)
    if skip is not None:
        waiting = waiting.where(Signup.id != skip)
    first = (await session.execute(waiting.order_by(Signup.queued_at, Signup.id).limit(1))).scalar_one_or_none()
    if first is None:
        return None
    expires = min(next_morning(now, timezone) + OFFER_HOLD, event.start_at - OFFER_LAST_CALL)
    first.status, first.offer_expires_at, first.updated_at = SIGNUP_OFFERED, expires, now
    session.add(Reminder(kind=schedule.OFFER_MADE, due_at=now, signup_id=first.id, event_id=event.id))
    session.add(Reminder(kind=schedule.OFFER_EXPIRY, due_at=expires, signup_id=first.id, event_id=event.id))
    return first


async def accept_offer(session: AsyncSession, signup: Signup, *, now: datetime | None = None) -> bool:
    """Take an offered place while the offer holds; False when it has lapsed."""
    now = now or utcnow()
    if signup.status != SIGNUP_OFFERED or (signup.offer_expires_at and signup.offer_expires_at <= now):
        return False
    signup.status, signup.offer_expires_at, signup.updated_at = SIGNUP_CONFIRMED, None, now
    await schedule.drop(session, now=now, signup_id=signup.id, kinds=(schedule.OFFER_EXPIRY,))
    schedule.schedule_signup(session, signup, await session.get(DugnadEvent, signup.event_id), now)
    return True


async def lapse_offer(session: AsyncSession, signup: Signup, *, timezone: str, now: datetime) -> bool:
    """An offer not taken in time: back to the end of the waiting list, and the place goes
    on to the next. False when it was taken or cancelled in time."""
    if signup.status != SIGNUP_OFFERED:
        return False
    event = await session.get(DugnadEvent, signup.event_id)
    signup.status, signup.offer_expires_at, signup.queued_at, signup.updated_at = SIGNUP_WAITLISTED, None, now, now
    await session.flush()
    await offer_freed_place(session, event, timezone=timezone, now=now, skip=signup.id)
    return True


async def mark_attended(session: AsyncSession, signup: Signup, *, hours: float | None = None, now: datetime | None = None) -> None:
    """Staff log that a volunteer came; hours default to the event's length."""
    event = await session.get(DugnadEvent, signup.event_id)
    if signup.status not in (SIGNUP_CONFIRMED, SIGNUP_ATTENDED):
        raise ValueError(f"{ref('D', signup.id)} has no place ({signup.status})")
    signup.status, signup.updated_at = SIGNUP_ATTENDED, now or utcnow()
    signup.hours = hours if hours is not None else event_hours(event)


# A resident's sign-ups ---------------------------------------------------------------------


async def resident_signups(
    session: AsyncSession, resident: Resident, *, now: datetime | None = None
) -> list[tuple[Signup, DugnadEvent]]:
    """The resident's sign-ups for events that have not ended, soonest first."""
    rows = await session.execute(
        select(Signup, DugnadEvent)
        .join(DugnadEvent, DugnadEvent.id == Signup.event_id)
        .where(Signup.resident_id == resident.id, Signup.status.in_(ACTIVE), DugnadEvent.end_at > (now or utcnow()))
        .order_by(DugnadEvent.start_at)
    )
    return [(signup, event) for signup, event in rows.all()]


async def every_signup(session: AsyncSession, resident: Resident) -> list[tuple[Signup, DugnadEvent]]:
    """Every sign-up kept about the resident, past, cancelled and attended ones too."""
    rows = await session.execute(
        select(Signup, DugnadEvent)
        .join(DugnadEvent, DugnadEvent.id == Signup.event_id)
        .where(Signup.resident_id == resident.id)
        .order_by(DugnadEvent.start_at, Signup.id)
    )
    return [(signup, event) for signup, event in rows.all()]


async def event_signups(session: AsyncSession, event_id: int) -> list[tuple[Signup, str | None, str]]:
    """An event's sign-ups that are not cancelled, with each volunteer's language and
    channel only (staff see those, never an address): places first, then the waiting
    list in its order."""
    rows = await session.execute(
        select(Signup, Resident.locale, Resident.channel)
        .join(Resident, Resident.id == Signup.resident_id)
        .where(Signup.event_id == event_id, Signup.status != SIGNUP_CANCELLED)
        .order_by(Signup.status, Signup.queued_at)
    )
    return [(signup, locale, channel) for signup, locale, channel in rows.all()]


async def attended(session: AsyncSession, event_id: int) -> list[tuple[Signup, Resident]]:
    rows = await session.execute(
        select(Signup, Resident)
        .join(Resident, Resident.id == Signup.resident_id)
        .where(Signup.event_id == event_id, Signup.status == SIGNUP_ATTENDED)
        .order_by(Signup.id)
    )
    return [(signup, resident) for signup, resident in rows.all()]


async def year_totals(session: AsyncSession, area_slug: str, moment: datetime, timezone: str) -> tuple[int, float]:
    """(neighbours who came, hours given) in the area in the local calendar year of `moment`."""
    zone = ZoneInfo(timezone)
    year = moment.astimezone(zone).year
    rows = (
        await session.execute(
            select(Signup, DugnadEvent)
            .join(DugnadEvent, DugnadEvent.id == Signup.event_id)
            .where(
                DugnadEvent.area_slug == area_slug,
                Signup.status == SIGNUP_ATTENDED,
                DugnadEvent.start_at >= datetime(year, 1, 1, tzinfo=zone),
                DugnadEvent.start_at < datetime(year + 1, 1, 1, tzinfo=zone),
            )
        )
    ).all()
    return len({signup.resident_id for signup, _ in rows}), sum(hours_given(s, e) for s, e in rows)
