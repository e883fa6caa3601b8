"""Safety reports: where residents feel unsafe, and the anonymity rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Resident, SafetyReport, utcnow
from ..text.resident import DEFAULT_LOCALE
from ..text.times import local_today
from . import media

# Set in a session's `info` by a report that must not be tied to the sender of the message
# being handled (an anonymous one): the inbound log row then keeps no resident and no reply.
UNLINK_INBOUND = "benken.unlink_inbound"


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
    held: dict[str, int] | None = None,
) -> SafetyReport:
    """Save a safety report, with the voice messages its answers `held` (file ids by
    field). An anonymous one keeps no resident and only the day it came, its files too."""
    now = now or utcnow()
    if anonymous:
        # The message that sent it must not point back to the resident either.
        session.info[UNLINK_INBOUND] = True
    report = SafetyReport(
        resident_id=None if anonymous else resident.id,
        anonymous=anonymous,
        area_slug=area_slug,
        locale=resident.locale or DEFAULT_LOCALE,
        reported_on=local_today(now, timezone),
        **vars(draft),
    )
    session.add(report)
    await session.flush()
    await media.attach(session, held or {}, report=report)
    return report


async def named_reports(session: AsyncSession, resident: Resident) -> list[SafetyReport]:
    """The reports the resident sent with their name (anonymous ones are not linked)."""
    return list((await session.execute(
        select(SafetyReport).where(SafetyReport.resident_id == resident.id).order_by(SafetyReport.id)
    )).scalars())
