"""The staff digest: what residents brought in over a period, for the staff of some areas.

`build_digest` reads the database into a `Digest` (plain rows, no ORM objects);
`render_text`, `render_html` and `render_csv` present it for the terminal and e-mail,
Telegram, and a spreadsheet; `send_digests` delivers one to every staff member by
Telegram and `digest_command` prints one (for `benken digest`).

A digest is forwarded, printed and mailed, so it never holds a resident's address: no
query here reads Resident.phone or Resident.telegram_id.

Periods are half-open, [since, until). Safety reports keep only their day, so they count
from the day `since` falls on up to, not including, the day `until` falls on: back-to-back
periods (every Monday 07:00, say) then count every day exactly once.
"""

from __future__ import annotations

import csv
import html
import io
import logging
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Awaitable, Callable, TextIO

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .areas import Areas
from .i18n import LANGUAGE_NAMES
from .export import spreadsheet_safe
from .mail import send_digest_email
from .models import (
    EVENT_SCHEDULED,
    IDEA_RECEIVED,
    SAFETY_TIMES,
    SIGNUP_HOLDS_PLACE,
    SIGNUP_WAITLISTED,
    DugnadEvent,
    Idea,
    IdeaStatusChange,
    IdeaSupport,
    Resident,
    SafetyReport,
    Signup,
    Staff,
    StaffArea,
    utcnow,
)
from .services import event_title
from .staff_i18n import STAFF_DEFAULT_LOCALE, StaffText

log = logging.getLogger(__name__)

UPCOMING_DAYS = 30  # how far ahead the digest looks for dugnads
WAITING_TEXT = 80  # characters of an idea shown in the waiting list (the full text is in "new ideas")
# Telegram allows 4,096 characters a message, counted in UTF-16 units; a margin below it.
TELEGRAM_LIMIT = 4000
PERIOD_DAYS = {"daily": 1, "weekly": 7}


# The data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewIdea:
    ref: str
    area: str
    created_at: datetime
    text: str
    category: str
    place: str | None
    latitude: float | None
    longitude: float | None
    locale: str
    language: str  # the language's own name, as residents chose it
    wants_to_help: bool
    supporters: int


@dataclass(frozen=True)
class SafetyItem:
    """One safety report, for the CSV attachment."""

    ref: str
    area: str
    reported_on: date
    time_of_day: str
    category: str
    place: str | None
    latitude: float | None
    longitude: float | None
    details: str | None
    locale: str


@dataclass(frozen=True)
class SafetyGroup:
    """Reports of one category at one place, counted by time of day."""

    area: str
    place: str | None
    on_map: bool
    category: str
    counts: dict[str, int]
    refs: tuple[str, ...]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class UpcomingEvent:
    id: int
    area: str
    title: str
    start_at: datetime
    place: str
    taken: int  # confirmed, offered and attended
    capacity: int
    waiting: int


@dataclass(frozen=True)
class WaitingIdea:
    ref: str
    area: str
    text: str
    category: str
    created_at: datetime
    answer_due: date
    age_days: int
    overdue: bool


@dataclass(frozen=True)
class Figures:
    residents: int
    new_ideas: int
    safety_reports: int
    signups: int
    answered: int
    overdue: int


@dataclass(frozen=True)
class Digest:
    area_names: tuple[str, ...]
    since: datetime
    until: datetime
    locale: str
    timezone: str
    new_ideas: list[NewIdea]
    safety: list[SafetyGroup]
    safety_reports: list[SafetyItem]
    events: list[UpcomingEvent]
    waiting: list[WaitingIdea]
    figures: Figures


# Reading ----------------------------------------------------------------------------------


def _ref(prefix: str, number: int) -> str:
    return f"{prefix}-{number}"


def _during(column, since: datetime, until: datetime):
    return and_(column >= since, column < until)


def _is_answer():
    """A status change that is a staff answer. The submission itself is recorded as a
    'received' change at the idea's own creation time; anything else is an answer, even
    'received' again with a note."""
    return or_(
        IdeaStatusChange.created_at > Idea.created_at,
        IdeaStatusChange.status != IDEA_RECEIVED,
        IdeaStatusChange.note.is_not(None),
        IdeaStatusChange.staff_id.is_not(None),
    )


async def build_digest(
    session: AsyncSession,
    areas: Areas,
    *,
    area_slugs: list[str],
    since: datetime,
    until: datetime,
    locale: str,
    timezone: str,
) -> Digest:
    """The digest of `area_slugs` for [since, until); "today" is until's local day."""
    if until <= since:
        raise ValueError("a digest period must end after it starts")
    slugs = list(dict.fromkeys(area_slugs))
    names = {slug: (areas.get(slug).name if areas.get(slug) else slug) for slug in slugs}
    zone = StaffText(locale, timezone).zone
    first_day, end_day = since.astimezone(zone).date(), until.astimezone(zone).date()
    today = end_day
    new_ideas = await _new_ideas(session, slugs, names, since, until)
    reports = await _safety_reports(session, slugs, names, first_day, end_day)
    waiting = await _waiting_ideas(session, slugs, names, until, today, zone)
    figures = Figures(
        residents=await _residents_seen(session, slugs, since, until),
        new_ideas=len(new_ideas),
        safety_reports=len(reports),
        signups=await _signups(session, slugs, since, until),
        answered=await _answered(session, slugs, since, until),
        overdue=sum(w.overdue for w in waiting),
    )
    return Digest(
        area_names=tuple(names.values()),
        since=since,
        until=until,
        locale=locale,
        timezone=timezone,
        new_ideas=new_ideas,
        safety=group_safety(reports),
        safety_reports=reports,
        events=await _upcoming_events(session, slugs, names, until),
        waiting=waiting,
        figures=figures,
    )


async def _new_ideas(session, slugs, names, since, until) -> list[NewIdea]:
    supporters = select(func.count(IdeaSupport.id)).where(IdeaSupport.idea_id == Idea.id).scalar_subquery()
    rows = await session.execute(
        select(Idea, supporters)
        .where(Idea.area_slug.in_(slugs), _during(Idea.created_at, since, until))
        .order_by(Idea.id)
    )
    return [
        NewIdea(
            ref=_ref("I", idea.id),
            area=names[idea.area_slug],
            created_at=idea.created_at,
            text=idea.text,
            category=idea.category,
            place=idea.place_text,
            latitude=idea.latitude,
            longitude=idea.longitude,
            locale=idea.locale,
            language=LANGUAGE_NAMES.get(idea.locale, idea.locale),
            wants_to_help=idea.wants_to_help,
            supporters=count,
        )
        for idea, count in rows.all()
    ]


async def _safety_reports(session, slugs, names, first_day: date, end_day: date) -> list[SafetyItem]:
    # Only the report's own columns: never its resident link, which may point to a name.
    rows = await session.execute(
        select(SafetyReport)
        .where(
            SafetyReport.area_slug.in_(slugs),
            SafetyReport.reported_on >= first_day,
            SafetyReport.reported_on < end_day,
        )
        .order_by(SafetyReport.id)
    )
    return [
        SafetyItem(
            ref=_ref("S", r.id),
            area=names[r.area_slug],
            reported_on=r.reported_on,
            time_of_day=r.time_of_day,
            category=r.category,
            place=r.place_text,
            latitude=r.latitude,
            longitude=r.longitude,
            details=r.details,
            locale=r.locale,
        )
        for r in rows.scalars()
    ]


def _place_key(place: str | None) -> str:
    """The same place however it was typed: spacing and case do not split a group."""
    return " ".join((place or "").split()).casefold()


def group_safety(reports: list[SafetyItem]) -> list[SafetyGroup]:
    """Reports by area, place and category, the most reported first."""
    groups: dict[tuple, SafetyGroup] = {}
    for report in reports:
        on_map = not report.place and report.latitude is not None
        key = (report.area, _place_key(report.place), on_map, report.category)
        if key not in groups:  # the first report's spelling names the place
            place = _flat(report.place) if report.place else None
            groups[key] = SafetyGroup(report.area, place, on_map, report.category, dict.fromkeys(SAFETY_TIMES, 0), ())
        group = groups[key]
        group.counts[report.time_of_day] = group.counts.get(report.time_of_day, 0) + 1
        groups[key] = replace(group, refs=group.refs + (report.ref,))
    return sorted(groups.values(), key=lambda g: (-g.total, g.area, _place_key(g.place), g.category))


async def _upcoming_events(session, slugs, names, until: datetime) -> list[UpcomingEvent]:
    def count(statuses):
        return (
            select(func.count(Signup.id))
            .where(Signup.event_id == DugnadEvent.id, Signup.status.in_(statuses))
            .scalar_subquery()
        )

    rows = await session.execute(
        select(DugnadEvent, count(SIGNUP_HOLDS_PLACE), count((SIGNUP_WAITLISTED,)))
        .where(
            DugnadEvent.area_slug.in_(slugs),
            DugnadEvent.status == EVENT_SCHEDULED,
            DugnadEvent.start_at > until,
            DugnadEvent.start_at <= until + timedelta(days=UPCOMING_DAYS),
        )
        .order_by(DugnadEvent.start_at, DugnadEvent.id)
    )
    return [
        UpcomingEvent(
            id=event.id,
            area=names[event.area_slug],
            title=event_title(event, STAFF_DEFAULT_LOCALE),
            start_at=event.start_at,
            place=event.place,
            taken=taken,
            capacity=event.capacity,
            waiting=waiting,
        )
        for event, taken, waiting in rows.all()
    ]


async def _waiting_ideas(session, slugs, names, until: datetime, today: date, zone) -> list[WaitingIdea]:
    answered = select(IdeaStatusChange.id).where(IdeaStatusChange.idea_id == Idea.id, _is_answer()).exists()
    rows = await session.execute(
        select(Idea)
        .where(Idea.area_slug.in_(slugs), Idea.status == IDEA_RECEIVED, Idea.created_at < until, ~answered)
        .order_by(Idea.created_at, Idea.id)
    )
    return [
        WaitingIdea(
            ref=_ref("I", idea.id),
            area=names[idea.area_slug],
            text=idea.text,
            category=idea.category,
            created_at=idea.created_at,
            answer_due=idea.answer_due,
            age_days=(today - idea.created_at.astimezone(zone).date()).days,
            overdue=today > idea.answer_due,
        )
        for idea in rows.scalars()
    ]


async def _residents_seen(session, slugs, since, until) -> int:
    # A count of row ids only: the addresses are not read.
    query = select(func.count(Resident.id)).where(
        Resident.area_slug.in_(slugs), _during(Resident.last_seen, since, until)
    )
    return (await session.execute(query)).scalar_one()


async def _signups(session, slugs, since, until) -> int:
    query = (
        select(func.count(Signup.id))
        .join(DugnadEvent, DugnadEvent.id == Signup.event_id)
        .where(DugnadEvent.area_slug.in_(slugs), _during(Signup.created_at, since, until))
    )
    return (await session.execute(query)).scalar_one()


async def _answered(session, slugs, since, until) -> int:
    query = (
        select(func.count(func.distinct(IdeaStatusChange.idea_id)))
        .join(Idea, Idea.id == IdeaStatusChange.idea_id)
        .where(Idea.area_slug.in_(slugs), _during(IdeaStatusChange.created_at, since, until), _is_answer())
    )
    return (await session.execute(query)).scalar_one()


# Labels -----------------------------------------------------------------------------------


def idea_category_labels(t: StaffText) -> dict[str, str]:
    return {
        "meeting_places": t._s("Meeting places"),
        "parks_outdoors": t._s("Parks and outdoor areas"),
        "lighting_paths": t._s("Lighting and paths"),
        "children_youth": t._s("Children and youth"),
        "culture_events": t._s("Culture and events"),
        "clean_tidy": t._s("Clean and tidy"),
        "other": t._s("Something else"),
    }


def safety_category_labels(t: StaffText) -> dict[str, str]:
    return {
        "lighting": t._s("Poor lighting"),
        "harassment": t._s("Harassment or threats"),
        "drugs": t._s("Drugs"),
        "traffic": t._s("Traffic"),
        "groups": t._s("Groups hanging around"),
        "other": t._s("Something else"),
    }


def safety_time_labels(t: StaffText) -> dict[str, str]:
    return {
        "daytime": t._s("daytime"),
        "evening": t._s("evening"),
        "night": t._s("night"),
        "always": t._s("all the time"),
    }


# Layout: one list of lines, rendered as text or as Telegram HTML -------------------------

BOLD, ITALIC = "b", "i"
SEPARATOR = " · "


@dataclass(frozen=True)
class _Line:
    segments: tuple[tuple[str, str], ...]  # (text, "" | BOLD | ITALIC)
    kind: str = ""  # "title", "heading", "quote" (a resident's words), "detail" or ""


def _line(*segments: tuple[str, str] | str, kind: str = "") -> _Line:
    return _Line(tuple((s, "") if isinstance(s, str) else s for s in segments), kind)


def _flat(text: str) -> str:
    """Staff- or resident-written text on one line (a place may hold line breaks)."""
    return " ".join(text.split())


def _shorten(text: str, limit: int) -> str:
    flat = _flat(text)
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _layout(digest: Digest, t: StaffText) -> list[_Line]:
    lines = [
        _line((t._s("Benken digest for {areas}", areas=", ".join(digest.area_names)), BOLD), kind="title"),
        _line(t._s("Period: {start} to {end}", start=t.moment(digest.since), end=t.moment(digest.until))),
    ]
    for part in (_figures, _new_ideas_part, _safety_part, _events_part, _waiting_part):
        lines += part(digest, t)
    return lines


def _heading(text: str) -> _Line:
    return _line((text, BOLD), kind="heading")


def _area_suffix(digest: Digest, area: str) -> str:
    # Only a digest of several areas needs to say which one.
    return SEPARATOR + area if len(digest.area_names) > 1 else ""


def _item_head(digest: Digest, ref: str, category: str, area: str) -> list:
    """A bold reference or place, then its category (and area, where several)."""
    return [(ref, BOLD), SEPARATOR + category + _area_suffix(digest, area)]


def _place(t: StaffText, place: str | None, on_map: bool) -> str:
    if place:
        return _flat(place)
    return t._s("map location") if on_map else t._s("no place given")


def _figures(digest: Digest, t: StaffText) -> list[_Line]:
    f = digest.figures
    counts = [
        t._sn("{n} resident wrote to Benken", "{n} residents wrote to Benken", f.residents),
        t._sn("{n} new idea", "{n} new ideas", f.new_ideas),
        t._sn("{n} safety report", "{n} safety reports", f.safety_reports),
        t._sn("{n} sign-up for a dugnad", "{n} sign-ups for a dugnad", f.signups),
        t._sn("{n} idea answered", "{n} ideas answered", f.answered),
        t._sn("{n} idea past its answer date", "{n} ideas past their answer date", f.overdue),
    ]
    return [_heading(t._s("The period in figures"))] + [_line("• " + c, kind="detail") for c in counts]


def _new_ideas_part(digest: Digest, t: StaffText) -> list[_Line]:
    lines = [_heading(t._s("New ideas"))]
    if not digest.new_ideas:
        return lines + [_line(t._s("No new ideas in this period."), kind="detail")]
    categories = idea_category_labels(t)
    for idea in digest.new_ideas:
        on_map = idea.latitude is not None
        details = [
            t._s("Place: {place}", place=_place(t, idea.place, on_map)),
            t._s("Written in {language}", language=idea.language),
            t._s("Wants to help") if idea.wants_to_help else t._s("Has not offered to help"),
            t._sn("supported by {n} resident", "supported by {n} residents", idea.supporters)
            if idea.supporters else t._s("no supporters yet"),
        ]
        lines.append(_line(*_item_head(digest, idea.ref, categories.get(idea.category, idea.category), idea.area)))
        lines += [_line((text, ITALIC), kind="quote") for text in idea.text.splitlines() if text.strip()]
        lines.append(_line(SEPARATOR.join(details), kind="detail"))
    return lines


def _safety_part(digest: Digest, t: StaffText) -> list[_Line]:
    lines = [_heading(t._s("Safety reports"))]
    if not digest.safety:
        return lines + [_line(t._s("No safety reports in this period."), kind="detail")]
    categories, times = safety_category_labels(t), safety_time_labels(t)
    for group in digest.safety:
        when = ", ".join(
            # Translators: when a place feels unsafe and how many reports say so, "evening: 2".
            t._s("{when}: {n}", n=t.number(count), when=times.get(time, time))
            for time, count in group.counts.items() if count
        )
        place, category = _place(t, group.place, group.on_map), categories.get(group.category, group.category)
        reports = t._sn("{n} report", "{n} reports", group.total)
        lines += [
            _line(*_item_head(digest, place, category, group.area)),
            _line(t._s("{reports} ({times})", reports=reports, times=when), kind="detail"),
            _line(t._s("References: {refs}", refs=", ".join(group.refs)), kind="detail"),
        ]
    return lines


def _events_part(digest: Digest, t: StaffText) -> list[_Line]:
    days = t.number(UPCOMING_DAYS)
    lines = [_heading(t._s("Dugnads in the next {days} days", days=days))]
    if not digest.events:
        return lines + [_line(t._s("No dugnads planned in the next {days} days.", days=days), kind="detail")]
    for event in digest.events:
        places = t._sn(
            "{taken} of {n} place taken", "{taken} of {n} places taken", event.capacity, taken=t.number(event.taken)
        )
        waiting = (
            t._sn("{n} on the waiting list", "{n} on the waiting list", event.waiting)
            if event.waiting else t._s("nobody on the waiting list")
        )
        lines += [
            _line((_flat(event.title), BOLD), _area_suffix(digest, event.area)),
            _line(t.datetime(event.start_at) + SEPARATOR + _flat(event.place), kind="detail"),
            _line(places + SEPARATOR + waiting, kind="detail"),
        ]
    return lines


def _waiting_part(digest: Digest, t: StaffText) -> list[_Line]:
    lines = [_heading(t._s("Ideas waiting for an answer"))]
    if not digest.waiting:
        return lines + [_line(t._s("Every idea has had an answer. Thank you!"), kind="detail")]
    categories = idea_category_labels(t)
    for idea in digest.waiting:
        age = t._sn("{n} day old", "{n} days old", idea.age_days) if idea.age_days else t._s("came in today")
        head = _item_head(digest, idea.ref, categories.get(idea.category, idea.category), idea.area)
        if idea.overdue:
            head += [SEPARATOR, (t._s("OVERDUE"), BOLD)]
        lines += [
            _line(*head),
            _line((_shorten(idea.text, WAITING_TEXT), ITALIC), kind="quote"),
            _line(age + SEPARATOR + t._s("answer promised by {date}", date=t.date(idea.answer_due)), kind="detail"),
        ]
    return lines


# Rendering --------------------------------------------------------------------------------

# Control characters a resident may have sent: kept out of terminals (escape sequences)
# and Telegram; line breaks are handled by the layout.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _clean(text: str) -> str:
    return _CONTROL.sub("\ufffd", text)


def render_text(digest: Digest, locale: str | None = None) -> str:
    """Plain text, for the terminal and the e-mail's text part; residents' words verbatim."""
    t = StaffText(locale or digest.locale, digest.timezone)
    out: list[str] = []
    for line in _layout(digest, t):
        text = _clean("".join(s for s, _style in line.segments))
        if line.kind == "title":
            out += [text, "=" * len(text)]
        elif line.kind == "heading":
            out += ["", text, "-" * len(text)]
        elif line.kind == "quote":
            out.append("    " + text)
        elif line.kind == "detail":
            out.append("  " + text)
        else:
            out.append(text)
    return "\n".join(out)


def render_html(digest: Digest, locale: str | None = None) -> str:
    """Telegram HTML: only <b> and <i>, every text escaped (all of it: residents', staff's
    and translators'), one element per line so that split_html can cut between lines."""
    t = StaffText(locale or digest.locale, digest.timezone)
    out: list[str] = []
    for line in _layout(digest, t):
        text = "".join(_html_segment(s, style) for s, style in line.segments)
        out += ["", text] if line.kind == "heading" else [text]
    return "\n".join(out)


def _html_segment(text: str, style: str) -> str:
    escaped = html.escape(_clean(text))
    return f"<{style}>{escaped}</{style}>" if style else escaped


def render_subject(digest: Digest, locale: str | None = None) -> str:
    """The e-mail subject line."""
    t = StaffText(locale or digest.locale, digest.timezone)
    return _flat(t._s(
        "Benken digest for {areas}, {start} to {end}",
        areas=", ".join(digest.area_names),
        start=t.short_date(t.local(digest.since).date()),
        end=t.short_date(t.local(digest.until).date()),
    ))


CSV_COLUMNS = [
    "kind", "ref", "area", "date", "category", "time_of_day", "place", "latitude", "longitude", "text",
    "language", "wants_to_help", "supporters",
]


def render_csv(digest: Digest) -> str:
    """One row per new idea and per safety report, with a header row (the e-mail attachment)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for i in digest.new_ideas:
        writer.writerow([spreadsheet_safe(v) for v in (
            "idea", i.ref, i.area, i.created_at.isoformat(), i.category, "", i.place, i.latitude, i.longitude,
            i.text, i.locale, i.wants_to_help, i.supporters,
        )])
    for s in digest.safety_reports:
        writer.writerow([spreadsheet_safe(v) for v in (
            "safety", s.ref, s.area, s.reported_on.isoformat(), s.category, s.time_of_day, s.place, s.latitude,
            s.longitude, s.details, s.locale, "", "",
        )])
    return buffer.getvalue()


# Telegram pieces --------------------------------------------------------------------------

_TAG = re.compile(r"</?[bi]>")


def _units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_html(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Pieces of at most `limit` units, cut between lines so no tag or entity is cut."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        for part in _fit_line(line, limit):
            candidate = f"{current}\n{part}" if current else part
            if _units(candidate) <= limit:
                current = candidate
            else:
                pieces.append(current.strip("\n"))
                current = part
    if current.strip():
        pieces.append(current.strip("\n"))
    return pieces


def _fit_line(line: str, limit: int) -> list[str]:
    """A line too long for one message (a long idea full of "<" quadruples when escaped)
    loses its tags and is cut between words, never inside an entity."""
    if _units(line) <= limit:
        return [line]
    rest, parts = _TAG.sub("", line), []
    while _units(rest) > limit:
        cut = limit
        while _units(rest[:cut]) > limit:
            cut -= _units(rest[:cut]) - limit
        space = rest.rfind(" ", 0, cut)
        cut = space if space > cut // 2 else cut
        amp = rest.rfind("&", 0, cut)
        if amp > 0 and ";" not in rest[amp:cut]:
            cut = amp
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return parts + [rest] if rest else parts


# Delivery ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Recipient:
    staff_id: int
    telegram_id: int
    locale: str
    area_slugs: tuple[str, ...]
    days: int
    email: str | None


async def _recipients(app, frequency: str | None) -> list[_Recipient]:
    configured = [area.slug for area in app.areas]
    async with app.sessions() as session:
        staff = (await session.execute(select(Staff).order_by(Staff.id))).scalars().all()
        links = (await session.execute(select(StaffArea))).scalars().all()
    recipients = []
    for member in staff:
        days = PERIOD_DAYS.get(member.digest_frequency)
        if days is None or (frequency and member.digest_frequency != frequency):
            continue
        own = {link.area_slug for link in links if link.staff_id == member.id}
        # Areas in the areas file's order; one no longer configured is left out.
        slugs = tuple(s for s in configured if member.is_admin or s in own)
        if slugs:
            recipients.append(_Recipient(member.id, member.telegram_id, member.locale, slugs, days, member.email))
    return recipients


async def send_digests(
    app,
    *,
    now: datetime,
    send_telegram: Callable[[int, str], Awaitable[object]],
    frequency: str | None = None,
) -> int:
    """Send every staff member (or those with `frequency`) their digest by Telegram, in
    pieces that fit a message; returns how many staff members got theirs.

    The caller decides when (a daily job for "daily", a Monday job for "weekly"). One
    failed delivery is logged and does not stop the others.
    """
    sent = 0
    for staff in await _recipients(app, frequency):
        # A short session per digest: no database transaction stays open while Telegram
        # is called (on SQLite every transaction holds the write lock).
        async with app.sessions() as session:
            digest = await build_digest(
                session, app.areas, area_slugs=list(staff.area_slugs), since=now - timedelta(days=staff.days),
                until=now, locale=staff.locale, timezone=app.settings.timezone,
            )
        try:
            for piece in split_html(render_html(digest, staff.locale)):
                await send_telegram(staff.telegram_id, piece)
            if app.settings.smtp_url and staff.email:
                await send_digest_email(
                    app.settings.smtp_url, staff.email, render_subject(digest, staff.locale),
                    render_text(digest, staff.locale), render_html(digest, staff.locale), render_csv(digest),
                    day=now.date(),
                )
        except Exception:
            log.warning("digest for staff member %s not delivered", staff.staff_id, exc_info=True)
            continue
        sent += 1
    return sent


async def digest_command(
    app, *, area: str | None, days: int, locale: str, out: TextIO, now: datetime | None = None
) -> None:
    """Print the digest of one area (all configured areas when None) for the last `days`
    days. An unknown area raises AreasError, as elsewhere in the CLI."""
    if days < 1:
        raise ValueError("days must be at least 1")
    slugs = [app.areas.require(area).slug] if area else [a.slug for a in app.areas]
    until = now or utcnow()
    async with app.sessions() as session:
        digest = await build_digest(
            session, app.areas, area_slugs=slugs, since=until - timedelta(days=days), until=until,
            locale=locale, timezone=app.settings.timezone,
        )
    out.write(render_text(digest, locale) + "\n")


DIGEST_AT_HOUR = 8  # Monday morning for weekly digests, every morning for daily ones
WEEKLY_ON = 0  # Monday


async def morning_digests(app, send_telegram: Callable[[int, str], Awaitable[object]], *, now: datetime | None = None) -> int:
    """The 08:00 job: daily digests every day, weekly ones on Mondays."""
    from zoneinfo import ZoneInfo

    now = now or utcnow()
    sent = await send_digests(app, now=now, send_telegram=send_telegram, frequency="daily")
    if now.astimezone(ZoneInfo(app.settings.timezone)).weekday() == WEEKLY_ON:
        sent += await send_digests(app, now=now, send_telegram=send_telegram, frequency="weekly")
    return sent
