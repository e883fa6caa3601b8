"""The public results page: published ideas (staff's summary, never the resident's words
or name), dugnads and hours, the ladder, in every resident language, with a strict CSP;
publishing from the command line; and the link to followers of a done idea."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from bot.domain import publishing
from bot.models import Idea, OutboxMessage
from bot.staff import actions
from bot.reports.impact import measure
from bot.reports.impact_layout import render_text
from bot.text.labels import idea_statuses
from bot.text.resident import Text
from tests.conftest import in_days
from tests.factories import make_event, make_idea, make_resident
from tests.support import PUBLIC, benken, desk_client


async def seed(app):
    async with app.sessions() as session, session.begin():
        author = await make_resident(session, locale="so")
        done = await make_idea(session, author, app, text="Ahmed Ali wants lights by block 7, call +4790000001")
        await actions.answer_idea(session, done, "done", note=None, timezone="Europe/Oslo")
        await publishing.publish_idea(session, done, "New lights along the path to the school.", staff_id=None)
        await make_idea(session, author, app, text="A secret unpublished idea about the bridge")
    return done


async def test_the_page_lists_a_published_done_idea_in_nb_and_so_and_nothing_unpublished(app):
    await seed(app)
    async with desk_client(app) as client:
        nb = await client.get("/results/furuset")
        so = await client.get("/results/furuset?lang=so")
        ar = await client.get("/results/furuset?lang=ar")
        missing = await client.get("/results/nowhere")
    for page in (nb, so):
        assert page.status_code == 200 and "New lights along the path to the school." in page.text
        assert "secret unpublished" not in page.text and "Ahmed" not in page.text and "+47" not in page.text
        assert "<script" not in page.text and "http" not in page.text.split("<body>")[1].split("t.me")[0].replace(
            'href="/results', "")
        assert "default-src 'none'" in page.headers["content-security-policy"]
    assert '<html lang="nb" dir="ltr">' in nb.text and "Dere sa, vi gjorde: Furuset" in nb.text
    assert idea_statuses(Text("nb"))["done"] in nb.text and idea_statuses(Text("so"))["done"] in so.text
    assert '<html lang="so" dir="ltr">' in so.text and "Waad sheegteen, waan samaynay" in so.text
    assert 'lang="nb"' in so.text.split("New lights")[0].rsplit("<p", 1)[1]  # staff's words, marked as Norwegian
    assert '<html lang="ar" dir="rtl">' in ar.text
    assert missing.status_code == 404
    assert len(nb.content) < 20_000  # a cheap phone's data plan


async def test_idea_status_public_publishes_and_tells_followers_the_link(app, settings):
    async with app.sessions() as session, session.begin():
        author = await make_resident(session, locale="so")
        idea = await make_idea(session, author, app)
    env = {"PUBLIC_BASE_URL": PUBLIC}
    refused = benken(settings.database_url, "idea", "status", f"I-{idea.id}", "done", "--public", env=env)
    assert refused.returncode == 1 and "summary" in refused.stderr
    done = benken(settings.database_url, "idea", "status", f"I-{idea.id}", "done", "--public", "--summary",
                  "Benker er satt opp.", env=env)
    assert done.returncode == 0, done.stderr
    async with app.sessions() as session:
        kept = await session.get(Idea, idea.id)
        link = (await session.execute(select(OutboxMessage).where(OutboxMessage.kind == "idea_published"))).scalar_one()
    assert kept.published_at is not None and kept.public_summary == {"nb": "Benker er satt opp."}
    assert f"{PUBLIC}/results/furuset?lang=so" in link.text
    off = benken(settings.database_url, "idea", "unpublish", f"I-{idea.id}")
    assert off.returncode == 0
    async with desk_client(app) as client:
        assert "Benker er satt opp." not in (await client.get("/results/furuset")).text


async def test_the_page_has_a_poster_of_its_own(app):
    configured = dataclasses.replace(app, settings=dataclasses.replace(app.settings, public_base_url=PUBLIC))
    async with desk_client(configured) as client:
        pdf = await client.get("/results/furuset/poster.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_impact_counts_organisers_and_where_new_residents_came_from(app):
    async with app.sessions() as session, session.begin():
        organiser = await make_resident(session)
        for source in ("bib1", "bib1", "keyword", None):
            resident = await make_resident(session)
            resident.source = source
        event = await make_event(session, start=in_days(-2))
        event.organiser_id, event.organiser_name = organiser.id, "Amina"
        figures = await measure(session, area_slugs=["furuset"], since=in_days(-30), until=in_days(1),
                                timezone="Europe/Oslo")
    assert figures.ladder.organised == 1
    assert figures.new_by_source == {"": 2, "bib1": 2, "keyword": 1}
    text = render_text(figures, "en")
    assert "1 resident organised a dugnad" in text
    assert "Where new residents came from: no poster or link: 2, bib1: 2, an SMS keyword: 1" in text
