"""Where a resident's photo is, as the idea page tells it. Telegram keeps a photo behind a
file id that only the bot's token opens, so the desk fetches it on the server (the
`photos` function bot/web.py gives create_desk) and the token never reaches a page."""

from __future__ import annotations

TELEGRAM = "telegram"  # a Telegram file id: shown through the desk's photo route
ON_TELEGRAM = "on_telegram"  # a Telegram file id, and no bot to fetch it with here
MMS = "mms"  # a picture message, kept at Twilio behind its credentials
ON_SERVER = "on_server"  # a file beside the database (`benken chat /photo`)
KEPT = "kept"  # in the media folder (an MMS photo, fetched from Twilio): shown through the photo route


def photo_kind(photo_ref: str | None, can_fetch: bool) -> str | None:
    """How the desk can show a photo reference, or None when the idea has no photo."""
    if not photo_ref:
        return None
    if photo_ref.startswith("media:"):
        return KEPT
    if photo_ref.startswith("file:"):
        return ON_SERVER
    if photo_ref.startswith("http"):
        return MMS
    return TELEGRAM if can_fetch else ON_TELEGRAM
