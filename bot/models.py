"""The data model: one SQLAlchemy 2 model for SQLite and PostgreSQL. Times are UTC.

Areas are configuration (bot/areas.toml), so rows name them by slug.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Length limits for what residents write; the conversation rules keep text below these.
MAX_TEXT = 2000  # one idea or safety description (a long SMS thread or a Telegram message)
MAX_PLACE = 300  # a place described in words


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict: JSON(), list: JSON()}


CHANNELS = ("telegram", "sms")


class Resident(Base):
    """A resident who has written to Benken on one channel.

    Keyed by the channel's address: a Telegram user id or an E.164 phone number, never both.
    `opted_out` is set by STOP (or a provider saying the resident blocked us) and cleared
    by START; while it is set nothing proactive is sent.
    """

    __tablename__ = "residents"
    __table_args__ = (
        CheckConstraint("channel IN ('telegram', 'sms')", name="channel"),
        CheckConstraint(
            "(channel = 'telegram' AND telegram_id IS NOT NULL AND phone IS NULL)"
            " OR (channel = 'sms' AND phone IS NOT NULL AND telegram_id IS NULL)",
            name="one_address",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    area_slug: Mapped[str | None] = mapped_column(String(64))
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def onboarded(self) -> bool:
        return self.locale is not None and self.area_slug is not None


class ConversationState(Base):
    """Where a resident is in a conversation: the flow, the step, and what they gave so far.

    Kept in the database so that a restart, a second worker or an SMS reply hours later
    continues at the same step. `history` is the stack of earlier steps for "back".
    """

    __tablename__ = "conversation_states"

    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(default=dict)
    history: Mapped[list] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


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
    `answer_due` is the date the resident was promised an answer by. `author_id` is null
    when the author deleted their data but chose to keep the idea.
    """

    __tablename__ = "ideas"
    __table_args__ = (
        CheckConstraint(
            "status IN ('received', 'reviewing', 'planned', 'in_progress', 'done', 'declined')",
            name="status",
        ),
        Index("ix_ideas_area_status", "area_slug", "status"),
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
    locale: Mapped[str] = mapped_column(String(8))  # the language it was written in
    status: Mapped[str] = mapped_column(String(16), default=IDEA_RECEIVED)
    answer_due: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


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
    reported_on: Mapped[date] = mapped_column(Date)


EVENT_SCHEDULED = "scheduled"
EVENT_CANCELLED = "cancelled"


class DugnadEvent(Base):
    """A dugnad (volunteer work day) in an area.

    Statuses: scheduled > cancelled. Titles are staff-written data kept per language
    ({"nb": "...", "en": "..."}) and shown with the fallback resident > nb > any.
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


class Staff(Base):
    """A district worker who answers residents; admins see every area."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(120))
    locale: Mapped[str] = mapped_column(String(8), default="nb")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_frequency: Mapped[str] = mapped_column(String(8), default="weekly")  # daily, weekly, never
    email: Mapped[str | None] = mapped_column(String(254))  # digests by e-mail too, when SMTP_URL is set
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffState(Base):
    """What a staff member is in the middle of on Telegram: an answer waiting for their own
    words, a new dugnad being described, a broadcast waiting for confirmation.

    `kind` is answer, newevent or broadcast; `data` holds what was given so far. Any
    command clears it; one idle for a day is ignored.
    """

    __tablename__ = "staff_states"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffArea(Base):
    """An area a staff member works in."""

    __tablename__ = "staff_areas"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    area_slug: Mapped[str] = mapped_column(String(64), primary_key=True)


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
    """A proactive message to one resident, rendered in their language, waiting to be sent.

    Statuses: pending > claimed > sending > sent; sending > pending (retry after
    `not_before`) or > failed (also when a send may have gone out but was not confirmed:
    never sent twice); claimed > pending when its sender died before trying; pending >
    cancelled (resident opted out or was erased).
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    choices: Mapped[list | None] = mapped_column()
    priority: Mapped[int] = mapped_column(Integer, default=OUTBOX_PRIORITY_BULK)
    status: Mapped[str] = mapped_column(String(16), default=OUTBOX_PENDING)
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
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
    event started while the bot was down). Kinds: event_24h, event_2h, offer_expiry,
    thanks, idea_followup.
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


class DeskLoginToken(Base):
    """A one-time sign-in link to the web desk, sent by the bot (/desk) or by e-mail.

    Only the SHA-256 of the token is kept: a copy of the database signs no one in.
    Statuses: unused > used (`used_at` set at the first sign-in), or unused > expired
    (10 minutes after `created_at`, at `expires_at`). A used or expired link is refused.
    """

    __tablename__ = "desk_login_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class DeskSession(Base):
    """A staff member signed in to the web desk in one browser.

    Only the SHA-256 of the session id (the cookie's value) is kept; the CSRF token is
    derived from the session id, so it needs no column. Lifetime: a working day (10 hours
    from `created_at`, at `expires_at`), never extended; signing out deletes the row.
    `locale` is the desk's language in this browser (nb or en).
    """

    __tablename__ = "desk_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str] = mapped_column(String(8), default="nb")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class AuditEntry(Base):
    """One thing a staff member did on the web desk (or a refused sign-in), newest last.

    `action` is a short code (sign_in, sign_out, staff_add, …); `target` names what it
    touched ("I-12", "staff-3"); `detail` is a short text, never a resident's address.
    `staff_name` keeps who it was when the staff row is later removed (`staff_id` null).
    """

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), index=True)
    staff_name: Mapped[str | None] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
