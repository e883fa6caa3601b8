"""The staff digest as data: what residents brought in over a period, for the staff of
some areas. `build_digest` reads the database into a `Digest` (plain rows, no ORM
objects); digest_layout.py lays it out and delivery.py sends it.

A digest is forwarded, printed and mailed, so it never holds a resident's address: no
query here reads Resident.phone or Resident.telegram_id.

Periods are half-open, [since, until). Safety reports keep only their day, so they count
from the day `since` falls on up to, not including, the day `until` falls on: back-to-back
periods (every Monday 07:00, say) then count every day exactly once.

Long lists (8,000 ideas waiting) are cut: each list holds at most `list_limit` items
(oldest waiting ideas first) beside its full count; the e-mail's spreadsheet asks for
them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..areas import Areas
from ..domain.dugnad import event_title
from ..domain.followup import ANSWER_WITHIN, Confirmations, confirmations
from ..domain.queries import (
    IDEA_REF,
    SAFETY_REF,
    during,
    is_answer,
    places_taken_column,
    ref,
    supporters_column,
    unanswered,
    waiting_column,
)
from ..models import (
    EVENT_SCHEDULED,
    SAFETY_TIMES,
    DugnadEvent,
    Idea,
    IdeaStatusChange,
    Resident,
    SafetyReport,
    Signup,
)
from ..text.resident import LANGUAGE_NAMES
from ..text.shorten import one_line
from ..text.staff import STAFF_DEFAULT_LOCALE
from .translated import IDEA, SAFETY, failing_count, with_translations

UPCOMING_DAYS = 30  # how far ahead the digest looks for dugnads
LIST_LIMIT = 30  # items a list shows; the rest are counted (a chat cannot show 8,000 ideas)


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
    # By staff language (nb, en), then by field: the words and their machine translation.
    translations: dict = field(default_factory=dict)
    voices: dict = field(default_factory=dict)  # by field: the seconds of a voice message given there


@dataclass(frozen=True)
class SafetyItem:
    """One safety report, for the spreadsheet."""

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
    translations: dict = field(default_factory=dict)  # as NewIdea's
    voices: dict = field(default_factory=dict)  # as NewIdea's


@dataclass(frozen=True)
class SafetyGroup:
    """Reports of one category at one place, counted by time of day."""

    area: str
    place: str | None
    on_map: bool
    category: str
    counts: dict[str, int]
    refs: tuple[str, ...]
    translations: dict = field(default_factory=dict)  # the first report's, naming the place
    voices: dict = field(default_factory=dict)  # the first report's

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
    translations: dict = field(default_factory=dict)  # as NewIdea's
    voices: dict = field(default_factory=dict)  # as NewIdea's


@dataclass(frozen=True)
class Figures:
    residents: int
    new_ideas: int
    safety_reports: int
    signups: int
    answered: int
    waiting: int
    overdue: int
    # "Is it fixed?" of the done ideas whose answers could come in this period (asked in
    # it, or in the answer window before it).
    fixed: Confirmations


@dataclass(frozen=True)
class Digest:
    area_names: tuple[str, ...]
    since: datetime
    until: datetime
    locale: str
    timezone: str
    new_ideas: list[NewIdea]  # the first `list_limit` of figures.new_ideas
    safety: list[SafetyGroup]
    safety_reports: list[SafetyItem]  # every report of the period
    events: list[UpcomingEvent]
    waiting: list[WaitingIdea]  # the oldest `list_limit` of figures.waiting
    figures: Figures
    # Texts whose machine translation failed and waits for another try, and why.
    translation_trouble: tuple[int, str | None] = (0, None)


async def build_digest(
    session: AsyncSession,
    areas: Areas,
    *,
    area_slugs: list[str],
    since: datetime,
    until: datetime,
    locale: str,
    timezone: str,
    list_limit: int | None = LIST_LIMIT,
) -> Digest:
    """The digest of `area_slugs` for [since, until); "today" is until's local day. Lists
    hold at most `list_limit` items (None: all of them, for a spreadsheet)."""
    if until <= since:
        raise ValueError("a digest period must end after it starts")
    slugs = list(dict.fromkeys(area_slugs))
    names = {slug: (areas.get(slug).name if areas.get(slug) else slug) for slug in slugs}
    zone = ZoneInfo(timezone)
    first_day, today = since.astimezone(zone).date(), until.astimezone(zone).date()
    reports = await with_translations(session, await _safety_reports(session, slugs, names, first_day, today),
                                      SAFETY, _number)
    waiting_count, overdue_count = await _waiting_counts(session, slugs, until, today)
    figures = Figures(
        residents=await _residents_seen(session, slugs, since, until),
        new_ideas=await _count(session, select(func.count(Idea.id)).where(*_new_in(slugs, since, until))),
        safety_reports=len(reports),
        signups=await _signups(session, slugs, since, until),
        answered=await _answered(session, slugs, since, until),
        waiting=waiting_count,
        overdue=overdue_count,
        fixed=await confirmations(session, slugs, since - ANSWER_WITHIN, until),
    )
    return Digest(
        area_names=tuple(names.values()),
        since=since,
        until=until,
        locale=locale,
        timezone=timezone,
        new_ideas=await with_translations(session, await _new_ideas(session, slugs, names, since, until, list_limit),
                                          IDEA, _number),
        safety=group_safety(reports),
        safety_reports=reports,
        events=await _upcoming_events(session, slugs, names, until),
        waiting=await with_translations(
            session, await _waiting_ideas(session, slugs, names, until, today, zone, list_limit), IDEA, _number),
        figures=figures,
        translation_trouble=await failing_count(session),
    )


def _number(item) -> int:
    """The record id in an item's reference (I-12 -> 12)."""
    return int(item.ref.split("-")[1])


async def _count(session: AsyncSession, query) -> int:
    return (await session.execute(query)).scalar_one()


def _new_in(slugs, since, until):
    return Idea.area_slug.in_(slugs), during(Idea.created_at, since, until)


async def _new_ideas(session, slugs, names, since, until, limit: int | None) -> list[NewIdea]:
    rows = await session.execute(
        select(Idea, supporters_column()).where(*_new_in(slugs, since, until)).order_by(Idea.id).limit(limit)
    )
    return [
        NewIdea(
            ref=ref(IDEA_REF, idea.id),
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
            ref=ref(SAFETY_REF, r.id),
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
    return one_line(place or "").casefold()


def group_safety(reports: list[SafetyItem]) -> list[SafetyGroup]:
    """Reports by area, place and category, the most reported first."""
    groups: dict[tuple, SafetyGroup] = {}
    for report in reports:
        on_map = not report.place and report.latitude is not None
        # A place said in a voice message, not yet written down, is a place of its own.
        spoken = not report.place and "place" in report.voices
        key = (report.area, report.ref if spoken else _place_key(report.place), on_map, report.category)
        if key not in groups:  # the first report's spelling names the place
            place = one_line(report.place) if report.place else None
            groups[key] = SafetyGroup(report.area, place, on_map, report.category, dict.fromkeys(SAFETY_TIMES, 0), (),
                                      report.translations, report.voices)
        group = groups[key]
        group.counts[report.time_of_day] = group.counts.get(report.time_of_day, 0) + 1
        groups[key] = replace(group, refs=group.refs + (report.ref,))
    return sorted(groups.values(), key=lambda g: (-g.total, g.area, _place_key(g.place), g.category))


async def _upcoming_events(session, slugs, names, until: datetime) -> list[UpcomingEvent]:
    rows = await session.execute(
        select(DugnadEvent, places_taken_column(), waiting_column())
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


def _waiting_in(slugs, until: datetime):
    return Idea.area_slug.in_(slugs), Idea.created_at < until, unanswered()


async def _waiting_counts(session, slugs, until: datetime, today: date) -> tuple[int, int]:
    """(ideas waiting for a first answer, of those past their answer date)."""
    overdue = func.count(case((Idea.answer_due < today, Idea.id)))
    waiting, late = (await session.execute(select(func.count(Idea.id), overdue).where(*_waiting_in(slugs, until)))).one()
    return waiting, late


async def _waiting_ideas(session, slugs, names, until: datetime, today: date, zone, limit: int | None) -> list[WaitingIdea]:
    rows = await session.execute(
        select(Idea).where(*_waiting_in(slugs, until)).order_by(Idea.created_at, Idea.id).limit(limit)
    )
    return [
        WaitingIdea(
            ref=ref(IDEA_REF, idea.id),
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
    return await _count(session, select(func.count(Resident.id)).where(
        Resident.area_slug.in_(slugs), during(Resident.last_seen, since, until)
    ))


async def _signups(session, slugs, since, until) -> int:
    return await _count(session, (
        select(func.count(Signup.id))
        .join(DugnadEvent, DugnadEvent.id == Signup.event_id)
        .where(DugnadEvent.area_slug.in_(slugs), during(Signup.created_at, since, until))
    ))


async def _answered(session, slugs, since, until) -> int:
    return await _count(session, (
        select(func.count(func.distinct(IdeaStatusChange.idea_id)))
        .join(Idea, Idea.id == IdeaStatusChange.idea_id)
        .where(Idea.area_slug.in_(slugs), during(IdeaStatusChange.created_at, since, until), is_answer())
    ))
