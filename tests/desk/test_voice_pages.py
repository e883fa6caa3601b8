"""Voice messages on the web desk: the idea page and the safety view play them from the
media folder through a signed-in route, for the staff member's own areas; an anonymous
report's is said, not played; an MMS photo shows on the idea page."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.channels.sms import WITH_MMS
from bot.domain.media import MEDIA_REF
from bot.messaging.inbox import receive
from bot.models import Idea, MediaFile, SafetyReport
from conversations.messages import PHOTO, TEXT, Attachment, Inbound

from tests.doubles.fake_telegram import JPEG_BYTES
from tests.factories import Chat
from tests.support import VOICE_IDEA, VOICE_PLACE, make_staff, sign_in

AUDIO = re.compile(r'<audio controls preload="none" src="(/desk/voice/\d+)"')


async def spoken_idea(app) -> int:
    await (await Chat(app, locale="en").onboarded()).spoken_idea(VOICE_IDEA, VOICE_PLACE)
    async with app.sessions() as session:
        return (await session.execute(select(Idea.id))).scalar_one()


async def spoken_report(app, choice: str) -> None:
    await (await Chat(app, locale="en").onboarded()).spoken_report(VOICE_PLACE, choice, VOICE_IDEA)


async def test_the_idea_page_plays_the_resident_s_voice_messages(app, client):
    idea_id = await spoken_idea(app)
    await sign_in(client, app, await make_staff(app, locale="en"))
    page = (await client.get(f"/desk/ideas/{idea_id}")).text
    assert "voice message, 0:05" in page and "voice message, 0:03" in page
    text_player, place_player = AUDIO.findall(page)
    played = await client.get(text_player)
    assert played.status_code == 200 and played.content == VOICE_IDEA
    assert played.headers["content-type"] == "audio/ogg" and played.headers["cache-control"] == "no-store"
    assert (await client.get(place_player)).content == VOICE_PLACE
    # Once written down, the words show under the player, marked as a machine's.
    async with app.sessions() as session, session.begin():
        (await session.get(Idea, idea_id)).text = "More benches by the school"
    page = (await client.get(f"/desk/ideas/{idea_id}")).text
    assert "voice message, 0:05, written down by a machine:" in page and "More benches by the school" in page


async def test_recordings_only_for_signed_in_staff_of_the_area(app, client):
    idea_id = await spoken_idea(app)
    async with app.sessions() as session:
        media_id = (await session.execute(select(MediaFile.id).where(MediaFile.idea_id == idea_id))).scalars().first()
    anonymous = await client.get(f"/desk/voice/{media_id}")
    assert anonymous.status_code in (302, 303) and "/desk/login" in anonymous.headers["location"]
    await sign_in(client, app, await make_staff(app, areas=("tøyen",)))
    assert (await client.get(f"/desk/voice/{media_id}")).status_code == 404
    assert (await client.get("/desk/voice/999999")).status_code == 404


async def test_the_safety_view_plays_a_named_report_and_only_says_an_anonymous_one(app, client):
    await spoken_report(app, "named")
    await spoken_report(app, "anonymous")
    await sign_in(client, app, await make_staff(app, locale="en"))
    page = (await client.get("/desk/safety-map")).text
    players = AUDIO.findall(page)
    assert len(players) == 2  # the named report's place and details
    assert page.count("anonymous: not played on the desk") == 2
    assert "Place: voice message, 0:03" in page
    async with app.sessions() as session:
        hidden = (await session.execute(
            select(MediaFile.id).join(SafetyReport, SafetyReport.id == MediaFile.report_id)
            .where(SafetyReport.anonymous.is_(True))
        )).scalars().all()
    for media_id in hidden:
        assert (await client.get(f"/desk/voice/{media_id}")).status_code == 404
    assert (await client.get(players[0])).content == VOICE_PLACE


async def test_an_mms_photo_shows_on_the_idea_page(app, client):
    """An SMS resident where MMS is taken: the photo step's answer is a photo the channel put
    in the media folder."""
    name = await app.media.save(JPEG_BYTES, "image/jpeg")
    photo = Inbound(PHOTO, photo_ref=MEDIA_REF + name, attachment=Attachment(name, "image/jpeg", len(JPEG_BYTES)))
    said = ["hi", "2", "1", "1", "More benches by the school", "1", "skip", photo, "2", "1"]
    for number, step in enumerate(said):
        inbound = step if isinstance(step, Inbound) else Inbound(TEXT, text=step)
        await receive(app, "sms", f"SM{number}", inbound, capabilities=WITH_MMS, phone="+4790055555")
    async with app.sessions() as session:
        idea = (await session.execute(select(Idea))).scalar_one()
    assert idea.photo_ref == MEDIA_REF + name
    await sign_in(client, app, await make_staff(app))
    page = (await client.get(f"/desk/ideas/{idea.id}")).text
    assert f'src="/desk/ideas/{idea.id}/photo"' in page
    shown = await client.get(f"/desk/ideas/{idea.id}/photo")
    assert shown.status_code == 200 and shown.content == JPEG_BYTES and shown.headers["content-type"] == "image/jpeg"
