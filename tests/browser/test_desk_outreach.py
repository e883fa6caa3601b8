"""Issue 19 on the web desk in Chromium: a district worker approves a dugnad a resident
proposed (moving it to the day and hands that suit), then puts a done idea on the area's
public results page and opens it; screenshots of both for the README."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.domain import organisers
from bot.models import DugnadEvent, OutboxMessage

from tests.factories import make_district, make_resident
from tests.support import make_staff
from .conftest import axe

SUMMARY = "Nye søppelkasser ved bussholdeplassen, satt opp i oktober."


async def test_approve_a_proposed_dugnad_and_publish_a_done_idea(page, live_server, sign_in, screenshot):
    app = live_server.app
    staff = await make_staff(app, "Kari Nordmann", areas=("furuset",))
    found = await make_district(app, staff_id=staff.id)
    async with app.sessions() as session, session.begin():
        organiser = await make_resident(session, locale="so")
        proposal = await organisers.propose_dugnad(session, organiser, organisers.ProposalDraft(
            what="Aan nadiifinno garoonka ciyaarta", place="Ballbingen ved skolen", when_text="Sabtida soo socota",
            hands=8, organiser_name="Hodan"))
    await sign_in(page, staff)

    await page.get_by_role("link", name="Utadrettet arbeid").click()
    await page.wait_for_url("**/desk/outreach")
    card = page.locator(f"#proposal-{proposal.id}")
    assert "Sabtida soo socota" in await card.inner_text() and "Hodan" in await card.inner_text()
    assert await card.get_by_label("Plasser").input_value() == "8"  # the hands the resident asked for
    day = (date.today() + timedelta(days=12)).isoformat()
    await card.get_by_label("Dag").fill(day)
    await card.get_by_label("Starter").fill("11:00")
    await card.get_by_label("Slutter").fill("14:00")
    await card.get_by_label("Plasser").fill("12")
    await axe(page)
    await screenshot(page, "outreach-proposal")
    await card.get_by_role("button", name="Godkjenn og gi beskjed til Hodan").click()
    await page.wait_for_url("**/desk/outreach?approved=*")
    assert "med Hodan som arrangør" in await page.locator("[role=status]").inner_text()
    async with app.sessions() as session:
        event = (await session.execute(select(DugnadEvent).where(DugnadEvent.organiser_id == organiser.id))).scalar_one()
        news = (await session.execute(select(OutboxMessage).where(OutboxMessage.kind == "proposal_approved"))).scalars()
        assert event.capacity == 12 and [m.resident_id for m in news] == [organiser.id]

    done = next(i for i in found["ideas"] if i.text.startswith("Więcej koszy"))  # done: bins by the bus stop
    await page.goto(f"/desk/ideas/{done.id}")
    section = page.locator("#results")
    assert "Ikke på den offentlige resultatsiden" in await section.inner_text()
    await section.get_by_label("Offentlig sammendrag").fill(SUMMARY)
    await section.get_by_role("button", name="Publiser på resultatsiden").click()
    await page.wait_for_url(f"**/desk/ideas/{done.id}?published=*")
    notice = await page.locator("#results [role=status]").inner_text()
    assert f"I-{done.id} er på resultatsiden." in notice and "får lenken" in notice
    assert await section.get_by_role("button", name="Ta av resultatsiden").is_visible()
    await axe(page)
    await page.locator("#results").scroll_into_view_if_needed()
    await screenshot(page, "idea-results")

    await section.get_by_role("link", name="Åpne resultatsiden").click()
    await page.wait_for_url("**/results/furuset")
    assert SUMMARY in await page.locator("body").inner_text()
    page.log.assert_clean()
