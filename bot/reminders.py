"""Scheduled work kept in the database: dugnad reminders, offers that lapse, thanks the day
after, and the follow-up promised on every idea.

A tick claims due `reminders` rows (FOR UPDATE SKIP LOCKED on PostgreSQL, and an
`UPDATE … WHERE status = 'pending'` whose row count must be 1 on every backend) and, in the
same transaction, queues what they say in the outbox. A crash before the commit leaves
them pending for the next tick; after it, they are done: never dropped, never repeated.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from . import services
from .app import App
from .schedule import BEFORE_START, EVENT_24H, EVENT_2H, IDEA_FOLLOWUP, OFFER_EXPIRY, THANKS
from .i18n import Text
from .models import (
    EVENT_SCHEDULED,
    IDEA_RECEIVED,
    OUTBOX_PRIORITY_URGENT,
    REMINDER_CLAIMED,
    REMINDER_DONE,
    REMINDER_DROPPED,
    REMINDER_PENDING,
    SIGNUP_ATTENDED,
    SIGNUP_CONFIRMED,
    SIGNUP_OFFERED,
    DugnadEvent,
    Idea,
    Reminder,
    Resident,
    Signup,
    utcnow,
)

log = logging.getLogger(__name__)

TICK_BATCH = 100


# The tick ------------------------------------------------------------------------------------------


async def tick(app: App, *, now: datetime | None = None) -> int:
    """Handle every due reminder, and forget what no longer needs keeping; returns how
    many reminders were handled (sent or dropped)."""
    now = now or utcnow()
    async with app.sessions() as session, session.begin():
        await services.forget_old_inbound(session, now=now)
    handled = 0
    while True:
        async with app.sessions() as session, session.begin():
            due = (
                await session.execute(
                    select(Reminder)
                    .where(Reminder.status == REMINDER_PENDING, Reminder.due_at <= now)
                    .order_by(Reminder.due_at, Reminder.id)
                    .limit(TICK_BATCH)
                    .with_for_update(skip_locked=True)
                )
            ).scalars().all()
            for reminder in due:
                claimed = await session.execute(
                    update(Reminder)
                    .where(Reminder.id == reminder.id, Reminder.status == REMINDER_PENDING)
                    .values(status=REMINDER_CLAIMED)
                    .execution_options(synchronize_session=False)
                )
                if claimed.rowcount != 1:  # another worker took it
                    continue
                sent = await HANDLERS[reminder.kind](session, reminder, app, now)
                reminder.status, reminder.done_at = (REMINDER_DONE if sent else REMINDER_DROPPED), now
                handled += 1
        if len(due) < TICK_BATCH:
            return handled


async def _confirmed(session: AsyncSession, reminder: Reminder, now: datetime):
    """(signup, event, resident) while the volunteer still has a place and it has not started."""
    signup = await session.get(Signup, reminder.signup_id)
    event = await session.get(DugnadEvent, reminder.event_id)
    if signup is None or event is None or signup.status != SIGNUP_CONFIRMED:
        return None
    if event.status != EVENT_SCHEDULED or event.start_at <= now:
        return None  # it became due while we were down, and the day has begun: too late
    return signup, event, await session.get(Resident, signup.resident_id)


async def _day_before(session: AsyncSession, reminder: Reminder, app: App, now: datetime) -> bool:
    timezone = app.settings.timezone
    found = await _confirmed(session, reminder, now)
    if found is None or now >= found[1].start_at - BEFORE_START:
        return False  # overdue so long that the two-hour reminder says it better
    _signup, event, resident = found
    t = Text(resident.locale, timezone)
    text = t._(
        "Reminder: the dugnad “{title}” is {when}, at {place}. See you there!",
        title=t.ltr(services.event_title(event, resident.locale)), when=t.datetime(event.start_at), place=t.ltr(event.place),
    )
    return await services.enqueue(session, resident, EVENT_24H, text, not_before=now) is not None


async def _starting_soon(session: AsyncSession, reminder: Reminder, app: App, now: datetime) -> bool:
    timezone = app.settings.timezone
    found = await _confirmed(session, reminder, now)
    if found is None:
        return False
    _signup, event, resident = found
    t = Text(resident.locale, timezone)
    text = t._(
        "Soon! The dugnad “{title}” starts at {time}, at {place}.",
        title=t.ltr(services.event_title(event, resident.locale)), time=t.time(event.start_at), place=t.ltr(event.place),
    )
    # The one message that may break quiet hours: a volunteer on the way must know.
    return await services.enqueue(session, resident, EVENT_2H, text, priority=OUTBOX_PRIORITY_URGENT, not_before=now) is not None


async def _offer_lapsed(session: AsyncSession, reminder: Reminder, app: App, now: datetime) -> bool:
    timezone = app.settings.timezone
    signup = await session.get(Signup, reminder.signup_id)
    if signup is None or signup.status != SIGNUP_OFFERED:
        return False  # taken or cancelled in time
    event = await session.get(DugnadEvent, signup.event_id)
    signup.status, signup.offer_expires_at, signup.queued_at, signup.updated_at = "waitlisted", None, now, now
    await session.flush()
    if event.status == EVENT_SCHEDULED and event.start_at > now + services.OFFER_LAST_CALL:
        await services.offer_freed_place(session, event, timezone=timezone, now=now, skip=signup.id)
    return True


async def _thanks(session: AsyncSession, reminder: Reminder, app: App, now: datetime) -> bool:
    timezone = app.settings.timezone
    event = await session.get(DugnadEvent, reminder.event_id)
    if event is None or event.status != EVENT_SCHEDULED:
        return False
    came = (
        await session.execute(
            select(Signup, Resident)
            .join(Resident, Resident.id == Signup.resident_id)
            .where(Signup.event_id == event.id, Signup.status == SIGNUP_ATTENDED)
        )
    ).all()
    if not came:
        return False
    neighbours, hours = await year_totals(session, event.area_slug, event.start_at, timezone)
    area = app.areas.get(event.area_slug)
    area_name = area.name if area else event.area_slug
    for signup, resident in came:
        t = Text(resident.locale, timezone)
        own = round(signup.hours or (event.end_at - event.start_at).total_seconds() / 3600, 1)
        text = t.ngettext("Thank you for coming to “{title}”! You gave {n} hour.",
                          "Thank you for coming to “{title}”! You gave {n} hours.",
                          own, title=t.ltr(services.event_title(event, resident.locale)))
        # Two numbers, two plurals: the sentence agrees with the neighbours, and the hours
        # come as a phrase of their own.
        # Translators: {hours} is the phrase "{n} hours", translated on its own.
        text += "\n" + t.ngettext(
            "This year, {n} neighbour gave {hours} in {area}.",
            "This year, {n} neighbours gave {hours} in {area}.",
            neighbours, hours=hours_given(t, round(hours)), area=t.ltr(area_name),
        )
        await services.enqueue(session, resident, THANKS, text, not_before=now)
    return True


def hours_given(t: Text, hours: float) -> str:
    # Translators: what neighbours gave, in "This year, {n} neighbours gave
    # {hours} in {area}.": the object of "gave".
    return t.ngettext("{n} hour", "{n} hours", hours)


async def year_totals(session: AsyncSession, area_slug: str, moment: datetime, timezone: str) -> tuple[int, float]:
    """(neighbours who came, hours given) in the area in the local calendar year of `moment`.
    Hours not logged count as the event's length."""
    zone = ZoneInfo(timezone)
    year = moment.astimezone(zone).year
    rows = (
        await session.execute(
            select(Signup.resident_id, Signup.hours, DugnadEvent.start_at, DugnadEvent.end_at)
            .join(DugnadEvent, DugnadEvent.id == Signup.event_id)
            .where(
                DugnadEvent.area_slug == area_slug,
                Signup.status == SIGNUP_ATTENDED,
                DugnadEvent.start_at >= datetime(year, 1, 1, tzinfo=zone),
                DugnadEvent.start_at < datetime(year + 1, 1, 1, tzinfo=zone),
            )
        )
    ).all()
    hours = sum(h if h is not None else (end - start).total_seconds() / 3600 for _r, h, start, end in rows)
    return len({r for r, *_ in rows}), hours


async def _follow_up(session: AsyncSession, reminder: Reminder, app: App, now: datetime) -> bool:
    timezone = app.settings.timezone
    idea = await session.get(Idea, reminder.idea_id)
    if idea is None or idea.status != IDEA_RECEIVED or idea.author_id is None:
        return False  # answered in time, or its author left
    resident = await session.get(Resident, idea.author_id)
    t = Text(resident.locale, timezone)
    text = t._("We have not forgotten your idea {ref}. The district is still looking at it. Thank you for waiting.",
               ref=t.ref("I", idea.id))
    return await services.enqueue(session, resident, IDEA_FOLLOWUP, text, not_before=now) is not None


HANDLERS = {
    EVENT_24H: _day_before,
    EVENT_2H: _starting_soon,
    OFFER_EXPIRY: _offer_lapsed,
    THANKS: _thanks,
    IDEA_FOLLOWUP: _follow_up,
}
