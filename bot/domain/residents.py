"""Residents: found or made on first contact by their channel address, opting out and in,
who can be reached, and erasing everything about one."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    OUTBOX_CANCELLED,
    OUTBOX_PENDING,
    ConversationState,
    DugnadEvent,
    Idea,
    OutboxMessage,
    Resident,
    SafetyReport,
    utcnow,
)
from . import dugnad, media, translations
from .queries import upsert

# Residents are counted as "seen" in a period by `last_seen` (digests, impact). An hour is
# precise enough for that, and spares most messages a second UPDATE (and keeps less).
LAST_SEEN_PRECISION = timedelta(hours=1)
# Every message looks its sender up: the statement is built once per address column, so
# its cache key is worked out once too (building it anew cost more CPU than running it).
_FIND = {
    column.key: select(Resident, ConversationState)
    .outerjoin(ConversationState, ConversationState.resident_id == Resident.id)
    .where(column == bindparam("address"))
    for column in (Resident.telegram_id, Resident.phone)
}


async def find_or_create_resident(
    session: AsyncSession,
    channel: str,
    *,
    telegram_id: int | None = None,
    phone: str | None = None,
    locale: str | None = None,
    now: datetime | None = None,
) -> tuple[Resident, ConversationState | None, bool]:
    """The resident behind a channel address, created on first contact, with where they
    are in the conversation (None before their first answer), in one query;
    (resident, state, is_new)."""
    now = now or utcnow()
    column, value = (Resident.telegram_id, telegram_id) if channel == "telegram" else (Resident.phone, phone)
    await _hold(session, channel, value)
    found = (await session.execute(_FIND[column.key], {"address": value})).first()
    if found is not None:
        resident, state = found
        if now - resident.last_seen >= LAST_SEEN_PRECISION:
            resident.last_seen = now
        return resident, state, False
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
    if new_id is None:  # the other first message won: its resident, as it stands
        resident = (await session.execute(select(Resident).where(column == value))).scalar_one()
        return resident, await session.get(ConversationState, resident.id), False
    return await session.get(Resident, new_id), None, True


async def _hold(session: AsyncSession, channel: str, address: int | str | None) -> None:
    """One resident's conversation changed by one transaction at a time: two texts sent
    close together (two requests, or two workers), or a text and a question Benken puts
    (hold_conversation), must not both start from the same step. On PostgreSQL a lock on
    the address until the transaction ends; SQLite's transactions here take the write lock
    at BEGIN already."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"{channel}:{address}"))))


async def hold_conversation(session: AsyncSession, resident: Resident) -> ConversationState | None:
    """Where the resident is in the conversation, read fresh and held (see _hold) until this
    transaction ends: for putting a question to them without racing their own message."""
    await _hold(session, resident.channel, resident.telegram_id if resident.channel == "telegram" else resident.phone)
    return await session.get(ConversationState, resident.id, populate_existing=True)


async def set_opted_out(session: AsyncSession, resident: Resident, opted_out: bool) -> None:
    """STOP / START: while opted out, queued proactive messages are cancelled."""
    resident.opted_out = opted_out
    if opted_out:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.resident_id == resident.id, OutboxMessage.status == OUTBOX_PENDING)
            .values(status=OUTBOX_CANCELLED)
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
    deleted; anonymous ones were never linked. Their recordings go (see media.py).
    """
    now = now or utcnow()
    await media.discard_resident(session, resident.id, keep_ideas=keep_ideas)
    for signup, _event in await dugnad.resident_signups(session, resident, now=now):
        await dugnad.cancel_signup(session, signup, timezone=timezone, now=now)
    # Their words leave the translation cache with them (kept ideas keep theirs).
    reports = (await session.execute(
        select(SafetyReport.place_text, SafetyReport.details).where(SafetyReport.resident_id == resident.id)
    )).all()
    gone = [text for row in reports for text in row if text]
    if keep_ideas:
        await session.execute(update(Idea).where(Idea.author_id == resident.id).values(author_id=None))
    else:
        ideas = (await session.execute(select(Idea.text, Idea.place_text).where(Idea.author_id == resident.id))).all()
        gone += [text for row in ideas for text in row if text]
        await session.execute(delete(Idea).where(Idea.author_id == resident.id))
    await translations.forget(session, gone)
    await session.execute(delete(SafetyReport).where(SafetyReport.resident_id == resident.id))
    # The dugnads they organise stay for their volunteers, without the name they chose.
    await session.execute(update(DugnadEvent).where(DugnadEvent.organiser_id == resident.id).values(organiser_name=None))
    # The rest (state, supports, sign-ups, outbox, inbound log) cascades with the row.
    await session.execute(delete(ConversationState).where(ConversationState.resident_id == resident.id))
    await session.delete(resident)
    await session.flush()


async def set_monthly_news(session: AsyncSession, resident: Resident, wanted: bool) -> None:
    """The monthly "What happened in your area" on or off (False also once it was offered)."""
    resident.monthly_news = wanted
