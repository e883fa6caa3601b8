"""Residents and where each one is in a conversation."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Resident(Base):
    """A resident who has written to Benken on one channel.

    Keyed by the channel's address: a Telegram user id or an E.164 phone number, never both.
    `opted_out` is set by STOP (or a provider saying the resident blocked us) and cleared
    by START; while it is set nothing proactive is sent.

    `source` is how the first contact came, for the impact figures: the short code of a
    poster or a place from a Telegram deep link (`/start furuset_bib1`: "bib1"), else
    "link" (a deep link naming only the area) or "keyword" (a first SMS that was an area's
    name); null when the resident found Benken some other way. Set once, never changed.

    `monthly_news`: the monthly "What happened in your area" message. None until the
    resident is asked (once, at the end of the first flow they took part in), then True
    (opted in) or False; Privacy turns it on and off. `news_sent_for` is the first day of
    the last month it reported on, so that a month is never sent twice.
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
    source: Mapped[str | None] = mapped_column(String(16))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    monthly_news: Mapped[bool | None] = mapped_column(Boolean)
    news_sent_for: Mapped[date | None] = mapped_column(Date)

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
