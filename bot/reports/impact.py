"""The impact figures: what residents and staff achieved together in some areas over a
period, for programme reports ("90 residents gave 1,000 hours of dugnad").

`measure` reads the database into an `Impact` (plain numbers, no ORM objects);
impact_layout.py presents it to staff in Norwegian or English.

Like the digest, the figures are forwarded and printed, so no query here reads
Resident.phone or Resident.telegram_id: residents are counted by row id only.

Periods are half-open, [since, until). Safety reports keep only their day, so they count
from the local day `since` falls on up to, not including, the local day `until` falls on,
as in the digest. Statuses and answers are as known when measured: an idea of the period
answered after `until` counts as answered, as its current status already says.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..areas import Areas
# The digest's definitions, so that the two staff reports count the same things alike.
from ..domain.queries import during, is_answer
from ..models import (
    EVENT_SCHEDULED,
    IDEA_STATUSES,
    SAFETY_CATEGORIES,
    SAFETY_TIMES,
    SIGNUP_ATTENDED,
    SIGNUP_CANCELLED,
    DugnadEvent,
    Idea,
    IdeaStatusChange,
    Resident,
    SafetyReport,
    Signup,
)

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Ladder:
    """The participation ladder: residents on each rung in the period, and how many climbed.

    - gave_idea: authored an idea created in the period.
    - joined_dugnad: signed up in the period (any status but cancelled) for a dugnad.
    - organised: named organiser of a dugnad of the measured areas that starts in the
      period and was not cancelled: a resident proposed it in chat and staff approved it
      (DugnadEvent.organiser_id). The top rung; it replaces an earlier proxy (volunteers
      who had offered to help make an idea happen), now that Benken records organisers.
    - moved_up: joined a dugnad in the period after giving an idea earlier (before that
      sign-up: before `since` or in the period).

    Ideas and dugnads count in the measured areas, wherever the resident lives.
    """

    gave_idea: int
    joined_dugnad: int
    organised: int
    moved_up: int


@dataclass(frozen=True)
class Impact:
    area_slugs: tuple[str, ...]
    area_names: tuple[str, ...]  # the slugs, until name_areas() puts in the areas file's names
    since: datetime
    until: datetime
    timezone: str
    residents_reached: int
    new_residents: int  # first wrote in the period
    # Of those, by how they came (Resident.source: a poster's code, "link", "keyword"; ""
    # for none), most first.
    new_by_source: dict[str, int]
    ideas_by_status: dict[str, int]  # ideas created in the period, by current status
    ideas_answered: int  # of those, with a staff answer
    answered_in_time: int  # of those, first answered by the end of the promised day
    median_days_to_answer: float | None  # over answered ideas; None when none was answered
    volunteers: int  # unique residents who attended a dugnad starting in the period
    volunteer_hours: float
    returning_volunteers: int  # of those, also attended a dugnad (any area) before `since`
    safety_by_category: dict[str, int]
    safety_by_time: dict[str, int]
    ladder: Ladder

    @property
    def ideas(self) -> int:
        return sum(self.ideas_by_status.values())

    @property
    def in_time_share(self) -> float | None:
        """Ideas of the period answered within the promised time, of all ideas of the period."""
        return self.answered_in_time / self.ideas if self.ideas else None

    @property
    def safety_reports(self) -> int:
        return sum(self.safety_by_category.values())


def name_areas(impact: Impact, areas: Areas) -> Impact:
    """The same figures, with the areas named as in the areas file."""
    names = tuple(area.name if (area := areas.get(slug)) else slug for slug in impact.area_slugs)
    return replace(impact, area_names=names)


async def measure(
    session: AsyncSession, *, area_slugs: list[str], since: datetime, until: datetime, timezone: str
) -> Impact:
    """The impact figures of `area_slugs` for [since, until)."""
    if until <= since:
        raise ValueError("an impact period must end after it starts")
    slugs = list(dict.fromkeys(area_slugs))
    zone = ZoneInfo(timezone)
    reached, new, by_source = await _reach(session, slugs, since, until)
    by_status, answers = await _ideas(session, slugs, since, until)
    attended = await attendances(session, slugs, since, until)
    volunteers = {resident for resident, _hours, _start in attended}
    first_day, end_day = since.astimezone(zone).date(), until.astimezone(zone).date()
    by_category, by_time = await _safety(session, slugs, first_day, end_day)
    delays = [(answered - created) / DAY for created, _due, answered in answers if answered is not None]
    return Impact(
        area_slugs=tuple(slugs),
        area_names=tuple(slugs),
        since=since,
        until=until,
        timezone=timezone,
        residents_reached=reached,
        new_residents=new,
        new_by_source=by_source,
        ideas_by_status=by_status,
        ideas_answered=len(delays),
        answered_in_time=sum(_in_time(answered, due, zone) for _created, due, answered in answers),
        median_days_to_answer=statistics.median(delays) if delays else None,
        volunteers=len(volunteers),
        volunteer_hours=sum(hours for _resident, hours, _start in attended),
        returning_volunteers=len(await _volunteered_before(session, volunteers, since)),
        safety_by_category=by_category,
        safety_by_time=by_time,
        ladder=await _ladder(session, slugs, since, until),
    )


async def _reach(session, slugs, since, until) -> tuple[int, int, dict[str, int]]:
    """Residents reached in the period, how many of them are new, and where the new ones
    came from (their source, "" for none).

    Benken keeps each resident's first and last message, not every message (the inbound
    log drops its link for anonymous reports), so "wrote in the period" is read as "had
    first written before its end and last wrote after its start". A resident who wrote
    before and after the period but not during it counts too: an upper bound.
    """
    rows = (await session.execute(
        select(Resident.first_seen, Resident.source).where(
            Resident.area_slug.in_(slugs), Resident.first_seen < until, Resident.last_seen >= since
        )
    )).all()
    sources = Counter(source or "" for first, source in rows if since <= first)
    return len(rows), sum(sources.values()), dict(sources.most_common())


async def idea_rows(session, slugs, since, until) -> list[tuple[str, datetime, date, datetime | None]]:
    """(current status, created, answer due, first staff answer or None) of each idea
    created in the period. The first answer is the first status change after the
    "received" row written with the idea (the digest's definition)."""
    in_period = (Idea.area_slug.in_(slugs), during(Idea.created_at, since, until))
    first_answer = (
        select(IdeaStatusChange.idea_id, func.min(IdeaStatusChange.created_at).label("answered_at"))
        .join(Idea, Idea.id == IdeaStatusChange.idea_id)
        .where(*in_period, is_answer())
        .group_by(IdeaStatusChange.idea_id)
        .subquery()
    )
    rows = await session.execute(
        select(Idea.status, Idea.created_at, Idea.answer_due, first_answer.c.answered_at)
        .outerjoin(first_answer, first_answer.c.idea_id == Idea.id)
        .where(*in_period)
    )
    return [tuple(row) for row in rows.all()]


async def _ideas(session, slugs, since, until) -> tuple[dict[str, int], list[tuple[datetime, date, datetime | None]]]:
    """Ideas created in the period by current status, and each one's (created, answer due,
    first staff answer or None)."""
    by_status = dict.fromkeys(IDEA_STATUSES, 0)
    answers = []
    for status, created, due, answered in await idea_rows(session, slugs, since, until):
        by_status[status] = by_status.get(status, 0) + 1
        answers.append((created, due, answered))
    return by_status, answers


def _in_time(answered: datetime | None, due: date, zone: ZoneInfo) -> bool:
    # Residents were promised a local date, so the whole of that day, local time, counts.
    return answered is not None and answered < datetime.combine(due + DAY, time(0), zone)


async def attendances(session, slugs, since, until) -> list[tuple[int, float, datetime]]:
    """(resident, hours, the dugnad's start) for each attendance at a dugnad of the areas
    starting in the period; hours not logged are the dugnad's length, as when staff log
    attendance."""
    rows = await session.execute(
        select(Signup.resident_id, Signup.hours, DugnadEvent.start_at, DugnadEvent.end_at)
        .join(DugnadEvent, DugnadEvent.id == Signup.event_id)
        .where(
            DugnadEvent.area_slug.in_(slugs),
            during(DugnadEvent.start_at, since, until),
            Signup.status == SIGNUP_ATTENDED,
        )
    )
    return [
        (resident, hours if hours is not None else (end - start) / timedelta(hours=1), start)
        for resident, hours, start, end in rows.all()
    ]


async def _volunteered_before(session, residents: set[int], since: datetime) -> set[int]:
    """Those of `residents` who attended any dugnad, in any area, that started before `since`:
    coming back is what counts, wherever they first came."""
    if not residents:
        return set()
    rows = await session.execute(
        select(Signup.resident_id).distinct()
        .join(DugnadEvent, DugnadEvent.id == Signup.event_id)
        .where(Signup.resident_id.in_(residents), Signup.status == SIGNUP_ATTENDED, DugnadEvent.start_at < since)
    )
    return set(rows.scalars())


async def _safety(session, slugs, first_day: date, end_day: date) -> tuple[dict[str, int], dict[str, int]]:
    # Only the two columns counted: never the report's resident link.
    rows = await session.execute(
        select(SafetyReport.category, SafetyReport.time_of_day).where(
            SafetyReport.area_slug.in_(slugs), SafetyReport.reported_on >= first_day, SafetyReport.reported_on < end_day
        )
    )
    by_category, by_time = dict.fromkeys(SAFETY_CATEGORIES, 0), dict.fromkeys(SAFETY_TIMES, 0)
    for category, when in rows.all():
        by_category[category] = by_category.get(category, 0) + 1
        by_time[when] = by_time.get(when, 0) + 1
    return by_category, by_time


async def _ladder(session, slugs, since, until) -> Ladder:
    """See Ladder for the rungs."""

    async def residents(query) -> set[int]:
        return set((await session.execute(query)).scalars())

    signed_up = (
        select(Signup.resident_id).distinct()
        .join(DugnadEvent, DugnadEvent.id == Signup.event_id)
        .where(
            DugnadEvent.area_slug.in_(slugs),
            during(Signup.created_at, since, until),
            Signup.status != SIGNUP_CANCELLED,
        )
    )
    gave_idea = await residents(
        select(Idea.author_id).distinct().where(
            Idea.area_slug.in_(slugs), during(Idea.created_at, since, until), Idea.author_id.is_not(None)
        )
    )
    organised = await residents(
        select(DugnadEvent.organiser_id).distinct().where(
            DugnadEvent.area_slug.in_(slugs), during(DugnadEvent.start_at, since, until),
            DugnadEvent.status == EVENT_SCHEDULED, DugnadEvent.organiser_id.is_not(None),
        )
    )
    # An idea before the sign-up: the resident climbed from the first rung to the second.
    moved_up = await residents(
        signed_up.join(
            Idea,
            (Idea.author_id == Signup.resident_id) & Idea.area_slug.in_(slugs) & (Idea.created_at < Signup.created_at),
        )
    )
    return Ladder(
        gave_idea=len(gave_idea),
        joined_dugnad=len(await residents(signed_up)),
        organised=len(organised),
        moved_up=len(moved_up),
    )
