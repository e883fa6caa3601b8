"""Staff: who is a district worker, which areas each one sees and changes, and the
changes admins make to that (from the command line or the web desk)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..areas import Areas
from ..models import Staff, StaffArea


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


MAX_NAME = 120  # Staff.name
MAX_EMAIL = 254  # Staff.email, the longest address SMTP carries
MAX_TELEGRAM_ID = 2**52  # Telegram's user ids fit in 52 bits (its Bot API says so)


class StaffChangeRefused(ValueError):
    """A change an admin asked for cannot be made; `reason` is a code the page translates:
    telegram_id, name, email, area, duplicate, self, last_admin."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StaffRow:
    staff: Staff
    area_slugs: tuple[str, ...]


async def list_staff(session: AsyncSession, areas: Areas) -> list[StaffRow]:
    """Every staff member with their areas (in the areas file's order), by name."""
    members = list((await session.execute(select(Staff).order_by(func.lower(Staff.name), Staff.id))).scalars())
    own: dict[int, set[str]] = {}
    for staff_id, slug in await session.execute(select(StaffArea.staff_id, StaffArea.area_slug)):
        own.setdefault(staff_id, set()).add(slug)
    order = [a.slug for a in areas]
    return [StaffRow(m, tuple(s for s in order if s in own.get(m.id, ()))) for m in members]


def _check_areas(areas: Areas, slugs: list[str]) -> list[str]:
    if any(areas.get(slug) is None for slug in slugs):
        raise StaffChangeRefused("area")
    return list(dict.fromkeys(slugs))


async def add_staff(
    session: AsyncSession,
    areas: Areas,
    *,
    telegram_id: str | int,
    name: str,
    area_slugs: list[str],
    is_admin: bool = False,
    email: str | None = None,
    locale: str = "nb",
    digest_frequency: str = "weekly",
) -> Staff:
    """A new staff member with their areas (`benken staff add`, the desk's staff page)."""
    try:
        telegram = int(str(telegram_id).strip())
    except ValueError:
        raise StaffChangeRefused("telegram_id") from None
    if not 0 < telegram < MAX_TELEGRAM_ID:
        raise StaffChangeRefused("telegram_id")
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise StaffChangeRefused("name")
    email = (email or "").strip() or None
    if email is not None and ("@" not in email or len(email) > MAX_EMAIL or any(c.isspace() for c in email)):
        raise StaffChangeRefused("email")
    slugs = _check_areas(areas, area_slugs)
    if (await session.execute(select(Staff.id).where(Staff.telegram_id == telegram))).first():
        raise StaffChangeRefused("duplicate")
    staff = Staff(telegram_id=telegram, name=name, is_admin=is_admin, email=email, locale=locale,
                  digest_frequency=digest_frequency)
    session.add(staff)
    await session.flush()
    session.add_all(StaffArea(staff_id=staff.id, area_slug=slug) for slug in slugs)
    await session.flush()
    return staff


async def remove_staff(session: AsyncSession, acting: Staff, staff_id: int) -> Staff | None:
    """Remove a staff member (their sessions and links go with them); None when there is
    none. An admin cannot remove themselves, and the last admin stays."""
    staff = await session.get(Staff, staff_id)
    if staff is None:
        return None
    if staff.id == acting.id:
        raise StaffChangeRefused("self")
    if staff.is_admin:
        admins = (await session.execute(select(func.count()).select_from(Staff).where(Staff.is_admin))).scalar_one()
        if admins <= 1:
            raise StaffChangeRefused("last_admin")
    await session.delete(staff)
    await session.flush()
    return staff


async def set_staff_areas(session: AsyncSession, areas: Areas, staff: Staff, area_slugs: list[str]) -> list[str]:
    """Replace a staff member's areas; returns them in the areas file's order."""
    slugs = _check_areas(areas, area_slugs)
    await session.execute(delete(StaffArea).where(StaffArea.staff_id == staff.id))
    session.add_all(StaffArea(staff_id=staff.id, area_slug=slug) for slug in slugs)
    await session.flush()
    return [a.slug for a in areas if a.slug in slugs]


async def staff_of_area(session: AsyncSession, area_slug: str) -> list[Staff]:
    """Who answers for an area: its staff and every admin (who see all areas)."""
    own = select(StaffArea.staff_id).where(StaffArea.area_slug == area_slug)
    return list((await session.execute(
        select(Staff).where(Staff.is_admin.is_(True) | Staff.id.in_(own)).order_by(Staff.id)
    )).scalars())
