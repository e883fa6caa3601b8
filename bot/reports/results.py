"""The public "you said, we did" page of an area, as data: the ideas staff published (with
their public summary, status and whether a photo may be shown), the dugnads held and the
hours given, and the participation ladder's figures, for the last 12 months.

Public: no sign-in. Nothing here reads a resident's name, address, own words or the time
of a safety report: ideas by staff's summary, dugnads by title, everything else counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.dugnad import hours_given
from ..domain.publishing import published_ideas
from ..domain.queries import during
from ..models import EVENT_SCHEDULED, SIGNUP_ATTENDED, DugnadEvent, Idea, Signup
from .impact import Ladder, measure

PERIOD = timedelta(days=365)  # the "last 12 months"


@dataclass(frozen=True)
class HeldDugnad:
    event: DugnadEvent
    volunteers: int
    hours: float


@dataclass(frozen=True)
class Results:
    area_slug: str
    since: datetime
    until: datetime
    ideas: list[Idea]
    dugnads: list[HeldDugnad]
    volunteers: int  # unique residents who came to a dugnad of the area
    hours: float
    ladder: Ladder


async def area_results(session: AsyncSession, area_slug: str, *, now: datetime, timezone: str) -> Results:
    since = now - PERIOD
    figures = await measure(session, area_slugs=[area_slug], since=since, until=now, timezone=timezone)
    events = (await session.execute(
        select(DugnadEvent)
        .where(DugnadEvent.area_slug == area_slug, DugnadEvent.status == EVENT_SCHEDULED,
               during(DugnadEvent.start_at, since, now))
        .order_by(DugnadEvent.start_at.desc())
    )).scalars().all()
    came = (await session.execute(
        select(Signup).where(Signup.event_id.in_([e.id for e in events]), Signup.status == SIGNUP_ATTENDED)
    )).scalars().all() if events else []
    held = [
        HeldDugnad(event, sum(1 for s in came if s.event_id == event.id),
                   sum(hours_given(s, event) for s in came if s.event_id == event.id))
        for event in events
    ]
    return Results(
        area_slug=area_slug, since=since, until=now,
        ideas=await published_ideas(session, area_slug, since=since),
        dugnads=held, volunteers=figures.volunteers, hours=figures.volunteer_hours, ladder=figures.ladder,
    )
