"""Issue 19 on the web desk over HTTP: an idea put on its area's public results page (and
taken off), dugnads residents propose approved with staff's times or declined, each
resident told; the area's poster as a PDF; a resident organiser on the dugnad page."""

from __future__ import annotations

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.domain import ideas, organisers
from bot.models import AuditEntry, DugnadEvent, DugnadProposal, Idea, OutboxMessage
from tests.factories import make_idea, make_resident
from tests.support import PUBLIC, count, csrf, desk_client, make_staff, sign_in

SUMMARY = "Nye benker ved skolen, satt opp i mai."


async def told(app, kind: str) -> list[OutboxMessage]:
    async with app.sessions() as session:
        return list((await session.execute(select(OutboxMessage).where(OutboxMessage.kind == kind))).scalars())


async def done_idea(app) -> tuple[int, int, int]:
    """A done idea of Furuset with a Somali author and a Polish supporter."""
    async with app.sessions() as session, session.begin():
        author = await make_resident(session, locale="so")
        supporter = await make_resident(session, channel="sms", locale="pl")
        idea = await make_idea(session, author, app, text="Kursi dugsiga agtiisa")
        await ideas.support_idea(session, supporter, idea.id)
        await ideas.answer_idea(session, idea, "done", note=None)
    return idea.id, author.id, supporter.id


async def test_publish_a_done_idea_and_take_it_off_again(app_with):
    async with app_with(public_base_url=PUBLIC) as app, desk_client(app, PUBLIC) as client:
        number, author, supporter = await done_idea(app)
        await sign_in(client, app, await make_staff(app))
        page = await client.get(f"/desk/ideas/{number}")
        assert "Ikke på den offentlige resultatsiden" in page.text and f'href="{PUBLIC}/results/furuset"' in page.text
        token = csrf(page)

        empty = await client.post(f"/desk/ideas/{number}/publish", data={"csrf_token": token, "summary": "  "})
        assert empty.status_code == 400 and "Skriv det offentlige sammendraget" in empty.text
        sent = await client.post(f"/desk/ideas/{number}/publish", data={"csrf_token": token, "summary": SUMMARY})
        assert sent.status_code == 303 and sent.headers["location"] == f"/desk/ideas/{number}?published=2#results"
        after = (await client.get(sent.headers["location"])).text
        assert f"I-{number} er på resultatsiden. 2 beboere får lenken." in after and "Oppdater resultatsiden" in after

        links = await told(app, "idea_published")
        assert sorted(m.resident_id for m in links) == sorted([author, supporter])
        assert any(f"{PUBLIC}/results/furuset?lang=so" in m.text for m in links)
        for lang in ("", "?lang=so"):
            public = await client.get(f"/results/furuset{lang}")
            assert public.status_code == 200 and SUMMARY in public.text, lang
            assert "Kursi dugsiga agtiisa" not in public.text  # never the resident's own words

        # An update mends the words; nobody gets the link twice.
        again = await client.post(f"/desk/ideas/{number}/publish", data={"csrf_token": token, "summary": "Nye benker."})
        assert again.headers["location"].endswith("?updated=1#results")
        assert len(await told(app, "idea_published")) == 2 and "Nye benker." in (await client.get("/results/furuset")).text

        off = await client.post(f"/desk/ideas/{number}/unpublish", data={"csrf_token": token})
        assert off.status_code == 303
        assert "er ikke lenger på resultatsiden" in (await client.get(off.headers["location"])).text
        assert "Nye benker." not in (await client.get("/results/furuset")).text
        async with app.sessions() as session:
            kept = await session.get(Idea, number)
            assert kept.published_at is None and kept.public_summary == {"nb": "Nye benker."}  # kept for later
        assert await count(app, AuditEntry, AuditEntry.action == "idea_publish") == 2
        assert await count(app, AuditEntry, AuditEntry.action == "idea_unpublish") == 1


async def test_a_published_idea_marked_done_later_sends_its_link_once(app_with):
    """Published while planned: nobody is sent the link yet. Marked done from the desk: its
    followers get it, and a later answer to the done idea does not send it again."""
    async with app_with(public_base_url=PUBLIC) as app, desk_client(app, PUBLIC) as client:
        async with app.sessions() as session, session.begin():
            author = await make_resident(session, locale="so")
            idea = await make_idea(session, author, app, text="Kursi dugsiga agtiisa")
            await ideas.answer_idea(session, idea, "planned", note=None)
        await sign_in(client, app, await make_staff(app))
        token = csrf(await client.get(f"/desk/ideas/{idea.id}"))
        published = await client.post(f"/desk/ideas/{idea.id}/publish", data={"csrf_token": token, "summary": SUMMARY})
        assert published.status_code == 303 and await told(app, "idea_published") == []

        for note in ("Benkene står der nå.", "Takk for tipset."):
            answered = await client.post(f"/desk/ideas/{idea.id}/answer", data={
                "csrf_token": token, "status": "done", "template": "none", "note": note})
            assert answered.status_code == 303, note
        links = await told(app, "idea_published")
        assert [m.resident_id for m in links] == [author.id]
        assert f"{PUBLIC}/results/furuset?lang=so" in links[0].text


async def test_another_areas_staff_cannot_publish(app, client):
    number, _author, _supporter = await done_idea(app)
    await sign_in(client, app, await make_staff(app, "Per", areas=("toyen",)))
    token = csrf(await client.get("/desk/"))
    assert (await client.post(f"/desk/ideas/{number}/publish", data={"csrf_token": token, "summary": SUMMARY})
            ).status_code == 404
    assert (await client.post(f"/desk/ideas/{number}/unpublish", data={"csrf_token": token})).status_code == 404
    async with app.sessions() as session:
        assert (await session.get(Idea, number)).published_at is None


async def propose(app, *, area: str = "furuset", locale: str = "pl") -> tuple[int, int]:
    async with app.sessions() as session, session.begin():
        organiser = await make_resident(session, locale=locale, area=area)
        proposal = await organisers.propose_dugnad(session, organiser, organisers.ProposalDraft(
            what="Posprzątajmy plac zabaw", place="Plac przy szkole", when_text="sobota rano", hands=10,
            organiser_name="Ola"))
    return proposal.id, organiser.id


async def test_proposals_are_listed_and_approved_with_adjusted_times(app, client):
    number, organiser = await propose(app)
    elsewhere, _ = await propose(app, area="toyen")
    await sign_in(client, app, await make_staff(app))
    page = await client.get("/desk/outreach")
    assert page.status_code == 200
    for shown in (f"P-{number}", "Posprzątajmy plac zabaw", "Plac przy szkole", "sobota rano", "Ola", "Polsk"):
        assert shown in page.text, shown
    assert f"P-{elsewhere}" not in page.text
    assert 'name="capacity" type="number" value="10"' in page.text  # prefilled from the proposal
    token = csrf(page)

    day = (date.today() + timedelta(days=10)).isoformat()
    form = {"csrf_token": token, "date": day, "start": "11:00", "end": "10:00", "place": "Plac przy szkole",
            "capacity": "12"}
    wrong = await client.post(f"/desk/outreach/proposals/{number}/approve", data=form)
    assert wrong.status_code == 400 and "Sluttid må være etter starttid." in wrong.text
    assert await count(app, DugnadEvent) == 0

    approved = await client.post(f"/desk/outreach/proposals/{number}/approve", data={**form, "end": "14:00"})
    assert approved.status_code == 303
    async with app.sessions() as session:
        event = (await session.execute(select(DugnadEvent))).scalar_one()
        proposal = await session.get(DugnadProposal, number)
    assert event.organiser_id == organiser and event.organiser_name == "Ola" and event.capacity == 12
    assert event.start_at.astimezone(ZoneInfo("Europe/Oslo")).strftime("%H:%M") == "11:00"
    assert proposal.status == organisers.PROPOSAL_APPROVED and proposal.event_id == event.id
    news = await told(app, "proposal_approved")
    assert [m.resident_id for m in news] == [organiser] and "Posprzątajmy plac zabaw" in news[0].text
    after = (await client.get(approved.headers["location"])).text
    assert f"Dugnad #{event.id} er laget, med Ola som arrangør" in after and f"P-{number}:" not in after

    dugnad_page = (await client.get(f"/desk/dugnads/{event.id}")).text
    assert "Arrangert av" in dugnad_page and "Ola" in dugnad_page and "0 meldinger til de frivillige" in dugnad_page
    again = await client.post(f"/desk/outreach/proposals/{number}/approve", data={**form, "end": "14:00"})
    assert again.status_code == 400 and await count(app, DugnadEvent) == 1
    assert (await client.post(f"/desk/outreach/proposals/{elsewhere}/approve", data={**form, "end": "14:00"})
            ).status_code == 404
    assert await count(app, AuditEntry, AuditEntry.action == "proposal_approve") == 1


async def test_decline_a_proposal_with_a_word(app, client):
    number, organiser = await propose(app)
    await sign_in(client, app, await make_staff(app))
    token = csrf(await client.get("/desk/outreach"))
    declined = await client.post(f"/desk/outreach/proposals/{number}/decline",
                                 data={"csrf_token": token, "note": "Vi har ikke penger til det i år."})
    assert declined.status_code == 303
    assert f"P-{number} er avslått" in (await client.get(declined.headers["location"])).text
    async with app.sessions() as session:
        assert (await session.get(DugnadProposal, number)).status == organisers.PROPOSAL_DECLINED
    news = await told(app, "proposal_declined")
    assert [m.resident_id for m in news] == [organiser] and "Vi har ikke penger til det i år." in news[0].text
    assert await count(app, AuditEntry, AuditEntry.action == "proposal_decline") == 1


async def test_the_poster_downloads_and_a_bad_source_is_said(app_with):
    async with app_with(public_base_url=PUBLIC, telegram_bot_username="benken_test_bot") as app, \
            desk_client(app, PUBLIC) as client:
        await sign_in(client, app, await make_staff(app))
        page = (await client.get("/desk/outreach")).text
        for shown in (f"{PUBLIC}/results/furuset", "https://t.me/benken_test_bot?start=furuset", "SMS er ikke satt opp"):
            assert shown in page, shown
        pdf = await client.get("/desk/outreach/poster?area=furuset&langs=nb&langs=so&source=library2")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        assert pdf.headers["content-disposition"] == 'attachment; filename="benken-poster-furuset-library2.pdf"'

        bad = await client.get("/desk/outreach/poster?area=furuset&langs=nb&source=bibliotek+2")
        assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/html")
        assert "En kildekode er 1 til 16 bokstaver a–z og sifre" in bad.text
        assert 'value="bibliotek 2"' in bad.text  # shown again to correct
        none = await client.get("/desk/outreach/poster?area=furuset&source=x")
        assert none.status_code == 400 and "Velg minst ett språk." in none.text
        assert (await client.get("/desk/outreach/poster?area=toyen&langs=nb")).status_code == 404
        assert await count(app, AuditEntry, AuditEntry.action == "poster") == 1


async def test_without_a_bot_username_the_poster_says_what_to_set(app, client):
    await sign_in(client, app, await make_staff(app))
    refused = await client.get("/desk/outreach/poster?area=furuset&langs=nb")
    assert refused.status_code == 400 and "TELEGRAM_BOT_USERNAME" in refused.text


async def test_the_photo_goes_only_when_ticked(app, client):
    number, _author, _supporter = await done_idea(app)
    async with app.sessions() as session, session.begin():
        (await session.get(Idea, number)).photo_ref = "photo-file-id"
    await sign_in(client, app, await make_staff(app))
    page = await client.get(f"/desk/ideas/{number}")
    box = re.search(r'<input type="checkbox" name="photo" value="1"( checked)?>', page.text)
    assert box and box.group(1) is None  # offered, not ticked
    token = csrf(page)
    await client.post(f"/desk/ideas/{number}/publish", data={"csrf_token": token, "summary": SUMMARY})
    async with app.sessions() as session:
        assert (await session.get(Idea, number)).public_photo is False
    await client.post(f"/desk/ideas/{number}/publish", data={"csrf_token": token, "summary": SUMMARY, "photo": "1"})
    async with app.sessions() as session:
        assert (await session.get(Idea, number)).public_photo is True
    assert 'name="photo" value="1" checked' in (await client.get(f"/desk/ideas/{number}")).text
