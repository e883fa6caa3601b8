"""After an idea is done: its followers asked "Is it fixed?", and what each answered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

FIXED_YES, FIXED_PARTLY, FIXED_NO = "yes", "partly", "no"
FIXED_ANSWERS = (FIXED_YES, FIXED_PARTLY, FIXED_NO)


class IdeaCheck(Base):
    """One follower (author or supporter) of a done idea, asked once whether it is fixed.

    Statuses: asked (`answer` null) > answered (yes, partly or no; a second answer within
    the answer window replaces the first: the resident changed their mind). `change_id`
    is the "done" the question is about: an idea reopened and done again is asked about
    again, in a new round. Deleted with the resident (their data) or the idea.
    """

    __tablename__ = "idea_checks"
    __table_args__ = (
        UniqueConstraint("change_id", "resident_id"),
        CheckConstraint("answer IN ('yes', 'partly', 'no')", name="answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("idea_status_changes.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    asked_at: Mapped[datetime] = mapped_column()
    answer: Mapped[str | None] = mapped_column(String(8))
    answered_at: Mapped[datetime | None] = mapped_column()
