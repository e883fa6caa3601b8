"""Voice messages after they arrive: the transcription job (written down, retried, refused,
withheld), the translation that follows, and nothing kept longer than promised: deleted
with the resident's data, after the retention period, when never sent, and when no row
knows a file."""

from __future__ import annotations

import os
from datetime import timedelta

from sqlalchemy import select

from bot.domain import ideas
from bot.domain.residents import erase_resident
from bot.messaging import media, transcription, translation
from bot.models import Idea, MediaFile, Resident, TranslationTask, utcnow
from bot.text.resident import LOCALES

from ..conftest import daytime
from ..factories import Chat
from ..support import VOICE_IDEA, VOICE_PLACE


async def idea_by_voice(app, *, place: bytes | None = None, locale: str = "en") -> tuple[Chat, int]:
    """A resident shares an idea by voice (and its place, when given) through the inbox."""
    chat = await Chat(app, locale=locale).onboarded()
    await chat.spoken_idea(VOICE_IDEA, place)
    async with app.sessions() as session:
        idea = (await session.execute(select(Idea).order_by(Idea.id.desc()))).scalars().first()
    return chat, idea.id


async def files(app) -> list[MediaFile]:
    async with app.sessions() as session:
        return list((await session.execute(select(MediaFile).order_by(MediaFile.id))).scalars())


async def test_a_transcript_goes_into_the_idea_and_is_translated_like_any_text(stt_app, fake_stt, fake_libre,
                                                                               language_id_ready):
    import dataclasses

    from bot.app import open_app

    fake_stt.hears(VOICE_IDEA, "Vi trenger flere benker ved skolen")
    _chat, idea_id = await idea_by_voice(stt_app, locale="nb")
    assert await transcription.tick(stt_app) == 1
    assert fake_stt.calls[-1]["language"] == "no"
    assert await transcription.tick(stt_app) == 0  # done once
    [recording] = await files(stt_app)
    assert recording.status == "done" and recording.transcript == "Vi trenger flere benker ved skolen"
    # With a translator, the spoken words are translated for staff like typed ones.
    configured = dataclasses.replace(stt_app.settings, translator="libretranslate", libretranslate_url=fake_libre.base_url)
    async with open_app(configured, migrate=False) as app:
        await translation.tick(app)
        async with app.sessions() as session:
            idea = await session.get(Idea, idea_id)
            tasks = (await session.execute(select(TranslationTask.field, TranslationTask.target, TranslationTask.status)
                                           .where(TranslationTask.idea_id == idea_id))).all()
    # For staff into English; for residents into every other language of ours (those
    # LibreTranslate has) too.
    assert idea.written_in == "nb" and ("text", "en", "done") in tasks
    assert {target for field, target, _status in tasks if field == "text"} == set(LOCALES) - {"nb"}


async def test_a_transcript_that_comes_after_the_place_was_translated_gets_its_own_tasks(
    stt_app, fake_stt, fake_libre, language_id_ready,
):
    import dataclasses

    from bot.app import open_app

    configured = dataclasses.replace(stt_app.settings, translator="libretranslate", libretranslate_url=fake_libre.base_url)
    async with open_app(configured, migrate=False) as app:
        chat = Chat(app, locale="en")
        await chat.script("hi", "1", "Furuset")
        await chat.tap("idea:")
        await chat.voice(VOICE_IDEA)
        await chat.tap("meeting_places")
        await chat.say("By the school gate")  # a typed place, translated at once
        await chat.tap("skip")
        await chat.tap("no")
        await chat.tap("send")
        await translation.tick(app)
        fake_stt.fail_next(503)  # the words come later
        assert await transcription.tick(app) == 0
        fake_stt.hears(VOICE_IDEA, "We need more benches by the school")
        assert await transcription.tick(app, now=utcnow() + timedelta(minutes=2)) == 1
        await translation.tick(app)
        async with app.sessions() as session:
            fields = sorted((await session.execute(select(TranslationTask.field).distinct())).scalars())
    assert fields == ["place", "text"]


async def test_a_server_down_is_asked_again_later_and_one_that_cannot_read_the_file_gives_up(stt_app, fake_stt):
    await idea_by_voice(stt_app)
    await idea_by_voice(stt_app)
    now = daytime()
    fake_stt.fail_next(503, "busy")
    assert await transcription.tick(stt_app, now=now) == 0
    assert len(fake_stt.calls) == 1  # one failure ends the round
    first, second = await files(stt_app)
    assert first.status == "pending" and first.attempts == 1 and first.next_try_at == now + timedelta(minutes=1)
    assert "503" in first.last_error and second.attempts == 0
    fake_stt.fail_next(400, "Invalid file format.")  # the second one, tried first: never tried
    assert await transcription.tick(stt_app, now=now) == 0
    first, second = await files(stt_app)
    assert second.status == "failed" and "Invalid file format" in second.last_error
    fake_stt.fail_next(503)  # the first one's next try, one minute later: fails again, waits longer
    await transcription.tick(stt_app, now=now + timedelta(minutes=1))
    first, _second = await files(stt_app)
    assert first.attempts == 2 and first.next_try_at == now + timedelta(minutes=3)
    assert await transcription.tick(stt_app, now=now + timedelta(minutes=3)) == 1
    first, second = await files(stt_app)
    assert first.status == "done" and second.status == "failed" and second.transcript is None


async def test_held_recordings_wait_and_safety_reports_go_only_to_a_server_allowed_them(stt_app, fake_stt):
    chat = Chat(stt_app, locale="en")
    await chat.script("hi", "1", "Furuset")
    await chat.tap("idea:")
    await chat.voice(VOICE_IDEA)  # held: the idea is not sent yet
    assert await transcription.tick(stt_app) == 0 and fake_stt.calls == []
    await chat.say("menu")
    await chat.spoken_report(VOICE_PLACE, "anonymous")
    stt_app.transcriber.sensitive = False  # as for a server in someone else's cloud
    assert await transcription.tick(stt_app) == 0 and fake_stt.calls == []
    [recording] = await files(stt_app)
    assert recording.status == "withheld" and recording.report_id is not None


async def test_an_anonymous_report_s_retries_keep_whole_hours(stt_app, fake_stt):
    await (await Chat(stt_app, locale="en").onboarded()).spoken_report(VOICE_PLACE, "anonymous")
    now = daytime().replace(minute=17, second=42)
    fake_stt.fail_next(500)
    await transcription.tick(stt_app, now=now)
    [recording] = await files(stt_app)
    assert recording.next_try_at.minute == 0 and recording.next_try_at.second == 0 and recording.next_try_at > now


async def test_a_missing_file_fails_without_stopping_the_round(stt_app, fake_stt):
    await idea_by_voice(stt_app)
    [recording] = await files(stt_app)
    stt_app.media.delete([recording.file_name])
    assert await transcription.tick(stt_app) == 0
    [recording] = await files(stt_app)
    assert recording.status == "failed" and recording.last_error == "the file is gone" and fake_stt.calls == []


async def test_no_server_no_transcript_and_staff_still_get_the_audio(app):
    await idea_by_voice(app)
    assert app.transcriber is None and await transcription.tick(app) == 0
    [recording] = await files(app)
    assert recording.status == "pending" and app.media.exists(recording.file_name)


# Deleting -----------------------------------------------------------------------------------


async def test_delete_my_data_deletes_the_recordings(app):
    chat, idea_id = await idea_by_voice(app, place=VOICE_PLACE)
    await chat.say("menu")
    await chat.tap("idea:")
    await chat.voice(VOICE_IDEA)  # held for an idea not yet sent
    names = [f.file_name for f in await files(app)]
    assert len(names) == 3 and all(app.media.exists(name) for name in names)
    await chat.say("menu")  # (the held one goes already here)
    await chat.tap("privacy:")
    await chat.tap("delete")
    await chat.tap("all")
    assert await files(app) == [] and app.media.listing() == {}


async def test_ideas_kept_without_a_name_lose_their_voice_but_keep_their_words(stt_app, fake_stt):
    fake_stt.hears(VOICE_IDEA, "More benches")
    _chat, idea_id = await idea_by_voice(stt_app)
    await transcription.tick(stt_app)
    async with stt_app.sessions() as session, session.begin():
        idea = await session.get(Idea, idea_id)
        author = await session.get(Resident, idea.author_id)
        await erase_resident(session, author, keep_ideas=True, timezone="Europe/Oslo")
        files_gone = media.taken(session)
    await media.settle(stt_app, files_gone)
    async with stt_app.sessions() as session:
        idea = await session.get(Idea, idea_id)
    assert idea.author_id is None and idea.text == "More benches"  # the words stay with the kept idea
    assert await files(stt_app) == [] and stt_app.media.listing() == {}  # a voice says who spoke


async def test_retention_deletes_what_is_past_its_time_and_nothing_else(app):
    _chat, closed = await idea_by_voice(app)
    _chat, still_open = await idea_by_voice(app)
    now = utcnow()
    async with app.sessions() as session, session.begin():
        await ideas.answer_idea(session, await session.get(Idea, closed), "done", note=None, now=now)
    assert app.settings.media_retention_days == 90
    assert await media.tidy(app, now=now + timedelta(days=89)) == (0, 0)
    assert await media.tidy(app, now=now + timedelta(days=91)) == (1, 0)  # 90 days after it was done
    left = await files(app)
    assert [f.idea_id for f in left] == [still_open] and len(app.media.listing()) == 1  # open: kept
    async with app.sessions() as session, session.begin():
        await ideas.answer_idea(session, await session.get(Idea, still_open), "declined", note=None,
                                now=now + timedelta(days=1))
    assert await media.tidy(app, now=now + timedelta(days=90)) == (0, 0)
    assert await media.tidy(app, now=now + timedelta(days=92)) == (1, 0)
    assert app.media.listing() == {}


async def test_retention_of_reports_held_files_and_strays(app):
    chat = await Chat(app, locale="en").onboarded()
    await chat.spoken_report(VOICE_PLACE, "named")
    await chat.tap("idea:")
    await chat.voice(VOICE_IDEA)  # held, and the resident never comes back
    stray = await app.media.save(b"OggS half a file", "audio/ogg")  # a crash before its row was written
    assert len(await files(app)) == 2
    assert await media.tidy(app) == (0, 0)  # all too young
    old = utcnow() - timedelta(days=3)
    os.utime(app.media.path(stray), (old.timestamp(), old.timestamp()))
    assert await media.tidy(app, now=utcnow() + timedelta(days=3)) == (1, 1)  # the held one and the stray
    [report_file] = await files(app)
    assert report_file.report_id is not None and not app.media.exists(stray)
    assert await media.tidy(app, now=utcnow() + timedelta(days=92)) == (1, 0)  # 90 days after its day
    assert await files(app) == [] and app.media.listing() == {}


async def test_a_file_nobody_kept_is_deleted_at_once(app):
    chat = Chat(app, locale="en")
    await chat.script("hi", "1", "Furuset")
    answer = await chat.voice(VOICE_IDEA)  # at the menu: no step takes it
    assert "We cannot listen to voice messages here." in answer[0].text
    assert app.media.listing() == {} and await files(app) == []
