"""The monthly "What happened in your area": which month is due, what happened in an area
in it (ideas done and planned, dugnads coming, hours given), and who gets it, each resident
once a month. What it says is notices.monthly_news; the job is messaging/followups.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import EVENT_SCHEDULED, IDEA_DONE, IDEA_PLANNED, DugnadEvent, Idea, IdeaStatusChange, Resident
from .dugnad import totals_between
from .queries import during

SEND_DAYS = 7  # a month's news goes out in the first week of the next: later it is stale
COMING_DAYS = 31  # "dugnads coming": those starting within the next month or so


def month_due(now: datetime, timezone: str) -> date | None:
    """The month whose news is due now (its first day): last month, in the first SEND_DAYS
    days of this one; None later in the month (a resident who opts in then waits for the
    next)."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    if today.day > SEND_DAYS:
        return None
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


@dataclass(frozen=True)
class MonthInArea:
    done: int  # ideas the district marked done in the month
    planned: int  # ideas it marked planned in the month
    coming: int  # dugnads starting in the COMING_DAYS after the news is made
    hours: float  # hours neighbours gave at the area's dugnads in the month

    @property
    def anything(self) -> bool:
        return bool(self.done or self.planned or self.coming or round(self.hours))


def month_bounds(month: date, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    following = (month + timedelta(days=32)).replace(day=1)
    return datetime.combine(month, datetime.min.time(), zone), datetime.combine(following, datetime.min.time(), zone)


async def month_in_area(session: AsyncSession, area_slug: str, month: date, *, timezone: str, now: datetime) -> MonthInArea:
    since, until = month_bounds(month, timezone)

    async def moved_to(status: str) -> int:
        return (await session.execute(
            select(func.count(func.distinct(IdeaStatusChange.idea_id)))
            .join(Idea, Idea.id == IdeaStatusChange.idea_id)
            .where(Idea.area_slug == area_slug, IdeaStatusChange.status == status,
                   during(IdeaStatusChange.created_at, since, until))
        )).scalar_one()

    coming = (await session.execute(
        select(func.count(DugnadEvent.id)).where(
            DugnadEvent.area_slug == area_slug, DugnadEvent.status == EVENT_SCHEDULED,
            during(DugnadEvent.start_at, now, now + timedelta(days=COMING_DAYS)))
    )).scalar_one()
    _neighbours, hours = await totals_between(session, area_slug, since, until)
    return MonthInArea(await moved_to(IDEA_DONE), await moved_to(IDEA_PLANNED), coming, hours)


def _waiting(month: date):
    return Resident.monthly_news.is_(True), Resident.opted_out.is_(False), Resident.area_slug.is_not(None), or_(
        Resident.news_sent_for.is_(None), Resident.news_sent_for < month)


async def residents_waiting(session: AsyncSession, month: date, *, limit: int) -> list[Resident]:
    """Residents who asked for the news and have not had this month's yet."""
    return list((await session.execute(
        select(Resident).where(*_waiting(month)).order_by(Resident.id).limit(limit)
    )).scalars())


async def claim(session: AsyncSession, resident: Resident, month: date) -> bool:
    """Mark this month's news as the resident's (once: False when another run took it)."""
    claimed = await session.execute(
        update(Resident).where(Resident.id == resident.id, *_waiting(month)).values(news_sent_for=month)
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1
