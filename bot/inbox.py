"""The one way in for every channel: log the message, run the engine, commit."""

from __future__ import annotations

from conversations import engine
from conversations.messages import Inbound, Outbound

from . import services
from .app import App


async def receive(
    app: App,
    channel: str,
    provider_message_id: str,
    inbound: Inbound,
    *,
    telegram_id: int | None = None,
    phone: str | None = None,
    locale: str | None = None,
) -> list[Outbound] | None:
    """Handle one inbound message in one transaction; None when it was handled before."""
    async with app.sessions() as session, session.begin():
        resident, _new = await services.find_or_create_resident(
            session, channel, telegram_id=telegram_id, phone=phone, locale=locale
        )
        if await services.record_inbound(session, channel, provider_message_id, resident, inbound.kind) is None:
            return None
        return await engine.handle(session, resident, inbound, app.conversation)
