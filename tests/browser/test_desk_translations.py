"""Machine translation on the web desk in Chromium (issue 14), with Azure AI Translator's
fake: a Somali idea beside its Norwegian translation, and an answer previewed in each
follower's language (Arabic right to left) before it goes."""

from __future__ import annotations

import pytest

from bot.domain import ideas
from bot.messaging import translation
from bot.settings import Settings

from tests.factories import make_idea, make_resident
from tests.support import make_staff
from .conftest import axe

SOMALI = "Waxaan u baahanahay kuraas badan oo u dhow goobta carruurta"  # in the fakes' phrasebook
NOTE = "Vi setter opp benken i mai."


@pytest.fixture
def settings(database_url, fake_azure) -> Settings:
    return Settings(database_url=database_url, translator="azure", azure_translator_key=fake_azure.key,
                    azure_translator_region=fake_azure.region, azure_translator_endpoint=fake_azure.base_url)


async def test_an_idea_with_its_translation_and_an_answer_previewed_in_each_language(
    page, live_server, sign_in, screenshot,
):
    app = live_server.app
    async with app.sessions() as session:
        author = await make_resident(session, channel="sms", locale="so")
        supporter = await make_resident(session, channel="telegram", locale="ar")
        idea = await make_idea(session, author, app, text=SOMALI)
        idea.written_in, idea.place_text = "so", "Ved skolen"
        await ideas.support_idea(session, supporter, idea.id)
        await session.commit()
    await translation.tick(app)
    await sign_in(page, await make_staff(app, "Kari Nordmann"))

    row = page.locator("tbody tr").first
    assert "Maskinoversatt fra somali" in await row.inner_text()
    await row.get_by_role("link", name=f"I-{idea.id}").click()
    await page.wait_for_url(f"**/desk/ideas/{idea.id}")
    translated = page.locator(".idea-main > .translation")
    assert "Vi trenger flere benker nær lekeplassen" in await translated.inner_text()
    assert await page.locator(".idea-quote").get_attribute("lang") == "so"

    await page.get_by_label("Planlagt", exact=True).check()
    await page.get_by_label("Dine egne ord (valgfritt, maskinoversettes for hver beboer)").fill(NOTE)
    await page.get_by_role("button", name="Forhåndsvis hva beboerne får").click()
    await page.wait_for_selector("#answer-preview table")
    headings = await page.locator("#answer-preview .share-heading").all_inner_texts()
    assert [h.split(":")[0].strip("\u2068\u2069") for h in headings] == ["العربية", "Soomaali"] and all("maskinoversatt" in h for h in headings)
    arabic = page.locator('#answer-preview .sent-text[lang="ar"]')
    assert "سنضع المقعد في مايو." in await arabic.inner_text()
    # Right to left, so the Arabic lines start at the right edge of their box.
    assert await arabic.evaluate("(el) => getComputedStyle(el).direction") == "rtl"
    assert await arabic.evaluate("(el) => getComputedStyle(el).textAlign") in ("start", "right")
    await axe(page)
    await screenshot(page, "idea-translated")
    await page.get_by_role("button", name="Send til 2 beboere").click()
    await page.wait_for_url(f"**/desk/ideas/{idea.id}?sent=2")
    assert "Ingen maskinoversettelse" not in await page.locator("[role=status]").inner_text()
    page.log.assert_clean()
