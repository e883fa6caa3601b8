"""The one way in for every channel: log the message, run the engine, commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from conversations import engine
from conversations.messages import Inbound, Outbound

from . import services
from .app import App

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
    telegram_id: int | None = None,
    phone: str | None = None,
    locale: str | None = None,
    keep_reply: Callable[[list[Outbound]], list] | None = None,
) -> Received:
    """Handle one inbound message in one transaction, once per provider message id.

    `keep_reply` turns the answer into what the log keeps, for channels that must give a
    re-delivered message the same answer (Twilio's TwiML)."""
    async with app.sessions() as session, session.begin():
        resident, _new = await services.find_or_create_resident(
            session, channel, telegram_id=telegram_id, phone=phone, locale=locale
        )
        log_id = await services.record_inbound(session, channel, provider_message_id, resident, inbound.kind)
        if log_id is None:
            first = await services.inbound_reply(session, channel, provider_message_id)
            return Received([], duplicate=True, stored_reply=first)
        messages = await engine.handle(session, resident, inbound, app.conversation)
        await services.settle_inbound(
            session, log_id, unlink=session.info.pop(services.UNLINK_INBOUND, False),
            reply=keep_reply(messages) if keep_reply is not None else None,
        )
        return Received(messages)
