"""Residents' voice messages on the web desk: played in the idea page and the safety view
(an <audio> element) from the media folder through a signed-in route, for the staff
member's areas only. An anonymous report's recording is not played here: a voice says
who spoke, and the safety view never shows an anonymous report's words either; its
place, written down by a machine, is shown like a typed one."""

from __future__ import annotations

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ...domain.media import MEDIA_REF, recordings
from ...models import MEDIA_VOICE, Idea, MediaFile, SafetyReport
from ...text.staff import StaffText, resident_words
from .desk import Desk, page


async def players(desk: Desk, kind: str, ids: list[int]) -> dict[int, list[dict]]:
    """For each idea ("idea") or report ("safety") id: its recordings to play, by field,
    as the templates show them ({"field", "label", "url", "type"})."""
    t: StaffText = desk.text
    found = await recordings(desk.session, kind, ids)
    return {
        number: [
            {"field": field, "label": t._s("Place: {place}", place=resident_words(t, None, voice.seconds))
             if field == "place" and kind == "safety" else resident_words(t, None, voice.seconds),
             "url": desk.url("voice", media_id=voice.id), "type": voice.content_type}
            for field, voice in by_field.items()
        ]
        for number, by_field in found.items()
    }


async def _playable(desk: Desk, media_id: int) -> MediaFile:
    """The recording when it belongs to an idea or a named report in the staff member's
    areas; else 404 (never saying whether it exists)."""
    media = await desk.session.get(MediaFile, media_id)
    if media is None:
        raise HTTPException(404)
    if media.idea_id is not None:
        owner = await desk.session.get(Idea, media.idea_id)
        allowed = owner is not None and owner.area_slug in desk.area_slugs
    elif media.report_id is not None:
        owner = await desk.session.get(SafetyReport, media.report_id)
        allowed = owner is not None and owner.area_slug in desk.area_slugs and not owner.anonymous
    else:
        allowed = False  # held for an answer not sent yet
    if not allowed or not desk.app.media.exists(media.file_name):
        raise HTTPException(404)
    return media


@page()
async def voice(desk: Desk) -> Response:
    """GET /desk/voice/7: a resident's recording, to play."""
    media = await _playable(desk, desk.request.path_params["media_id"])
    if media.kind != MEDIA_VOICE:
        raise HTTPException(404)
    return FileResponse(desk.app.media.path(media.file_name), media_type=media.content_type,
                        headers={"Cache-Control": "no-store"})


async def kept_photo(desk: Desk, idea: Idea) -> Response:
    """An idea's photo in the media folder (sent by MMS), for the idea page's photo route."""
    name = (idea.photo_ref or "").removeprefix(MEDIA_REF)
    row = (await desk.session.execute(select(MediaFile).where(MediaFile.file_name == name))).scalar_one_or_none()
    if row is None or row.idea_id != idea.id or not desk.app.media.exists(name):
        raise HTTPException(404)
    return FileResponse(desk.app.media.path(name), media_type=row.content_type, headers={"Cache-Control": "no-store"})


routes = [Route("/voice/{media_id:int}", voice, methods=["GET"], name="voice")]
