"""Residents: found or made on first contact by their channel address, opting out and in,
who can be reached, and erasing everything about one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    OUTBOX_CANCELLED,
    OUTBOX_PENDING,
    ConversationState,
    Idea,
    OutboxMessage,
    Resident,
    SafetyReport,
    utcnow,
)
from . import dugnad


def upsert(session: AsyncSession):
    """The dialect's INSERT, for INSERT … ON CONFLICT DO NOTHING."""
    return postgresql_insert if session.bind.dialect.name == "postgresql" else sqlite_insert


async def find_or_create_resident(
    session: AsyncSession,
    channel: str,
    *,
    telegram_id: int | None = None,
    phone: str | None = None,
    locale: str | None = None,
    now: datetime | None = None,
) -> tuple[Resident, bool]:
    """The resident behind a channel address, created on first contact; (resident, is_new)."""
    now = now or utcnow()
    column, value = (Resident.telegram_id, telegram_id) if channel == "telegram" else (Resident.phone, phone)
    resident = (await session.execute(select(Resident).where(column == value))).scalar_one_or_none()
    if resident is not None:
        resident.last_seen = now
        return resident, False
    # Two first messages from one new number can arrive at once: the second insert does
    # nothing (it waits for the first on PostgreSQL) and the row is read back instead.
    new_id = (
        await session.execute(
            upsert(session)(Resident)
            .values(channel=channel, telegram_id=telegram_id, phone=phone, locale=locale, first_seen=now,
                    last_seen=now, opted_out=False)
            .on_conflict_do_nothing(index_elements=[column])
            .returning(Resident.id)
        )
    ).scalar_one_or_none()
    if new_id is None:
        return (await session.execute(select(Resident).where(column == value))).scalar_one(), False
    return await session.get(Resident, new_id), True


async def set_opted_out(session: AsyncSession, resident: Resident, opted_out: bool) -> None:
    """STOP / START: while opted out, queued proactive messages are cancelled."""
    resident.opted_out = opted_out
    if opted_out:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.resident_id == resident.id, OutboxMessage.status == OUTBOX_PENDING)
            .values(status=OUTBOX_CANCELLED)
        )


async def is_opted_out(session: AsyncSession, *, phone: str) -> bool:
    return bool(
        (await session.execute(select(Resident.opted_out).where(Resident.phone == phone))).scalar_one_or_none()
    )


def _reachable(area_slug: str):
    return and_(Resident.area_slug == area_slug, Resident.opted_out.is_(False))


async def reachable_residents(session: AsyncSession, area_slug: str) -> list[Resident]:
    """Every resident of an area who has not opted out."""
    return list((await session.execute(select(Resident).where(_reachable(area_slug)).order_by(Resident.id))).scalars())


async def reach(session: AsyncSession, area_slug: str) -> dict[tuple[str, str | None], int]:
    """How many residents reachable_residents would give, by (channel, language)."""
    rows = await session.execute(
        select(Resident.channel, Resident.locale, func.count())
        .where(_reachable(area_slug))
        .group_by(Resident.channel, Resident.locale)
    )
    return {(channel, locale): count for channel, locale, count in rows.all()}


async def erase_resident(
    session: AsyncSession, resident: Resident, *, keep_ideas: bool, timezone: str, now: datetime | None = None
) -> None:
    """Delete a resident and what links to them; kept ideas lose their author.

    Places they held are offered on, as at any cancellation. Named safety reports are
    deleted; anonymous ones were never linked.
    """
    now = now or utcnow()
    for signup, _event in await dugnad.resident_signups(session, resident, now=now):
        await dugnad.cancel_signup(session, signup, timezone=timezone, now=now)
    if keep_ideas:
        await session.execute(update(Idea).where(Idea.author_id == resident.id).values(author_id=None))
    else:
        await session.execute(delete(Idea).where(Idea.author_id == resident.id))
    await session.execute(delete(SafetyReport).where(SafetyReport.resident_id == resident.id))
    # The rest (state, supports, sign-ups, outbox, inbound log) cascades with the row.
    await session.execute(delete(ConversationState).where(ConversationState.resident_id == resident.id))
    await session.delete(resident)
    await session.flush()
