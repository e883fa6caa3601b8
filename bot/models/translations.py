"""Machine translations of what residents write, for staff who read Norwegian or English:
the cache of translations, and the work still to do."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

UNDETERMINED = "und"  # ISO 639's code for a text whose language could not be told

TRANSLATION_PENDING = "pending"
TRANSLATION_DONE = "done"
TRANSLATION_UNSUPPORTED = "unsupported"
TRANSLATION_WITHHELD = "withheld"
TRANSLATION_STATUSES = (TRANSLATION_PENDING, TRANSLATION_DONE, TRANSLATION_UNSUPPORTED, TRANSLATION_WITHHELD)


class Translation(Base):
    """One machine translation, cached by a hash of the original text, the languages and
    the provider: the same words are never paid for twice. Staff's notes to residents are
    cached here too (the preview fills it; sending reads it).

    No timestamps, on purpose: the translation of an anonymous safety report must not say
    when it was written.
    """

    __tablename__ = "translations"
    __table_args__ = (UniqueConstraint("text_hash", "source", "target", "provider"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the original, hex
    source: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(8))
    provider: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)


class TranslationTask(Base):
    """A resident's text (an idea's words or place, a safety report's place or details)
    to be translated into one staff language by the background job.

    Statuses: pending > done; pending > pending (the provider failed: `attempts` counts up,
    `next_try_at` backs off, `last_error` says why, and staff see it); pending >
    unsupported (the provider has no such language pair); pending > withheld (a safety
    report, and the provider is not allowed sensitive text). A task is the work of one
    `provider`: another provider configured later makes tasks of its own. Times are whole
    hours for anonymous reports (see messaging/translation.py).
    """

    __tablename__ = "translation_tasks"
    __table_args__ = (
        CheckConstraint("(idea_id IS NULL) <> (report_id IS NULL)", name="one_subject"),
        CheckConstraint("status IN ('pending', 'done', 'unsupported', 'withheld')", name="status"),
        Index("ix_translation_tasks_status_next_try_at", "status", "next_try_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("safety_reports.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(16))  # text, place or details
    target: Mapped[str] = mapped_column(String(8))
    provider: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=TRANSLATION_PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(300))
