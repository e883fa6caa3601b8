"""Ideas, their statuses and answers, and the residents who support them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import MAX_PLACE, Base, utcnow


IDEA_CATEGORIES = (
    "meeting_places",
    "parks_outdoors",
    "lighting_paths",
    "children_youth",
    "culture_events",
    "clean_tidy",
    "other",
)

IDEA_RECEIVED = "received"
IDEA_REVIEWING = "reviewing"
IDEA_PLANNED = "planned"
IDEA_IN_PROGRESS = "in_progress"
IDEA_DONE = "done"
IDEA_DECLINED = "declined"
IDEA_STATUSES = (IDEA_RECEIVED, IDEA_REVIEWING, IDEA_PLANNED, IDEA_IN_PROGRESS, IDEA_DONE, IDEA_DECLINED)
IDEA_OPEN_STATUSES = (IDEA_RECEIVED, IDEA_REVIEWING, IDEA_PLANNED, IDEA_IN_PROGRESS)


class Idea(Base):
    """An idea a resident shared for their area, referenced to them as I-<id>.

    Statuses: received > reviewing > planned > in_progress > done, and from any open
    status > declined. Every change is an IdeaStatusChange row, with the staff's note.
    `answer_due` is the date the resident was promised an answer by (the web desk's
    inbox lists them in its order, ix_ideas_area_due). `author_id` is null
    when the author deleted their data but chose to keep the idea.

    Publication on the area's public results page: unpublished > published (staff give a
    public summary, `published_at` set) > unpublished again (`published_at` cleared, the
    summary kept for a later publication). The page shows the summary, never the
    resident's own text; `public_summary` is staff-written data per language
    ({"nb": "..."}), shown with the fallback reader > nb > any, like event titles;
    `public_photo` says whether the idea's photo may be shown there too.
    """

    __tablename__ = "ideas"
    __table_args__ = (
        CheckConstraint(
            "status IN ('received', 'reviewing', 'planned', 'in_progress', 'done', 'declined')",
            name="status",
        ),
        Index("ix_ideas_area_status", "area_slug", "status"),
        # The web desk's inbox: an area's ideas, soonest promised answer first.
        Index("ix_ideas_area_due", "area_slug", "answer_due", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    area_slug: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    place_text: Mapped[str | None] = mapped_column(String(MAX_PLACE))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    photo_ref: Mapped[str | None] = mapped_column(String(512))
    wants_to_help: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str] = mapped_column(String(8))  # the resident's chosen language
    # The language the words are written in, as detected (bot/text/language_id.py) by the
    # translation job: null until then, "und" when it could not be told.
    written_in: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=IDEA_RECEIVED)
    answer_due: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column()
    public_summary: Mapped[dict | None] = mapped_column()
    public_photo: Mapped[bool] = mapped_column(Boolean, default=False)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))


# Ready-made answers staff can choose (translated for each resident where shown), and the
# seasons the "season" answer names.
ANSWER_TEMPLATES = ("meeting", "season", "passed_on", "done_thanks")
SEASONS = ("spring", "summer", "autumn", "winter")


class IdeaStatusChange(Base):
    """One step in an idea's history: the new status and the note residents were sent."""

    __tablename__ = "idea_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)  # the staff's own words, as written
    template: Mapped[str | None] = mapped_column(String(16))  # a ready-made answer, translated when shown
    template_param: Mapped[str | None] = mapped_column(String(120))  # its season or agency
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdeaSupport(Base):
    """A resident backing someone else's idea; one per resident per idea."""

    __tablename__ = "idea_supports"
    __table_args__ = (UniqueConstraint("idea_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
