"""Dugnad events and sign-ups, with the waiting list's statuses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import MAX_PLACE, Base, utcnow


MAX_ORGANISER_NAME = 20  # a first name or a nickname; short enough for an SMS intro line

EVENT_SCHEDULED = "scheduled"
EVENT_CANCELLED = "cancelled"


class DugnadEvent(Base):
    """A dugnad (volunteer work day) in an area.

    Statuses: scheduled > cancelled. Titles are staff-written data kept per language
    ({"nb": "...", "en": "..."}) and shown with the fallback resident > nb > any.
    A dugnad a resident proposed (DugnadProposal) names them as its organiser:
    `organiser_id` (null when staff made it, or the organiser deleted their data) and the
    first name or nickname they chose to be shown by, `organiser_name`.
    """

    __tablename__ = "dugnad_events"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        Index("ix_dugnad_events_area_start", "area_slug", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_slug: Mapped[str] = mapped_column(String(64))
    titles: Mapped[dict] = mapped_column()
    place: Mapped[str] = mapped_column(String(MAX_PLACE))
    start_at: Mapped[datetime] = mapped_column()
    end_at: Mapped[datetime] = mapped_column()
    capacity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=EVENT_SCHEDULED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"), index=True)
    organiser_name: Mapped[str | None] = mapped_column(String(MAX_ORGANISER_NAME))


SIGNUP_CONFIRMED = "confirmed"
SIGNUP_WAITLISTED = "waitlisted"
SIGNUP_OFFERED = "offered"
SIGNUP_CANCELLED = "cancelled"
SIGNUP_ATTENDED = "attended"
# A place is taken by a confirmed volunteer, one who came, or one holding an open offer.
SIGNUP_HOLDS_PLACE = (SIGNUP_CONFIRMED, SIGNUP_OFFERED, SIGNUP_ATTENDED)


class Signup(Base):
    """A resident's place at a dugnad, referenced to them as D-<id>.

    Statuses: confirmed (has a place) or waitlisted (event full); waitlisted > offered
    (a place was freed; held until `offer_expires_at`) > confirmed, or back to
    waitlisted's end when the offer lapses; confirmed/offered/waitlisted > cancelled;
    confirmed > attended (staff logged it, with `hours`).
    """

    __tablename__ = "signups"
    __table_args__ = (
        UniqueConstraint("event_id", "resident_id"),
        CheckConstraint(
            "status IN ('confirmed', 'waitlisted', 'offered', 'cancelled', 'attended')", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("dugnad_events.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)  # waiting-list order
    offer_expires_at: Mapped[datetime | None] = mapped_column()
    hours: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
