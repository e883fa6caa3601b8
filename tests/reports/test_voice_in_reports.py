"""Voice messages where staff read resident text: the digest (text and spreadsheet) and
`benken export` say "voice message, 0:42", and what a machine wrote down from it when
there is that."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from bot.messaging import transcription
from bot.models import utcnow
from bot.reports import export
from bot.reports.digest import build_digest
from bot.reports.digest_layout import render_csv, render_text

from ..factories import Chat
from ..support import VOICE_IDEA, VOICE_PLACE


async def by_voice(app) -> None:
    """An idea spoken (its place too), and a safety report whose place is spoken."""
    chat = await Chat(app, locale="en").onboarded()
    await chat.spoken_idea(VOICE_IDEA, VOICE_PLACE)
    await chat.spoken_report(VOICE_PLACE, "named")


async def digest(app):
    now = utcnow()
    async with app.sessions() as session:
        return await build_digest(session, app.areas, area_slugs=["furuset"], since=now - timedelta(days=1),
                                  until=now + timedelta(days=1), locale="nb", timezone="Europe/Oslo")


async def test_the_digest_says_voice_message_and_its_length(app):
    await by_voice(app)
    made = await digest(app)
    text = render_text(made, "nb")
    assert "talemelding, 0:05" in text and "Sted: talemelding, 0:03" in text
    assert "voice message, 0:03" in render_text(made, "en")  # the safety report's spoken place
    rows = list(csv.DictReader(io.StringIO(render_csv(made))))
    idea = next(row for row in rows if row["kind"] == "idea")
    assert idea["voice"] == "text: talemelding, 0:05; place: talemelding, 0:03" and idea["text"] == ""
    assert next(row for row in rows if row["kind"] == "safety")["voice"] == "place: talemelding, 0:03"


async def test_with_a_transcript_the_digest_and_export_carry_the_words(stt_app, fake_stt):
    fake_stt.hears(VOICE_IDEA, "Flere benker ved skolen")
    fake_stt.hears(VOICE_PLACE, "Stien bak skolen")
    await by_voice(stt_app)
    assert await transcription.tick(stt_app) == 3
    text = render_text(await digest(stt_app), "en")
    assert "voice message, 0:05; written down by a machine: Flere benker ved skolen" in text
    assert "voice message, 0:03; written down by a machine: Stien bak skolen" in text
    out = io.StringIO()
    assert await export.write(stt_app, "ideas", "csv", None, out) == 1
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["text"] == "Flere benker ved skolen" and row["text_voice"] == "voice message, 0:05"
    assert row["place"] == "Stien bak skolen" and row["place_voice"] == "voice message, 0:03"
    out = io.StringIO()
    await export.write(stt_app, "safety", "json", None, out)
    assert '"place_voice": "voice message, 0:03", "details_voice": ""' in out.getvalue()
