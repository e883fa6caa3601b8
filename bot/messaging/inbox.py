"""The one way in for every channel: run the conversation engine and log the message
(once per provider id) in ONE transaction, and the housekeeping of that log.

The log row is written after the engine has answered, with what the log keeps (the reply
for re-deliveries; no resident for an anonymous report) in the same statement. A
re-delivery, even one racing the first, finds the row there (INSERT … ON CONFLICT DO
NOTHING inserts nothing): its transaction is rolled back, so the engine's work for it
never happened, and it gets the first delivery's stored answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Callable

from sqlalchemy import delete, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from conversations import engine
from conversations.messages import Capabilities, Inbound, Outbound

from ..domain.queries import upsert
from ..domain.residents import find_or_create_resident
from ..domain.safety import UNLINK_INBOUND
from ..models import InboundMessage, Resident, utcnow
from . import media

if TYPE_CHECKING:
    from ..app import App

REPLY_KEPT = timedelta(days=1)  # Twilio re-delivers a webhook within minutes, not days
LOG_KEPT = timedelta(days=30)  # long after any provider would deliver an update again


class _SeenBefore(Exception):
    """This provider message id is in the log: roll this delivery back."""


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
    that must give a re-delivered message the same answer (Twilio's TwiML). A file the
    message brought (already in the media folder) is deleted unless an answer kept it."""
    arrived = inbound.attachment.file_name if inbound.attachment is not None else None
    try:
        async with app.sessions() as session, session.begin():
            resident, state, _new = await find_or_create_resident(
                session, channel, telegram_id=telegram_id, phone=phone, locale=locale
            )
            messages = await engine.handle(session, resident, state, inbound, app.conversation, capabilities)
            # An anonymous report must not point back to its sender; an erased resident is gone.
            unlink = session.info.pop(UNLINK_INBOUND, False) or inspect(resident).was_deleted
            logged = await record_inbound(
                session, channel, provider_message_id, None if unlink else resident, inbound.kind,
                reply=keep_reply(messages) if keep_reply is not None and not unlink else None,
            )
            if logged is None:
                raise _SeenBefore
            files = media.taken(session)
        await media.settle(app, files, arrived)
        return Received(messages)
    except _SeenBefore:
        await media.settle(app, (set(), {}), arrived)
        async with app.sessions() as session:
            first = await inbound_reply(session, channel, provider_message_id)
        return Received([], duplicate=True, stored_reply=first)


async def record_inbound(
    session: AsyncSession, channel: str, provider_message_id: str, resident: Resident | None, kind: str,
    *, reply: list | None = None,
) -> int | None:
    """Log an inbound message: its log id, or None when it was seen before.

    One statement, INSERT … ON CONFLICT DO NOTHING on the unique (channel, provider id):
    a re-delivery, even one racing the first, inserts nothing and is told so."""
    values = dict(
        channel=channel, provider_message_id=provider_message_id, resident_id=resident.id if resident else None,
        kind=kind, received_at=utcnow(),
    )
    if reply is not None:  # else left out: SQL NULL, not JSON null
        values["reply"] = reply
    return (await session.execute(_log_statement(upsert(session)), values)).scalar_one_or_none()


@cache
def _log_statement(dialect_insert: Callable) -> Any:
    """record_inbound's statement, built once per dialect (every message runs it)."""
    table = InboundMessage.__table__
    return (
        dialect_insert(table).on_conflict_do_nothing(index_elements=["channel", "provider_message_id"])
        .returning(table.c.id)
    )


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
