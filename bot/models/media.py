"""Voice messages and photos residents send, kept in the media folder (BENKEN_MEDIA_DIR)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

MEDIA_VOICE = "voice"  # a voice message or an audio file
MEDIA_PHOTO = "photo"  # a photo sent by MMS (Telegram's stay with Telegram, by file id)

TRANSCRIPT_PENDING = "pending"
TRANSCRIPT_DONE = "done"
TRANSCRIPT_FAILED = "failed"
TRANSCRIPT_WITHHELD = "withheld"
TRANSCRIPT_STATUSES = (TRANSCRIPT_PENDING, TRANSCRIPT_DONE, TRANSCRIPT_FAILED, TRANSCRIPT_WITHHELD)


class MediaFile(Base):
    """One stored file: a voice message given as an answer (the idea's words, a place, a
    safety report's details) or a photo. `file_name` is random; no column links it to a
    resident: a file belongs to an idea or a safety report (`field` says which answer it
    is), or, while the resident is still answering, to nothing (held), found through
    their conversation. Held files not sent within two days are deleted.

    Transcripts (voice): pending > done (`transcript` written, and the words put into the
    record's field when it had none), pending > pending (the server failed: `attempts`
    counts up, `next_try_at` backs off, `last_error` says why), pending > failed (the
    server cannot use the file, or tries ran out), pending > withheld (a safety report,
    and the server is not allowed those). Without a server configured they stay pending. A photo is done from the start.

    Times: `created_at` is whole days for an anonymous report's file, and its retries
    whole hours (see messaging/transcription.py), so that nothing says when it came.
    """

    __tablename__ = "media_files"
    __table_args__ = (
        CheckConstraint("kind IN ('voice', 'photo')", name="kind"),
        CheckConstraint("status IN ('pending', 'done', 'failed', 'withheld')", name="status"),
        CheckConstraint("idea_id IS NULL OR report_id IS NULL", name="one_subject"),
        Index("ix_media_files_status_next_try_at", "status", "next_try_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    file_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[int | None] = mapped_column(Integer)  # a recording's length
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("safety_reports.id", ondelete="CASCADE"), index=True)
    field: Mapped[str | None] = mapped_column(String(16))  # text, place, details or photo
    locale: Mapped[str] = mapped_column(String(8))  # the resident's language: a hint for transcribing
    status: Mapped[str] = mapped_column(String(16), default=TRANSCRIPT_PENDING)
    transcript: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column()
