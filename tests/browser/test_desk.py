"""The web desk in Chromium: signing in and out, admin pages, the map from vendored
files with no network, the CSP in force, accessibility (axe) and screenshots."""

from __future__ import annotations

from datetime import timedelta

from bot.models import utcnow

from tests.support import login_link, make_staff
from tests.factories import make_idea, make_resident
from .conftest import axe


async def _ideas_with_places(app, count=3, area="furuset"):
    async with app.sessions() as session:
        resident = await make_resident(session, area=area)
        for n in range(count):
            idea = await make_idea(session, resident, app, area=area, text=f"Benk nummer {n}")
            idea.latitude, idea.longitude = 59.948 + n * 0.002, 10.885 + n * 0.003
        await session.commit()


async def test_sign_in_by_link_shows_the_name_areas_and_a_map(page, live_server, sign_in, screenshot):
    app = live_server.app
    await _ideas_with_places(app)
    await _ideas_with_places(app, 2, area="haugenstua")  # not hers: never on her map
    staff = await make_staff(app, "Kari Nordmann", areas=("furuset", "romsas"))
    await sign_in(page, staff)

    assert (await page.locator("header .who").inner_text()).endswith("Kari Nordmann")
    assert await page.locator("h1").inner_text() == "Innboks"
    assert await page.locator(".areas li").all_inner_texts() == ["Furuset bydel Alna", "Romsås bydel Grorud"]
    # Leaflet and markercluster from the vendored files, with no network beyond loopback.
    await page.wait_for_selector("[data-map-ready]")
    assert await page.locator(".map.leaflet-container").count() == 1
    assert await page.locator(".leaflet-control-zoom-in").count() == 1
    assert await page.evaluate("() => typeof L.markerClusterGroup") == "function"
    await page.wait_for_selector(".marker-cluster, .leaflet-marker-icon")
    assert page.log.tiles and all(t.startswith("https://tile.openstreetmap.org/") for t in page.log.tiles)
    page.log.assert_clean()
    await axe(page)
    await screenshot(page, "home")


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
        "Innboks", "Trygghetskart", "Dugnader", "Resultater", "Melding til alle", "Eksport",
    ]
    for path in ("/desk/staff", "/desk/audit"):
        response = await page.goto(path)
        assert response.status == 403
        assert await page.locator("h1").inner_text() == "Ikke tillatt"


async def test_every_page_passes_axe_in_both_languages(page, live_server, sign_in):
    admin = await make_staff(live_server.app, "Aud Admin", areas=(), admin=True)
    await page.goto("/desk/login")
    await axe(page)
    await page.goto("/desk/login?lang=en")
    assert await page.get_attribute("html", "lang") == "en"
    await axe(page)
    await sign_in(page, admin)
    for language in ("nb", "en"):
        for path in ("/desk/", "/desk/safety-map", "/desk/dugnads", "/desk/impact", "/desk/broadcast",
                     "/desk/exports", "/desk/staff", "/desk/audit", "/desk/no-such-page"):
            await page.goto(path)
            assert await page.get_attribute("html", "lang") == language
            await axe(page)
        if language == "nb":
            await page.get_by_role("button", name="English").click()
            await page.wait_for_url("**/desk/no-such-page")
    assert await page.locator("h1").inner_text() == "Not found"


async def test_the_csp_is_in_force_and_the_pages_need_no_exception(page, live_server, sign_in):
    await sign_in(page, await make_staff(live_server.app))
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
