"""The web desk: one-time sign-in links, browser sessions, the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


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
