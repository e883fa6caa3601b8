"""What flows into and out of a conversation, independent of any channel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

# Inbound kinds. Channels map their payloads onto these; UNSUPPORTED covers stickers,
# videos, documents and anything else we cannot read.
TEXT = "text"
CHOICE = "choice"  # a tapped button, carrying the choice key
COMMAND = "command"  # a channel-level keyword (/start on Telegram, STOP by SMS): text is the keyword
LOCATION = "location"
PHOTO = "photo"
VOICE = "voice"  # a voice message or an audio file: an answer at a step that takes spoken words
UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float

    @property
    def valid(self) -> bool:
        return -90 <= self.latitude <= 90 and -180 <= self.longitude <= 180


@dataclass(frozen=True)
class Attachment:
    """A file the resident sent (a recording, or a photo the channel does not keep
    itself), already in the media folder under `file_name`; or, where `file_name` is
    None, why it is not (`problem`: too long, too big, or it could not be fetched)."""

    file_name: str | None
    content_type: str
    size: int
    seconds: int | None = None  # a recording's length
    problem: str | None = None


@dataclass(frozen=True)
class Inbound:
    kind: str
    text: str = ""
    choice: str | None = None
    location: Location | None = None
    photo_ref: str | None = None
    attachment: Attachment | None = None  # for VOICE, and a PHOTO kept in the media folder
    prompt: int | None = None  # for CHOICE: the question the button belonged to, when known
    # What the message means instead when the resident has opted out: SMS "YES" is an
    # answer in a yes/no step, but to the carrier (and to us) a way back in.
    opted_out_means: str | None = None


@dataclass(frozen=True)
class Capabilities:
    """What the resident's channel can carry, so that flows ask this instead of naming
    channels."""

    photos: bool = False  # the resident can send a photo
    voice: bool = False  # the resident can send a voice message
    compact: bool = False  # every character costs (SMS): quote little, shorten dates
    carrier_stop: bool = False  # the carrier blocks the number after STOP; only START lifts it
    # Whether a text fits in one message the channel can afford (SMS: the segment budget).
    fits: Callable[[str], bool] = lambda _text: True

    def in_messages(self, lines: list[str]) -> list[str]:
        """Lines joined into as few messages as fit; a line too long alone (a resident's
        long idea in their copy of their data) is split between words, nothing left out."""
        pieces: list[str] = []
        for line in lines:
            pieces += [line] if self.fits(line) else self._packed(line.split(" "), " ")
        return self._packed(pieces, "\n")

    def _packed(self, parts: list[str], separator: str) -> list[str]:
        """Parts joined by `separator` into as few texts as fit; a part too long alone goes alone."""
        texts: list[str] = []
        for part in parts:
            joined = f"{texts[-1]}{separator}{part}" if texts else part
            if texts and self.fits(joined):
                texts[-1] = joined
            else:
                texts.append(part)
        return texts


@dataclass(frozen=True)
class Choice:
    key: str
    label: str


@dataclass(frozen=True)
class Outbound:
    """One message to a resident: text and, optionally, choices (buttons or numbered lines)."""

    text: str
    choices: tuple[Choice, ...] = field(default=())
    ask_location: bool = False  # where a place is asked: Telegram offers "share my location"
    rtl: bool = False
    prompt: int | None = None  # numbers each question, so a button of an older one is known


def numbered(message: Outbound) -> str:
    """The message as plain text with numbered options, for SMS and the terminal."""
    if not message.choices:
        return message.text
    lines = [message.text, ""]
    for number, choice in enumerate(message.choices, start=1):
        mark = f"\u2068{number}.\u2069" if message.rtl else f"{number}."
        lines.append(f"{mark} {choice.label}")
    return "\n".join(lines)
