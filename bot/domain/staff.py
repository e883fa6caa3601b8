"""Staff: who is a district worker, and which areas each one sees and changes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..areas import Areas
from ..models import Staff, StaffArea


class StaffExists(ValueError):
    """A staff member with that Telegram id is registered already."""


async def staff_by_telegram(session: AsyncSession, telegram_id: int) -> Staff | None:
    return (await session.execute(select(Staff).where(Staff.telegram_id == telegram_id))).scalar_one_or_none()


async def staff_telegram_ids(session: AsyncSession) -> frozenset[int]:
    return frozenset((await session.execute(select(Staff.telegram_id))).scalars())


async def staff_area_slugs(session: AsyncSession, staff: Staff, areas: Areas) -> list[str]:
    """The areas a staff member sees and changes, in the areas file's order: all for
    admins, else their own (an area no longer configured is left out)."""
    if staff.is_admin:
        return [a.slug for a in areas]
    own = set((await session.execute(select(StaffArea.area_slug).where(StaffArea.staff_id == staff.id))).scalars())
    return [a.slug for a in areas if a.slug in own]


async def add_staff(
    session: AsyncSession,
    *,
    telegram_id: int,
    name: str,
    area_slugs: list[str],
    is_admin: bool = False,
    locale: str = "nb",
    digest_frequency: str = "weekly",
    email: str | None = None,
) -> Staff:
    """Register a staff member with their areas."""
    staff = Staff(
        telegram_id=telegram_id, name=name, is_admin=is_admin, locale=locale,
        digest_frequency=digest_frequency, email=email,
    )
    try:
        async with session.begin_nested():
            session.add(staff)
            await session.flush()
    except IntegrityError:
        raise StaffExists(telegram_id) from None
    session.add_all(StaffArea(staff_id=staff.id, area_slug=slug) for slug in dict.fromkeys(area_slugs))
    await session.flush()
    return staff
