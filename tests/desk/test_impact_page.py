"""Impact over HTTP: the figures of `benken impact` for the chosen period, charts drawn as
SVG with attributes and classes only, each with its numbers as a table; the month series
agree with the period's totals."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.models import utcnow
from bot.reports.impact import measure
from bot.reports.impact_months import by_month, months_between

from tests.factories import make_district
from tests.support import make_staff, sign_in

OSLO = ZoneInfo("Europe/Oslo")


async def test_the_figures_and_charts_of_the_last_twelve_months(app, client):
    staff = await make_staff(app, areas=("furuset",))
    await make_district(app, staff_id=staff.id)
    await sign_in(client, app, staff)
    page = (await client.get("/desk/impact")).text
    assert len(re.findall(r'<svg class="chart[ "]', page)) == 5 and len(re.findall(r'<table class="numbers"', page)) == 4
    svg = "".join(re.findall(r"<svg.*?</svg>", page, re.S))
    assert " style=" not in svg and "<script" not in svg and 'class="bar status-' in svg
    assert 'class="reference"' in svg and "løfte: 14 dager" in svg  # the promise, every area's 14 days
    assert re.search(r"\d+ beboere ga [\d,]+ timer dugnad", page)  # the headline, as `benken impact` says it
    # The ladder's table and the chart's bars say the same numbers.
    rows = dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td></tr>', page))
    assert rows["Ga en idé"] == "11" and rows["Meldte seg på dugnad"].isdigit()


async def test_the_months_add_up_to_the_period(app):
    staff = await make_staff(app, areas=("furuset",))
    await make_district(app, staff_id=staff.id)
    until = utcnow()
    since = datetime(until.year - 1, until.month, 1, tzinfo=OSLO)
    async with app.sessions() as session:
        total = await measure(session, area_slugs=["furuset"], since=since, until=until, timezone="Europe/Oslo")
        months = await by_month(session, area_slugs=["furuset"], since=since, until=until, timezone="Europe/Oslo")
    assert len(months) == 13
    assert sum(m.ideas for m in months) == total.ideas
    assert sum(m.answered for m in months) == total.ideas_answered
    assert round(sum(m.hours for m in months), 6) == round(total.volunteer_hours, 6)
    assert sum(m.volunteers for m in months) >= total.volunteers  # a volunteer may come in two months


def test_months_of_a_period_are_local_calendar_months():
    # 31 December 23:30 in Oslo is still December, though it is 22:30 UTC.
    since = datetime(2025, 12, 31, 23, 30, tzinfo=OSLO)
    until = datetime(2026, 3, 1, tzinfo=OSLO)  # the midnight that starts March: March is not in it
    assert [m.isoformat() for m in months_between(since, until, OSLO)] == ["2025-12-01", "2026-01-01", "2026-02-01"]


async def test_periods_to_choose_and_mistakes(app, client):
    await sign_in(client, app, await make_staff(app))
    this_year = await client.get("/desk/impact?period=year")
    assert this_year.status_code == 200 and "1. januar" in this_year.text
    last = await client.get("/desk/impact?period=lastyear")
    assert f"31. desember {utcnow().year - 1}" in last.text
    custom = await client.get("/desk/impact?period=custom&from=2026-01-01&to=2026-01-31")
    assert "1. januar 2026 – 31. januar 2026" in custom.text
    for query, said in (("from=2026-02-01&to=2026-01-01", "Perioden må slutte etter at den starter."),
                        ("from=x&to=2026-01-01", "Skriv begge dagene"),
                        ("from=2010-01-01&to=2026-01-01", "høyst fem år"),
                        (f"from={(utcnow() + timedelta(days=40)).date()}&to={(utcnow() + timedelta(days=50)).date()}",
                         "starte i dag eller tidligere")):
        page = await client.get("/desk/impact?period=custom&" + query)
        assert page.status_code == 200 and said in page.text and "De siste 12 månedene vises." in page.text
