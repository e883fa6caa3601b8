"""Machine translations on the web desk (issue 14), with Azure AI Translator's fake: a
resident's words beside their translation into the staff member's language (the idea
page, the inbox, the safety map), and staff's words previewed in each resident's language
before they go (an answer, a broadcast, "you said, we did")."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import delete, select

from bot.domain import ideas, safety
from bot.messaging import translation
from bot.models import OutboxMessage, TranslationTask
from bot.settings import Settings

from tests.factories import make_idea, make_resident
from tests.support import csrf, desk_client, make_staff, sign_in

SOMALI = "Waxaan u baahanahay kuraas badan oo u dhow goobta carruurta"  # the fakes' phrasebook has it
NORWEGIAN = "Vi trenger flere benker nær lekeplassen"
NOTE = "Vi setter opp benken i mai."
ARABIC_NOTE = "سنضع المقعد في مايو."


@pytest.fixture
def settings(database_url, fake_azure) -> Settings:
    """This module's app translates with Azure AI Translator's fake."""
    return Settings(database_url=database_url, translator="azure", azure_translator_key=fake_azure.key,
                    azure_translator_region=fake_azure.region, azure_translator_endpoint=fake_azure.base_url)


async def somali_idea(app, session, *, place="Ved skolen"):
    """An idea in Somali by a Somali SMS resident, supported by an Arabic Telegram one;
    its language known (as the translation job finds it)."""
    author = await make_resident(session, channel="sms", locale="so")
    supporter = await make_resident(session, channel="telegram", locale="ar")
    idea = await make_idea(session, author, app, text=SOMALI)
    idea.written_in, idea.place_text = "so", place
    await ideas.support_idea(session, supporter, idea.id)
    await session.commit()
    return idea


def unescaped(response) -> str:
    return html.unescape(response.text)


def plain(heading: str) -> str:
    """A share's heading without the marks that isolate its language's name."""
    return html.unescape(heading).replace("\u2068", "").replace("\u2069", "")


async def test_a_somali_idea_shows_its_norwegian_translation_on_its_page_and_in_the_inbox(app, client, session):
    idea = await somali_idea(app, session)
    await translation.tick(app)
    await sign_in(client, app, await make_staff(app))
    page = unescaped(await client.get(f"/desk/ideas/{idea.id}"))
    assert f'<blockquote class="idea-quote" lang="so" dir="auto">{SOMALI}</blockquote>' in page
    assert re.search(r'<div class="translation" lang="nb"><span class="badge">Maskinoversatt fra somali</span> '
                     rf'<span class="translated-text">{NORWEGIAN}</span>', page)
    assert "[so>nb] Ved skolen" in page  # the place too
    inbox = unescaped(await client.get("/desk/"))
    assert "Maskinoversatt fra somali" in inbox and NORWEGIAN in inbox and SOMALI in inbox


async def test_an_english_desk_reads_the_english_translation(app, client, session):
    idea = await somali_idea(app, session)
    await translation.tick(app)
    await sign_in(client, app, await make_staff(app, locale="en"))
    page = unescaped(await client.get(f"/desk/ideas/{idea.id}"))
    assert "Machine translation from Somali" in page and "We need more benches near the playground" in page


async def test_a_failing_translation_says_so_and_an_arabic_idea_reads_right_to_left(app, client, session, fake_azure):
    idea = await somali_idea(app, session, place=None)
    arabic = await make_idea(session, await make_resident(session, locale="ar"), app, text="نحتاج إلى مقعد")
    arabic.written_in = "ar"
    await session.commit()
    fake_azure.fail_next(503, count=20)
    await translation.tick(app)
    await sign_in(client, app, await make_staff(app))
    page = unescaped(await client.get(f"/desk/ideas/{idea.id}"))
    assert "Maskinoversatt fra somali" not in page
    assert re.search(r"Maskinoversettelsen fra somali feilet 1 gang; .*azure 503", page), page
    inbox = unescaped(await client.get("/desk/"))
    assert "Maskinoversettelsen fra somali feilet 1 gang" in inbox
    assert '<p class="idea-text" lang="ar" dir="rtl">نحتاج إلى مقعد</p>' in inbox


PREVIEW = re.compile(r'<p class="sent-text" lang="([a-z]+)" dir="(ltr|rtl)">(.*?)</p>', re.S)
HEADING = re.compile(r'<th colspan="3" scope="rowgroup">(.*?)</th>')


async def answer(client, idea, token: str, path: str = "preview"):
    return await client.post(f"/desk/ideas/{idea.id}/{path}", data={
        "csrf_token": token, "status": "planned", "template": "none", "note": NOTE})


async def test_the_answer_preview_shows_what_each_language_reads_and_sending_reads_the_same(
    app, client, session, fake_azure,
):
    idea = await somali_idea(app, session)
    await sign_in(client, app, await make_staff(app))
    token = csrf(await client.get(f"/desk/ideas/{idea.id}"))
    preview = await answer(client, idea, token)
    assert preview.status_code == 200
    headings = [plain(h) for h in HEADING.findall(preview.text)]
    assert headings == ["العربية: 1 beboer, 0 på SMS (2 SMS-deler hver), maskinoversatt",
                        "Soomaali: 1 beboer, 1 på SMS (2 SMS-deler hver), maskinoversatt"], headings
    shown = {lang: (direction, html.unescape(text)) for lang, direction, text in PREVIEW.findall(preview.text)}
    assert shown["ar"][0] == "rtl" and ARABIC_NOTE in shown["ar"][1] and NOTE in shown["ar"][1]
    assert shown["so"][0] == "ltr" and "Kursiga waxaan dhigeynaa bisha Maajo." in shown["so"][1]
    assert len(fake_azure.translations) == 2 and await count_outbox(app) == 0  # translated, nothing sent

    sent = await answer(client, idea, token, "answer")
    assert sent.status_code == 303 and "untranslated" not in sent.headers["location"]
    async with app.sessions() as s:
        queued = {m.channel: m.text for m in (await s.execute(select(OutboxMessage))).scalars()}
    assert queued["telegram"] == shown["ar"][1]  # what was previewed is what goes
    assert len(fake_azure.translations) == 2  # sending read the cache


async def test_when_translating_fails_the_preview_and_the_notice_after_sending_say_so(
    app, client, session, fake_azure,
):
    idea = await somali_idea(app, session)
    await sign_in(client, app, await make_staff(app))
    token = csrf(await client.get(f"/desk/ideas/{idea.id}"))
    fake_azure.fail_next(503, count=2)
    preview = html.unescape((await answer(client, idea, token)).text)
    assert "går slik du skrev den: ingen oversettelse (azure 503" in preview
    sent = await answer(client, idea, token, "answer")
    assert "untranslated=ar%2Cso" in sent.headers["location"]
    after = html.unescape((await client.get(sent.headers["location"])).text)
    assert "Ingen maskinoversettelse til العربية, Soomaali" in after


async def count_outbox(app) -> int:
    async with app.sessions() as s:
        return len((await s.execute(select(OutboxMessage.id))).all())


async def test_a_broadcast_review_shows_each_language_s_reach_cost_and_translation(app, client, session):
    for channel, locale in (("sms", "so"), ("sms", "so"), ("telegram", "ar"), ("sms", "nb")):
        await make_resident(session, channel=channel, locale=locale)
    await session.commit()
    await sign_in(client, app, await make_staff(app))
    token = csrf(await client.get("/desk/broadcast"))
    review = await client.post("/desk/broadcast/review", data={"csrf_token": token, "area": "furuset", "text": NOTE})
    page = html.unescape(review.text)
    headings = [plain(h) for h in re.findall(r'<h4 class="share-heading">(.*?)</h4>', page)]
    assert headings == ["Norsk bokmål: 1 beboer, 1 på SMS (1 SMS-deler hver)",
                        "العربية: 1 beboer, 0 på SMS (2 SMS-deler hver), maskinoversatt",
                        "Soomaali: 2 beboere, 2 på SMS (1 SMS-deler hver), maskinoversatt"], headings
    assert f'<p class="sent-text" lang="ar" dir="rtl">{ARABIC_NOTE}' in page
    assert "Kursiga waxaan dhigeynaa bisha Maajo." in page and await count_outbox(app) == 0
    sent = await client.post("/desk/broadcast/send", data={"csrf_token": token, "area": "furuset", "text": NOTE})
    assert sent.headers["location"] == "/desk/broadcast?sent=4"  # every language translated
    async with app.sessions() as s:
        texts = [m.text for m in (await s.execute(select(OutboxMessage))).scalars()]
    assert sum(ARABIC_NOTE in text for text in texts) == 1 and all(NOTE in text for text in texts)


async def test_you_said_we_did_shows_the_idea_quoted_in_each_language_before_it_goes(app, client, session):
    idea = await somali_idea(app, session)
    await ideas.answer_idea(session, idea, "done", note=None)
    await session.commit()
    await sign_in(client, app, await make_staff(app))
    token = csrf(await client.get(f"/desk/ideas/{idea.id}"))
    preview = await client.post(f"/desk/ideas/{idea.id}/you-said-we-did/preview", data={"csrf_token": token})
    page = html.unescape(preview.text)
    assert "\u2068العربية\u2069: 1 beboer, 0 på SMS" in page and "maskinoversatt" in page
    assert re.search(r'<p class="sent-text" lang="ar" dir="rtl">[^<]*\[so>ar\] ' + SOMALI, page)
    assert await count_outbox(app) == 0
    assert (await client.post(f"/desk/ideas/{idea.id}/you-said-we-did", data={"csrf_token": token})).status_code == 303
    async with app.sessions() as s:
        texts = [m.text for m in (await s.execute(select(OutboxMessage).where(
            OutboxMessage.kind == "you_said_we_did"))).scalars()]
    assert any(f"[so>ar] {SOMALI}" in text for text in texts)


async def test_the_safety_map_translates_a_named_report_only_where_the_translator_may(
    app, client, session, app_with, fake_azure,
):
    resident = await make_resident(session, locale="so")
    draft = safety.SafetyDraft(time_of_day="evening", category="lighting", place_text="Jidka", details=SOMALI,
                               latitude=59.94, longitude=10.89)
    named = await safety.report_safety(session, resident, "furuset", draft, anonymous=False, timezone="Europe/Oslo")
    anonymous = await safety.report_safety(session, resident, "furuset", draft, anonymous=True, timezone="Europe/Oslo")
    named.written_in = anonymous.written_in = "so"
    await session.commit()
    staff = await make_staff(app)
    # Azure is not allowed safety reports (BENKEN_TRANSLATE_SENSITIVE is off for it): withheld, and said.
    await translation.tick(app)
    await sign_in(client, app, staff)
    page = html.unescape((await client.get("/desk/safety-map")).text)
    assert page.count("Ikke maskinoversatt: trygghetsmeldinger") == 2  # the named report's place and details
    assert NORWEGIAN not in page
    async with app_with(translator="azure", azure_translator_key=fake_azure.key, translate_sensitive=True,
                        azure_translator_region=fake_azure.region,
                        azure_translator_endpoint=fake_azure.base_url) as allowed:
        async with allowed.sessions() as s, s.begin():
            await s.execute(delete(TranslationTask))  # as if the allowed translator came first
        await translation.tick(allowed)
        async with desk_client(allowed) as other:
            await sign_in(other, allowed, staff)
            page = html.unescape((await other.get("/desk/safety-map")).text)
    # Place and details in the list, the details in the map popup too.
    assert page.count("Maskinoversatt fra somali") == 3 and NORWEGIAN in page
    popups = json.loads(re.search(r"data-points='([^']*)'", page).group(1))
    assert sorted(f"Maskinoversatt fra somali: {NORWEGIAN}" in p["lines"] for p in popups) == [False, True]
    assert page.count("[so>nb] Jidka") == 1  # the anonymous report's place stays untranslated: it would say the language


async def test_without_a_translator_every_page_works_and_says_nothing_of_translation(app_with):
    async with app_with(translator="none") as bare, bare.sessions() as session, desk_client(bare) as client:
        assert bare.translator is None
        idea = await somali_idea(bare, session)
        await sign_in(client, bare, await make_staff(bare))
        page = await client.get(f"/desk/ideas/{idea.id}")
        token = csrf(page)
        preview = await answer(client, idea, token)
        assert preview.status_code == 200 and NOTE in preview.text
        assert [plain(h) for h in HEADING.findall(preview.text)] == [
            "العربية: 1 beboer, 0 på SMS (2 SMS-deler hver)", "Soomaali: 1 beboer, 1 på SMS (1 SMS-deler hver)"]
        review = await client.post("/desk/broadcast/review", data={"csrf_token": token, "area": "furuset", "text": NOTE})
        assert "Som SMS koster den 1 SMS-del per beboer." in review.text  # every language reads the same words
        sent = await client.post(f"/desk/ideas/{idea.id}/answer", data={
            "csrf_token": token, "status": "done", "template": "none", "note": NOTE})
        assert sent.headers["location"] == f"/desk/ideas/{idea.id}?sent=2"  # nothing said of translations
        area = await client.post(f"/desk/ideas/{idea.id}/you-said-we-did/preview", data={"csrf_token": token})
        inbox = await client.get("/desk/")
        for response in (page, preview, review, area, inbox):
            assert response.status_code == 200
            assert "askinovers" not in response.text and "oversettelse" not in response.text


async def test_an_english_desk_s_words_are_translated_from_english(app, client, session):
    idea = await somali_idea(app, session)
    await sign_in(client, app, await make_staff(app, locale="en"))
    token = csrf(await client.get(f"/desk/ideas/{idea.id}"))
    form = {"csrf_token": token, "status": "planned", "template": "none", "note": "We put up the bench in May."}
    preview = html.unescape((await client.post(f"/desk/ideas/{idea.id}/preview", data=form)).text)
    assert ARABIC_NOTE in preview and "machine translated" in preview
    sent = await client.post(f"/desk/ideas/{idea.id}/answer", data=form)
    assert sent.headers["location"] == f"/desk/ideas/{idea.id}?sent=2"  # both read it translated
    async with app.sessions() as s:
        texts = [m.text for m in (await s.execute(select(OutboxMessage))).scalars()]
    assert any(ARABIC_NOTE in text for text in texts)


async def test_a_broadcast_that_went_as_written_says_which_languages(app, client, session, fake_azure):
    for locale in ("so", "ar"):
        await make_resident(session, channel="sms", locale=locale)
    await session.commit()
    await sign_in(client, app, await make_staff(app))
    token = csrf(await client.get("/desk/broadcast"))
    fake_azure.fail_next(503, count=2)
    review = html.unescape((await client.post("/desk/broadcast/review", data={
        "csrf_token": token, "area": "furuset", "text": NOTE})).text)
    assert review.count("går slik du skrev den: ingen oversettelse (azure 503") == 2
    sent = await client.post("/desk/broadcast/send", data={"csrf_token": token, "area": "furuset", "text": NOTE})
    after = html.unescape((await client.get(sent.headers["location"])).text)
    assert "Lagt i kø for 2 beboere." in after
    assert "Ingen maskinoversettelse til العربية, Soomaali: de fikk ordene dine slik du skrev dem." in after
