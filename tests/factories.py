"""Factories for the records tests need, and a resident who talks through the real inbox."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta

from bot.app import App
from bot.channels.console import CAPABILITIES
from bot.messaging.inbox import receive
from bot.domain import ideas
from bot.models import DugnadEvent, Resident
from bot.providers.media_store import seconds_of
from conversations.messages import (
    CHOICE, LOCATION, PHOTO, TEXT, UNSUPPORTED, VOICE, Attachment, Inbound, Location, Outbound, numbered,
)

from tests.conftest import in_days

_ids = itertools.count(1000)


async def make_resident(session, *, channel="telegram", locale="en", area="furuset", opted_out=False) -> Resident:
    number = next(_ids)
    resident = Resident(
        channel=channel,
        telegram_id=number if channel == "telegram" else None,
        phone=f"+479{number:07d}" if channel == "sms" else None,
        locale=locale,
        area_slug=area,
        opted_out=opted_out,
    )
    session.add(resident)
    await session.flush()
    return resident


async def make_event(
    session, *, area="furuset", capacity=10, start: datetime | None = None, hours=3, title="Vårrydding", title_en=None
) -> DugnadEvent:
    start = start or in_days(3)
    titles = {"nb": title} | ({"en": title_en} if title_en else {})
    event = DugnadEvent(
        area_slug=area, titles=titles, place="Ved biblioteket", start_at=start, end_at=start + timedelta(hours=hours), capacity=capacity
    )
    session.add(event)
    await session.flush()
    return event


class Chat:
    """One resident talking to the bot through bot.inbox, as a channel would."""

    def __init__(self, app: App, *, channel="telegram", locale: str | None = None):
        self.app, self.channel, self.locale = app, channel, locale
        number = next(_ids)
        self.address = {"telegram_id": number} if channel == "telegram" else {"phone": f"+479{number:07d}"}
        self.last: list[Outbound] = []

    async def inbound(self, inbound: Inbound) -> list[Outbound]:
        received = await receive(self.app, self.channel, str(uuid.uuid4()), inbound, locale=self.locale,
                                 capabilities=CAPABILITIES[self.channel], **self.address)
        self.last = received.messages
        return self.last

    async def say(self, text: str) -> list[Outbound]:
        return await self.inbound(Inbound(TEXT, text=text))

    async def tap(self, key: str) -> list[Outbound]:
        return await self.inbound(Inbound(CHOICE, choice=key))

    async def location(self, latitude: float, longitude: float) -> list[Outbound]:
        return await self.inbound(Inbound(LOCATION, location=Location(latitude, longitude)))

    async def photo(self, ref: str = "photo-file-id") -> list[Outbound]:
        return await self.inbound(Inbound(PHOTO, photo_ref=ref))

    async def voice(self, data: bytes) -> list[Outbound]:
        """A voice message, put in the media folder as a channel would before handing it on."""
        name = await self.app.media.save(data, "audio/ogg")
        return await self.inbound(Inbound(VOICE, attachment=Attachment(name, "audio/ogg", len(data), seconds_of(data))))

    async def sticker(self) -> list[Outbound]:
        return await self.inbound(Inbound(UNSUPPORTED))

    async def script(self, *lines: str) -> list[Outbound]:
        for line in lines:
            await self.say(line)
        return self.last

    @property
    def text(self) -> str:
        """Everything the last answer said, as a phone without buttons would show it."""
        return "\n\n".join(numbered(m) for m in self.last)

    @property
    def choices(self) -> list[str]:
        return [c.label for c in self.last[-1].choices] if self.last else []


async def make_idea(session, author: Resident, app: App, *, text="Flere benker", category="meeting_places",
                    area="furuset", wants_to_help=False, now: datetime | None = None):
    draft = ideas.IdeaDraft(text=text, category=category, wants_to_help=wants_to_help)
    return await ideas.submit_idea(session, author, app.areas.require(area), draft, timezone="Europe/Oslo", now=now)
