"""The staff digest: its five parts on a seeded data set, renderings in Norwegian and
English, privacy and escaping, the staff catalogs, e-mail through a local SMTP server,
and delivery to staff by Telegram."""

from __future__ import annotations

import csv
import email
import email.policy
import html
import io
import logging
import re
import socket
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.areas import AreasError
from bot.digest import (
    CSV_COLUMNS,
    TELEGRAM_LIMIT,
    build_digest,
    digest_command,
    render_csv,
    render_html,
    render_subject,
    render_text,
    send_digests,
    split_html,
)
from bot.i18n import locales_dir
from bot.mail import parse_smtp_url, send_digest_email
from bot.models import (
    EVENT_CANCELLED,
    IDEA_RECEIVED,
    IDEA_REVIEWING,
    Resident,
    Staff,
    StaffArea,
)
from bot.services import IdeaDraft, SafetyDraft, report_safety, set_idea_status, sign_up, submit_idea, support_idea
from bot.staff_i18n import STAFF_LOCALES, StaffText, staff_translations

from .catalog_check import placeholders
from .factories import make_event

ROOT = Path(__file__).resolve().parent.parent
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
    await set_idea_status(session, reviewed, IDEA_REVIEWING, note=None, timezone=ZONE, now=NOW - timedelta(days=3))
    # "received" again, with a note: an answer all the same.
    await set_idea_status(session, noted, IDEA_RECEIVED, note="Vi ser på det", timezone=ZONE, now=NOW - timedelta(days=1))

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


async def test_csv_has_a_row_per_idea_and_report(app, session):
    seed_ = await seed(app, session)
    rows = list(csv.reader(io.StringIO(render_csv(await furuset_digest(app, session)))))
    assert rows[0] == CSV_COLUMNS
    assert [r[:2] for r in rows[1:]] == [["idea", f"I-{seed_.ideas['bench']}"], ["idea", f"I-{seed_.ideas['park']}"]] + [
        ["safety", f"S-{seed_.reports[k]}"] for k in ("s1", "s2", "s3")
    ]
    bench = dict(zip(CSV_COLUMNS, rows[1]))
    assert bench["text"] == f"Benk ved {XSS}" and bench["language"] == "so" and bench["supporters"] == "2"


async def test_digest_command_prints_one_area_or_all(app, session):
    await seed(app, session)
    out = io.StringIO()
    await digest_command(app, area="furuset", days=7, locale="en", out=out, now=NOW)
    assert out.getvalue().startswith("Benken digest for Furuset\n") and XSS in out.getvalue()
    everything = io.StringIO()
    await digest_command(app, area=None, days=7, locale="nb", out=everything, now=NOW)
    assert "Romsås idea" in everything.getvalue() and "Tøyen" in everything.getvalue()
    with pytest.raises(AreasError):
        await digest_command(app, area="atlantis", days=7, locale="nb", out=io.StringIO(), now=NOW)


async def test_an_empty_period_says_so_kindly(app, session):
    digest = await furuset_digest(app, session, locale="en")
    text = render_text(digest)
    assert "No new ideas in this period." in text and "Every idea has had an answer. Thank you!" in text
    assert "0 residents wrote to Benken" in text


# Telegram delivery ------------------------------------------------------------------------


async def _staff(session, telegram_id, *, areas=(), admin=False, frequency="weekly", locale="nb") -> Staff:
    member = Staff(
        telegram_id=telegram_id, name=f"Staff {telegram_id}", is_admin=admin, digest_frequency=frequency, locale=locale
    )
    session.add(member)
    await session.flush()
    session.add_all(StaffArea(staff_id=member.id, area_slug=slug) for slug in areas)
    return member


async def test_send_digests_gives_each_staff_member_their_areas_in_pieces(app, session):
    seed_ = await seed(app, session)
    furuset = app.areas.require("furuset")
    resident = await _resident(session, telegram_id=7000099, locale="nb", area="furuset", last_seen=NOW - timedelta(hours=1))
    # Enough ideas for several messages, and one that quadruples when escaped.
    texts = [f"Idé {n}: " + "en lengre tekst " * 12 for n in range(30)] + ["<&" * 1000]
    for text in texts:
        await submit_idea(session, resident, furuset, IdeaDraft(text, "other"), timezone=ZONE, now=NOW - timedelta(hours=2))
    await _staff(session, 555001, areas=["furuset"])
    await _staff(session, 555002, admin=True, locale="en")
    await _staff(session, 555003)  # no areas: nothing to send
    await _staff(session, 555004, areas=["furuset"], frequency="never")
    await session.commit()

    calls: list[tuple[int, str]] = []

    async def send_telegram(chat_id: int, text: str) -> None:
        calls.append((chat_id, text))

    assert await send_digests(app, now=NOW, send_telegram=send_telegram) == 2
    assert {chat for chat, _ in calls} == {555001, 555002}
    worker = [text for chat, text in calls if chat == 555001]
    admin = "\n".join(text for chat, text in calls if chat == 555002)
    assert len(worker) > 1 and worker[0].startswith("<b>Benken-oppsummering for Furuset</b>")
    joined = "\n".join(worker)
    assert f"I-{seed_.ideas['bench']}" in joined and "Romsås" not in joined and f"S-{seed_.reports['s6']}" not in joined
    assert admin.startswith("<b>Benken digest for Furuset, Veitvet/Sletteløkka, Romsås")
    assert f"I-{seed_.ideas['other']}" in admin and f"S-{seed_.reports['s6']}" in admin and "Romsås dugnad" in admin
    for _chat, piece in calls:
        assert 0 < len(piece.encode("utf-16-le")) // 2 <= TELEGRAM_LIMIT < 4096
        assert piece.count("<b>") == piece.count("</b>") and piece.count("<i>") == piece.count("</i>")
        assert not re.search(r"&(?!(amp|lt|gt|quot|#x27);)", piece), "an entity was cut"


async def test_one_failed_delivery_does_not_stop_the_others(app, session):
    await _staff(session, 555001, areas=["furuset"])
    await _staff(session, 555002, areas=["toyen"], frequency="daily")
    await session.commit()
    delivered = []

    async def send_telegram(chat_id: int, text: str) -> None:
        if chat_id == 555001:
            raise RuntimeError("Forbidden: bot was blocked by the user")
        delivered.append(chat_id)

    assert await send_digests(app, now=NOW, send_telegram=send_telegram) == 1
    assert delivered == [555002]
    assert await send_digests(app, now=NOW, send_telegram=send_telegram, frequency="weekly") == 0


def test_split_html_cuts_between_lines_and_never_inside_a_tag_or_entity():
    lines = [f"<b>I-{n}</b> · Noe annet" for n in range(400)] + ["<i>" + html.escape('a<b>& "' * 900) + "</i>"]
    pieces = split_html("\n".join(lines))
    assert len(pieces) > 2 and all(len(p) <= TELEGRAM_LIMIT for p in pieces)
    assert "\n".join(pieces).count("<b>I-") == 400
    for piece in pieces:
        assert not re.search(r"&(?!(amp|lt|gt|quot|#x27);)", piece)
        assert piece.count("<b>") == piece.count("</b>")


# E-mail -----------------------------------------------------------------------------------


class _Inbox:
    def __init__(self):
        self.envelopes = []
        self.logins = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = _Inbox()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=_free_port(), server_hostname="benken-test",
        authenticator=inbox.authenticate, auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


async def test_digest_email_arrives_with_text_html_and_csv(app, session, smtp_server, caplog):
    caplog.set_level(logging.DEBUG)
    inbox, port = smtp_server
    seed_ = await seed(app, session)
    digest = await furuset_digest(app, session)
    subject = render_subject(digest, "nb")
    password = "s3cret p@ss:/"
    url = f"smtp://digest%40bydel.example:s3cret%20p%40ss%3A%2F@127.0.0.1:{port}"
    await send_digest_email(
        url, "staff@bydel.example", subject, render_text(digest, "nb"), render_html(digest, "nb"), render_csv(digest),
        day=date(2026, 11, 23),
    )

    assert inbox.logins == [("digest@bydel.example", password)]
    (envelope,) = inbox.envelopes
    assert envelope.mail_from == "digest@bydel.example" and envelope.rcpt_tos == ["staff@bydel.example"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == subject and message.get_content_type() == "multipart/mixed"
    assert message.get_body(("plain",)).get_content().startswith("Benken-oppsummering for Furuset")
    assert XSS in message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    assert html.escape(XSS) in page and "<script>" not in page
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "benken-digest-2026-11-23.csv" and attachment.get_content_type() == "text/csv"
    rows = list(csv.reader(io.StringIO(attachment.get_payload(decode=True).decode("utf-8-sig"))))
    assert rows[0] == CSV_COLUMNS
    assert dict(zip(CSV_COLUMNS, rows[1]))["text"] == f"Benk ved {XSS}"
    assert rows[1][1] == f"I-{seed_.ideas['bench']}"
    assert password not in caplog.text and "s3cret" not in caplog.text


def test_smtp_urls():
    plain = parse_smtp_url("smtp://user:pa%2Fss@mail.example:2525?from=benken@bydel.example")
    assert (plain.host, plain.port, plain.implicit_tls, plain.password, plain.sender) == (
        "mail.example", 2525, False, "pa/ss", "benken@bydel.example"
    )
    assert "pa/ss" not in repr(plain)
    tls = parse_smtp_url("smtps://mail.example")
    assert (tls.port, tls.implicit_tls, tls.username, tls.sender) == (465, True, None, "benken@mail.example")
    assert parse_smtp_url("smtp://mail.example").port == 587
    with pytest.raises(ValueError):
        parse_smtp_url("http://user:secret@mail.example")


# The staff catalogs -----------------------------------------------------------------------


def _staff_catalog(locale: str):
    with (locales_dir() / locale / "LC_MESSAGES" / "staff.po").open("rb") as po:
        return read_po(po, locale=locale)


def staff_problems(locale: str) -> list[str]:
    """As tests/catalog_check.py, for the staff domain."""
    catalog, found = _staff_catalog(locale), []
    if catalog.num_plurals != get_plural(locale).num_plurals:
        found.append(f"Plural-Forms has {catalog.num_plurals} forms")
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            found.append(f"fuzzy: {ids[0]!r}")
        if not all(s and s.strip() for s in strings):
            found.append(f"untranslated: {ids[0]!r}")
            continue
        wanted = set().union(*(placeholders(i) for i in ids))
        for translated in strings:
            if placeholders(translated) != wanted:
                found.append(f"placeholders {sorted(placeholders(translated))} != {sorted(wanted)}: {ids[0]!r}")
    return found


@pytest.mark.parametrize("locale", STAFF_LOCALES)
def test_staff_catalog_is_complete_and_consistent(locale):
    assert staff_problems(locale) == []
    assert StaffText(locale)._s("New ideas") == {"nb": "Nye ideer", "en": "New ideas"}[locale]


def _extract(tmp_path: Path, *keywords: str) -> list:
    pot = tmp_path / "extracted.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", *keywords, "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as f:
        return [m for m in read_po(f) if m.id]


def test_staff_catalogs_hold_every_staff_string_in_the_code(tmp_path):
    in_code = {(m.context, m.id) for m in _extract(tmp_path, "--no-default-keywords", "-k", "_s", "-k", "_sn:1,2")}
    assert ("", "New ideas") in {(c or "", i) for c, i in in_code}
    for locale in STAFF_LOCALES:
        in_catalog = {(m.context, m.id) for m in _staff_catalog(locale) if m.id}
        assert in_code - in_catalog == set(), f"{locale}: staff strings missing from staff.po"
    with (ROOT / "locales" / "staff.pot").open("rb") as f:
        assert in_code <= {(m.context, m.id) for m in read_po(f) if m.id}, "locales/staff.pot is stale"


def test_staff_strings_stay_out_of_the_resident_catalogs(tmp_path):
    resident = _extract(tmp_path)  # the resident extraction: default keywords
    staff_files = ("bot/digest.py", "bot/staff_i18n.py")
    assert not [m.id for m in resident if any(path in staff_files for path, _line in m.locations)]


def test_staff_catalog_loads_and_unknown_locales_fall_back_to_norwegian():
    assert staff_translations("nb").gettext("OVERDUE") == "FORSINKET"
    assert StaffText("ar").locale == "nb" and StaffText(None).locale == "nb"
    t = StaffText("en")
    assert t._sn("{n} new idea", "{n} new ideas", 1) == "1 new idea"
    assert t._sn("{n} new idea", "{n} new ideas", 1000) == "1,000 new ideas"
