"""Residents who organise: a dugnad a resident proposes, and the messages an organiser
sends to the volunteers of their dugnad through Benken."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import MAX_PLACE, Base, utcnow
from .dugnad import MAX_ORGANISER_NAME

PROPOSAL_PROPOSED = "proposed"
PROPOSAL_APPROVED = "approved"
PROPOSAL_DECLINED = "declined"
MAX_PROPOSAL_WHAT = 200  # "clean the playground and paint the benches": a title and a line more
MAX_PROPOSAL_WHEN = 120  # the resident's own words for the day and time
# What an organiser may write to their volunteers: with the intro line in the reader's
# language, an Arabic SMS stays within 3 segments (201 UCS-2 units).
MAX_ORGANISER_MESSAGE = 100


class DugnadProposal(Base):
    """A dugnad a resident proposes in chat, referenced to them as P-<id>.

    Statuses: proposed > approved (staff set the day and times, `event_id` is the dugnad
    made from it, with the resident as organiser) or proposed > declined (with the staff's
    note, told to the resident). `when_text` is the resident's own words; staff turn it
    into times. `organiser_name` is the first name or nickname they chose to be shown by.
    """

    __tablename__ = "dugnad_proposals"
    __table_args__ = (
        CheckConstraint("status IN ('proposed', 'approved', 'declined')", name="status"),
        CheckConstraint("hands > 0", name="hands_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    area_slug: Mapped[str] = mapped_column(String(64), index=True)
    what: Mapped[str] = mapped_column(String(MAX_PROPOSAL_WHAT))
    place: Mapped[str] = mapped_column(String(MAX_PLACE))
    when_text: Mapped[str] = mapped_column(String(MAX_PROPOSAL_WHEN))
    hands: Mapped[int] = mapped_column(Integer)
    organiser_name: Mapped[str] = mapped_column(String(MAX_ORGANISER_NAME))
    locale: Mapped[str] = mapped_column(String(8))  # the language it was written in
    status: Mapped[str] = mapped_column(String(16), default=PROPOSAL_PROPOSED)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("dugnad_events.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)  # the staff's words when declining
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column()


class OrganiserMessage(Base):
    """One message an organiser sent to the volunteers of their dugnad, kept for staff to
    see (the desk's sign-ups view) and to pace the next one.

    Statuses: written (`queued_at` null; an organiser_message reminder is due) > queued
    (the reminder tick put it in the outbox for each volunteer, `sent_to` of them). No
    addresses are kept here, and none is shown either way."""

    __tablename__ = "organiser_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("dugnad_events.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    sent_to: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column()
