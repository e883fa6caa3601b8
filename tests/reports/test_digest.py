"""The staff digest: its five parts on a seeded data set, renderings in Norwegian and
English, privacy and escaping, the staff catalogs, e-mail through a local SMTP server,
and delivery to staff by Telegram."""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from bot.domain.dugnad import sign_up
from bot.domain.ideas import IdeaDraft, submit_idea, support_idea
from bot.domain.safety import SafetyDraft, report_safety
from bot.models import EVENT_CANCELLED, IDEA_RECEIVED, IDEA_REVIEWING, Resident
from bot.reports.digest import LIST_LIMIT, build_digest
from bot.reports.digest_layout import CSV_COLUMNS, render_csv, render_html, render_subject, render_text
from bot.staff.actions import answer_idea
from tests.factories import make_event

ZONE = "Europe/Oslo"
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc)  # Monday 07:00 in Oslo
WEEK_AGO = NOW - timedelta(days=7)
XSS = '<script>alert(1)</script> & "quotes"'
PHONES = ("+4791234567", "+4798765432")
TELEGRAM_IDS = (7000001, 7000003)


@dataclass
class Seed:
    ideas: dict[str, int]
    reports: dict[str, int]
    events: dict[str, int]


async def _resident(session, *, telegram_id=None, phone=None, locale, area, last_seen) -> Resident:
    resident = Resident(
        channel="telegram" if telegram_id else "sms", telegram_id=telegram_id, phone=phone, locale=locale,
        area_slug=area, first_seen=last_seen - timedelta(days=60), last_seen=last_seen,
    )
    session.add(resident)
    await session.flush()
    return resident


async def seed(app, session) -> Seed:
    """Furuset: 2 residents seen this week (one not), 2 new ideas, 1 overdue idea, 2
    answered, 3 safety reports in 2 groups, 3 sign-ups; Romsås: one of each, for contrast."""
    furuset, romsas = app.areas.require("furuset"), app.areas.require("romsas")
    r1 = await _resident(session, telegram_id=TELEGRAM_IDS[0], locale="so", area="furuset", last_seen=NOW - timedelta(days=2))
    r2 = await _resident(session, phone=PHONES[0], locale="nb", area="furuset", last_seen=NOW - timedelta(hours=20))
    r3 = await _resident(session, telegram_id=TELEGRAM_IDS[1], locale="en", area="furuset", last_seen=NOW - timedelta(days=30))
    r4 = await _resident(session, phone=PHONES[1], locale="ar", area="romsas", last_seen=NOW - timedelta(days=1))

    async def idea(resident, area, days_ago, draft):
        return await submit_idea(session, resident, area, draft, timezone=ZONE, now=NOW - timedelta(days=days_ago))

    bench = await idea(
        r1, furuset, 2, IdeaDraft(f"Benk ved {XSS}", "meeting_places", place_text="Ved t-banen", wants_to_help=True)
    )
    park = await idea(r2, furuset, 1, IdeaDraft("Mer grønt i parken", "parks_outdoors", latitude=59.95, longitude=10.89))
    old = await idea(r3, furuset, 20, IdeaDraft("Lys på stien", "lighting_paths"))
    reviewed = await idea(r2, furuset, 10, IdeaDraft("Leksehjelp", "children_youth"))
    noted = await idea(r1, furuset, 8, IdeaDraft("Konsert", "culture_events"))
    other = await idea(r4, romsas, 1, IdeaDraft("Romsås idea", "other"))
    for supporter in (r2, r3):
        await support_idea(session, supporter, bench.id)
    await answer_idea(session, reviewed, IDEA_REVIEWING, note=None, timezone=ZONE, now=NOW - timedelta(days=3))
    # "received" again, with a note: an answer all the same.
    await answer_idea(session, noted, IDEA_RECEIVED, note="Vi ser på det", timezone=ZONE, now=NOW - timedelta(days=1))

    async def report(resident, area, days_ago, draft, anonymous=False):
        when = NOW - timedelta(days=days_ago)
        return await report_safety(session, resident, area, draft, anonymous=anonymous, timezone=ZONE, now=when)

    s1 = await report(r1, "furuset", 3, SafetyDraft("evening", "lighting", place_text="Ved t-banen"))
    s2 = await report(r2, "furuset", 2, SafetyDraft("night", "lighting", place_text="  ved   T-banen "), anonymous=True)
    s3 = await report(r3, "furuset", 1, SafetyDraft("evening", "harassment", latitude=59.9, longitude=10.9))
    await report(r1, "furuset", 9, SafetyDraft("night", "drugs", place_text="Before the period"))
    await report(r1, "furuset", 1 / 24, SafetyDraft("night", "drugs", place_text="Today, in the next digest"))
    s6 = await report(r4, "romsas", 1, SafetyDraft("always", "traffic", place_text="Romsås senter"))

    full = await make_event(session, area="furuset", capacity=2, start=NOW + timedelta(days=2), title="Vårrydding <ute>")
    far = await make_event(session, area="furuset", start=NOW + timedelta(days=40), title="Too far ahead")
    cancelled = await make_event(session, area="furuset", start=NOW + timedelta(days=5), title="Cancelled one")
    cancelled.status = EVENT_CANCELLED
    await make_event(session, area="furuset", start=NOW - timedelta(days=1), title="Already over")
    romsas_event = await make_event(session, area="romsas", start=NOW + timedelta(days=3), title="Romsås dugnad")
    for resident in (r1, r2, r3):
        await sign_up(session, resident, full.id, now=NOW - timedelta(days=1))
    await sign_up(session, r3, far.id, now=NOW - timedelta(days=10))  # before the period
    await session.commit()
    return Seed(
        ideas={"bench": bench.id, "park": park.id, "old": old.id, "other": other.id},
        reports={"s1": s1.id, "s2": s2.id, "s3": s3.id, "s6": s6.id},
        events={"full": full.id, "romsas": romsas_event.id},
    )


async def furuset_digest(app, session, locale="nb"):
    return await build_digest(
        session, app.areas, area_slugs=["furuset"], since=WEEK_AGO, until=NOW, locale=locale, timezone=ZONE
    )


# The five parts ---------------------------------------------------------------------------


async def test_digest_parts_hold_exactly_the_expected_rows(app, session):
    seed_ = await seed(app, session)
    digest = await furuset_digest(app, session)

    bench, park = digest.new_ideas
    assert [i.ref for i in digest.new_ideas] == [f"I-{seed_.ideas['bench']}", f"I-{seed_.ideas['park']}"]
    assert (bench.text, bench.category, bench.place, bench.language, bench.wants_to_help, bench.supporters) == (
        f"Benk ved {XSS}", "meeting_places", "Ved t-banen", "Soomaali", True, 2
    )
    assert (park.place, park.latitude, park.language, park.wants_to_help, park.supporters) == (
        None, 59.95, "Norsk bokmål", False, 0
    )

    lighting, harassment = digest.safety
    assert (lighting.place, lighting.category, lighting.total) == ("Ved t-banen", "lighting", 2)
    assert lighting.counts == {"daytime": 0, "evening": 1, "night": 1, "always": 0}
    assert lighting.refs == (f"S-{seed_.reports['s1']}", f"S-{seed_.reports['s2']}")
    assert (harassment.place, harassment.on_map, harassment.counts["evening"]) == (None, True, 1)
    assert [r.ref for r in digest.safety_reports] == [f"S-{seed_.reports[k]}" for k in ("s1", "s2", "s3")]

    (event,) = digest.events
    assert (event.id, event.title, event.taken, event.capacity, event.waiting) == (
        seed_.events["full"], "Vårrydding <ute>", 2, 2, 1
    )
    assert event.start_at == NOW + timedelta(days=2)

    assert [(w.ref, w.age_days, w.overdue) for w in digest.waiting] == [
        (f"I-{seed_.ideas['old']}", 20, True),
        (f"I-{seed_.ideas['bench']}", 2, False),
        (f"I-{seed_.ideas['park']}", 1, False),
    ]
    assert digest.waiting[0].answer_due == date(2026, 11, 17)

    f = digest.figures
    assert (f.residents, f.new_ideas, f.safety_reports, f.signups, f.answered, f.overdue) == (2, 2, 3, 3, 2, 1)


async def test_render_text_and_html_show_the_parts_and_escape_resident_text(app, session):
    seed_ = await seed(app, session)
    digest = await furuset_digest(app, session)
    text, page = render_text(digest, "nb"), render_html(digest, "nb")

    assert XSS in text and "Vårrydding <ute>" in text
    assert html.escape(XSS) in page and "<script>" not in page and "<ute>" not in page
    assert set(re.findall(r"</?[a-z]+>", page)) <= {"<b>", "</b>", "<i>", "</i>"}
    for needed in ("posisjon på kartet", "Skrevet på Soomaali", "støttet av 2 beboere", "2 av 2 plasser er tatt",
                   "1 på venteliste", "2 meldinger (kveld: 1, natt: 1)", "FORSINKET", "20 dager gammel", "17. november 2026"):
        assert needed in text, needed
    overdue_line = next(line for line in text.splitlines() if f"I-{seed_.ideas['old']} " in line)
    assert "FORSINKET" in overdue_line
    assert "Too far ahead" not in text and "Cancelled one" not in text and "Romsås" not in text
    assert "Before the period" not in text and "Today, in the next digest" not in text


async def test_no_phone_number_or_telegram_id_in_any_rendering(app, session):
    await seed(app, session)
    digest = await furuset_digest(app, session)
    admin_digest = await build_digest(
        session, app.areas, area_slugs=[a.slug for a in app.areas], since=WEEK_AGO, until=NOW, locale="en", timezone=ZONE
    )
    for d in (digest, admin_digest):
        for output in (render_text(d, "nb"), render_html(d, "en"), render_csv(d)):
            for phone in PHONES:
                assert phone not in output and phone[3:] not in output
            for telegram_id in TELEGRAM_IDS:
                assert str(telegram_id) not in output


async def test_norwegian_and_english_renderings_use_the_staff_catalogs(app, session):
    await seed(app, session)
    digest = await furuset_digest(app, session)
    nb, en = render_text(digest, "nb"), render_text(digest, "en")
    assert nb != en
    assert nb.startswith("Benken-oppsummering for Furuset") and "Nye ideer" in nb and "Perioden i tall" in nb
    assert en.startswith("Benken digest for Furuset") and "New ideas" in en and "OVERDUE" in en
    assert "2 nye ideer" in nb and "2 new ideas" in en and "1 ny idé" not in nb
    assert "New ideas" not in nb and "Nye ideer" not in en
    assert render_text(digest, "so") == nb  # staff locales are nb and en; the rest is Norwegian
    assert "Benken-oppsummering" in render_subject(digest, "nb") and "23. nov." in render_subject(digest, "nb")


async def test_csv_has_a_row_per_idea_report_and_waiting_idea(app, session):
    seed_ = await seed(app, session)
    rows = list(csv.reader(io.StringIO(render_csv(await furuset_digest(app, session)))))
    assert rows[0] == CSV_COLUMNS
    assert [r[:2] for r in rows[1:]] == [["idea", f"I-{seed_.ideas['bench']}"], ["idea", f"I-{seed_.ideas['park']}"]] + [
        ["safety", f"S-{seed_.reports[k]}"] for k in ("s1", "s2", "s3")
    ] + [["waiting", f"I-{seed_.ideas[k]}"] for k in ("old", "bench", "park")]
    assert dict(zip(CSV_COLUMNS, rows[-3]))["answer_due"] == "2026-11-17"
    bench = dict(zip(CSV_COLUMNS, rows[1]))
    assert bench["text"] == f"Benk ved {XSS}" and bench["language"] == "so" and bench["supporters"] == "2"


async def test_an_empty_period_says_so_kindly(app, session):
    digest = await furuset_digest(app, session, locale="en")
    text = render_text(digest)
    assert "No new ideas in this period." in text and "Every idea has had an answer. Thank you!" in text
    assert "0 residents wrote to Benken" in text


async def test_a_long_waiting_list_shows_the_oldest_and_counts_the_rest(app, session):
    """8,000 unanswered ideas made a digest of hundreds of Telegram messages: the lists show
    the oldest LIST_LIMIT, count the rest and say where they all are."""
    resident = await _resident(session, telegram_id=7000050, locale="nb", area="furuset", last_seen=NOW)
    furuset = app.areas.require("furuset")
    for n in range(LIST_LIMIT + 45):
        await submit_idea(session, resident, furuset, IdeaDraft(f"Idé nummer {n}", "other"), timezone=ZONE,
                          now=NOW - timedelta(days=20, minutes=-n))
    await session.commit()
    digest = await build_digest(session, app.areas, area_slugs=["furuset"], since=NOW - timedelta(days=30),
                                until=NOW, locale="en", timezone=ZONE)
    assert len(digest.waiting) == LIST_LIMIT and digest.figures.waiting == LIST_LIMIT + 45
    assert digest.figures.overdue == LIST_LIMIT + 45
    assert digest.waiting[0].text == "Idé nummer 0"  # the oldest first
    text = render_text(digest, "en")
    assert "…and 45 more." in text and "Idé nummer 29" in text and "Idé nummer 30" not in text.split("Ideas waiting")[1]
    assert "75 ideas past their answer date" in text
    everything = await build_digest(session, app.areas, area_slugs=["furuset"], since=NOW - timedelta(days=30),
                                    until=NOW, locale="en", timezone=ZONE, list_limit=None)
    rows = list(csv.reader(io.StringIO(render_csv(everything))))
    assert sum(row[0] == "waiting" for row in rows) == LIST_LIMIT + 45  # the spreadsheet has them all
