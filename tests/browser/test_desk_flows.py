"""The desk's work in Chromium, as a district worker does it on Monday morning: sign in
from the bot, find the oldest unanswered idea, answer it and see what each resident got
(at the fake Telegram and the fake Twilio); filter the inbox with and without JavaScript;
make a dugnad and mark who came; see the safety map's markers and clusters; see the
impact charts and print them."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import timedelta

from bot.channels.telegram import TelegramSender
from bot.channels.twilio import TwilioSender
from bot.domain import dugnad, ideas, safety
from bot.messaging import sending
from bot.models import utcnow

from tests.conftest import daytime
from tests.doubles.fake_twilio import FakeTwilio
from tests.factories import HOSTILE, make_district, make_idea, make_resident
from tests.support import TWILIO_SID, TWILIO_TOKEN, login_link, make_staff, running_telegram, texts
from .conftest import axe


async def test_sign_in_from_the_bot(page, live_server):
    async with running_telegram(live_server.app.settings) as bot:
        staff = await make_staff(bot.app, "Kari Nordmann")
        sent = await bot.send(bot.fake.text, staff.telegram_id, "/desk")
        assert sent[0]["link_preview_options"] == {"is_disabled": True}
        link = html.unescape(re.search(r'href="([^"]+)"', sent[0]["text"]).group(1))
    assert link.startswith(live_server.url + "/desk/login?token=") and "virker én gang" in texts(sent)
    await page.goto(link)
    assert page.url == live_server.url + "/desk/"
    assert await page.locator("h1").inner_text() == "Innboks"


async def test_answer_the_oldest_unanswered_idea_and_each_resident_gets_it(page, live_server, sign_in, screenshot):
    app = live_server.app
    now = utcnow()
    async with app.sessions() as session:
        author = await make_resident(session, channel="telegram", locale="nb")
        supporter = await make_resident(session, channel="sms", locale="so")
        answered = await make_idea(session, author, app, text="Søppelkasser", now=now - timedelta(days=40))
        await ideas.answer_idea(session, answered, "reviewing", note="Vi ser på det")
        oldest = await make_idea(session, author, app, text="Benker ved lekeplassen", now=now - timedelta(days=30))
        await make_idea(session, author, app, text="Lys i parken", now=now - timedelta(days=2))
        await make_idea(session, author, app, area="toyen", text="Tøyen", now=now - timedelta(days=90))  # not hers
        await ideas.support_idea(session, supporter, oldest.id)
        await session.commit()
    staff = await make_staff(app, "Kari Nordmann", areas=("furuset",))
    await sign_in(page, staff)

    await page.get_by_label("Status").select_option("received")
    await page.wait_for_url("**/desk/?status=received")
    first = page.locator("tbody tr").first
    assert "Benker ved lekeplassen" in await first.inner_text() and "forsinket" in await first.inner_text()
    await first.get_by_role("link", name=f"I-{oldest.id}").click()
    await page.wait_for_url(f"**/desk/ideas/{oldest.id}")

    await page.get_by_label("Planlagt", exact=True).check()
    await page.get_by_role("radio", name="Planlagt til en årstid").check()
    await page.get_by_label("Årstid (for «planlagt til en årstid»)").select_option("spring")
    await page.get_by_label("Dine egne ord (valgfritt, sendes slik du skriver dem)").fill("Vi starter i april.")
    await page.get_by_role("button", name="Forhåndsvis hva beboerne får").click()
    await page.wait_for_selector("#answer-preview table")
    assert await page.evaluate("() => document.activeElement.id") == "preview-heading"  # htmx took us there
    previews = await page.locator("#answer-preview .sent-text").all_inner_texts()
    assert len(previews) == 2 and "Vi starter i april." in previews[0] and "Maarso ilaa May" in previews[1]
    await axe(page)
    await screenshot(page, "idea-preview")
    await page.get_by_role("button", name="Send til 2 beboere").click()
    await page.wait_for_url(f"**/desk/ideas/{oldest.id}?sent=2")
    assert "2 beboere får beskjed på sitt språk" in await page.locator("[role=status]").inner_text()

    async with running_telegram(app.settings) as bot, FakeTwilio(TWILIO_SID, TWILIO_TOKEN) as twilio:
        sms = TwilioSender(replace(app.settings, twilio_account_sid=TWILIO_SID, twilio_auth_token=TWILIO_TOKEN,
                                   twilio_from_number="+4759440000", twilio_api_base_url=twilio.base_url), per_second=50)
        try:
            handed = await sending.drain_once(app, {"telegram": TelegramSender(bot.application.bot), "sms": sms},
                                             now=daytime())
        finally:
            await sms.close()
        telegram_texts = [html.unescape(p["text"]) for p in bot.fake.sent(author.telegram_id)]
    assert handed == 2
    assert telegram_texts == [previews[0]]  # exactly what the preview showed
    assert [(m["to"], m["body"]) for m in twilio.messages] == [(supporter.phone, previews[1])]
    page.log.assert_clean()


async def test_filter_the_inbox_with_htmx_and_without_javascript(page, browser, live_server, sign_in):
    app = live_server.app
    async with app.sessions() as session:
        resident = await make_resident(session)
        for n in range(3):
            await make_idea(session, resident, app, text=f"Benk {n}")
        await make_idea(session, resident, app, text="Lys på stien", category="lighting_paths", wants_to_help=True)
        await session.commit()
    staff = await make_staff(app)
    await sign_in(page, staff)
    await page.evaluate("() => { window.stillHere = true; }")
    await page.get_by_label("Kategori").select_option("lighting_paths")
    await page.wait_for_function("() => document.querySelectorAll('#inbox-results tbody tr').length === 1")
    assert await page.evaluate("() => window.stillHere") is True  # the results were swapped, the page stayed
    assert page.url.endswith("/desk/?category=lighting_paths")  # and the address says what is shown
    await page.get_by_label("Kategori").select_option("")
    # Each swap is awaited by what it shows: the lighting idea's one row must not pass for
    # the search's one row while the requests are still on their way.
    await page.wait_for_function("() => document.querySelectorAll('#inbox-results tbody tr').length === 4")
    await page.get_by_label("Søk").fill("benk 1")
    await page.wait_for_function("""() => {
        const rows = document.querySelectorAll('#inbox-results tbody tr');
        return rows.length === 1 && rows[0].innerText.includes('Benk 1');
    }""")
    assert "Lys på stien" not in await page.locator("#inbox-results tbody").inner_text()
    await page.go_back()
    await page.wait_for_function("() => document.querySelectorAll('#inbox-results tbody tr').length >= 1")

    plain = await browser.new_context(java_script_enabled=False, base_url=live_server.url)
    try:
        other = await plain.new_page()
        await other.goto(await login_link(app, staff))
        await other.get_by_label("Forslagsstilleren vil hjelpe til").check()
        await other.get_by_role("button", name="Vis ideer").click()
        await other.wait_for_url("**/desk/?*helpers=1")  # a plain GET form: the empty fields too
        assert await other.locator("#inbox-results tbody tr").count() == 1
    finally:
        await plain.close()


async def test_make_a_dugnad_and_mark_who_came(page, live_server, sign_in, screenshot):
    app = live_server.app
    await sign_in(page, await make_staff(app))
    await page.get_by_role("navigation", name="Skrivebordet").get_by_role("link", name="Dugnader").click()
    await page.get_by_role("link", name="Lag en dugnad").click()
    day = (utcnow() + timedelta(days=12)).date().isoformat()
    await page.get_by_label("Tittel (norsk)").fill("Vårrydding")
    await page.get_by_label("Dag").fill(day)
    await page.get_by_label("Starter").fill("10:00")
    await page.get_by_label("Slutter").fill("13:00")
    await page.get_by_label("Hvor dere møtes").fill("Ved biblioteket")
    await page.get_by_label("Plasser").fill("2")
    await page.get_by_role("button", name="Lag dugnaden").click()
    await page.wait_for_url("**/desk/dugnads/*?made=1")
    event_id = int(re.search(r"/dugnads/(\d+)", page.url).group(1))

    async with app.sessions() as session:
        volunteers = [await make_resident(session, channel=c, locale=l) for c, l in (("sms", "so"), ("telegram", "ar"),
                                                                                     ("telegram", "uk"))]
        for volunteer in volunteers:
            await dugnad.sign_up(session, volunteer, event_id)
        await session.commit()
    await page.reload()
    assert "nummer 1 i køen" in await page.locator("table.stack").inner_text()  # the third waits
    await page.get_by_label(re.compile(r"D-\d+ \(Somali, SMS\)")).check()
    first_hours = page.locator("input.hours").first
    await first_hours.fill("2.5")  # a Norwegian browser shows it as 2,5
    await page.get_by_role("button", name="Lagre hvem som kom").click()
    await page.wait_for_url("**?marked=1")
    table = await page.locator("table.stack").inner_text()
    assert "kom" in table and "2,5" in table
    await axe(page)
    await screenshot(page, "dugnad-attendance")
    page.log.assert_clean()


async def test_the_safety_map_shows_markers_clusters_and_text_as_text(page, live_server, sign_in, screenshot):
    app = live_server.app
    staff = await make_staff(app)
    await make_district(app, staff_id=staff.id)
    async with app.sessions() as session:
        resident = await make_resident(session)
        hostile = await safety.report_safety(session, resident, "furuset", safety.SafetyDraft(
            time_of_day="night", category="other", place_text=HOSTILE, latitude=59.96, longitude=10.95,
            details="<img src=x onerror=\"window.pwned=1\">"), anonymous=False, timezone="Europe/Oslo")
        await session.commit()
    await sign_in(page, staff)
    await page.get_by_role("link", name="Trygghetskart").click()
    await page.wait_for_selector("[data-map-ready]")
    await page.wait_for_selector(".marker-cluster")
    markers = page.locator(".leaflet-marker-icon:not(.marker-cluster)")
    assert await markers.count() >= 1 and await page.locator(".marker-cluster").count() >= 1
    await page.locator(f".leaflet-marker-icon[title='S-{hostile.id} · Noe annet']").click()  # far from the rest
    popup = page.locator(".leaflet-popup-content")
    await popup.wait_for()
    assert HOSTILE in await popup.inner_text()  # shown as the resident wrote it
    assert await page.evaluate("() => window.pwned === undefined")
    assert await page.locator("#list-heading").is_visible()
    assert "anonym" in await page.locator(".report-list").inner_text()
    await page.get_by_label("Kategori").select_option("lighting")
    await page.get_by_role("button", name="Vis meldinger").click()
    await page.wait_for_url("**category=lighting**")
    await page.wait_for_selector("[data-map-ready]")
    assert await page.locator(".report-list li").count() == 2
    page.log.assert_clean()


async def test_impact_charts_render_and_print(page, live_server, sign_in):
    app = live_server.app
    staff = await make_staff(app)
    await make_district(app, staff_id=staff.id)
    await sign_in(page, staff)
    await page.get_by_role("link", name="Resultater").click()
    await page.wait_for_url("**/impact**")
    await page.wait_for_load_state("load")  # desk.css applied: the computed colours below need it
    assert await page.locator("svg.chart").count() == 5
    bars = await page.locator("svg.chart rect.bar").count()
    assert bars > 10
    colours = await page.evaluate(
        "() => [...document.querySelectorAll('svg.chart rect.bar')].map(r => getComputedStyle(r).fill)")
    assert "rgb(0, 0, 0)" not in colours  # every bar coloured by desk.css, none left default black
    box = await page.locator("svg.chart").first.bounding_box()
    assert box["width"] > 400 and box["height"] > 100
    await page.get_by_label("Periode", exact=True).select_option("lastyear")
    await page.get_by_role("button", name="Vis tallene").click()
    await page.wait_for_url("**period=lastyear**")
    await page.emulate_media(media="print")
    assert not await page.locator(".site-header").is_visible() and not await page.locator("form.filters").is_visible()
    assert await page.locator("svg.chart").first.is_visible()
    page.log.assert_clean()
