"""District staff, their areas and their unfinished work on the Telegram desk."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


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
