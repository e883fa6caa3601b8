"""Messages in and out, and scheduled work: the inbound log, the outbox, reminders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class InboundMessage(Base):
    """The log of inbound messages, written before a message is handled.

    Unique on (channel, provider_message_id), so a re-delivered webhook or update is seen
    and answered from `reply` without being handled twice. Holds no message text.
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "provider_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    provider_message_id: Mapped[str] = mapped_column(String(64))
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    reply: Mapped[list | None] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


OUTBOX_PENDING = "pending"
OUTBOX_CLAIMED = "claimed"  # taken by a sender, not yet handed to the provider
OUTBOX_SENDING = "sending"
OUTBOX_SENT = "sent"
OUTBOX_FAILED = "failed"
OUTBOX_CANCELLED = "cancelled"
OUTBOX_PRIORITY_URGENT = -10  # may go in quiet hours: the 2-hour dugnad reminder
OUTBOX_PRIORITY_REPLY = 0  # answers to a resident go before bulk messages
OUTBOX_PRIORITY_BULK = 10


class OutboxMessage(Base):
    """A proactive message to one resident or one staff member, rendered in their language,
    waiting to be sent on `channel` (a resident's own; Telegram or e-mail for staff).

    Statuses: pending > claimed > sending > sent; sending > pending (retry after
    `not_before`) or > failed (also when a send may have gone out but was not confirmed:
    never sent twice); claimed > pending when its sender died before trying (at once when
    the same worker, `claimed_by`, starts again; else once the claim is stale); pending >
    cancelled (resident opted out or was erased). `format` is "text" (shown as written)
    or "html" (staff reports, escaped when laid out); `extra` holds an e-mail's subject,
    HTML part and attachment; `dedupe_key` keeps a job that ran twice from queueing twice.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "not_before"),
        CheckConstraint("(resident_id IS NULL) <> (staff_id IS NULL)", name="one_recipient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(8), default="text")
    choices: Mapped[list | None] = mapped_column()
    extra: Mapped[dict | None] = mapped_column()
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    priority: Mapped[int] = mapped_column(Integer, default=OUTBOX_PRIORITY_BULK)
    status: Mapped[str] = mapped_column(String(16), default=OUTBOX_PENDING)
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))  # the worker that claimed it
    provider_message_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # What the provider reported afterwards (Twilio: delivered, undelivered, failed, …).
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


REMINDER_PENDING = "pending"
REMINDER_CLAIMED = "claimed"
REMINDER_DONE = "done"
REMINDER_DROPPED = "dropped"


class Reminder(Base):
    """Scheduled work with a due time: the scheduler claims due rows atomically.

    Statuses: pending > claimed > done, or pending > dropped (no longer relevant, e.g. the
    event started while the bot was down). Kinds: event_24h, event_2h, offer_made (tell
    the first on the waiting list that a place is kept for them), offer_expiry, thanks,
    idea_followup, organiser_message (an organiser's words to their volunteers),
    idea_fixed ("Is it fixed?" to a done idea's followers), idea_reopened (staff told that
    residents say it is not).
    """

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default=REMINDER_PENDING)
    signup_id: Mapped[int | None] = mapped_column(ForeignKey("signups.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("dugnad_events.id", ondelete="CASCADE"))
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column()
