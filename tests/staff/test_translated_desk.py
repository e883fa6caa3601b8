"""Staff's words reach every resident in their language: previewed on the Telegram desk
(and with `benken idea status --preview`), machine translated with the original below,
and sent as written, with the staff member told, where translating failed. Azure AI
Translator's fake stands in for the provider."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.domain import ideas
from bot.models import Idea, OutboxMessage, Staff, StaffArea
from bot.settings import Settings
from bot.text.resident import Text

from tests.factories import make_resident
from tests.support import benken_async, texts

STAFF_ID = 9101
NOTE = "We put up the bench in May."


@pytest.fixture
def settings(database_url, fake_azure) -> Settings:
    """This module's app translates with Azure AI Translator's fake (the `telegram` fixture too)."""
    return Settings(database_url=database_url, translator="azure", azure_translator_key=fake_azure.key,
                    azure_translator_region=fake_azure.region, azure_translator_endpoint=fake_azure.base_url)


async def seed(app) -> dict:
    """English-speaking staff for Furuset; an idea by an Arabic Telegram resident, supported
    by a Somali SMS resident."""
    async with app.sessions() as session, session.begin():
        staff = Staff(telegram_id=STAFF_ID, name="Kari", locale="en")
        session.add(staff)
        await session.flush()
        session.add(StaffArea(staff_id=staff.id, area_slug="furuset"))
        author = await make_resident(session, channel="telegram", locale="ar")
        supporter = await make_resident(session, channel="sms", locale="so")
        draft = ideas.IdeaDraft(text="نحتاج إلى مقعد قرب المدرسة", category="meeting_places")
        idea = await ideas.submit_idea(session, author, app.areas.require("furuset"), draft, timezone="Europe/Oslo")
        await ideas.support_idea(session, supporter, idea.id)
    return {"idea": idea.id, "author": author.id, "supporter": supporter.id}


async def outbox(app) -> dict[int, str]:
    async with app.sessions() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        return {row.resident_id: row.text for row in rows}


async def answer_with_a_note(telegram, ids) -> list[dict]:
    fake = telegram.fake
    await telegram.send(fake.text, STAFF_ID, f"/idea {ids['idea']}")
    await telegram.send(fake.tap_label, STAFF_ID, "planned")
    await telegram.send(fake.tap_label, STAFF_ID, "No ready-made answer")
    return await telegram.send(fake.text, STAFF_ID, NOTE)


async def test_the_desk_shows_an_idea_with_its_machine_translation(telegram, fake_azure, language_id_ready):
    from bot.messaging import translation

    ids = await seed(telegram.app)
    await translation.tick(telegram.app)
    listed = texts(await telegram.send(telegram.fake.text, STAFF_ID, "/ideas"))
    assert "Machine translation from Arabic: [ar>en] نحتاج إلى مقعد" in listed
    card = texts(await telegram.send(telegram.fake.text, STAFF_ID, f"/idea {ids['idea']}"))
    assert "نحتاج إلى مقعد قرب المدرسة" in card and "Machine translation from Arabic: [ar>en]" in card
    assert "Written in Arabic" in card


async def test_you_said_we_did_quotes_the_idea_in_each_language(telegram, fake_azure):
    app, fake = telegram.app, telegram.fake
    ids = await seed(app)
    async with app.sessions() as session, session.begin():
        await ideas.answer_idea(session, await session.get(Idea, ids["idea"]), "done", note=None)
    # "Tell the whole area" (the button under a "done" answer), pressed by its callback data.
    preview = texts(await telegram.send(fake.tap, STAFF_ID, f"staff|ysd|{ids['idea']}", 1))
    assert "Soomaali: 1 resident, 1 by SMS" in preview and "[ar>so] نحتاج إلى مقعد" in preview
    assert await outbox(app) == {}
    await telegram.send(fake.tap_label, STAFF_ID, "Send to all")
    somali = (await outbox(app))[ids["supporter"]]
    assert "[ar>so] نحتاج إلى مقعد" in somali and "“نحتاج إلى مقعد قرب المدرسة”" in somali


async def test_a_staff_note_reaches_arabic_and_somali_residents_translated_with_the_original(telegram, fake_azure):
    app = telegram.app
    ids = await seed(app)
    preview = texts(await answer_with_a_note(telegram, ids))
    # The preview: each language, whom it reaches, what an SMS costs, and what they read.
    assert "Translating your words" in preview
    assert "العربية: 1 resident, 0 by SMS" in preview and "سنضع المقعد في مايو." in preview
    assert "Soomaali: 1 resident, 1 by SMS (" in preview and "Kursiga waxaan dhigeynaa bisha Maajo." in preview
    assert "machine translated" in preview
    assert await outbox(app) == {}  # nothing goes before the staff member confirms
    sent = texts(await telegram.send(telegram.fake.tap_label, STAFF_ID, "Send"))
    assert "2 residents will be told" in sent and "No machine translation" not in sent
    messages = await outbox(app)
    arabic, somali = Text("ar"), Text("so")
    marker_ar, marker_so = (t._("(Translated by a machine. The original:)") for t in (arabic, somali))
    assert f"سنضع المقعد في مايو.\n{marker_ar}\n{NOTE}" in messages[ids["author"]]
    assert f"Kursiga waxaan dhigeynaa bisha Maajo.\n{marker_so}\n{NOTE}" in messages[ids["supporter"]]
    assert marker_so != marker_ar and "Translated by a machine" not in marker_so  # each in their language
    assert len(fake_azure.translations) == 2  # the preview translated; sending read the cache


async def test_when_translating_fails_the_original_goes_and_staff_are_told(telegram, fake_azure):
    app = telegram.app
    ids = await seed(app)
    fake_azure.fail_next(503, count=2)
    preview = texts(await answer_with_a_note(telegram, ids))
    assert "goes as written: no translation (azure 503" in preview
    sent = texts(await telegram.send(telegram.fake.tap_label, STAFF_ID, "Send"))
    assert "No machine translation into العربية, Soomaali: they got your words as written." in sent
    messages = await outbox(app)
    assert messages[ids["author"]].endswith(NOTE) and "(" not in messages[ids["supporter"]].split("\n")[-1]


async def test_a_broadcast_shows_per_language_reach_and_sms_cost_before_it_goes(telegram, fake_azure):
    app, fake = telegram.app, telegram.fake
    await seed(app)
    await telegram.send(fake.text, STAFF_ID, "/broadcast")
    preview = texts(await telegram.send(fake.text, STAFF_ID, NOTE))
    assert "It will reach 2 residents in Furuset" in preview
    assert "Soomaali: 1 resident, 1 by SMS (1 SMS segments each), machine translated" in preview
    assert await outbox(app) == {}
    sent = texts(await telegram.send(fake.tap_label, STAFF_ID, "Send to all"))
    assert "Queued for 2 residents" in sent
    assert all(NOTE in text for text in (await outbox(app)).values())


async def test_the_cli_previews_each_language_and_sends_nothing(app, fake_azure, database_url):
    ids = await seed(app)
    env = {"BENKEN_TRANSLATOR": "azure", "AZURE_TRANSLATOR_KEY": fake_azure.key,
           "AZURE_TRANSLATOR_REGION": fake_azure.region, "AZURE_TRANSLATOR_ENDPOINT": fake_azure.base_url}
    result = await benken_async(database_url, "idea", "status", str(ids["idea"]), "planned",
                                "--note", "Vi setter opp benken i mai.", "--preview", env=env)
    assert result.returncode == 0, result.stderr
    assert "ar: العربية: 1 resident" in result.stdout and "سنضع المقعد في مايو." in result.stdout
    assert "so: Soomaali: 1 resident, 1 by SMS" in result.stdout and "Kursiga waxaan" in result.stdout
    assert "nothing sent (--preview)" in result.stdout
    assert await outbox(app) == {}
    async with app.sessions() as session:
        assert (await session.get(Idea, ids["idea"])).status == "received"
    result = await benken_async(database_url, "idea", "status", str(ids["idea"]), "planned",
                                "--note", "Vi setter opp benken i mai.", env=env)
    assert result.returncode == 0 and "2 resident(s) will be told" in result.stdout
    assert "Kursiga waxaan dhigeynaa bisha Maajo." in (await outbox(app))[ids["supporter"]]
