"""The web desk in Chromium: signing in and out, admin pages, the map from vendored
files with no network, the CSP in force, accessibility (axe) and screenshots."""

from __future__ import annotations

from datetime import timedelta

from bot.models import utcnow

from tests.support import login_link, make_staff
from tests.factories import make_district, make_idea, make_resident
from .conftest import axe


async def test_sign_in_by_link_opens_the_inbox_of_her_areas(page, live_server, sign_in):
    app = live_server.app
    async with app.sessions() as session:
        resident = await make_resident(session, area="furuset")
        await make_idea(session, resident, app, area="furuset", text="Benk ved Trosterud")
        await make_idea(session, resident, app, area="haugenstua", text="Benk på Haugenstua")  # not hers
        await session.commit()
    staff = await make_staff(app, "Kari Nordmann", areas=("furuset", "romsas"))
    await sign_in(page, staff)

    assert (await page.locator("header .who").inner_text()).endswith("Kari Nordmann")
    assert await page.locator("h1").inner_text() == "Innboks"
    assert await page.locator("#inbox-area option").all_inner_texts() == ["Alle mine områder", "Furuset", "Romsås"]
    assert await page.locator("tbody tr").all_inner_texts() != [] and "Trosterud" in await page.locator("tbody").inner_text()
    assert "Haugenstua" not in await page.content()
    page.log.assert_clean()
    await axe(page)


async def test_a_used_or_expired_link_is_refused(page, live_server, screenshot):
    app = live_server.app
    staff = await make_staff(app)
    used = await login_link(app, staff)
    expired = await login_link(app, staff, now=utcnow() - timedelta(minutes=11))

    response = await page.goto(expired)
    assert response.status == 400
    assert "brukt eller er utløpt" in await page.locator("[role=alert]").inner_text()
    assert await page.get_by_label("E-postadressen din på jobben").is_visible()
    await axe(page)
    await screenshot(page, "login")

    await page.goto(used)
    assert page.url.endswith("/desk/")
    await page.context.clear_cookies()
    response = await page.goto(used)
    assert response.status == 400
    await page.goto("/desk/")
    assert page.url.endswith("/desk/login")


async def test_sign_out_ends_the_session(page, live_server, sign_in):
    staff = await make_staff(live_server.app)
    await sign_in(page, staff)
    await page.get_by_role("button", name="Logg ut").click()
    await page.wait_for_url("**/desk/login?**")
    assert await page.locator("[role=status]").inner_text() == "Du er logget ut."
    assert not [c for c in await page.context.cookies() if c["name"] == "benken_desk"]
    await page.goto("/desk/audit")
    assert page.url.endswith("/desk/login")
    page.log.assert_clean()


async def test_an_admin_adds_a_staff_member_and_sees_it_in_the_audit_log(page, live_server, sign_in, screenshot):
    admin = await make_staff(live_server.app, "Aud Admin", areas=(), admin=True)
    await sign_in(page, admin)
    await page.get_by_role("navigation", name="Skrivebordet").get_by_role("link", name="Ansatte").click()
    await page.wait_for_url("**/desk/staff")
    await axe(page)

    form = page.locator("form", has=page.get_by_role("button", name="Legg til ansatt"))
    await form.get_by_label("Navn").fill("Per Hansen")
    await form.get_by_label("Telegram-id").fill("4242")
    await form.get_by_label("Furuset").check()
    await form.get_by_label("Tøyen").check()
    await form.get_by_role("button", name="Legg til ansatt").click()
    await page.wait_for_url("**/desk/staff")
    card = page.locator("article", has=page.get_by_role("heading", name="Per Hansen"))
    assert "Furuset, Tøyen" in await card.inner_text()
    await screenshot(page, "staff")

    await page.get_by_role("link", name="Logg over handlinger").click()
    await page.wait_for_url("**/desk/audit")
    first_row = await page.locator("tbody tr").first.inner_text()
    assert "Aud Admin" in first_row and "La til en ansatt" in first_row and "Per Hansen; areas: furuset, toyen" in first_row
    await axe(page)
    await screenshot(page, "audit")
    page.log.assert_clean()


async def test_admin_pages_are_closed_to_other_staff(page, live_server, sign_in):
    staff = await make_staff(live_server.app)
    await sign_in(page, staff)
    nav = page.get_by_role("navigation", name="Skrivebordet")
    assert await nav.get_by_role("link").all_inner_texts() == [
        "Innboks", "Trygghetskart", "Dugnader", "Resultater", "Utadrettet arbeid", "Melding til alle", "Eksport",
    ]
    for path in ("/desk/staff", "/desk/audit"):
        response = await page.goto(path)
        assert response.status == 403
        assert await page.locator("h1").inner_text() == "Ikke tillatt"


async def test_every_page_passes_axe_in_both_languages(page, live_server, sign_in):
    admin = await make_staff(live_server.app, "Aud Admin", areas=(), admin=True)
    found = await make_district(live_server.app, staff_id=admin.id)
    idea, event = found["ideas"][1], found["events"][-1]
    await page.goto("/desk/login")
    await axe(page)
    await page.goto("/desk/login?lang=en")
    assert await page.get_attribute("html", "lang") == "en"
    await axe(page)
    await sign_in(page, admin)
    for language in ("nb", "en"):
        for path in ("/desk/", "/desk/?status=all&category=children_youth", f"/desk/ideas/{idea.id}",
                     "/desk/safety-map", "/desk/dugnads", "/desk/dugnads/new", f"/desk/dugnads/{event.id}",
                     f"/desk/dugnads/{event.id}/edit", "/desk/impact", "/desk/broadcast", "/desk/exports",
                     "/desk/staff", "/desk/audit", "/desk/no-such-page"):
            await page.goto(path)
            assert await page.get_attribute("html", "lang") == language
            if await page.locator("[data-map]").count():
                await page.wait_for_selector("[data-map-ready]")
            await axe(page)
        # The states a page reaches by its forms: an answer's preview, a reach, a mistake.
        await page.goto(f"/desk/ideas/{idea.id}")
        await page.locator("input[name=status]").first.check()
        await page.locator("form[hx-post] button[type=submit]").click()
        await page.wait_for_selector("#answer-preview table")
        await axe(page)
        await page.goto("/desk/broadcast")
        await page.locator("#broadcast-text").fill("Hei")
        await page.locator("form[action$='/broadcast/review'] button").click()
        await page.wait_for_selector("table.reach")
        await axe(page)
        await page.goto("/desk/dugnads/new")
        await page.locator("form.panel button[type=submit]").click()
        await page.wait_for_selector(".field-error")
        await axe(page)
        if language == "nb":
            await page.goto("/desk/no-such-page")
            await page.get_by_role("button", name="English").click()
            await page.wait_for_url("**/desk/no-such-page")
    assert await page.locator("h1").inner_text() == "Make a dugnad"  # in English after the switch
    # The 404 page and the forms' mistakes (400) are the only errors the browser saw.
    assert [e for e in page.log.errors if "the server responded with a status of 40" not in e] == []


async def test_the_csp_is_in_force_and_the_pages_need_no_exception(page, live_server, sign_in):
    await sign_in(page, await make_staff(live_server.app))
    await page.goto("/desk/safety-map")
    await page.wait_for_selector("[data-map-ready]")
    page.log.assert_clean()  # the desk's own pages run without a single violation
    try:
        await page.add_script_tag(content="window.injected = true")
    except Exception:
        pass  # Playwright reports the blocked script
    assert await page.evaluate("() => window.injected === undefined")
    assert any("Content Security Policy" in error for error in page.log.errors)


async def test_keyboard_users_can_skip_to_the_content(page, live_server, sign_in):
    await sign_in(page, await make_staff(live_server.app))
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Gå til innholdet")
    assert await skip.evaluate("element => element === document.activeElement")
    assert await skip.is_visible()
    await page.keyboard.press("Enter")
    assert await page.evaluate("() => document.activeElement.id") == "main"
