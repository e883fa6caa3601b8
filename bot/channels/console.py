"""The terminal channel for `benken chat`: one stdin line in, numbered replies out."""

from __future__ import annotations

import mimetypes
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from conversations.messages import (
    LOCATION, PHOTO, TEXT, UNSUPPORTED, VOICE, Attachment, Capabilities, Inbound, Location, Outbound, numbered,
)

from ..domain.media import refusal
from ..providers.media_store import seconds_of
from . import sms, telegram

if TYPE_CHECKING:
    from ..app import App

# The terminal talks as a Telegram resident (photos by path) or, with --phone, as an SMS one.
CAPABILITIES: dict[str, Capabilities] = {"telegram": telegram.CAPABILITIES, "sms": sms.CAPABILITIES}


def parse_line(line: str) -> Inbound:
    """A typed line as an inbound message; `/location LAT LON` and `/photo PATH` stand in
    for what a phone would send (and `/voice PATH`, in `parse`)."""
    text = line.rstrip("\r\n")
    command, _, rest = text.strip().partition(" ")
    if command == "/location":
        parts = rest.replace(",", " ").split()
        try:
            latitude, longitude = (float(p) for p in parts)
        except ValueError:
            return Inbound(LOCATION, location=None)
        return Inbound(LOCATION, location=Location(latitude, longitude))
    if command == "/photo":
        path = Path(rest.strip()).expanduser()
        if rest.strip() and path.is_file():
            return Inbound(PHOTO, photo_ref=f"file:{path.resolve()}")
        return Inbound(UNSUPPORTED)
    return Inbound(TEXT, text=text)


async def parse(app: App, line: str) -> Inbound:
    """As parse_line, and `/voice PATH`: a recording (its length read from the file)
    copied into the media folder, as a phone's voice message would be."""
    command, _, rest = line.strip().partition(" ")
    if command != "/voice":
        return parse_line(line)
    path = Path(rest.strip()).expanduser()
    if not rest.strip() or not path.is_file():
        return Inbound(UNSUPPORTED)
    data = path.read_bytes()
    seconds = seconds_of(data)
    content_type = mimetypes.guess_type(path.name)[0] or "audio/ogg"
    recording = Attachment(None, content_type, len(data), seconds, refusal(seconds, len(data)))
    if recording.problem is None:
        recording = replace(recording, file_name=await app.media.save(data, content_type))
    return Inbound(VOICE, attachment=recording)


def render(messages: list[Outbound]) -> str:
    """Replies as plain text, options numbered, messages separated by a blank line."""
    return "\n\n".join(numbered(m) for m in messages)
