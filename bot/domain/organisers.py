"""Residents who organise: a dugnad proposed in chat, staff approving it (a dugnad is
made with the resident named as organiser) or declining it, what the organiser may see of
their volunteers, and the pace of their messages to them.

An organiser sees counts (places taken, free, waiting), never who signed up; volunteers
get the organiser's words through Benken, never an address, and cannot answer them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    EVENT_SCHEDULED,
    PROPOSAL_APPROVED,
    PROPOSAL_DECLINED,
    PROPOSAL_PROPOSED,
    SIGNUP_CONFIRMED,
    SIGNUP_OFFERED,
    SIGNUP_WAITLISTED,
    DugnadEvent,
    DugnadProposal,
    OrganiserMessage,
    Reminder,
    Resident,
    Signup,
    utcnow,
)
from ..text.resident import DEFAULT_LOCALE
from . import dugnad
from .queries import places_taken_column, waiting_column

PROPOSAL_REF = "P"  # P-3: a proposed dugnad, as residents and staff quote it
# One message at a time: an organiser may write to their volunteers again a day after the
# last one (a plan changes once a day, not once an hour; nobody is spammed).
MESSAGE_GAP = timedelta(hours=24)
ORGANISER_MESSAGE = "organiser_message"  # the reminder kind that queues an organiser's words
MESSAGE_RECIPIENTS = (SIGNUP_CONFIRMED, SIGNUP_OFFERED, SIGNUP_WAITLISTED)  # coming, or hoping to


class ProposalRefused(ValueError):
    """The proposal cannot be approved or declined (decided already); says why."""


@dataclass(frozen=True)
class ProposalDraft:
    what: str
    place: str
    when_text: str
    hands: int
    organiser_name: str


async def propose_dugnad(
    session: AsyncSession, resident: Resident, draft: ProposalDraft, *, now: datetime | None = None
) -> DugnadProposal:
    """Save a resident's proposed dugnad for staff to approve or decline."""
    proposal = DugnadProposal(
        resident_id=resident.id, area_slug=resident.area_slug, locale=resident.locale or DEFAULT_LOCALE,
        status=PROPOSAL_PROPOSED, created_at=now or utcnow(), **vars(draft),
    )
    session.add(proposal)
    await session.flush()
    return proposal


async def open_proposals(session: AsyncSession, area_slugs: list[str]) -> list[DugnadProposal]:
    """Proposals waiting for staff in the areas, oldest first."""
    rows = await session.execute(
        select(DugnadProposal)
        .where(DugnadProposal.area_slug.in_(area_slugs), DugnadProposal.status == PROPOSAL_PROPOSED)
        .order_by(DugnadProposal.id)
    )
    return list(rows.scalars())


def _undecided(proposal: DugnadProposal) -> None:
    if proposal.status != PROPOSAL_PROPOSED:
        raise ProposalRefused(f"{PROPOSAL_REF}-{proposal.id} is {proposal.status} already")


async def approve_proposal(
    session: AsyncSession,
    proposal: DugnadProposal,
    *,
    start_at: datetime,
    end_at: datetime,
    timezone: str,
    title: str | None = None,
    place: str | None = None,
    capacity: int | None = None,
    staff_id: int | None = None,
    now: datetime | None = None,
) -> DugnadEvent:
    """Make the dugnad: staff set the times and may adjust title, place and places; the
    resident is its organiser. Returns the event, open for sign-ups like any other."""
    _undecided(proposal)
    if end_at <= start_at:
        raise ProposalRefused("the end must be after the start")
    # The resident's words in their language; a title staff give is in Norwegian.
    titles = {DEFAULT_LOCALE: title.strip()} if title else {proposal.locale: proposal.what}
    event = await dugnad.create_event(
        session, area_slug=proposal.area_slug, titles=titles,
        place=(place or proposal.place).strip(), start_at=start_at, end_at=end_at,
        capacity=capacity or proposal.hands, timezone=timezone,
    )
    event.organiser_id, event.organiser_name = proposal.resident_id, proposal.organiser_name
    proposal.status, proposal.event_id, proposal.staff_id = PROPOSAL_APPROVED, event.id, staff_id
    proposal.decided_at = now or utcnow()
    return event


async def decline_proposal(
    session: AsyncSession, proposal: DugnadProposal, *, note: str | None, staff_id: int | None = None,
    now: datetime | None = None,
) -> DugnadProposal:
    _undecided(proposal)
    proposal.status, proposal.note, proposal.staff_id = PROPOSAL_DECLINED, (note or "").strip() or None, staff_id
    proposal.decided_at = now or utcnow()
    return proposal


async def resident_proposals(session: AsyncSession, resident: Resident) -> list[DugnadProposal]:
    """The resident's proposals not yet decided, oldest first."""
    rows = await session.execute(
        select(DugnadProposal)
        .where(DugnadProposal.resident_id == resident.id, DugnadProposal.status == PROPOSAL_PROPOSED)
        .order_by(DugnadProposal.id)
    )
    return list(rows.scalars())


async def organised_events(
    session: AsyncSession, resident: Resident, *, now: datetime | None = None
) -> list[tuple[DugnadEvent, int, int]]:
    """The coming dugnads the resident organises, soonest first, with (places taken,
    waiting): counts only."""
    rows = await session.execute(
        select(DugnadEvent, places_taken_column(), waiting_column())
        .where(
            DugnadEvent.organiser_id == resident.id, DugnadEvent.status == EVENT_SCHEDULED,
            DugnadEvent.end_at > (now or utcnow()),
        )
        .order_by(DugnadEvent.start_at)
    )
    return [(event, taken, waiting) for event, taken, waiting in rows.all()]


async def volunteers(session: AsyncSession, event: DugnadEvent) -> list[Resident]:
    """Who an organiser's message reaches: signed up, offered a place or waiting, not
    opted out, and not the organiser."""
    rows = await session.execute(
        select(Resident)
        .join(Signup, Signup.resident_id == Resident.id)
        .where(
            Signup.event_id == event.id, Signup.status.in_(MESSAGE_RECIPIENTS), Resident.opted_out.is_(False),
            Resident.id != event.organiser_id,
        )
        .order_by(Signup.id)
    )
    return list(rows.scalars())


async def next_message_at(session: AsyncSession, event: DugnadEvent) -> datetime | None:
    """When the organiser may write again; None when they may now (or never wrote)."""
    last = (
        await session.execute(
            select(OrganiserMessage.created_at).where(OrganiserMessage.event_id == event.id)
            .order_by(OrganiserMessage.created_at.desc()).limit(1)
        )
    ).scalar_one_or_none()
    return last + MESSAGE_GAP if last is not None else None


async def write_to_volunteers(
    session: AsyncSession, event: DugnadEvent, resident: Resident, text: str, *, now: datetime | None = None
) -> OrganiserMessage:
    """Keep the organiser's message and leave a reminder due now: the tick queues it to
    each volunteer in the outbox (quiet hours and rate limits as any message)."""
    now = now or utcnow()
    if event.organiser_id != resident.id:
        raise ProposalRefused("only the organiser writes to the volunteers")
    message = OrganiserMessage(event_id=event.id, resident_id=resident.id, text=text, sent_to=0, created_at=now)
    session.add(message)
    session.add(Reminder(kind=ORGANISER_MESSAGE, due_at=now, event_id=event.id))
    await session.flush()
    return message


async def unqueued_messages(session: AsyncSession, event_id: int) -> list[OrganiserMessage]:
    rows = await session.execute(
        select(OrganiserMessage)
        .where(OrganiserMessage.event_id == event_id, OrganiserMessage.queued_at.is_(None))
        .order_by(OrganiserMessage.id)
    )
    return list(rows.scalars())


async def event_messages(session: AsyncSession, event_id: int) -> list[OrganiserMessage]:
    """What the organiser wrote to the volunteers, oldest first (for staff)."""
    rows = await session.execute(
        select(OrganiserMessage).where(OrganiserMessage.event_id == event_id).order_by(OrganiserMessage.id)
    )
    return list(rows.scalars())
