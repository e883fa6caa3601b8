"""The safety map over HTTP: reports of the staff member's areas, filtered; anonymous
reports show their day and place, never their words, language or writer; reports
without a place are listed; resident text reaches the map only as JSON data."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

from bot.domain import safety
from bot.models import utcnow

from tests.factories import make_resident
from tests.support import make_staff, sign_in


async def report(session, resident, *, anonymous=False, days=0, area="furuset", **draft):
    values = {"time_of_day": "evening", "category": "lighting"} | draft
    return await safety.report_safety(session, resident, area, safety.SafetyDraft(**values), anonymous=anonymous,
                                      timezone="Europe/Oslo", now=utcnow() - timedelta(days=days))


def points(page) -> list[dict]:
    return json.loads(html.unescape(re.search(r"data-points='([^']*)'", page.text).group(1)))


async def test_reports_on_the_map_and_in_the_lists(app, client, session):
    resident = await make_resident(session, locale="so")
    named = await report(session, resident, place_text="Gangstien", latitude=59.94, longitude=10.89,
                         details="Lampen er knust")
    anonymous = await report(session, resident, anonymous=True, place_text="Torget", latitude=59.941,
                             longitude=10.893, details="Jeg bor i nr. 12", category="groups", time_of_day="night")
    await report(session, resident, place_text="Bak blokkene", details="Mørkt")
    await report(session, resident, area="toyen", place_text="Tøyen", latitude=59.91, longitude=10.77)
    await session.commit()
    await sign_in(client, app, await make_staff(app, areas=("furuset",)))
    page = await client.get("/desk/safety-map")
    assert "3 meldinger." in page.text and "Tøyen" not in page.text
    shown = points(page)
    assert [p["label"] for p in shown] == [f"S-{anonymous.id} · Grupper som henger rundt",
                                          f"S-{named.id} · Dårlig belysning"]
    assert shown[0]["lines"] == ["Grupper som henger rundt · natt", shown[0]["lines"][1], "Torget"]
    assert "Lampen er knust" in shown[1]["lines"]
    assert "Jeg bor i nr. 12" not in page.text  # an anonymous report's words never show
    assert "Skrevet på somali" in page.text  # a named one's language does
    assert "Bak blokkene" in page.text.split('id="off-map-heading"')[1]
    assert str(resident.telegram_id) not in page.text


async def test_filters_by_category_time_and_period(app, client, session):
    resident = await make_resident(session)
    await report(session, resident, category="traffic", time_of_day="daytime", latitude=59.9, longitude=10.8)
    await report(session, resident, category="lighting", time_of_day="night", latitude=59.9, longitude=10.8)
    await report(session, resident, category="lighting", time_of_day="night", days=100, latitude=59.9, longitude=10.8)
    await session.commit()
    await sign_in(client, app, await make_staff(app))

    async def counted(query: str) -> int:
        return len(points(await client.get("/desk/safety-map?" + query)))

    assert await counted("") == 3
    assert await counted("category=lighting") == 2
    assert await counted("time=daytime") == 1
    assert await counted("category=lighting&period=90") == 1
    assert await counted("period=all&category=bogus") == 3


async def test_resident_text_is_data_on_the_map_never_markup(app, client, session):
    resident = await make_resident(session)
    await report(session, resident, place_text="<script>alert(1)</script>'\"", latitude=59.9, longitude=10.8,
                 details="</script><img src=x onerror=alert(2)>")
    await session.commit()
    await sign_in(client, app, await make_staff(app))
    page = await client.get("/desk/safety-map")
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert points(page)[0]["lines"][2:] == ["<script>alert(1)</script>'\"", "</script><img src=x onerror=alert(2)>"]
