"""Demo data for `make run`: upcoming dugnads, so a newcomer can try every flow."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .areas import Areas
from .models import DugnadEvent, Resident, utcnow
from .domain.dugnad import create_event

DEMO_EVENTS = (
    # (days after the next Saturday, start, end, capacity, Norwegian title, English title, place)
    (0, time(10), time(14), 20, "Vårrydding i parken", "Spring clean-up in the park", "Ved lekeplassen"),
    (7, time(11), time(13), 3, "Vi bygger en benk", "We build a bench", "Ved biblioteket"),
)


async def is_empty(session: AsyncSession) -> bool:
    residents = (await session.execute(select(func.count(Resident.id)))).scalar_one()
    events = (await session.execute(select(func.count(DugnadEvent.id)))).scalar_one()
    return residents == 0 and events == 0


async def load_demo(session: AsyncSession, areas: Areas, timezone: str, now: datetime | None = None) -> int:
    """Two dugnads in each area on the coming Saturdays; returns how many were made."""
    zone = ZoneInfo(timezone)
    today = (now or utcnow()).astimezone(zone).date()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    made = 0
    for area in areas:
        for offset, start, end, capacity, title_nb, title_en, place in DEMO_EVENTS:
            day = saturday + timedelta(days=offset)
            await create_event(
                session,
                area_slug=area.slug,
                titles={"nb": title_nb, "en": title_en},
                place=f"{place}, {area.name}",
                start_at=datetime.combine(day, start, zone),
                end_at=datetime.combine(day, end, zone),
                capacity=capacity,
                timezone=timezone,
            )
            made += 1
    return made
