"""Speak instead of type, on Telegram: real Ogg/Opus voice messages through the fake Bot
API's getFile and file download, a resident who completes the idea and safety flows by
voice alone, the staff member who hears it on the desk and reads its transcript and
Norwegian translation, and the limits (too long, too big) that lose nothing."""

from __future__ import annotations

import dataclasses
import os
import re
from datetime import datetime, time, timezone

import pytest
from sqlalchemy import select

from bot.messaging import transcription, translation
from bot.models import Idea, InboundMessage, MediaFile, SafetyReport, Staff, StaffArea
from bot.providers.media_store import NAME

from ..support import VOICE_IDEA, VOICE_PLACE, lengthened, onboard, texts

SOMALI = "Waxaan u baahanahay kuraas badan oo u dhow goobta carruurta"  # the fake translator knows it
STAFF_ID = 9201


@pytest.fixture
def settings(settings, fake_stt, fake_azure):
    """This module's bot has a speech-to-text server and Azure AI Translator (fakes)."""
    return dataclasses.replace(
        settings, transcribe_url=fake_stt.base_url, transcribe_api_key=fake_stt.api_key, translator="azure",
        azure_translator_key=fake_azure.key, azure_translator_region=fake_azure.region,
        azure_translator_endpoint=fake_azure.base_url,
    )


def sent_files(fake, method: str, chat_id: int) -> list[dict]:
    return [c["params"] for c in fake.calls if c["method"] == method and c["params"].get("chat_id") == chat_id]


async def tap_first(bot, user) -> list[dict]:
    message_id, buttons = bot.fake.buttons(user)
    return await bot.send(bot.fake.tap, user, buttons[0][1], message_id)


async def add_staff(app, telegram_id: int, locale: str) -> None:
    """A staff member for Furuset (before the bot's first update: it keeps its list of staff a while)."""
    async with app.sessions() as session, session.begin():
        staff = Staff(telegram_id=telegram_id, name="Kari", locale=locale)
        session.add(staff)
        await session.flush()
        session.add(StaffArea(staff_id=staff.id, area_slug="furuset"))


async def share_an_idea_by_voice(bot, user) -> str:
    """The idea flow with a voice message for the idea and one for the place; its reference."""
    await onboard(bot, user)
    asked = texts(await bot.send(bot.fake.tap_label, user, "Share an idea"))
    assert "You can also send a voice message." in asked
    got = texts(await bot.send(bot.fake.voice, user, VOICE_IDEA, duration=5))
    assert "We got your voice message (0:05)." in got and "What is your idea about?" in got
    await bot.send(bot.fake.tap_label, user, "Meeting places")
    got = texts(await bot.send(bot.fake.voice, user, VOICE_PLACE, duration=3))
    assert "We got your voice message (0:03)." in got and "photo" in got
    await bot.send(bot.fake.tap_label, user, "Skip")
    confirm = texts(await bot.send(bot.fake.tap_label, user, "No"))
    assert "Your idea:\nVoice message (0:05)" in confirm and "Place: Voice message (0:03)" in confirm
    saved = texts(await bot.send(bot.fake.tap_label, user, "Send it"))
    return re.search(r"saved as (I-\d+)", saved).group(1)


async def test_an_idea_by_voice_alone_reaches_staff_heard_transcribed_and_translated(
    telegram, fake_stt, fake_azure, language_id_ready,
):
    bot, app = telegram, telegram.app
    fake_stt.hears(VOICE_IDEA, SOMALI)
    fake_stt.hears(VOICE_PLACE, "Ved skolen")
    await add_staff(app, STAFF_ID, "nb")
    ref = await share_an_idea_by_voice(bot, 6001)
    idea_id = int(ref.split("-")[1])
    async with app.sessions() as session:
        idea = await session.get(Idea, idea_id)
        assert idea.text == "" and idea.place_text is None  # the words come from transcription
        files = (await session.execute(select(MediaFile).order_by(MediaFile.id))).scalars().all()
    assert [(f.field, f.seconds, f.status) for f in files] == [("text", 5, "pending"), ("place", 3, "pending")]
    assert all(f.idea_id == idea_id and app.media.exists(f.file_name) for f in files)
    assert app.media.path(files[0].file_name).read_bytes() == VOICE_IDEA  # as the resident recorded it
    assert len(bot.fake.downloads) == 2

    assert await transcription.tick(app) == 2
    assert [c["language"] for c in fake_stt.calls] == ["en", "en"]  # the resident's language, a hint
    await translation.tick(app)
    async with app.sessions() as session:
        idea = await session.get(Idea, idea_id)
    assert idea.text == SOMALI and idea.place_text == "Ved skolen" and idea.written_in == "so"

    card = texts(await bot.send(bot.fake.text, STAFF_ID, f"/idea {idea_id}"))
    assert f"“talemelding, 0:05; skrevet ned av en maskin: {SOMALI}”" in card
    assert "Maskinoversatt fra somali: Vi trenger flere benker nær lekeplassen" in card
    assert "Sted: talemelding, 0:03; skrevet ned av en maskin: Ved skolen" in card
    voices = sent_files(bot.fake, "sendVoice", STAFF_ID)
    assert [v["voice"]["size"] for v in voices] == [len(VOICE_IDEA), len(VOICE_PLACE)]  # to listen to
    assert [v["duration"] for v in voices] == [5, 3]
    listed = texts(await bot.send(bot.fake.text, STAFF_ID, "/ideas"))
    assert f"talemelding, 0:05; skrevet ned av en maskin: {SOMALI}"[:60] in listed


async def test_without_a_transcript_staff_hear_the_voice_and_see_its_length(telegram):
    bot, app = telegram, telegram.app
    await add_staff(app, STAFF_ID + 1, "en")
    ref = await share_an_idea_by_voice(bot, 6002)
    card = texts(await bot.send(bot.fake.text, STAFF_ID + 1, f"/idea {ref}"))
    assert "“voice message, 0:05”" in card and "Place: voice message, 0:03" in card
    assert "Written in English" in card  # the resident's language, where no words tell
    assert len(sent_files(bot.fake, "sendVoice", STAFF_ID + 1)) == 2


async def test_a_safety_report_by_voice_keeps_no_link_to_the_resident(telegram, fake_stt):
    bot, app, user = telegram, telegram.app, 6003
    fake_stt.hears(VOICE_PLACE, "The path behind the school")
    await onboard(bot, user)
    await bot.send(bot.fake.tap_label, user, "Tell us where you feel unsafe")
    await bot.send(bot.fake.tap_label, user, "No")
    got = texts(await bot.send(bot.fake.voice, user, VOICE_PLACE, duration=3))
    assert "We got your voice message (0:03)." in got and "When does it feel unsafe?" in got
    await tap_first(bot, user)
    await tap_first(bot, user)
    assert "We got your voice message (0:05)." in texts(await bot.send(bot.fake.voice, user, VOICE_IDEA, duration=5))
    saved = texts(await bot.send(bot.fake.tap_label, user, "Send anonymously"))
    assert re.search(r"saved as S-\d+", saved)

    async with app.sessions() as session:
        report = (await session.execute(select(SafetyReport))).scalar_one()
        files = (await session.execute(select(MediaFile).order_by(MediaFile.id))).scalars().all()
        logged = (await session.execute(select(InboundMessage).order_by(InboundMessage.id.desc()))).scalars().first()
    assert report.anonymous and report.resident_id is None and logged.resident_id is None
    day = datetime.combine(report.reported_on, time(0), timezone.utc)
    assert [f.field for f in files] == ["place", "details"]
    for media in files:
        assert media.report_id == report.id and media.idea_id is None
        assert media.created_at == day  # the day only, like the report
        assert NAME.fullmatch(media.file_name)  # a random name, nothing else
        values = " ".join(str(getattr(media, c.key)) for c in MediaFile.__table__.columns)
        assert str(user) not in values and "voice-" not in values  # no Telegram id, no file id
        assert os.stat(app.media.path(media.file_name)).st_mtime == day.timestamp()  # on disk too

    assert await transcription.tick(app) == 2  # a server nearby may hear safety reports
    async with app.sessions() as session:
        report = await session.get(SafetyReport, report.id)
    assert report.place_text == "The path behind the school" and report.details.startswith("[en]")


async def test_a_voice_message_too_long_is_refused_kindly_and_nothing_is_lost(telegram):
    bot, app, user = telegram, telegram.app, 6004
    await onboard(bot, user)
    await bot.send(bot.fake.tap_label, user, "Share an idea")
    await bot.send(bot.fake.text, user, "More benches by the school")
    await bot.send(bot.fake.tap_label, user, "Meeting places")
    too_long = ("That voice message is too long for us. Please keep it under 5 minutes, or write it.\n\n"
                "Where should it be?")
    assert too_long in texts(await bot.send(bot.fake.voice, user, VOICE_PLACE, duration=400))
    assert bot.fake.downloads == []  # Telegram said how long: not even fetched
    # A sender whose client says 10 s is measured by the file itself (six minutes here).
    assert too_long in texts(await bot.send(bot.fake.voice, user, lengthened(VOICE_PLACE, 360), duration=10))
    assert len(bot.fake.downloads) == 1 and app.media.listing() == {}  # fetched, measured, not kept
    await bot.send(bot.fake.text, user, "Skip")  # (a keyboard button, beside "share my location")
    await bot.send(bot.fake.tap_label, user, "Skip")
    confirm = texts(await bot.send(bot.fake.tap_label, user, "No"))
    assert "“More benches by the school”" in confirm  # what was given before is all there


async def test_a_file_too_big_for_telegram_or_gone_gets_a_clear_answer(telegram):
    bot, user = telegram, 6005
    await onboard(bot, user)
    await bot.send(bot.fake.tap_label, user, "Share an idea")
    too_big = texts(await bot.send(bot.fake.voice, user, duration=60, file_size=25 * 1024 * 1024))
    assert "That voice message is too big for us. Please send a shorter one, or write it." in too_big
    assert not [c for c in bot.fake.calls if c["method"] == "getFile"]
    # Telegram refuses to hand over a file over 20 MB ("file is too big") though the update said less.
    refused = texts(await bot.send(bot.fake.voice, user, b"OggS" + bytes(21 * 1024 * 1024), duration=60,
                                   file_size=1000))
    assert "We could not get your voice message. Please send it again, or write it." in refused
    assert "What is your idea for Furuset?" in refused


async def test_an_audio_file_counts_as_a_voice_message(telegram):
    bot, app, user = telegram, telegram.app, 6006
    await onboard(bot, user)
    await bot.send(bot.fake.tap_label, user, "Share an idea")
    got = texts(await bot.send(bot.fake.audio, user, VOICE_PLACE, duration=3, mime_type="audio/ogg"))
    assert "We got your voice message (0:03)." in got
    async with app.sessions() as session:
        held = (await session.execute(select(MediaFile))).scalar_one()
    assert held.idea_id is None and held.seconds == 3  # held until the idea is sent
    await bot.send(bot.fake.text, user, "menu")  # left behind: the recording goes at once
    async with app.sessions() as session:
        assert (await session.execute(select(MediaFile))).scalars().all() == []
    assert app.media.listing() == {}
