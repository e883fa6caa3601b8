"""Photos by MMS (TWILIO_MMS): at the idea's photo step a resident's MMS photo is fetched
from Twilio's media URL with the account's credentials, kept in the media folder like a
Telegram photo, shown to staff and, when published, on the results page; a photo that
cannot be fetched gets a kind answer and the question again."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.domain import ideas, publishing
from bot.domain.media import MEDIA_REF
from bot.messaging import media
from bot.models import Idea, MediaFile, utcnow

from ..doubles.fake_telegram import JPEG_BYTES
from ..doubles.fake_twilio import FakeTwilio
from ..support import TWILIO_SID, TWILIO_TOKEN, Phone

_sids = itertools.count(1)


@pytest.fixture
async def fake_twilio():
    async with FakeTwilio(TWILIO_SID, TWILIO_TOKEN) as fake:
        yield fake


@pytest.fixture
def settings(settings, fake_twilio):
    """This module's deployment takes photos by MMS, from the fake Twilio."""
    return dataclasses.replace(settings, twilio_mms=True, twilio_api_base_url=fake_twilio.base_url)


async def to_the_photo_step(phone: Phone) -> str:
    await phone.script("hi", "2", "1", "1", "More benches by the school", "1", "skip")
    return phone.said


async def send_photo(phone: Phone, fake: FakeTwilio, data: bytes = JPEG_BYTES, *, url: str | None = None) -> str:
    sid = f"MM{next(_sids):032d}"
    media_url = url or fake.add_media(sid, data)
    await phone.text("", sid=sid, extra={"NumMedia": "1", "MediaUrl0": media_url, "MediaContentType0": "image/jpeg"})
    return phone.said


async def test_an_mms_photo_is_fetched_with_the_account_s_credentials_and_kept(sms_client, sms_app, fake_twilio):
    phone = Phone(sms_client)
    assert "photo" in await to_the_photo_step(phone)  # asked by SMS, where MMS is on
    said = await send_photo(phone, fake_twilio)
    assert "Would you like to help make it happen?" in said
    await phone.script("2", "1")
    assert "I-1" in phone.said
    # With the account's credentials to Twilio (401 without), not on to its media store.
    assert [r["authorized"] for r in fake_twilio.media_requests] == [True, False]
    async with sms_app.sessions() as session:
        idea = (await session.execute(select(Idea))).scalar_one()
        photo = (await session.execute(select(MediaFile))).scalar_one()
    assert idea.photo_ref == MEDIA_REF + photo.file_name and photo.kind == "photo" and photo.idea_id == idea.id
    assert sms_app.media.path(photo.file_name).read_bytes() == JPEG_BYTES
    # Published with its photo, the results page shows it from the media folder.
    async with sms_app.sessions() as session, session.begin():
        idea = await session.get(Idea, idea.id)
        await publishing.publish_idea(session, idea, "Nye benker ved skolen", None, photo=True)
    page = await sms_client.get(f"/results/furuset/photo/{idea.id}")
    assert page.status_code == 200 and page.content == JPEG_BYTES and page.headers["content-type"] == "image/jpeg"
    # Closed long ago, a published photo stays while it is shown; taken off the page, it goes.
    async with sms_app.sessions() as session, session.begin():
        await ideas.answer_idea(session, await session.get(Idea, idea.id), "done", note=None)
    later = utcnow() + timedelta(days=sms_app.settings.media_retention_days + 1)
    assert await media.tidy(sms_app, now=later) == (0, 0)
    async with sms_app.sessions() as session, session.begin():
        await publishing.unpublish_idea(session, await session.get(Idea, idea.id))
    assert await media.tidy(sms_app, now=later) == (1, 0)
    async with sms_app.sessions() as session:
        assert (await session.get(Idea, idea.id)).photo_ref is None
    assert sms_app.media.listing() == {}


async def test_an_mms_photo_that_cannot_be_fetched_is_asked_again(sms_client, sms_app, fake_twilio):
    phone = Phone(sms_client)
    await to_the_photo_step(phone)
    missing = f"{fake_twilio.base_url}/2010-04-01/Accounts/{TWILIO_SID}/Messages/MM1/Media/ME404"
    said = await send_photo(phone, fake_twilio, url=missing)
    assert "We could not take that photo. Please send another one, or choose" in said
    assert "Do you have a photo of the place?" in said
    assert await send_photo(phone, fake_twilio)  # a second try works
    async with sms_app.sessions() as session:
        assert len((await session.execute(select(MediaFile))).scalars().all()) == 1
