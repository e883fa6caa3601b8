"""Every page of the desk in Chromium, on a district with a year of records: it renders
at a laptop's 1366x768 and a phone's 390x844 without sideways scrolling, passes axe in
Norwegian and English, and is photographed for the README."""

from __future__ import annotations

from tests.factories import make_district
from tests.support import make_staff
from .conftest import PHONE

MAIN_PAGES = ("inbox", "idea", "safety-map", "dugnads", "dugnad", "impact", "broadcast", "exports")


def paths(found: dict) -> dict[str, str]:
    idea = next(i for i in found["ideas"] if i.latitude is not None and i.status != "done")
    coming = found["events"][-1]
    return {
        "inbox": "/desk/",
        "idea": f"/desk/ideas/{idea.id}",
        "safety-map": "/desk/safety-map",
        "dugnads": "/desk/dugnads",
        "dugnad": f"/desk/dugnads/{coming.id}",
        "dugnad-new": "/desk/dugnads/new",
        "dugnad-edit": f"/desk/dugnads/{coming.id}/edit",
        "impact": "/desk/impact",
        "broadcast": "/desk/broadcast",
        "exports": "/desk/exports",
        "outreach": "/desk/outreach",
    }


# The elements that reach past the window's right edge (not inside a scrolling box).
OVERFLOWING = """() => [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest(".chart-scroll, .table-scroll"))
    .slice(0, 8).map(e => `${e.tagName}.${e.className}`)"""


async def fits_the_phone(page) -> None:
    await page.set_viewport_size(PHONE)
    wide = await page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{page.url} scrolls sideways by {wide}px at phone width: {await page.evaluate(OVERFLOWING)}"


async def test_every_page_fits_both_screens_and_is_photographed(page, live_server, sign_in, screenshot):
    app = live_server.app
    staff = await make_staff(app, "Kari Nordmann", areas=("furuset",))
    found = await make_district(app, staff_id=staff.id)
    await sign_in(page, staff)
    for name, path in paths(found).items():
        await page.set_viewport_size({"width": 1366, "height": 768})
        response = await page.goto(path)
        assert response.status == 200, path
        if await page.locator("[data-map]").count():
            await page.wait_for_selector("[data-map-ready]")
        await fits_the_phone(page)
        await screenshot(page, name)
    # The broadcast's second step: whom it reaches, by language and channel.
    await page.goto("/desk/broadcast")
    await page.get_by_label("Melding", exact=True).fill("Dugnad på lørdag kl. 10 ved T-banen. Ta med hansker!")
    await page.get_by_role("button", name="Se hvem den når").click()
    await page.wait_for_selector("table.reach")
    await fits_the_phone(page)
    await screenshot(page, "broadcast-review")
    page.log.assert_clean()
