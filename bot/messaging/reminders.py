"""Scheduled work kept in the database: dugnad reminders, offers of a freed place and their
lapsing, thanks the day after, the follow-up promised on every idea, and "Is it fixed?"
after one is done (followups.py).

A tick claims due `reminders` rows (FOR UPDATE SKIP LOCKED on PostgreSQL, and an
`UPDATE … WHERE status = 'pending'` whose row count must be 1 on every backend) and, in the
same transaction, queues what they say in the outbox. A crash before the commit leaves
them pending for the next tick; after it, they are done: never dropped, never repeated.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import dugnad, followup, organisers
from ..domain.schedule import BEFORE_START, EVENT_24H, EVENT_2H, IDEA_FOLLOWUP, OFFER_EXPIRY, OFFER_MADE, THANKS
from ..models import (
    EVENT_SCHEDULED,
    IDEA_RECEIVED,
    OUTBOX_PRIORITY_URGENT,
    REMINDER_CLAIMED,
    REMINDER_DONE,
    REMINDER_DROPPED,
    REMINDER_PENDING,
    SIGNUP_CONFIRMED,
    SIGNUP_OFFERED,
    DugnadEvent,
    Idea,
    Reminder,
    Resident,
    Signup,
    utcnow,
)
from ..text.resident import Text
from . import followups, notices
from .inbox import forget_old_inbound
from .outbox import enqueue

if TYPE_CHECKING:
    from ..app import App

log = logging.getLogger(__name__)

TICK_BATCH = 100


async def tick(app: App, *, now: datetime | None = None) -> int:
    """Handle every due reminder, and forget what no longer needs keeping; returns how
    many reminders were handled (sent or dropped)."""
    now = now or utcnow()
    async with app.sessions() as session, session.begin():
        await forget_old_inbound(session, now=now)
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
        # Handling may make reminders due at once (a lapsed offer goes on to the next on
        # the waiting list): they are handled in this tick too.
        if not due:
            return handled


async def _confirmed(session: AsyncSession, reminder: Reminder, now: datetime):
    """(event, resident) while the volunteer still has a place and it has not started."""
    signup = await session.get(Signup, reminder.signup_id)
    event = await session.get(DugnadEvent, reminder.event_id)
    if signup is None or event is None or signup.status != SIGNUP_CONFIRMED:
        return None
    if event.status != EVENT_SCHEDULED or event.start_at <= now:
        return None  # it became due while we were down, and the day has begun: too late
    return event, await session.get(Resident, signup.resident_id)


async def _day_before(session: AsyncSession, reminder: Reminder, app: App, now: datetime) -> bool:
    found = await _confirmed(session, reminder, now)
    if found is None or now >= found[0].start_at - BEFORE_START:
        return False  # overdue so long that the two-hour reminder says it better
    event, resident = found
    text = notices.day_before(Text(resident.locale, app.settings.timezone), event)
    return await enqueue(session, resident, EVENT_24H, text, not_before=now) is not None


async def _starting_soon(session: AsyncSession, reminder: Reminder, app: App, now: datetime) -> bool:
    found = await _confirmed(session, reminder, now)
    if found is None:
        return False
    event, resident = found
    text = notices.starting_soon(Text(resident.locale, app.settings.timezone), event)
    # The one message that may break quiet hours: a volunteer on the way must know.
    return await enqueue(session, resident, EVENT_2H, text, priority=OUTBOX_PRIORITY_URGENT, not_before=now) is not None


async def _offer_made(session: AsyncSession, reminder: Reminder, app: App, now: datetime) -> bool:
    signup = await session.get(Signup, reminder.signup_id)
    if signup is None or signup.status != SIGNUP_OFFERED:
        return False  # taken, cancelled or lapsed before we could tell
    event = await session.get(DugnadEvent, signup.event_id)
    resident = await session.get(Resident, signup.resident_id)
    text = notices.place_offered(Text(resident.locale, app.settings.timezone), event, signup.offer_expires_at)
    return await enqueue(session, resident, "waitlist_offer", text, not_before=now) is not None


async def _offer_lapsed(session: AsyncSession, reminder: Reminder, app: App, now: datetime) -> bool:
    signup = await session.get(Signup, reminder.signup_id)
    if signup is None:
        return False
    return await dugnad.lapse_offer(session, signup, timezone=app.settings.timezone, now=now)


async def _thanks(session: AsyncSession, reminder: Reminder, app: App, now: datetime) -> bool:
    timezone = app.settings.timezone
    event = await session.get(DugnadEvent, reminder.event_id)
    if event is None or event.status != EVENT_SCHEDULED:
        return False
    came = await dugnad.attended(session, event.id)
    if not came:
        return False
    neighbours, hours = await dugnad.year_totals(session, event.area_slug, event.start_at, timezone)
    area = app.areas.get(event.area_slug)
    area_name = area.name if area else event.area_slug
    for signup, resident in came:
        t = Text(resident.locale, timezone)
        text = notices.thanks(t, event, dugnad.hours_given(signup, event), neighbours, hours, area_name)
        await enqueue(session, resident, THANKS, text, not_before=now)
    return True


async def _follow_up(session: AsyncSession, reminder: Reminder, app: App, now: datetime) -> bool:
    idea = await session.get(Idea, reminder.idea_id)
    if idea is None or idea.status != IDEA_RECEIVED or idea.author_id is None:
        return False  # answered in time, or its author left
    resident = await session.get(Resident, idea.author_id)
    text = notices.idea_follow_up(Text(resident.locale, app.settings.timezone), idea)
    return await enqueue(session, resident, IDEA_FOLLOWUP, text, not_before=now) is not None


async def _organiser_message(session: AsyncSession, reminder: Reminder, app: App, now: datetime) -> bool:
    """An organiser's words to their volunteers (bot/domain/organisers.py), queued now."""
    event = await session.get(DugnadEvent, reminder.event_id)
    written = await organisers.unqueued_messages(session, reminder.event_id)
    if event is None or event.status != EVENT_SCHEDULED or not written:
        return False
    volunteers = await organisers.volunteers(session, event)
    for message in written:
        message.sent_to = await notices.organiser_message(
            session, event, message.text, volunteers, timezone=app.settings.timezone, now=now
        )
        message.queued_at = now
    return True


HANDLERS = {
    EVENT_24H: _day_before,
    EVENT_2H: _starting_soon,
    OFFER_MADE: _offer_made,
    OFFER_EXPIRY: _offer_lapsed,
    THANKS: _thanks,
    IDEA_FOLLOWUP: _follow_up,
    organisers.ORGANISER_MESSAGE: _organiser_message,
    followup.IDEA_FIXED: followups.ask_fixed,
    followup.IDEA_REOPENED: followups.tell_reopened,
}
