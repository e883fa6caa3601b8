"""The terminal channel for `benken chat`: one stdin line in, numbered replies out."""

from __future__ import annotations

from pathlib import Path

from conversations.messages import LOCATION, PHOTO, TEXT, UNSUPPORTED, Capabilities, Inbound, Location, Outbound, numbered

from . import sms, telegram

# The terminal talks as a Telegram resident (photos by path) or, with --phone, as an SMS one.
CAPABILITIES: dict[str, Capabilities] = {"telegram": telegram.CAPABILITIES, "sms": sms.CAPABILITIES}


def parse_line(line: str) -> Inbound:
    """A typed line as an inbound message; `/location LAT LON` and `/photo PATH` stand in
    for what a phone would send."""
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


def render(messages: list[Outbound]) -> str:
    """Replies as plain text, options numbered, messages separated by a blank line."""
    return "\n\n".join(numbered(m) for m in messages)
