"""The transcription job: voice messages written down by a speech-to-text server.

Every TICK it takes the recordings that were sent (held ones wait for their answer to
be sent) and are due, reads each file and asks the server for its words, with the
resident's language as a hint, never inside a transaction. The transcript is stored
beside the recording and, where the resident gave no written words, put into the idea's
or report's field: the translation job then finds its language and translates it for
staff like any text. A server that fails leaves the recording pending with the error and
a later try (a minute, doubling, at most six hours, as translations do); one failure
ends the round. A recording the server cannot use is marked failed: staff still hear it.
Safety reports' recordings go only to a server allowed them (BENKEN_TRANSCRIBE_SENSITIVE),
and an anonymous report's retries keep whole hours.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update

from ..domain.media import put_transcript
from ..models import (
    MEDIA_VOICE,
    TRANSCRIPT_FAILED,
    TRANSCRIPT_PENDING,
    TRANSCRIPT_WITHHELD,
    MediaFile,
    SafetyReport,
    utcnow,
)
from ..providers.transcription import RecordingRejected, TranscriptionError, short
from .translation import fail_once_more

if TYPE_CHECKING:
    from ..app import App

log = logging.getLogger(__name__)

BATCH = 10  # recordings written down in one round (a CPU-only server takes about their length each)


@dataclass(frozen=True)
class _Work:
    media_id: int
    file_name: str
    content_type: str
    locale: str
    anonymous: bool


async def tick(app: App, *, now: datetime | None = None) -> int:
    """One round of the job; returns how many recordings were written down."""
    transcriber = app.transcriber
    if transcriber is None:
        return 0
    now = now or utcnow()
    if not transcriber.sensitive:
        async with app.sessions() as session, session.begin():
            await session.execute(
                update(MediaFile)
                .where(MediaFile.status == TRANSCRIPT_PENDING, MediaFile.report_id.is_not(None))
                .values(status=TRANSCRIPT_WITHHELD)
            )
    done = 0
    for work in await _due(app, now):
        try:
            audio = await app.media.read(work.file_name)
        except OSError:
            async with app.sessions() as session, session.begin():
                await _settle(session, work, TRANSCRIPT_FAILED, "the file is gone")
            continue
        try:
            # Outside any transaction: the server may take as long as the recording lasts.
            words = await transcriber.transcribe(audio, work.content_type, work.file_name, work.locale)
        except RecordingRejected as problem:
            async with app.sessions() as session, session.begin():
                await _settle(session, work, TRANSCRIPT_FAILED, short(problem))
            continue
        except TranscriptionError as problem:
            async with app.sessions() as session, session.begin():
                await _retry_later(session, work, problem, now)
            log.warning("transcription failed, tried again later: %s", short(problem))
            break
        async with app.sessions() as session, session.begin():
            media = await session.get(MediaFile, work.media_id)
            if media is not None:  # (deleted meanwhile: the resident erased their data)
                await put_transcript(session, media, words)
                done += 1
    return done


async def _due(app: App, now: datetime) -> list[_Work]:
    async with app.sessions() as session:
        rows = (await session.execute(
            select(MediaFile, SafetyReport.anonymous)
            .outerjoin(SafetyReport, SafetyReport.id == MediaFile.report_id)
            .where(MediaFile.kind == MEDIA_VOICE, MediaFile.status == TRANSCRIPT_PENDING,
                   or_(MediaFile.idea_id.is_not(None), MediaFile.report_id.is_not(None)),
                   or_(MediaFile.next_try_at.is_(None), MediaFile.next_try_at <= now))
            .order_by(MediaFile.next_try_at.is_not(None), MediaFile.id)
            .limit(BATCH)
        )).all()
        return [_Work(m.id, m.file_name, m.content_type, m.locale, bool(anonymous)) for m, anonymous in rows]


async def _settle(session, work: _Work, status: str, error: str) -> None:
    media = await session.get(MediaFile, work.media_id)
    if media is not None:
        media.status, media.last_error = status, error


async def _retry_later(session, work: _Work, problem: TranscriptionError, now: datetime) -> None:
    media = await session.get(MediaFile, work.media_id)
    if media is not None:
        fail_once_more(media, problem, now, anonymous=work.anonymous)
