"""The inbox over HTTP: the staff member's areas only, soonest promised answer first,
every filter, a search that folds case in every alphabet on both databases, pages, and
the results alone for htmx."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.domain import ideas
from bot.models import utcnow

from tests.factories import make_idea, make_resident
from tests.support import make_staff, sign_in


def refs(page) -> list[str]:
    """The ideas listed, in order."""
    return re.findall(r'class="ref" href="/desk/ideas/\d+">(I-\d+)</a>', page.text)


async def seed(app, session):
    """Furuset ideas in several languages, categories and ages; one in Tøyen (not hers)."""
    now = utcnow()
    author = await make_resident(session, area="furuset", locale="nb")
    somali = await make_resident(session, area="furuset", locale="so")
    made = {
        "old": await make_idea(session, author, app, text="Benker ved ØSTRE gangvei", now=now - timedelta(days=30)),
        "lights": await make_idea(session, somali, app, text="Lys i parken", category="lighting_paths",
                                  now=now - timedelta(days=5), wants_to_help=True),
        "new": await make_idea(session, author, app, text="Ukrainian: Майданчик для собак", now=now - timedelta(days=1)),
        "done": await make_idea(session, author, app, text="Søppelkasser", category="clean_tidy",
                                now=now - timedelta(days=40)),
        "toyen": await make_idea(session, author, app, area="toyen", text="Benker på Tøyen",
                                 now=now - timedelta(days=60)),
    }
    made["new"].locale = "uk"
    made["lights"].place_text = "Furusetparken"
    await ideas.answer_idea(session, made["done"], "done", note=None)
    await session.commit()
    return {key: f"I-{idea.id}" for key, idea in made.items()}


async def test_open_ideas_of_her_areas_soonest_promise_first(app, client, session):
    ids = await seed(app, session)
    await sign_in(client, app, await make_staff(app, areas=("furuset",)))
    page = await client.get("/desk/")
    assert refs(page) == [ids["old"], ids["lights"], ids["new"]]  # done and Tøyen left out
    assert "3 ideer" in page.text and "forsinket" in page.text  # the 30-day-old one is overdue


async def test_each_filter(app, client, session):
    ids = await seed(app, session)
    await sign_in(client, app, await make_staff(app, areas=("furuset", "toyen")))

    async def listed(query: str) -> list[str]:
        return refs(await client.get("/desk/?" + query))

    assert await listed("") == [ids["toyen"], ids["old"], ids["lights"], ids["new"]]
    assert await listed("area=furuset") == [ids["old"], ids["lights"], ids["new"]]
    assert await listed("status=done") == [ids["done"]]
    assert await listed("status=all&area=furuset") == [ids["done"], ids["old"], ids["lights"], ids["new"]]
    assert await listed("category=lighting_paths") == [ids["lights"]]
    assert await listed("language=uk") == [ids["new"]]
    assert await listed("helpers=1") == [ids["lights"]]
    assert await listed("overdue=1") == [ids["toyen"], ids["old"]]
    # Something that is not a choice is no filter at all, never an error.
    assert await listed("status=bogus&area=mars&category=x&language=xx&page=-3") == await listed("")


async def test_search_folds_case_in_every_alphabet(app, client, session):
    ids = await seed(app, session)
    await sign_in(client, app, await make_staff(app, areas=("furuset",)))
    for words, expected in (("østre", [ids["old"]]), ("ØSTRE GANGVEI", [ids["old"]]), ("МАЙДАНЧИК", [ids["new"]]),
                            ("furusetPARKEN", [ids["lights"]]), (ids["lights"].lower(), [ids["lights"]]),
                            ("100%", []), ("_", [])):
        page = await client.get("/desk/", params={"q": words})
        assert refs(page) == expected, words
    # A reference in another area finds nothing.
    assert refs(await client.get("/desk/", params={"q": ids["toyen"], "status": "all"})) == []


async def test_pages_of_25(app, client, session):
    author = await make_resident(session, area="furuset")
    for n in range(30):
        await make_idea(session, author, app, text=f"Idé {n}", now=utcnow() - timedelta(days=60 - n))
    await session.commit()
    await sign_in(client, app, await make_staff(app, areas=("furuset",)))
    first = await client.get("/desk/")
    assert len(refs(first)) == 25 and "Side 1 av 2" in first.text and 'href="/desk/?page=2"' in first.text
    second = await client.get("/desk/?page=2")
    assert len(refs(second)) == 5 and set(refs(first)).isdisjoint(refs(second))
    assert refs(await client.get("/desk/?page=9")) == []


async def test_htmx_gets_the_results_alone_and_a_reload_the_whole_page(app, client, session):
    await seed(app, session)
    await sign_in(client, app, await make_staff(app, areas=("furuset",)))
    partial = await client.get("/desk/?category=lighting_paths",
                               headers={"HX-Request": "true", "HX-Target": "inbox-results"})
    assert partial.status_code == 200 and "<html" not in partial.text and len(refs(partial)) == 1
    restored = await client.get("/desk/?category=lighting_paths", headers={
        "HX-Request": "true", "HX-Target": "inbox-results", "HX-History-Restore-Request": "true"})
    assert "<html" in restored.text
    whole = await client.get("/desk/?category=lighting_paths")
    assert "<html" in whole.text and 'hx-get="/desk/"' in whole.text and 'id="inbox-results"' in whole.text
