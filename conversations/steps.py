"""The pieces flows are written with: a Step asks one question and takes one answer.

A flow is a dict of named steps and a first step. `ask` builds the question; `answer`
stores what was given and returns the name of the next step (or DONE for the main menu).
The engine (engine.py) parses the inbound message into an Answer according to `expects`,
so a step only ever sees a valid choice, a text within limits, a place, a photo, or a
voice message (at a step that takes `spoken` words: `Ctx.keep_words` stores either).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.areas import Area, Areas
from bot.domain import media
from bot.models import MEDIA_PHOTO, MEDIA_VOICE, ConversationState, Resident
from bot.text.resident import Text
from bot.text.shorten import shorten

from .messages import Attachment, Capabilities, Choice, Location, Outbound

# What a step expects.
CHOOSE = "choose"  # one of the offered choices
WRITE = "write"  # text in the resident's own words
PLACE = "place"  # text, or a location where the channel can send one
PHOTO = "photo"  # a photo (or skip)

DONE = "__done__"  # the flow is over: show the main menu
QUIET = "__quiet__"  # the flow is over and nothing more is said (opted out, erased)
SKIP = "skip"  # the key of the "Skip" choice added to optional steps
SMS_PREVIEW = 30  # characters of resident text quoted back by SMS (budget: 3 segments a prompt)
TEXT_PREVIEW = 1000  # elsewhere: the longest idea we take, whole
LIST_PREVIEW = 80  # in a list of several; the whole text is under "see my data"


class Invalid(Exception):
    """An answer the step cannot use; the message is said and the question asked again."""


@dataclass
class Prompt:
    text: str
    choices: list[Choice] = field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    choice: str | None = None
    text: str | None = None
    location: Location | None = None
    photo_ref: str | None = None
    attachment: Attachment | None = None  # a voice message (or a photo in the media folder)


@dataclass(frozen=True)
class Step:
    ask: Callable[["Ctx"], Awaitable[Prompt]]
    answer: Callable[["Ctx", Answer], Awaitable[str]]
    expects: str = CHOOSE
    optional: bool = False
    min_length: int = 1
    max_length: int = 1000
    # Whether a voice message answers it (words staff read: an idea, a place, details);
    # words shown to neighbours as text (an organiser's name, their message) are written.
    spoken: bool = False
    # The choice an answer counts as when it fits no choice, or is a call for help: at
    # "Is someone in danger right now?" anything but a clear "no" means the numbers.
    unclear: str | None = None


@dataclass(frozen=True)
class Flow:
    name: str
    first: str
    steps: dict[str, Step]
    # How long an answer is waited for before the conversation starts again at the menu;
    # None: the engine's day (IDLE_RESET). "Is it fixed?" waits the 14 days it is open.
    waits: timedelta | None = None


@dataclass(frozen=True)
class EngineConfig:
    areas: Areas
    timezone: str = "Europe/Oslo"


@dataclass
class Ctx:
    """One inbound message being handled: who, where in the conversation, and the replies."""

    session: AsyncSession
    resident: Resident
    state: ConversationState
    config: EngineConfig
    can: Capabilities  # what the resident's channel can carry
    now: datetime
    t: Text
    data: dict[str, Any]
    out: list[Outbound] = field(default_factory=list)
    # Set by a step that saved what the resident gave (an idea, a support, a sign-up, a
    # proposal): at the end of the flow they may be offered the monthly news (once).
    took_part: bool = False

    def say(self, text: str, choices: tuple[Choice, ...] = ()) -> None:
        self.out.append(Outbound(text, choices, rtl=self.t.rtl))

    def forget(self) -> None:
        """Drop what the resident gave in this flow (the engine's own keys stay)."""
        self.data = {k: v for k, v in self.data.items() if k.startswith("_")}

    def quote(self, text: str, *, in_list: bool = False) -> str:
        """Resident-written text as shown back: whole where a message is free (its start
        in a list), only its start by SMS, where 67 characters of Arabic cost a segment."""
        if self.can.compact:
            limit = SMS_PREVIEW
        else:
            limit = LIST_PREVIEW if in_list else TEXT_PREVIEW
        return f"“{text if len(text) <= limit else shorten(text, limit)}”"

    def quote_idea(self, original: str, translated: str | None = None) -> str:
        """Another resident's idea in a list: a machine's translation into the reader's
        language where there is one, marked as such, else as its author wrote it."""
        if translated is None:
            return self.quote(original, in_list=True)
        # Translators: after another resident's idea, quoted in the reader's language by
        # a machine translation.
        marker = self.t._("(machine translation)")
        return f"{self.quote(translated, in_list=True)} {marker}"

    async def keep_words(self, field: str, answer: Answer) -> None:
        """Stores a written answer under `field`, or a spoken one: the recording is held
        for the record (its words come later, from transcription), and the resident is
        told it arrived."""
        held = dict(self.data.get("held", {}))
        held.pop(field, None)  # an answer given again replaces the first
        recording = answer.attachment
        if recording is None:
            self.data[field] = answer.text
        else:
            kept = await media.hold(self.session, MEDIA_VOICE, recording.file_name, recording.content_type,
                                    recording.size, recording.seconds, self.t.locale, now=self.now)
            held[field] = [kept.id, kept.seconds]
            self.data[field] = None
            # Translators: said when a voice message arrived as an answer; {duration}
            # is its length in minutes and seconds, like 0:42.
            self.say(self.t._("We got your voice message ({duration}).", duration=self.t.duration(kept.seconds or 0)))
        self.data["held"] = held

    async def keep_photo(self, answer: Answer) -> None:
        """Stores the photo's reference; a photo in the media folder is held like a recording."""
        held = dict(self.data.get("held", {}))
        held.pop("photo", None)
        photo = answer.attachment
        if photo is not None:
            kept = await media.hold(self.session, MEDIA_PHOTO, photo.file_name, photo.content_type, photo.size,
                                    None, self.t.locale, now=self.now)
            held["photo"] = [kept.id, None]
        self.data["photo"] = answer.photo_ref
        self.data["held"] = held

    def spoken(self, field: str) -> str | None:
        """A voice message given for `field`, as shown back: "Voice message (0:42)"."""
        held = self.data.get("held", {}).get(field)
        return None if held is None else voice_label(self.t, held[1])

    async def release_held(self) -> None:
        """The files of answers that will not be sent are deleted (not those already sent)."""
        await media.release(self.session, list(self.held().values()))
        self.data.pop("held", None)

    def held(self) -> dict[str, int]:
        """The files this flow's answers hold, by field, for the record they go with."""
        return {field: media_id for field, (media_id, _seconds) in self.data.get("held", {}).items()}

    @property
    def area(self) -> Area | None:
        return self.config.areas.get(self.resident.area_slug)

    def set_locale(self, locale: str) -> None:
        self.resident.locale = locale
        self.t = Text(locale, self.config.timezone)


def voice_label(t: Text, seconds: int | None) -> str:
    """A voice message as the resident is shown it: "Voice message (0:42)"."""
    # Translators: a voice message the resident sent, shown where their words would
    # be; {duration} is its length in minutes and seconds, like 0:42.
    return t._("Voice message ({duration})", duration=t.duration(seconds or 0))


def yes_no(t: Text) -> list[Choice]:
    return [Choice("yes", t._("Yes")), Choice("no", t._("No"))]
