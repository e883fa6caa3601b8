"""`benken export`: records as CSV or JSON lines on stdout, streamed row by row.

No export carries a resident's phone number or Telegram id; anonymous safety reports
carry nothing that points to a resident.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Sequence, TextIO

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.dugnad import event_title
from ..domain.media import recordings
from ..domain.queries import IDEA_REF, SAFETY_REF, SIGNUP_REF, places_taken_column, ref, supporters_column
from ..domain.translations import FIELDS, IDEA, SAFETY, cached_many, source_language, text_hash
from ..models import DugnadEvent, Idea, SafetyReport, Signup
from ..text.staff import STAFF_DEFAULT_LOCALE, STAFF_LOCALES, StaffText, resident_words

if TYPE_CHECKING:
    from ..app import App

KINDS = ("ideas", "safety", "signups", "events")
BATCH = 500  # rows fetched at a time: memory stays flat however many rows there are


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def spreadsheet_safe(value: object) -> object:
    """A cell a spreadsheet shows as written: text starting like a formula gets a quote
    (residents' words are opened in Excel by staff)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _ideas(area: str | None) -> tuple[list[str], Select, Callable]:
    query = select(Idea, supporters_column()).order_by(Idea.id)
    if area:
        query = query.where(Idea.area_slug == area)
    columns = [
        "ref", "area", "created_at", "status", "category", "text", "place", "latitude", "longitude",
        "has_photo", "wants_to_help", "language", "answer_due", "supporters", *_translated_columns(IDEA),
    ]

    def row(idea: Idea, count: int) -> list[Any]:
        return [
            ref(IDEA_REF, idea.id), idea.area_slug, idea.created_at, idea.status, idea.category, idea.text,
            idea.place_text, idea.latitude, idea.longitude, idea.photo_ref is not None, idea.wants_to_help,
            idea.locale, idea.answer_due, count,
        ]

    return columns, query, row


def _safety(area: str | None) -> tuple[list[str], Select, Callable]:
    query = select(SafetyReport).order_by(SafetyReport.id)
    if area:
        query = query.where(SafetyReport.area_slug == area)
    columns = [
        "ref", "area", "reported_on", "time_of_day", "category", "place", "latitude", "longitude",
        "details", "language", "anonymous", *_translated_columns(SAFETY),
    ]

    def row(report: SafetyReport) -> list[Any]:
        return [
            ref(SAFETY_REF, report.id), report.area_slug, report.reported_on, report.time_of_day, report.category,
            report.place_text, report.latitude, report.longitude, report.details, report.locale, report.anonymous,
        ]

    return columns, query, row


def _signups(area: str | None) -> tuple[list[str], Select, Callable]:
    query = select(Signup, DugnadEvent).join(DugnadEvent, DugnadEvent.id == Signup.event_id).order_by(Signup.id)
    if area:
        query = query.where(DugnadEvent.area_slug == area)
    columns = ["ref", "event_id", "event_title", "area", "event_start", "status", "hours", "signed_up_at"]

    def row(signup: Signup, event: DugnadEvent) -> list[Any]:
        return [
            ref(SIGNUP_REF, signup.id), event.id, event_title(event, STAFF_DEFAULT_LOCALE), event.area_slug,
            event.start_at, signup.status, signup.hours,
            signup.created_at,
        ]

    return columns, query, row


def _events(area: str | None) -> tuple[list[str], Select, Callable]:
    query = select(DugnadEvent, places_taken_column()).order_by(DugnadEvent.start_at)
    if area:
        query = query.where(DugnadEvent.area_slug == area)
    columns = ["id", "area", "title", "place", "start", "end", "capacity", "taken", "status"]

    def row(event: DugnadEvent, count: int) -> list[Any]:
        return [
            event.id, event.area_slug, event_title(event, STAFF_DEFAULT_LOCALE), event.place, event.start_at,
            event.end_at, event.capacity, count, event.status,
        ]

    return columns, query, row


EXPORTS = {"ideas": _ideas, "safety": _safety, "signups": _signups, "events": _events}
TRANSLATED = {"ideas": IDEA, "safety": SAFETY}  # the exports with residents' words


def _translated_columns(kind: str) -> list[str]:
    """written_in, then a machine translation per field and staff language (text_nb, …),
    then per field whether it was a voice message (text_voice: "voice message, 0:42")."""
    return (["written_in"] + [f"{field}_{target}" for field in FIELDS[kind] for target in STAFF_LOCALES]
            + [f"{field}_voice" for field in FIELDS[kind]])


async def _translation_cells(session: AsyncSession, kind: str, records: list) -> list[list[Any]]:
    """Per record: the language its words are in, their machine translations (a
    machine's, not a person's) and which were voice messages, looked up for the whole
    batch at once. A voice message's words, once a machine wrote them down, are in the
    field's own column."""
    pairs = [(getattr(r, column), source_language(r)) for r in records for column in FIELDS[kind].values()]
    # Between fetches of the export's own stream, on its connection (SQLite's write lock
    # would keep a second session waiting).
    found = await cached_many(session, [(text, source) for text, source in pairs if text], STAFF_LOCALES)
    spoken = await recordings(session, kind, [record.id for record in records])
    english = StaffText("en")  # an export's columns and words are English
    cells = []
    for record in records:
        source = source_language(record)
        row: list[Any] = [record.written_in]
        for column in FIELDS[kind].values():
            text = getattr(record, column)
            for target in STAFF_LOCALES:
                row.append(found.get((text_hash(text), source, target), "") if text and target != source else "")
        voices = spoken.get(record.id, {})
        row += [resident_words(english, None, voices[field].seconds) if field in voices else "" for field in FIELDS[kind]]
        cells.append(row)
    return cells


# The moment each kind is dated by, for --days.
DATED_BY = {
    "ideas": Idea.created_at,
    "safety": SafetyReport.reported_on,
    "signups": Signup.created_at,
    "events": DugnadEvent.start_at,
}


# The area each kind belongs to, for `areas`.
AREA_OF = {
    "ideas": Idea.area_slug,
    "safety": SafetyReport.area_slug,
    "signups": DugnadEvent.area_slug,
    "events": DugnadEvent.area_slug,
}


async def write(
    app: App, kind: str, fmt: str, area: str | None, out: TextIO, *, since: datetime | None = None,
    areas: Sequence[str] | None = None,
) -> int:
    """Write every record of `kind` (in `area`, from `since`) to `out`; returns how many.
    With `areas`, only records of those areas (the web desk: the staff member's own)."""
    columns, query, row = EXPORTS[kind](area)
    if areas is not None:
        query = query.where(AREA_OF[kind].in_(list(areas)))
    if since is not None:
        column = DATED_BY[kind]
        query = query.where(column >= (since.date() if kind == "safety" else since))
    writer = csv.writer(out) if fmt == "csv" else None
    if writer:
        writer.writerow(columns)
    count = 0

    async def flush(session: AsyncSession, batch: list) -> None:
        extra = await _translation_cells(session, TRANSLATED[kind], [r[0] for r in batch]) if kind in TRANSLATED else None
        for number, record in enumerate(batch):
            values = [_iso(v) for v in row(*record)] + (extra[number] if extra else [])
            if writer:
                writer.writerow([spreadsheet_safe(v) for v in values])
            else:
                out.write(json.dumps(dict(zip(columns, values)), ensure_ascii=False) + "\n")

    async with app.sessions() as session:
        result = await session.stream(query.execution_options(yield_per=BATCH))
        batch: list = []
        async for record in result:
            batch.append(record)
            count += 1
            if len(batch) == BATCH:
                await flush(session, batch)
                batch = []
        await flush(session, batch)
    return count
