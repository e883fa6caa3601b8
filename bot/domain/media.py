"""Voice messages and photos residents send: the limits, holding a file while its resident
is still answering, giving it to the idea or report it belongs to, transcripts, and
deleting (on "delete my data", after the retention period, and what nobody sent).

Session first, rows out. Files on disk are the media store's (bot/providers): rules here
only say which files go, in `session.info[FILES]`; whoever commits the session deletes
them afterwards (bot/messaging/media.py), and a daily sweep removes any a crash left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    IDEA_DECLINED,
    IDEA_DONE,
    MEDIA_PHOTO,
    MEDIA_VOICE,
    TRANSCRIPT_DONE,
    TRANSCRIPT_PENDING,
    ConversationState,
    Idea,
    IdeaStatusChange,
    MediaFile,
    SafetyReport,
    utcnow,
)
from ..text.times import local_today

# Telegram's Bot API lets a bot download files up to 20 MB (getFile); nothing bigger can
# reach us from Telegram, and we keep the same limit for MMS.
MAX_FILE_BYTES = 20 * 1024 * 1024
# A voice message staff will listen to whole: five minutes tells an idea (Telegram voice
# notes at ~32 kbit/s are about 1.2 MB then, well within any limit above).
MAX_VOICE_SECONDS = 5 * 60
HELD_FOR = timedelta(days=2)  # a recording not sent: the 24 h idle reset forgets the answer, plus a day
STRAY_AFTER = timedelta(days=1)  # a file no row knows (a crash between writing and committing)
MEDIA_REF = "media:"  # an idea's photo_ref for a photo in the media folder ("media:<file name>")

# Why an attachment cannot be taken.
TOO_LONG, TOO_BIG, UNAVAILABLE = "too_long", "too_big", "unavailable"
# session.info keys: file names to delete once the transaction has committed, and files
# whose times on disk are to say only their day (an anonymous report's).
FILES = "benken.media_files_gone"
BACKDATE = "benken.media_files_backdate"
CLOSED = (IDEA_DONE, IDEA_DECLINED)
# The record's column a transcript of each answer goes into.
COLUMNS = {"text": "text", "place": "place_text", "details": "details"}
COLUMN_SIZES = {"place": 300}  # MAX_PLACE: a spoken place is cut to what the column holds


def refusal(seconds: int | None, size: int | None) -> str | None:
    """TOO_LONG or TOO_BIG when a recording or file is over the limits, else None."""
    if size is not None and size > MAX_FILE_BYTES:
        return TOO_BIG
    if seconds is not None and seconds > MAX_VOICE_SECONDS:
        return TOO_LONG
    return None


def gone(session: AsyncSession, names: list[str]) -> None:
    """These files are to be deleted once the session has committed."""
    session.info.setdefault(FILES, set()).update(name for name in names if name)


async def hold(
    session: AsyncSession, kind: str, file_name: str, content_type: str, size: int, seconds: int | None,
    locale: str, *, now: datetime | None = None,
) -> MediaFile:
    """Keep a file a resident sent while they are still answering (no idea or report yet)."""
    media = MediaFile(kind=kind, file_name=file_name, content_type=content_type, size_bytes=size, seconds=seconds,
                      locale=locale, status=TRANSCRIPT_PENDING if kind == MEDIA_VOICE else TRANSCRIPT_DONE,
                      attempts=0, created_at=now or utcnow())
    session.add(media)
    await session.flush()
    return media


async def attach(
    session: AsyncSession, held: dict[str, int], *, idea: Idea | None = None, report: SafetyReport | None = None,
) -> list[MediaFile]:
    """Give the held files (by the answer they gave) to the idea or report just saved. An
    anonymous report's files keep only its day, like the report."""
    attached = []
    for field, media_id in held.items():
        media = await session.get(MediaFile, media_id)
        if media is None or media.idea_id is not None or media.report_id is not None:
            continue
        media.field = field
        if idea is not None:
            media.idea_id = idea.id
        else:
            media.report_id = report.id
            if report.anonymous:
                media.created_at = day_start(report.reported_on)
                session.info.setdefault(BACKDATE, {})[media.file_name] = media.created_at
        attached.append(media)
    return attached


def day_start(day) -> datetime:
    return datetime.combine(day, time(0), timezone.utc)


@dataclass(frozen=True)
class Recording:
    """A voice message as staff are shown it beside the record's words."""

    id: int
    field: str
    seconds: int
    content_type: str
    file_name: str
    transcribed: bool


async def recordings(session: AsyncSession, kind: str, ids: list[int]) -> dict[int, dict[str, Recording]]:
    """For each idea ("idea") or report ("safety") id: its voice messages by field."""
    if not ids:
        return {}
    column = MediaFile.idea_id if kind == "idea" else MediaFile.report_id
    found: dict[int, dict[str, Recording]] = {}
    rows = await session.execute(
        select(MediaFile).where(column.in_(ids), MediaFile.kind == MEDIA_VOICE).order_by(MediaFile.id)
    )
    for media in rows.scalars():
        found.setdefault(getattr(media, column.key), {})[media.field] = Recording(
            media.id, media.field, media.seconds or 0, media.content_type, media.file_name,
            media.status == TRANSCRIPT_DONE and bool(media.transcript),
        )
    return found


async def put_transcript(session: AsyncSession, media: MediaFile, text: str) -> None:
    """Store a transcript beside the recording, and put it into the record's field when
    the resident gave no words there: staff, the language finder and the translation job
    then read it like any text."""
    media.transcript, media.status, media.last_error = text, TRANSCRIPT_DONE, None
    record = await _owner(session, media)
    column = COLUMNS.get(media.field or "")
    if record is None or column is None or not text or getattr(record, column):
        return
    setattr(record, column, text[:COLUMN_SIZES.get(media.field, len(text))])
    record.written_in = None  # found again, now from the spoken words


async def _owner(session: AsyncSession, media: MediaFile) -> Idea | SafetyReport | None:
    if media.idea_id is not None:
        return await session.get(Idea, media.idea_id)
    if media.report_id is not None:
        return await session.get(SafetyReport, media.report_id)
    return None


# Deleting -------------------------------------------------------------------------------------


async def discard(session: AsyncSession, query: Select) -> int:
    """Delete the media rows `query` selects (their ids) and, after commit, their files."""
    rows = (await session.execute(select(MediaFile.id, MediaFile.file_name).where(MediaFile.id.in_(query)))).all()
    if rows:
        await session.execute(delete(MediaFile).where(MediaFile.id.in_([media_id for media_id, _ in rows])))
        gone(session, [name for _id, name in rows])
    return len(rows)


async def release(session: AsyncSession, ids: list[int]) -> int:
    """Files held for answers that will not be sent (cancelled, started again): gone now.
    Those already given to an idea or report stay."""
    if not ids:
        return 0
    return await discard(session, select(MediaFile.id).where(
        MediaFile.id.in_(ids), MediaFile.idea_id.is_(None), MediaFile.report_id.is_(None)
    ))


def held_ids(state: ConversationState | None) -> list[int]:
    """The files a resident's unfinished answers hold."""
    held = (state.data or {}).get("held", {}) if state is not None else {}
    return [int(media_id) for media_id, _seconds in held.values()]


async def discard_resident(session: AsyncSession, resident_id: int, *, keep_ideas: bool) -> int:
    """A resident deletes their data: their held files, their named reports' files, and
    their ideas' recordings (a voice says who spoke, so it goes even where the idea is
    kept without a name; the idea's photo stays with a kept idea, as Telegram's do)."""
    state = await session.get(ConversationState, resident_id)
    theirs = select(Idea.id).where(Idea.author_id == resident_id)
    reports = select(SafetyReport.id).where(SafetyReport.resident_id == resident_id)
    ideas = MediaFile.idea_id.in_(theirs)
    if keep_ideas:
        ideas = ideas & (MediaFile.kind == MEDIA_VOICE)
    return await discard(session, select(MediaFile.id).where(
        or_(MediaFile.id.in_(held_ids(state)), ideas, MediaFile.report_id.in_(reports))
    ))


async def discard_expired(
    session: AsyncSession, *, days: int, timezone_name: str, now: datetime | None = None
) -> int:
    """Files past their time: an idea's `days` after it was closed (done or declined; a
    photo shown on the results page stays while it is), a report's `days` after its day,
    and files held for answers never sent. Photos that go leave their idea."""
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    closed_at = (
        select(func.max(IdeaStatusChange.created_at)).where(IdeaStatusChange.idea_id == Idea.id).scalar_subquery()
    )
    published = (Idea.published_at.is_not(None)) & Idea.public_photo.is_(True)
    old_ideas = select(Idea.id).where(Idea.status.in_(CLOSED), closed_at < cutoff)
    shown = select(Idea.id).where(published)
    old_reports = select(SafetyReport.id).where(SafetyReport.reported_on < local_today(cutoff, timezone_name))
    expired = select(MediaFile.id).where(or_(
        MediaFile.idea_id.in_(old_ideas) & ~((MediaFile.kind == MEDIA_PHOTO) & MediaFile.idea_id.in_(shown)),
        MediaFile.report_id.in_(old_reports),
        MediaFile.idea_id.is_(None) & MediaFile.report_id.is_(None) & (MediaFile.created_at < now - HELD_FOR),
    ))
    photos = (await session.execute(
        select(MediaFile.file_name).where(MediaFile.id.in_(expired), MediaFile.kind == MEDIA_PHOTO)
    )).scalars().all()
    if photos:
        await session.execute(
            update(Idea).where(Idea.photo_ref.in_([MEDIA_REF + name for name in photos])).values(photo_ref=None)
        )
    return await discard(session, expired)


async def known_files(session: AsyncSession, names: list[str]) -> set[str]:
    """Which of these file names a row knows."""
    found: set[str] = set()
    for start in range(0, len(names), 900):  # well under SQLite's limit on bound parameters
        found.update((await session.execute(
            select(MediaFile.file_name).where(MediaFile.file_name.in_(names[start:start + 900]))
        )).scalars())
    return found
