"""The one way in for every channel: log the message (once per provider id), run the
conversation engine, commit. Also the housekeeping of that log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from conversations import engine
from conversations.messages import Capabilities, Inbound, Outbound

from ..domain.residents import find_or_create_resident, upsert
from ..domain.safety import UNLINK_INBOUND
from ..models import InboundMessage, Resident, utcnow

if TYPE_CHECKING:
    from ..app import App

REPLY_KEPT = timedelta(days=1)  # Twilio re-delivers a webhook within minutes, not days
LOG_KEPT = timedelta(days=30)  # long after any provider would deliver an update again


@dataclass(frozen=True)
class Received:
    messages: list[Outbound]  # the answer, when the message was new
    duplicate: bool = False
    stored_reply: list | None = None  # for a duplicate: what was kept of the first answer


async def receive(
    app: App,
    channel: str,
    provider_message_id: str,
    inbound: Inbound,
    *,
    capabilities: Capabilities,
    telegram_id: int | None = None,
    phone: str | None = None,
    locale: str | None = None,
    keep_reply: Callable[[list[Outbound]], list] | None = None,
) -> Received:
    """Handle one inbound message in one transaction, once per provider message id.

    `capabilities` say what the channel can show and send (buttons, photos, how dear a
    character is). `keep_reply` turns the answer into what the log keeps, for channels
    that must give a re-delivered message the same answer (Twilio's TwiML)."""
    async with app.sessions() as session, session.begin():
        resident, _new = await find_or_create_resident(
            session, channel, telegram_id=telegram_id, phone=phone, locale=locale
        )
        log_id = await record_inbound(session, channel, provider_message_id, resident, inbound.kind)
        if log_id is None:
            first = await inbound_reply(session, channel, provider_message_id)
            return Received([], duplicate=True, stored_reply=first)
        messages = await engine.handle(session, resident, inbound, app.conversation, capabilities)
        await settle_inbound(
            session, log_id, unlink=session.info.pop(UNLINK_INBOUND, False),
            reply=keep_reply(messages) if keep_reply is not None else None,
        )
        return Received(messages)


async def record_inbound(
    session: AsyncSession, channel: str, provider_message_id: str, resident: Resident | None, kind: str
) -> int | None:
    """Log an inbound message before handling it: its log id, or None when it was seen before.

    One statement, INSERT … ON CONFLICT DO NOTHING on the unique (channel, provider id):
    a re-delivery, even one racing the first, inserts nothing and is told so."""
    statement = (
        upsert(session)(InboundMessage)
        .values(
            channel=channel, provider_message_id=provider_message_id,
            resident_id=resident.id if resident else None, kind=kind, received_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["channel", "provider_message_id"])
        .returning(InboundMessage.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def settle_inbound(session: AsyncSession, log_id: int, *, unlink: bool, reply: list | None) -> None:
    """After handling: drop the resident from the log row (an anonymous report was sent),
    or keep the answer for a re-delivery."""
    if unlink:
        values = {"resident_id": None, "reply": None}
    elif reply is not None:
        values = {"reply": reply}
    else:
        return
    await session.execute(update(InboundMessage).where(InboundMessage.id == log_id).values(**values))


async def inbound_reply(session: AsyncSession, channel: str, provider_message_id: str) -> list | None:
    """What was kept of the answer to an earlier delivery of this message."""
    return (
        await session.execute(
            select(InboundMessage.reply).where(
                InboundMessage.channel == channel, InboundMessage.provider_message_id == provider_message_id
            )
        )
    ).scalar_one_or_none()


async def forget_old_inbound(session: AsyncSession, *, now: datetime | None = None) -> tuple[int, int]:
    """Store the least we need: answers kept for re-deliveries are dropped after a day,
    and the log of message ids after a month. Returns (answers forgotten, rows deleted)."""
    now = now or utcnow()
    replies = await session.execute(
        update(InboundMessage)
        .where(InboundMessage.reply.is_not(None), InboundMessage.received_at < now - REPLY_KEPT)
        .values(reply=None)
    )
    rows = await session.execute(delete(InboundMessage).where(InboundMessage.received_at < now - LOG_KEPT))
    return replies.rowcount, rows.rowcount
