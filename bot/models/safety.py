"""Safety reports: where residents feel unsafe."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import MAX_PLACE, Base


SAFETY_TIMES = ("daytime", "evening", "night", "always")
SAFETY_CATEGORIES = ("lighting", "harassment", "drugs", "traffic", "groups", "other")


class SafetyReport(Base):
    """A place where a resident feels unsafe, referenced to them as S-<id>.

    An anonymous report has no resident link (the check constraint holds it), and keeps
    only the day it was made, so that its time cannot be matched against message logs.
    """

    __tablename__ = "safety_reports"
    __table_args__ = (
        CheckConstraint("anonymous = false OR resident_id IS NULL", name="anonymous_unlinked"),
        CheckConstraint("time_of_day IN ('daytime', 'evening', 'night', 'always')", name="time_of_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    anonymous: Mapped[bool] = mapped_column(Boolean)
    area_slug: Mapped[str] = mapped_column(String(64), index=True)
    place_text: Mapped[str | None] = mapped_column(String(MAX_PLACE))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    time_of_day: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16))
    details: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(8))
    # The language the words are written in, as detected (bot/text/language_id.py) by the
    # translation job: null until then, "und" when it could not be told.
    written_in: Mapped[str | None] = mapped_column(String(8))
    reported_on: Mapped[date] = mapped_column(Date)
