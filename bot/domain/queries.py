"""Queries more than one part of Benken asks, written once: references, places taken,
supporters, staff answers and periods."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    IDEA_RECEIVED,
    SIGNUP_HOLDS_PLACE,
    SIGNUP_WAITLISTED,
    DugnadEvent,
    Idea,
    IdeaStatusChange,
    IdeaSupport,
    Signup,
)

# Reference prefixes residents and staff quote: I-12 an idea, S-3 a safety report, D-7 a
# dugnad sign-up.
IDEA_REF, SAFETY_REF, SIGNUP_REF = "I", "S", "D"


def upsert(session: AsyncSession):
    """The dialect's INSERT, for INSERT … ON CONFLICT DO NOTHING."""
    return postgresql_insert if session.bind.dialect.name == "postgresql" else sqlite_insert


def ref(prefix: str, number: int) -> str:
    return f"{prefix}-{number}"


def parse_ref(raw: str, prefix: str) -> int | None:
    """The number in "12", "I-12" or "i-12" (for prefix "I"); None when it is not one."""
    number = raw.strip().upper().removeprefix(f"{prefix}-").lstrip("#")
    return int(number) if number.isdigit() else None


def during(column, since: datetime, until: datetime):
    """A half-open period, [since, until): back-to-back periods count every moment once."""
    return and_(column >= since, column < until)


def signups_counted(statuses: tuple[str, ...]):
    """The number of an event's sign-ups in `statuses`, as a column beside DugnadEvent."""
    return (
        select(func.count(Signup.id))
        .where(Signup.event_id == DugnadEvent.id, Signup.status.in_(statuses))
        .scalar_subquery()
    )


def places_taken_column():
    """Places taken at an event (confirmed, offered, attended), beside DugnadEvent."""
    return signups_counted(SIGNUP_HOLDS_PLACE)


def waiting_column():
    """Volunteers on an event's waiting list, beside DugnadEvent."""
    return signups_counted((SIGNUP_WAITLISTED,))


async def places_taken(session: AsyncSession, event_id: int) -> int:
    return (
        await session.execute(
            select(func.count(Signup.id)).where(Signup.event_id == event_id, Signup.status.in_(SIGNUP_HOLDS_PLACE))
        )
    ).scalar_one()


def supporters_column():
    """An idea's number of supporters, as a column beside Idea."""
    return select(func.count(IdeaSupport.id)).where(IdeaSupport.idea_id == Idea.id).scalar_subquery()


async def supporters(session: AsyncSession, idea_id: int) -> int:
    return (
        await session.execute(select(func.count(IdeaSupport.id)).where(IdeaSupport.idea_id == idea_id))
    ).scalar_one()


def is_answer():
    """A status change that is a staff answer. The submission itself is recorded as a
    'received' change at the idea's own creation time; anything else is an answer, even
    'received' again with a note."""
    return or_(
        IdeaStatusChange.created_at > Idea.created_at,
        IdeaStatusChange.status != IDEA_RECEIVED,
        IdeaStatusChange.note.is_not(None),
        IdeaStatusChange.staff_id.is_not(None),
    )


def unanswered():
    """Ideas still waiting for their first staff answer (beside Idea)."""
    answered = select(IdeaStatusChange.id).where(IdeaStatusChange.idea_id == Idea.id, is_answer()).exists()
    return and_(Idea.status == IDEA_RECEIVED, ~answered)
