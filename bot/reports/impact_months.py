"""The impact figures month by month, for charts: ideas by their status now, days to the
first answer, and volunteers and their hours. Counted as `impact.measure` counts them
(the same queries), each in the local calendar month it falls in; the period's first and
last months may be partial. Residents are counted by row id only, as in impact.py."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from ..models import IDEA_STATUSES
from .impact import DAY, attendances, idea_rows

MAX_MONTHS = 60  # five years of bars; a longer period is refused rather than drawn unreadable


@dataclass(frozen=True)
class Month:
    first_day: date  # the first day of the local month
    ideas_by_status: dict[str, int]  # ideas created this month, by current status
    answered: int  # of those, with a staff answer
    median_days_to_answer: float | None  # over those answered; None when none was
    volunteers: int  # unique residents who came to a dugnad starting this month
    hours: float  # the hours they gave

    @property
    def ideas(self) -> int:
        return sum(self.ideas_by_status.values())


def months_between(since: datetime, until: datetime, zone: ZoneInfo) -> list[date]:
    """The first days of the local months [since, until) touches."""
    # `until` itself is not in the period: its month counts only if the period reaches into it.
    first, last = since.astimezone(zone).date(), (until - timedelta(microseconds=1)).astimezone(zone).date()
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


async def by_month(
    session: AsyncSession, *, area_slugs: list[str], since: datetime, until: datetime, timezone: str
) -> list[Month]:
    """The figures of `area_slugs` for [since, until), one Month for each local month."""
    zone = ZoneInfo(timezone)
    months = months_between(since, until, zone)
    if len(months) > MAX_MONTHS:
        raise ValueError(f"at most {MAX_MONTHS} months")
    slugs = list(dict.fromkeys(area_slugs))

    def month_of(moment: datetime) -> date:
        return moment.astimezone(zone).date().replace(day=1)

    statuses = {m: dict.fromkeys(IDEA_STATUSES, 0) for m in months}
    delays: dict[date, list[float]] = {m: [] for m in months}
    for status, created, _due, answered in await idea_rows(session, slugs, since, until):
        month = month_of(created)
        statuses[month][status] = statuses[month].get(status, 0) + 1
        if answered is not None:
            delays[month].append((answered - created) / DAY)
    volunteers: dict[date, set[int]] = {m: set() for m in months}
    hours = dict.fromkeys(months, 0.0)
    for resident, given, start in await attendances(session, slugs, since, until):
        volunteers[month_of(start)].add(resident)
        hours[month_of(start)] += given
    return [
        Month(
            first_day=m,
            ideas_by_status=statuses[m],
            answered=len(delays[m]),
            median_days_to_answer=statistics.median(delays[m]) if delays[m] else None,
            volunteers=len(volunteers[m]),
            hours=hours[m],
        )
        for m in months
    ]
