"""Factories for the records tests need, and a resident who talks through the real inbox."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta

from bot.app import App
from bot.channels.console import CAPABILITIES
from bot.messaging.inbox import receive
from bot.domain import ideas
from bot.models import DugnadEvent, IdeaSupport, Resident, Signup
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

    async def onboarded(self) -> "Chat":
        """Through the language and area questions (English, Furuset)."""
        await self.script("hi", "1", "Furuset")
        return self

    async def spoken_idea(self, text: bytes, place: bytes | None = None) -> list[Outbound]:
        """From the menu: an idea told in a voice message (its place too, when given), sent."""
        await self.tap("idea:")
        await self.voice(text)
        await self.tap("meeting_places")
        if place is not None:
            await self.voice(place)
        else:
            await self.tap("skip")
        for key in ("skip", "no", "send"):  # no photo, no help, send
            await self.tap(key)
        said = self.last
        if self.last and {c.key for c in self.last[-1].choices} == {"yes", "no"}:
            await self.tap("no")  # the monthly news, offered once after taking part: back to the menu
        return said

    async def spoken_report(self, place: bytes, choice: str, details: bytes | None = None) -> list[Outbound]:
        """From the menu: a safety report whose place (and details, when given) are voice
        messages, sent "named" or "anonymous"."""
        await self.tap("safety:")
        await self.tap("no")
        await self.voice(place)
        await self.tap("night")
        await self.tap("lighting")
        if details is not None:
            await self.voice(details)
        else:
            await self.tap("skip")
        return await self.tap(choice)

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


# A district for the web desk's pages and screenshots -----------------------------------------

DISTRICT_IDEAS = (
    # (text, category, language, days ago, status path, wants to help, place)
    ("Flere benker langs turveien ved Trosterud, eldre trenger å hvile.", "meeting_places", "nb", 330,
     ("reviewing", "planned", "done"), True, "Turveien ved Trosterud"),
    ("Lys på gangstien bak skolen. Det er helt mørkt om vinteren.", "lighting_paths", "nb", 300,
     ("reviewing", "in_progress"), False, "Gangstien bak Furuset skole"),
    ("A football goal for the small field by the blocks.", "children_youth", "en", 250, ("planned",), True, None),
    ("Meel ay carruurtu ku ciyaaraan oo leh hoos.", "children_youth", "so", 200, ("reviewing",), True,
     "Ballbingen"),
    ("نريد سوقًا صغيرًا في الساحة يوم السبت.", "culture_events", "ar", 150, ("declined",), False, "Furuset torg"),
    ("Więcej koszy na śmieci przy przystanku.", "clean_tidy", "pl", 120, ("done",), True, "Bussholdeplassen"),
    ("Felles grillplass i parken om sommeren.", "parks_outdoors", "nb", 75, ("reviewing",), False, "Furusetparken"),
    ("Leksehjelp for ungdom på biblioteket.", "children_youth", "ur", 40, (), True, "Biblioteket"),
    ("Blomster i kassene ved T-banen.", "clean_tidy", "tr", 25, (), False, "Furuset T-bane"),
    ("Майданчик для собак біля лісу.", "parks_outdoors", "uk", 9, (), False, None),
    ("یک جای گرم برای نشستن و گپ زدن با همسایه‌ها در زمستان.", "meeting_places", "fa", 3, (), True, None),
)
DISTRICT_PLACES = {  # near Furuset, for the maps
    "Turveien ved Trosterud": (59.9372, 10.8829),
    "Gangstien bak Furuset skole": (59.9425, 10.8949),
    "Ballbingen": (59.9411, 10.8990),
    "Furuset torg": (59.9408, 10.8930),
    "Bussholdeplassen": (59.9400, 10.8902),
    "Furusetparken": (59.9440, 10.8862),
    "Biblioteket": (59.9406, 10.8921),
    "Furuset T-bane": (59.9413, 10.8936),
}
DISTRICT_SAFETY = (
    # (category, time of day, anonymous, place, details, days ago)
    ("lighting", "evening", False, "Gangstien bak Furuset skole", "Lyset har vært ødelagt i flere uker.", 5),
    ("lighting", "night", True, "Gangstien bak Furuset skole", "Jeg bor i nr. 12 og går her hver kveld.", 12),
    ("groups", "evening", True, "Furuset torg", None, 20),
    ("drugs", "night", False, "Furusetparken", "Sprøyter ved lekeplassen.", 40),
    ("traffic", "daytime", False, "Bussholdeplassen", "Biler kjører fort forbi skolen.", 60),
    ("harassment", "evening", True, "Furuset T-bane", None, 90),
    ("lighting", "always", False, "Bak blokkene i Trosterudveien", "Ingen lamper.", 15),
    ("other", "daytime", True, None, None, 30),
)


async def make_district(app: App, *, area="furuset", staff_id: int | None = None) -> dict:
    """A year of a district's life: residents on Telegram and SMS in several languages;
    ideas with places, supporters and answers (some overdue); safety reports, anonymous
    and named, on and off the map; dugnads past and coming, with attendance and a waiting
    list. Returns the records a test looks for."""
    from datetime import timezone as tz

    from bot.domain import dugnad, safety

    now = datetime.now(tz.utc)
    async with app.sessions() as session, session.begin():
        residents = [
            await make_resident(session, area=area, channel="sms" if n % 3 == 0 else "telegram",
                                locale=("nb", "so", "ar", "en", "pl", "ur", "tr", "uk", "fa", "ti")[n % 10])
            for n in range(24)
        ]
        found: dict = {"ideas": [], "events": [], "residents": residents}
        for n, (text, category, locale, days, path, helps, place) in enumerate(DISTRICT_IDEAS):
            author = residents[n % len(residents)]
            author.locale = locale
            created = now - timedelta(days=days)
            draft = ideas.IdeaDraft(text=text, category=category, wants_to_help=helps, place_text=place,
                                    latitude=DISTRICT_PLACES.get(place, (None, None))[0],
                                    longitude=DISTRICT_PLACES.get(place, (None, None))[1])
            idea = await ideas.submit_idea(session, author, app.areas.require(area), draft, timezone="Europe/Oslo",
                                           now=created)
            for supporter in residents[n + 1:n + 1 + (n * 5) % 9]:
                session.add(IdeaSupport(idea_id=idea.id, resident_id=supporter.id, created_at=created))
            for step, status in enumerate(path):
                await ideas.answer_idea(session, idea, status, note=None, staff_id=staff_id,
                                        template="meeting" if step == 0 else None, now=created + timedelta(days=4 + 9 * step))
            found["ideas"].append(idea)
        for category, when, anonymous, place, details, days in DISTRICT_SAFETY:
            lat, lon = DISTRICT_PLACES.get(place, (None, None)) if place else (None, None)
            await safety.report_safety(
                session, residents[days % len(residents)], area,
                safety.SafetyDraft(time_of_day=when, category=category, place_text=place, latitude=lat, longitude=lon,
                                   details=details),
                anonymous=anonymous, timezone="Europe/Oslo", now=now - timedelta(days=days),
            )
        for days, title, capacity in ((-200, "Vårrydding i parken", 12), (-120, "Benker til turveien", 8),
                                      (-45, "Høstdugnad ved skolen", 10), (10, "Blomster ved T-banen", 4)):
            start = (now + timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)
            event = await make_event(session, area=area, capacity=capacity, start=start, title=title)
            event.created_at = start - timedelta(days=30)
            for place, resident in enumerate(residents[days % 7:days % 7 + capacity + 2]):
                signup = Signup(event_id=event.id, resident_id=resident.id, created_at=start - timedelta(days=5),
                                queued_at=start - timedelta(days=5, minutes=-place), updated_at=start,
                                status="confirmed" if place < capacity else "waitlisted")
                session.add(signup)
                await session.flush()
                if days < 0 and signup.status == "confirmed" and resident.id % 4:
                    await dugnad.mark_attended(session, signup, hours=2.5 if resident.id % 2 else None)
            found["events"].append(event)
        await session.flush()
    return found


HOSTILE = "<script>alert('x')</script>"  # resident and staff text that must stay text


async def make_hostile_world(app: App) -> dict:
    """In Furuset and in Tøyen: an idea (with a place, a photo and a supporter), a named and
    an anonymous safety report, a dugnad with sign-ups and a proposed one, every text an
    attack; a resident on each channel. For the security tests of every page: what they return, ids."""
    from bot.domain import dugnad, organisers, safety

    found: dict = {}
    async with app.sessions() as session, session.begin():
        for area in ("furuset", "toyen"):
            texter = await make_resident(session, channel="sms", area=area, locale="so")
            chatter = await make_resident(session, channel="telegram", area=area, locale="ar")
            draft = ideas.IdeaDraft(text=HOSTILE, category="other", place_text=HOSTILE, latitude=59.94, longitude=10.89,
                                    photo_ref="photo-file-id", wants_to_help=True)
            idea = await ideas.submit_idea(session, chatter, app.areas.require(area), draft, timezone="Europe/Oslo")
            await ideas.support_idea(session, texter, idea.id)
            for anonymous in (False, True):
                await safety.report_safety(
                    session, texter, area,
                    safety.SafetyDraft(time_of_day="night", category="other", place_text=HOSTILE, latitude=59.94,
                                       longitude=10.89, details=HOSTILE),
                    anonymous=anonymous, timezone="Europe/Oslo",
                )
            event = await make_event(session, area=area, title=HOSTILE)
            event.place = HOSTILE
            for resident in (texter, chatter):
                await dugnad.sign_up(session, resident, event.id)
            proposal = await organisers.propose_dugnad(session, texter, organisers.ProposalDraft(
                what=HOSTILE, place=HOSTILE, when_text=HOSTILE, hands=5, organiser_name=HOSTILE[:20]))
            found[area] = {"idea": idea.id, "event": event.id, "proposal": proposal.id, "phone": texter.phone,
                           "telegram_id": chatter.telegram_id}
    return found
