"""Domain services: plain async functions that take the session first.

They change the database and queue proactive messages; they never talk to a channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.labels import ANSWER_TEMPLATES, SEASONS, answer_template, idea_statuses

from . import schedule
from .areas import Area, Areas
from .i18n import DEFAULT_LOCALE, Text
from .quiet import next_morning
from .models import (
    EVENT_CANCELLED,
    EVENT_SCHEDULED,
    IDEA_DECLINED,
    IDEA_DONE,
    IDEA_IN_PROGRESS,
    IDEA_OPEN_STATUSES,
    IDEA_PLANNED,
    IDEA_RECEIVED,
    IDEA_REVIEWING,
    OUTBOX_CANCELLED,
    OUTBOX_PENDING,
    OUTBOX_PRIORITY_BULK,
    OUTBOX_PRIORITY_REPLY,
    SIGNUP_ATTENDED,
    SIGNUP_CANCELLED,
    SIGNUP_CONFIRMED,
    SIGNUP_HOLDS_PLACE,
    SIGNUP_OFFERED,
    SIGNUP_WAITLISTED,
    ConversationState,
    DugnadEvent,
    Idea,
    IdeaStatusChange,
    IdeaSupport,
    InboundMessage,
    OutboxMessage,
    Reminder,
    Resident,
    SafetyReport,
    Signup,
    Staff,
    StaffArea,
    utcnow,
)

# How long a resident offered a freed place has to take it, and the margin before the
# start after which an offer is pointless (the default; shorter close to the day).
OFFER_HOLD = timedelta(hours=12)
OFFER_LAST_CALL = timedelta(hours=1)
SIGNUP_REMINDERS = (schedule.EVENT_24H, schedule.EVENT_2H, schedule.OFFER_EXPIRY)


# Set in a session's `info` by a service whose result must not be tied to the sender of
# the message being handled (an anonymous safety report): the inbound log row then keeps
# no resident and no reply.
UNLINK_INBOUND = "benken.unlink_inbound"


# Residents ------------------------------------------------------------------------------


async def find_or_create_resident(
    session: AsyncSession,
    channel: str,
    *,
    telegram_id: int | None = None,
    phone: str | None = None,
    locale: str | None = None,
    now: datetime | None = None,
) -> tuple[Resident, bool]:
    """The resident behind a channel address, created on first contact; (resident, is_new)."""
    now = now or utcnow()
    column, value = (Resident.telegram_id, telegram_id) if channel == "telegram" else (Resident.phone, phone)
    resident = (await session.execute(select(Resident).where(column == value))).scalar_one_or_none()
    if resident is not None:
        resident.last_seen = now
        return resident, False
    # Two first messages from one new number can arrive at once: the second insert does
    # nothing (it waits for the first on PostgreSQL) and the row is read back instead.
    insert = postgresql_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    new_id = (
        await session.execute(
            insert(Resident)
            .values(channel=channel, telegram_id=telegram_id, phone=phone, locale=locale, first_seen=now,
                    last_seen=now, opted_out=False)
            .on_conflict_do_nothing(index_elements=[column])
            .returning(Resident.id)
        )
    ).scalar_one_or_none()
    if new_id is None:
        return (await session.execute(select(Resident).where(column == value))).scalar_one(), False
    return await session.get(Resident, new_id), True


async def set_opted_out(session: AsyncSession, resident: Resident, opted_out: bool) -> None:
    """STOP / START: while opted out, queued proactive messages are cancelled."""
    resident.opted_out = opted_out
    if opted_out:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.resident_id == resident.id, OutboxMessage.status == OUTBOX_PENDING)
            .values(status=OUTBOX_CANCELLED)
        )


async def enqueue(
    session: AsyncSession,
    resident: Resident,
    kind: str,
    text: str,
    *,
    priority: int = OUTBOX_PRIORITY_BULK,
    not_before: datetime | None = None,
) -> OutboxMessage | None:
    """Queue a proactive message for the sender; nothing for a resident who opted out."""
    if resident.opted_out:
        return None
    message = OutboxMessage(
        resident_id=resident.id, kind=kind, text=text, priority=priority, not_before=not_before or utcnow()
    )
    session.add(message)
    return message


# Ideas ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdeaDraft:
    text: str
    category: str
    place_text: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    photo_ref: str | None = None
    wants_to_help: bool = False


async def submit_idea(
    session: AsyncSession, resident: Resident, area: Area, draft: IdeaDraft, *, timezone: str, now: datetime | None = None
) -> Idea:
    """Save an idea with the date its author was promised an answer by."""
    now = now or utcnow()
    local_today = now.astimezone(ZoneInfo(timezone)).date()
    idea = Idea(
        author_id=resident.id,
        area_slug=area.slug,
        locale=resident.locale or DEFAULT_LOCALE,
        status=IDEA_RECEIVED,
        answer_due=local_today + timedelta(days=area.answer_days),
        created_at=now,
        **vars(draft),
    )
    session.add(idea)
    await session.flush()
    session.add(IdeaStatusChange(idea_id=idea.id, status=IDEA_RECEIVED, created_at=now))
    schedule.schedule_idea(session, idea, timezone)
    return idea


async def area_ideas(session: AsyncSession, area_slug: str, *, limit: int = 50) -> list[tuple[Idea, int]]:
    """Open ideas of an area, most supported first, with their number of supporters."""
    supporters = func.count(IdeaSupport.id).label("supporters")
    rows = await session.execute(
        select(Idea, supporters)
        .outerjoin(IdeaSupport, IdeaSupport.idea_id == Idea.id)
        .where(Idea.area_slug == area_slug, Idea.status.in_(IDEA_OPEN_STATUSES))
        .group_by(Idea.id)
        .order_by(supporters.desc(), Idea.id.desc())
        .limit(limit)
    )
    return [(idea, count) for idea, count in rows.all()]


async def supported_idea_ids(session: AsyncSession, resident: Resident) -> set[int]:
    rows = await session.execute(select(IdeaSupport.idea_id).where(IdeaSupport.resident_id == resident.id))
    return set(rows.scalars())


async def support_idea(session: AsyncSession, resident: Resident, idea_id: int) -> bool:
    """Back an idea; False when the resident already does (one support each)."""
    if idea_id in await supported_idea_ids(session, resident):
        return False
    session.add(IdeaSupport(idea_id=idea_id, resident_id=resident.id))
    await session.flush()
    return True


async def resident_ideas(
    session: AsyncSession, resident: Resident
) -> list[tuple[Idea, IdeaStatusChange | None]]:
    """The resident's own ideas, newest first, each with the staff's latest answer (a
    change with a ready-made answer or their own words)."""
    ideas = (
        await session.execute(select(Idea).where(Idea.author_id == resident.id).order_by(Idea.id.desc()))
    ).scalars().all()
    answers: dict[int, IdeaStatusChange] = {}
    if ideas:
        changes = await session.execute(
            select(IdeaStatusChange)
            .where(
                IdeaStatusChange.idea_id.in_([i.id for i in ideas]),
                (IdeaStatusChange.note.is_not(None)) | (IdeaStatusChange.template.is_not(None)),
            )
            .order_by(IdeaStatusChange.id)
        )
        for change in changes.scalars():
            answers[change.idea_id] = change
    return [(idea, answers.get(idea.id)) for idea in ideas]


# Safety ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SafetyDraft:
    time_of_day: str
    category: str
    place_text: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    details: str | None = None


async def report_safety(
    session: AsyncSession,
    resident: Resident,
    area_slug: str,
    draft: SafetyDraft,
    *,
    anonymous: bool,
    timezone: str,
    now: datetime | None = None,
) -> SafetyReport:
    """Save a safety report. An anonymous one keeps no resident and only the day it came."""
    now = now or utcnow()
    if anonymous:
        # The message that sent it must not point back to the resident either.
        session.info[UNLINK_INBOUND] = True
    report = SafetyReport(
        resident_id=None if anonymous else resident.id,
        anonymous=anonymous,
        area_slug=area_slug,
        locale=resident.locale or DEFAULT_LOCALE,
        reported_on=now.astimezone(ZoneInfo(timezone)).date(),
        **vars(draft),
    )
    session.add(report)
    await session.flush()
    return report


# Dugnad ---------------------------------------------------------------------------------


class EventUnavailable(Exception):
    """The event is cancelled, has started, or does not exist."""


def event_title(event: DugnadEvent, locale: str | None) -> str:
    """The staff-written title in the reader's language, else Norwegian, else any."""
    titles = event.titles or {}
    return titles.get(locale or "") or titles.get(DEFAULT_LOCALE) or next(iter(titles.values()), "")


async def places_taken(session: AsyncSession, event_id: int) -> int:
    return (
        await session.execute(
            select(func.count(Signup.id)).where(Signup.event_id == event_id, Signup.status.in_(SIGNUP_HOLDS_PLACE))
        )
    ).scalar_one()


async def upcoming_events(
    session: AsyncSession, area_slug: str, *, now: datetime | None = None, limit: int = 9
) -> list[tuple[DugnadEvent, int]]:
    """Scheduled events in an area that have not started, soonest first, with places taken."""
    now = now or utcnow()
    taken = (
        select(func.count(Signup.id))
        .where(Signup.event_id == DugnadEvent.id, Signup.status.in_(SIGNUP_HOLDS_PLACE))
        .scalar_subquery()
    )
    rows = await session.execute(
        select(DugnadEvent, taken)
        .where(DugnadEvent.area_slug == area_slug, DugnadEvent.status == EVENT_SCHEDULED, DugnadEvent.start_at > now)
        .order_by(DugnadEvent.start_at)
        .limit(limit)
    )
    return [(event, count) for event, count in rows.all()]


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


async def _active_signups(session: AsyncSession, event_id: int) -> list[tuple[Signup, Resident]]:
    rows = await session.execute(
        select(Signup, Resident)
        .join(Resident, Resident.id == Signup.resident_id)
        .where(Signup.event_id == event_id, Signup.status.in_((SIGNUP_CONFIRMED, SIGNUP_WAITLISTED, SIGNUP_OFFERED)))
    )
    return [(signup, resident) for signup, resident in rows.all()]


async def cancel_event(session: AsyncSession, event: DugnadEvent, *, timezone: str, now: datetime | None = None) -> int:
    """Cancel a dugnad and tell everyone signed up (or waiting); returns how many."""
    now = now or utcnow()
    event.status = EVENT_CANCELLED
    await schedule.drop(session, now=now, event_id=event.id, kinds=(*SIGNUP_REMINDERS, schedule.THANKS))
    told = 0
    for signup, resident in await _active_signups(session, event.id):
        signup.status, signup.updated_at, signup.offer_expires_at = SIGNUP_CANCELLED, now, None
        t = Text(resident.locale, timezone)
        text = t._(
            "Sorry! The dugnad “{title}” on {when} is cancelled. Thank you for wanting to help.",
            title=t.ltr(event_title(event, resident.locale)),
            when=t.datetime(event.start_at),
        )
        told += await enqueue(session, resident, "event_cancelled", text, priority=OUTBOX_PRIORITY_REPLY, not_before=now) is not None
    return told


async def change_event(
    session: AsyncSession,
    event: DugnadEvent,
    *,
    timezone: str,
    start_at: datetime | None = None,
    end_at: datetime | None = None,
    place: str | None = None,
    now: datetime | None = None,
) -> int:
    """Move a dugnad in time or place; everyone signed up is told, reminders follow."""
    now = now or utcnow()
    event.start_at, event.end_at, event.place = start_at or event.start_at, end_at or event.end_at, place or event.place
    if event.end_at <= event.start_at:
        raise ValueError("the end must be after the start")
    await schedule.drop(session, now=now, event_id=event.id, kinds=(schedule.EVENT_24H, schedule.EVENT_2H, schedule.THANKS))
    schedule.schedule_event(session, event, timezone)
    told = 0
    for signup, resident in await _active_signups(session, event.id):
        if signup.status == SIGNUP_CONFIRMED:
            schedule.schedule_signup(session, signup, event, now)
        t = Text(resident.locale, timezone)
        text = t._(
            "Change: the dugnad “{title}” is now {when}, at {place}.",
            title=t.ltr(event_title(event, resident.locale)),
            when=t.datetime(event.start_at),
            place=t.ltr(event.place),
        )
        told += await enqueue(session, resident, "event_changed", text, priority=OUTBOX_PRIORITY_REPLY, not_before=now) is not None
    return told


async def mark_attended(session: AsyncSession, signup: Signup, *, hours: float | None = None, now: datetime | None = None) -> None:
    """Staff log that a volunteer came; hours default to the event's length."""
    event = await session.get(DugnadEvent, signup.event_id)
    if signup.status not in (SIGNUP_CONFIRMED, SIGNUP_ATTENDED):
        raise ValueError(f"D-{signup.id} has no place ({signup.status})")
    signup.status, signup.updated_at = SIGNUP_ATTENDED, now or utcnow()
    signup.hours = hours if hours is not None else (event.end_at - event.start_at).total_seconds() / 3600


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


async def resident_signups(
    session: AsyncSession, resident: Resident, *, now: datetime | None = None
) -> list[tuple[Signup, DugnadEvent]]:
    """The resident's sign-ups for events that have not ended, soonest first."""
    now = now or utcnow()
    rows = await session.execute(
        select(Signup, DugnadEvent)
        .join(DugnadEvent, DugnadEvent.id == Signup.event_id)
        .where(
            Signup.resident_id == resident.id,
            Signup.status.in_((SIGNUP_CONFIRMED, SIGNUP_WAITLISTED, SIGNUP_OFFERED)),
            DugnadEvent.end_at > now,
        )
        .order_by(DugnadEvent.start_at)
    )
    return [(signup, event) for signup, event in rows.all()]


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
    if held_place and event.status == EVENT_SCHEDULED and event.start_at > now + OFFER_LAST_CALL:
        return await offer_freed_place(session, event, timezone=timezone, now=now)
    return None


async def offer_freed_place(
    session: AsyncSession, event: DugnadEvent, *, timezone: str, now: datetime, skip: int | None = None
) -> Signup | None:
    """Hold the freed place for the first on the waiting list (but `skip`, whose offer just
    lapsed) and queue the offer to them. The time to answer starts when the offer can be
    delivered, after quiet hours."""
    waiting = select(Signup).where(Signup.event_id == event.id, Signup.status == SIGNUP_WAITLISTED)
    if skip is not None:
        waiting = waiting.where(Signup.id != skip)
    first = (await session.execute(waiting.order_by(Signup.queued_at, Signup.id).limit(1))).scalar_one_or_none()
    if first is None:
        return None
    expires = min(next_morning(now, timezone) + OFFER_HOLD, event.start_at - OFFER_LAST_CALL)
    first.status, first.offer_expires_at, first.updated_at = SIGNUP_OFFERED, expires, now
    session.add(Reminder(kind=schedule.OFFER_EXPIRY, due_at=expires, signup_id=first.id, event_id=event.id))
    resident = await session.get(Resident, first.resident_id)
    t = Text(resident.locale, timezone)
    await enqueue(
        session,
        resident,
        "waitlist_offer",
        t._(
            "Good news! A place is free at “{title}”, {when}. "
            "It is yours if you take it by {deadline}: write “{menu}”, then “{mine}”.",
            title=t.ltr(event_title(event, resident.locale)),
            menu=t.keyword("menu"),
            mine=t._("My ideas and sign-ups"),
            when=t.datetime(event.start_at),
            deadline=f"{t.short_date(expires)} {t.time(expires)}",
        ),
        not_before=now,
    )
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


# Privacy --------------------------------------------------------------------------------


async def erase_resident(
    session: AsyncSession, resident: Resident, *, keep_ideas: bool, timezone: str, now: datetime | None = None
) -> None:
    """Delete a resident and what links to them; kept ideas lose their author.

    Places they held are offered on, as at any cancellation. Named safety reports are
    deleted; anonymous ones were never linked.
    """
    now = now or utcnow()
    for signup, _event in await resident_signups(session, resident, now=now):
        await cancel_signup(session, signup, timezone=timezone, now=now)
    if keep_ideas:
        await session.execute(update(Idea).where(Idea.author_id == resident.id).values(author_id=None))
    else:
        await session.execute(delete(Idea).where(Idea.author_id == resident.id))
    await session.execute(delete(SafetyReport).where(SafetyReport.resident_id == resident.id))
    # The rest (state, supports, sign-ups, outbox, inbound log) cascades with the row.
    await session.execute(delete(ConversationState).where(ConversationState.resident_id == resident.id))
    await session.delete(resident)
    await session.flush()


# Inbound log ----------------------------------------------------------------------------


async def record_inbound(
    session: AsyncSession, channel: str, provider_message_id: str, resident: Resident | None, kind: str
) -> int | None:
    """Log an inbound message before handling it: its log id, or None when it was seen before.

    One statement, INSERT … ON CONFLICT DO NOTHING on the unique (channel, provider id):
    a re-delivery, even one racing the first, inserts nothing and is told so."""
    values = {
        "channel": channel,
        "provider_message_id": provider_message_id,
        "resident_id": resident.id if resident else None,
        "kind": kind,
        "received_at": utcnow(),
    }
    insert = postgresql_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(InboundMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["channel", "provider_message_id"])
        .returning(InboundMessage.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def settle_inbound(session: AsyncSession, log_id: int, *, unlink: bool, reply: list | None) -> None:
    """After handling: drop the resident from the log row (an anonymous report was sent),
    or keep the answer for a re-delivery."""
    if unlink:
        values = {"resident_id": None, "reply": None}
    elif reply is not None:
        values = {"reply": reply}
    else:
        return
    await session.execute(update(InboundMessage).where(InboundMessage.id == log_id).values(**values))


async def inbound_reply(session: AsyncSession, channel: str, provider_message_id: str) -> list | None:
    """What was kept of the answer to an earlier delivery of this message."""
    return (
        await session.execute(
            select(InboundMessage.reply).where(
                InboundMessage.channel == channel, InboundMessage.provider_message_id == provider_message_id
            )
        )
    ).scalar_one_or_none()


# Staff answers ----------------------------------------------------------------------------

# Where an idea may go from each status (see Idea's docstring); a status may be repeated
# with a new note, so staff can add news without moving the idea on.
IDEA_TRANSITIONS = {
    IDEA_RECEIVED: {IDEA_RECEIVED, IDEA_REVIEWING, IDEA_PLANNED, IDEA_IN_PROGRESS, IDEA_DONE, IDEA_DECLINED},
    IDEA_REVIEWING: {IDEA_REVIEWING, IDEA_PLANNED, IDEA_IN_PROGRESS, IDEA_DONE, IDEA_DECLINED},
    IDEA_PLANNED: {IDEA_PLANNED, IDEA_IN_PROGRESS, IDEA_DONE, IDEA_DECLINED},
    IDEA_IN_PROGRESS: {IDEA_IN_PROGRESS, IDEA_DONE, IDEA_DECLINED},
    IDEA_DONE: {IDEA_DONE},
    IDEA_DECLINED: {IDEA_DECLINED, IDEA_REVIEWING},
}


class TransitionRefused(ValueError):
    """The idea cannot move to that status from where it is."""


async def set_idea_status(
    session: AsyncSession,
    idea: Idea,
    status: str,
    *,
    note: str | None,
    timezone: str,
    staff_id: int | None = None,
    template: str | None = None,
    template_param: str | None = None,
    now: datetime | None = None,
) -> int:
    """Record a staff answer and queue it to the author and every supporter, each in
    their own language: the status, the chosen ready-made answer translated, and the
    staff's own words as written. Returns how many residents will be told."""
    if template is not None and template not in ANSWER_TEMPLATES:
        raise TransitionRefused(f"unknown answer template {template!r}")
    if template in ("season", "passed_on") and not (template_param or "").strip():
        raise TransitionRefused(f"the {template} answer needs {'a season' if template == 'season' else 'an agency'}")
    if template == "season" and template_param not in SEASONS:
        raise TransitionRefused(f"season must be one of {', '.join(SEASONS)}")
    if status not in IDEA_TRANSITIONS.get(idea.status, set()):
        raise TransitionRefused(f"I-{idea.id} cannot go from {idea.status} to {status}")
    now = now or utcnow()
    note = (note or "").strip() or None
    idea.status = status
    session.add(
        IdeaStatusChange(
            idea_id=idea.id, status=status, note=note, template=template, template_param=template_param,
            staff_id=staff_id, created_at=now,
        )
    )
    supporters = (
        await session.execute(
            select(Resident).join(IdeaSupport, IdeaSupport.resident_id == Resident.id).where(IdeaSupport.idea_id == idea.id)
        )
    ).scalars().all()
    author = await session.get(Resident, idea.author_id) if idea.author_id else None
    told = 0
    for resident in ([author] if author else []) + [s for s in supporters if s.id != idea.author_id]:
        t = Text(resident.locale, timezone)
        if resident is author:
            text = t._("News about your idea {ref}: {status}.", ref=t.ref("I", idea.id), status=idea_statuses(t)[status])
        else:
            text = t._(
                "News about an idea you support, {ref}: {status}.", ref=t.ref("I", idea.id), status=idea_statuses(t)[status]
            )
        if template:
            text += "\n" + answer_template(t, template, template_param)
        if note:
            # Staff's own words go as written, marked as theirs.
            text += "\n" + t._("The district writes: {note}", note=note)
        if await enqueue(session, resident, "idea_status", text, priority=OUTBOX_PRIORITY_REPLY, not_before=now):
            told += 1
    return told


async def is_opted_out(session: AsyncSession, *, phone: str) -> bool:
    return bool(
        (await session.execute(select(Resident.opted_out).where(Resident.phone == phone))).scalar_one_or_none()
    )


# The delivery states providers report (Twilio's names).
DELIVERY_STATES = ("queued", "sending", "sent", "delivered", "undelivered", "failed", "read")


async def record_delivery(
    session: AsyncSession, provider_message_id: str, status: str, error_code: str | None, *, opted_out: bool = False
) -> bool:
    """Store a provider's delivery report on the outbox row; False for an unknown sid.
    `opted_out`: the provider says the resident unsubscribed there."""
    message = (
        await session.execute(select(OutboxMessage).where(OutboxMessage.provider_message_id == provider_message_id))
    ).scalar_one_or_none()
    if message is None or status not in DELIVERY_STATES:
        return False
    message.delivery_status = status
    if error_code:
        message.last_error = f"delivery error {error_code}"[:300]
    if opted_out:
        await set_opted_out(session, await session.get(Resident, message.resident_id), True)
    return True


# Staff -----------------------------------------------------------------------------------------


async def staff_by_telegram(session: AsyncSession, telegram_id: int) -> Staff | None:
    return (await session.execute(select(Staff).where(Staff.telegram_id == telegram_id))).scalar_one_or_none()


async def staff_area_slugs(session: AsyncSession, staff: Staff, areas: Areas) -> list[str]:
    """The areas a staff member sees and changes: all for admins, else their own."""
    if staff.is_admin:
        return [a.slug for a in areas]
    own = set((await session.execute(select(StaffArea.area_slug).where(StaffArea.staff_id == staff.id))).scalars())
    return [a.slug for a in areas if a.slug in own]


async def reachable_residents(session: AsyncSession, area_slug: str) -> list[Resident]:
    """Every resident of an area who has not opted out."""
    return list(
        (await session.execute(
            select(Resident).where(Resident.area_slug == area_slug, Resident.opted_out.is_(False)).order_by(Resident.id)
        )).scalars()
    )


async def broadcast(
    session: AsyncSession, area_slug: str, render: Callable[[Text], str], *, kind: str, timezone: str,
    now: datetime | None = None,
) -> int:
    """Queue one message to every opted-in resident of an area, each rendered in their own
    language by `render`; sent as bulk, after answers. Returns how many."""
    now = now or utcnow()
    residents = await reachable_residents(session, area_slug)
    for resident in residents:
        await enqueue(session, resident, kind, render(Text(resident.locale, timezone)), not_before=now)
    return len(residents)


async def you_said_we_did(session: AsyncSession, idea: Idea, *, timezone: str, now: datetime | None = None) -> int:
    """Tell the whole area that an idea is done: the programme's quick, visible result."""
    if idea.status != IDEA_DONE:
        raise TransitionRefused(f"I-{idea.id} is not done yet")

    def render(t: Text) -> str:
        short = idea.text if len(idea.text) <= 80 else idea.text[:79].rstrip() + "…"
        return t._(
            "You said, we did! The idea {ref} is done: “{text}”. Thank you to everyone who took part.",
            ref=t.ref("I", idea.id), text=short,
        )

    return await broadcast(session, idea.area_slug, render, kind="you_said_we_did", timezone=timezone, now=now)


async def invite_helpers(session: AsyncSession, event: DugnadEvent, *, timezone: str, now: datetime | None = None) -> int:
    """Invite residents of the event's area who said they want to help make an idea
    happen, and are not signed up already. Returns how many."""
    now = now or utcnow()
    signed = select(Signup.resident_id).where(Signup.event_id == event.id, Signup.status != SIGNUP_CANCELLED)
    helpers = (
        await session.execute(
            select(Resident)
            .join(Idea, Idea.author_id == Resident.id)
            .where(
                Idea.area_slug == event.area_slug,
                Idea.wants_to_help.is_(True),
                Resident.opted_out.is_(False),
                Resident.id.not_in(signed),
            )
            .distinct()
            .order_by(Resident.id)
        )
    ).scalars().all()
    for resident in helpers:
        t = Text(resident.locale, timezone)
        text = t._(
            "You said you want to help. Come to the dugnad “{title}”, {when}, at {place}! "
            "To sign up, write “{menu}”, then “{join}”.",
            title=t.ltr(event_title(event, resident.locale)), when=t.datetime(event.start_at), place=t.ltr(event.place),
            menu=t.keyword("menu"), join=t._("Join a dugnad"),
        )
        await enqueue(session, resident, "invitation", text, not_before=now)
    return len(helpers)


# Housekeeping -------------------------------------------------------------------------------------

REPLY_KEPT = timedelta(days=1)  # Twilio re-delivers a webhook within minutes, not days
LOG_KEPT = timedelta(days=30)  # long after any provider would deliver an update again


async def forget_old_inbound(session: AsyncSession, *, now: datetime | None = None) -> tuple[int, int]:
    """Store the least we need: answers kept for re-deliveries are dropped after a day,
    and the log of message ids after a month. Returns (answers forgotten, rows deleted)."""
    now = now or utcnow()
    replies = await session.execute(
        update(InboundMessage)
        .where(InboundMessage.reply.is_not(None), InboundMessage.received_at < now - REPLY_KEPT)
        .values(reply=None)
    )
    rows = await session.execute(delete(InboundMessage).where(InboundMessage.received_at < now - LOG_KEPT))
    return replies.rowcount, rows.rowcount
