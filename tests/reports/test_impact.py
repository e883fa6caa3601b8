"""The impact figures: every figure on a seeded data set with known totals (Furuset, with
Romsås for contrast), renderings in Norwegian and English, privacy and escaping, the
one area or all of them.

The period is September to November 2026 in Oslo: [1 Sep 00:00, 1 Dec 00:00) local time.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from bot.domain.dugnad import cancel_signup, mark_attended, sign_up
from bot.domain.ideas import IdeaDraft, submit_idea
from bot.domain.residents import erase_resident
from bot.domain.safety import SafetyDraft, report_safety
from bot.models import SIGNUP_ATTENDED, Resident
from bot.reports.impact import Impact, Ladder, measure, name_areas
from bot.reports.impact_layout import render_html, render_text
from bot.staff.actions import answer_idea
from tests.factories import make_event

ZONE = "Europe/Oslo"
OSLO = ZoneInfo(ZONE)
NBSP = "\u00a0"


def local(year, month, day, hour=12, minute=0) -> datetime:
    """A moment given in Oslo time, as UTC (as the database keeps it)."""
    return datetime(year, month, day, hour, minute, tzinfo=OSLO).astimezone(timezone.utc)


SINCE, UNTIL = local(2026, 9, 1, 0, 0), local(2026, 12, 1, 0, 0)
TELEGRAM_IDS = {"ana": 7100001, "cai": 7100002, "eva": 7100003, "gus": 7100004, "hal": 7100005, "ida": 7100006}
PHONES = {"ben": "+4791110001", "dag": "+4791110002", "fin": "+4791110003"}


@dataclass
class Seed:
    residents: dict[str, Resident]


async def _resident(session, name, area, first_seen, last_seen) -> Resident:
    telegram_id, phone = TELEGRAM_IDS.get(name), PHONES.get(name)
    resident = Resident(
        channel="telegram" if telegram_id else "sms", telegram_id=telegram_id, phone=phone, locale="nb",
        area_slug=area, first_seen=first_seen, last_seen=last_seen,
    )
    session.add(resident)
    await session.flush()
    return resident


async def seed(app, session) -> Seed:
    """Furuset, for [SINCE, UNTIL):

    - reached 5 (ana, ben, cai, eva, fin), new 2 (cai on the first instant, fin); dag last
      wrote a second before, hal first wrote at UNTIL, ida erased her data.
    - 6 ideas: I1 ana done (first answer after 3 days), I2 ben planned (answered 00:30 the
      day after its due date: late in Oslo, on time in UTC), I3 cai unanswered, I4 ben
      "received" again with a note at 23:30 on its due date (in time, after 14 days),
      I5 eva declined after 4 days (after UNTIL), I9 kept without its erased author.
      Answered 4, in time 3 of 6, median of 3, 4, 14 and 14.6 days = 9.
    - dugnads in the period E1 (3 h) and E2 (4 h): ana 2.5 h + 4 h (not logged), ben 3 h
      (not logged), eva 2 h: 3 volunteers, 11.5 hours; ana (E0, June) and ben (Romsås,
      August) came before. cai did not come; ben cancelled E2; E7 starts at UNTIL.
    - safety: 3 reports (lighting 2, harassment 1; evening 2, night 1); one just before
      and one just after the period by local date.
    - ladder: ideas 4 (ana, ben, cai, eva), sign-ups 5 (ana, ben, cai, eva, fin), organise
      2 (ana, eva: attended and offered help; ben's offer came after UNTIL), moved up 3
      (ana, cai, eva; ben's ideas came after his sign-up, his later sign-up was cancelled).

    Romsås: gus (new), one idea offering help, a sign-up after it, 3 hours, one report.
    """
    furuset, romsas = app.areas.require("furuset"), app.areas.require("romsas")
    r = {
        "ana": await _resident(session, "ana", "furuset", local(2026, 5, 4), local(2026, 11, 20)),
        "ben": await _resident(session, "ben", "furuset", local(2026, 7, 1), local(2026, 11, 25)),
        "cai": await _resident(session, "cai", "furuset", SINCE, local(2026, 11, 20)),
        "dag": await _resident(session, "dag", "furuset", local(2026, 3, 1), SINCE - timedelta(seconds=1)),
        "eva": await _resident(session, "eva", "furuset", local(2026, 4, 1), local(2026, 12, 3)),
        "fin": await _resident(session, "fin", "furuset", local(2026, 11, 5), local(2026, 11, 5)),
        "gus": await _resident(session, "gus", "romsas", local(2026, 9, 10), local(2026, 9, 26)),
        "hal": await _resident(session, "hal", "furuset", UNTIL, local(2026, 12, 2)),
        "ida": await _resident(session, "ida", "furuset", local(2026, 10, 19), local(2026, 10, 20)),
    }
    await _ideas(session, r, furuset, romsas)
    await _dugnads(session, r)
    await _safety(session, r)
    await erase_resident(session, r["ida"], keep_ideas=True, timezone=ZONE, now=local(2026, 10, 21))
    await session.commit()
    return Seed(residents=r)


async def _ideas(session, r, furuset, romsas) -> None:
    async def idea(name, area, when, wants_to_help=False):
        draft = IdeaDraft(f"Idea by {name}", "other", wants_to_help=wants_to_help)
        return await submit_idea(session, r[name], area, draft, timezone=ZONE, now=when)

    async def answer(idea_, status, when, note=None):
        await answer_idea(session, idea_, status, note=note, timezone=ZONE, now=when)

    await idea("dag", furuset, local(2026, 5, 15))  # before the period
    await idea("eva", furuset, local(2026, 5, 10), wants_to_help=True)  # before: counts for organising
    i1 = await idea("ana", furuset, local(2026, 9, 7, 10), wants_to_help=True)
    await answer(i1, "reviewing", local(2026, 9, 10, 10))
    await answer(i1, "done", local(2026, 10, 1, 10))  # a later answer: not the first
    i2 = await idea("ben", furuset, local(2026, 9, 14, 10))
    await answer(i2, "planned", local(2026, 9, 29, 0, 30))
    await idea("cai", furuset, local(2026, 10, 6, 9))
    i4 = await idea("ben", furuset, local(2026, 11, 10, 23, 30))
    await answer(i4, "received", local(2026, 11, 24, 23, 30), note="Vi ser på det")
    i5 = await idea("eva", furuset, local(2026, 11, 28, 10))
    await answer(i5, "declined", local(2026, 12, 2, 10))
    await idea("ida", furuset, local(2026, 10, 20))  # kept when ida erases her data
    await idea("ben", furuset, local(2026, 12, 2), wants_to_help=True)  # after the period
    await idea("gus", romsas, local(2026, 9, 12), wants_to_help=True)


async def _dugnads(session, r) -> None:
    async def event_(area, start, hours):
        return await make_event(session, area=area, start=start, hours=hours)

    async def signup(name, event_id, when, hours=None, attended=True):
        row = await sign_up(session, r[name], event_id, now=when)
        if attended and hours is not None:
            await mark_attended(session, row, hours=hours)
        elif attended:
            # Older rows may have no hours; the dugnad's length counts then.
            row.status, row.hours = SIGNUP_ATTENDED, None
        return row

    e0 = await event_("furuset", local(2026, 6, 13, 10), 3)
    e5 = await event_("romsas", local(2026, 8, 15, 10), 2)
    e1 = await event_("furuset", local(2026, 9, 19, 10), 3)
    e2 = await event_("furuset", local(2026, 10, 17, 10), 4)
    e3 = await event_("furuset", local(2026, 12, 5, 10), 3)
    e4 = await event_("romsas", local(2026, 9, 26, 10), 3)
    e7 = await event_("furuset", UNTIL, 3)
    await signup("ana", e0.id, local(2026, 6, 1))
    await signup("ben", e5.id, local(2026, 8, 1), hours=2)
    await signup("ben", e1.id, local(2026, 9, 5))
    await signup("ana", e1.id, local(2026, 9, 8), hours=2.5)
    await signup("cai", e1.id, local(2026, 9, 10), attended=False)
    await signup("ana", e2.id, local(2026, 9, 20))
    cancelled = await signup("ben", e2.id, local(2026, 10, 1), attended=False)
    await cancel_signup(session, cancelled, timezone=ZONE, now=local(2026, 10, 3))
    await signup("eva", e2.id, local(2026, 10, 2), hours=2)
    await signup("fin", e7.id, local(2026, 11, 5))
    await signup("cai", e3.id, local(2026, 11, 20), attended=False)
    await signup("gus", e4.id, local(2026, 9, 15))


async def _safety(session, r) -> None:
    async def report(name, area, when, time_of_day, category, anonymous=False):
        draft = SafetyDraft(time_of_day, category, place_text="Ved t-banen")
        await report_safety(session, r[name], area, draft, anonymous=anonymous, timezone=ZONE, now=when)

    await report("ana", "furuset", local(2026, 9, 1, 0, 30), "evening", "lighting")  # 31 Aug in UTC
    await report("ben", "furuset", local(2026, 10, 10), "night", "lighting", anonymous=True)
    await report("cai", "furuset", local(2026, 11, 30, 23, 30), "evening", "harassment")
    await report("ana", "furuset", local(2026, 12, 1, 0, 30), "night", "drugs")  # after
    await report("dag", "furuset", local(2026, 8, 31, 23, 0), "night", "drugs")  # before
    await report("gus", "romsas", local(2026, 10, 1), "always", "traffic")


async def furuset(session) -> Impact:
    return await measure(session, area_slugs=["furuset"], since=SINCE, until=UNTIL, timezone=ZONE)


def _zeros(keys, **counts) -> dict[str, int]:
    return dict.fromkeys(keys, 0) | counts


STATUSES = ("received", "reviewing", "planned", "in_progress", "done", "declined", "duplicate")
CATEGORIES = ("lighting", "harassment", "drugs", "traffic", "groups", "other")
TIMES = ("daytime", "evening", "night", "always")


# The figures ------------------------------------------------------------------------------


async def test_every_figure_of_one_area(app, session):
    await seed(app, session)
    impact = await furuset(session)

    assert (impact.residents_reached, impact.new_residents) == (5, 2)
    assert impact.ideas_by_status == _zeros(STATUSES, received=3, planned=1, done=1, declined=1)
    assert (impact.ideas, impact.ideas_answered, impact.answered_in_time, impact.in_time_share) == (6, 4, 3, 0.5)
    assert impact.median_days_to_answer == 9.0
    assert (impact.volunteers, impact.volunteer_hours, impact.returning_volunteers) == (3, 11.5, 2)
    assert impact.safety_by_category == _zeros(CATEGORIES, lighting=2, harassment=1)
    assert impact.safety_by_time == _zeros(TIMES, evening=2, night=1)
    assert impact.safety_reports == 3
    assert impact.ladder == Ladder(gave_idea=4, joined_dugnad=5, organised=0, moved_up=3)
    assert (impact.area_slugs, impact.area_names, impact.since, impact.until) == (("furuset",), ("furuset",), SINCE, UNTIL)


async def test_all_areas_add_romsas_and_nothing_else(app, session):
    await seed(app, session)
    impact = await measure(
        session, area_slugs=[a.slug for a in app.areas], since=SINCE, until=UNTIL, timezone=ZONE
    )
    assert (impact.residents_reached, impact.new_residents, impact.ideas) == (6, 3, 7)
    assert (impact.ideas_answered, impact.answered_in_time, impact.median_days_to_answer) == (4, 3, 9.0)
    assert (impact.volunteers, impact.volunteer_hours, impact.returning_volunteers) == (4, 14.5, 2)
    assert impact.safety_by_category == _zeros(CATEGORIES, lighting=2, harassment=1, traffic=1)
    assert impact.safety_by_time == _zeros(TIMES, evening=2, night=1, always=1)
    assert impact.ladder == Ladder(gave_idea=5, joined_dugnad=6, organised=0, moved_up=4)
    romsas = await measure(session, area_slugs=["romsas"], since=SINCE, until=UNTIL, timezone=ZONE)
    assert (romsas.residents_reached, romsas.ideas, romsas.volunteers, romsas.volunteer_hours) == (1, 1, 1, 3.0)
    assert (romsas.returning_volunteers, romsas.safety_reports, romsas.median_days_to_answer) == (0, 1, None)
    assert romsas.ladder == Ladder(gave_idea=1, joined_dugnad=1, organised=0, moved_up=1)


async def test_an_empty_period_has_zeros_and_no_median(app, session):
    await seed(app, session)
    impact = await measure(
        session, area_slugs=["furuset"], since=local(2027, 1, 1), until=local(2027, 2, 1), timezone=ZONE
    )
    assert (impact.residents_reached, impact.ideas, impact.in_time_share, impact.median_days_to_answer) == (
        0, 0, None, None
    )
    assert (impact.volunteers, impact.volunteer_hours, impact.safety_reports) == (0, 0, 0)
    assert impact.ladder == Ladder(0, 0, 0, 0)
    text = render_text(impact, "en")
    assert text.startswith("0 residents gave 0 hours of dugnad\n") and "0 new ideas" in text
    assert "answered within" not in text and "Time of day" not in text
    with pytest.raises(ValueError):
        await measure(session, area_slugs=["furuset"], since=UNTIL, until=SINCE, timezone=ZONE)


async def test_no_query_reads_a_phone_number_or_telegram_id(app, session):
    await seed(app, session)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(app.engine.sync_engine, "before_cursor_execute", record)
    try:
        await measure(session, area_slugs=[a.slug for a in app.areas], since=SINCE, until=UNTIL, timezone=ZONE)
    finally:
        event.remove(app.engine.sync_engine, "before_cursor_execute", record)
    assert statements and not [s for s in statements if "phone" in s or "telegram_id" in s]


# Renderings -------------------------------------------------------------------------------


async def test_norwegian_and_english_lead_with_the_headline(app, session):
    await seed(app, session)
    impact = name_areas(await furuset(session), app.areas)
    nb, en = render_text(impact, "nb"), render_text(impact, "en")

    assert nb.splitlines()[0] == "3 beboere ga 11,5 timer dugnad"
    assert en.splitlines()[0] == "3 residents gave 11.5 hours of dugnad"
    for needed in (
        "Benken-resultater for Furuset", "5 beboere nådd, 2 for første gang",
        "6 nye ideer (mottatt: 3, planlagt: 1, gjennomført: 1, avslått: 1)",
        f"50{NBSP}% fikk svar innen fristen (3 av 6 ideer)", "Median 9 dager til første svar",
        "3 frivillige kom (2 hadde vært med før)", "3 trygghetsmeldinger (Dårlig belysning: 2, Trakassering eller trusler: 1)",
        "Tid på døgnet: kveld: 2, natt: 1", "Deltakerstigen", "4 beboere ga en idé", "5 beboere meldte seg på dugnad",
        "0 beboere organiserte en dugnad", "3 beboere gikk fra idé til dugnad",
    ):
        assert needed in nb, needed
    for needed in (
        "Benken impact for Furuset", "5 residents reached, 2 for the first time",
        "6 new ideas (received: 3, planned: 1, done: 1, declined: 1)",
        "50% answered within the promised time (3 of 6 ideas)", "Median 9 days to the first answer",
        "3 volunteers came (2 had come before)", "3 safety reports (Poor lighting: 2, Harassment or threats: 1)",
        "Time of day: evening: 2, night: 1", "The participation ladder", "4 residents gave an idea",
        "5 residents joined a dugnad", "0 residents organised a dugnad", "3 residents moved up from an idea to a dugnad",
    ):
        assert needed in en, needed
    assert render_text(impact, "so") == nb  # staff read Norwegian or English


async def test_numbers_follow_the_staff_locale(app, session):
    impact = await furuset(session)
    big = replace(impact, volunteers=90, volunteer_hours=1000.0)
    assert render_text(big, "nb").startswith(f"90 beboere ga 1{NBSP}000 timer dugnad\n")
    assert render_text(big, "en").startswith("90 residents gave 1,000 hours of dugnad\n")
    assert render_html(big, "nb").startswith(f"<b>90 beboere ga 1{NBSP}000 timer dugnad</b>\n")
    one = replace(impact, volunteers=1, volunteer_hours=1.0)
    assert render_text(one, "nb").startswith("1 beboer ga 1 time dugnad\n")
    assert render_text(one, "en").startswith("1 resident gave 1 hour of dugnad\n")
    assert render_text(replace(impact, volunteers=2, volunteer_hours=1.24), "en").startswith(
        "2 residents gave 1.2 hours of dugnad\n"
    )


async def test_html_escapes_everything_and_uses_only_bold_and_italic(app, session):
    await seed(app, session)
    impact = replace(await furuset(session), area_names=('<script>alert(1)</script> & "Furuset"',))
    page = render_html(impact, "en")
    assert html.escape('<script>alert(1)</script> & "Furuset"') in page and "<script>" not in page
    assert set(re.findall(r"</?[a-z]+>", page)) <= {"<b>", "</b>", "<i>", "</i>"}
    assert page.startswith("<b>3 residents gave 11.5 hours of dugnad</b>\n")


async def test_no_phone_number_or_telegram_id_in_any_rendering(app, session):
    await seed(app, session)
    impact = name_areas(
        await measure(session, area_slugs=[a.slug for a in app.areas], since=SINCE, until=UNTIL, timezone=ZONE),
        app.areas,
    )
    for output in (render_text(impact, "nb"), render_text(impact, "en"), render_html(impact, "nb")):
        for phone in PHONES.values():
            assert phone not in output and phone[3:] not in output
        for telegram_id in TELEGRAM_IDS.values():
            assert str(telegram_id) not in output


async def test_one_area_or_all_of_them(app, session):
    await seed(app, session)

    async def figures(slugs):
        impact = await measure(session, area_slugs=slugs, since=UNTIL - timedelta(days=91), until=UNTIL, timezone=ZONE)
        return name_areas(impact, app.areas)

    furuset = render_text(await figures(["furuset"]), "en")
    assert furuset.startswith("3 residents gave 11.5 hours of dugnad\n") and "Benken impact for Furuset\n" in furuset
    everything = render_text(await figures([a.slug for a in app.areas]), "nb")
    assert everything.startswith("4 beboere ga 14,5 timer dugnad\n")
    assert "Furuset, Veitvet/Sletteløkka, Romsås" in everything and "Tøyen" in everything
    with pytest.raises(ValueError):
        await measure(session, area_slugs=["furuset"], since=UNTIL, until=UNTIL, timezone=ZONE)
