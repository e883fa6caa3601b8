"""Who is signed in to the web desk: one-time sign-in links, browser sessions, the audit
log and the areas a staff member may see. Plain async functions, session first; the
caller commits.

Tokens and session ids are random and shown once (in a link, in a cookie); only their
SHA-256 is stored, so a copy of the database signs no one in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ...models import AuditEntry, DeskLoginToken, DeskSession, Staff

LOGIN_TOKEN_LIFETIME = timedelta(minutes=10)  # the contract: a sign-in link lasts 10 minutes
SESSION_LIFETIME = timedelta(hours=10)  # a working day, then sign in again
TOKEN_BYTES = 32  # 256 bits of randomness, 43 url-safe characters
DESK_LOCALES = ("nb", "en")
MAX_DETAIL = 300  # AuditEntry.detail
MAX_TARGET = 64  # AuditEntry.target
LOGIN_PATH = "/desk/login"  # the sign-in page, where bot/web.py mounts the desk


def login_url(public_base_url: str, token: str) -> str:
    """The link a staff member opens to sign in. It names PUBLIC_BASE_URL, never a
    request's Host header, which a stranger could set to their own server."""
    return public_base_url.rstrip("/") + LOGIN_PATH + "?" + urlencode({"token": token})


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def csrf_token_for(session_id: str) -> str:
    """The CSRF token of a browser session: derived from its secret id, so an attacker who
    cannot read the HttpOnly cookie cannot make it, and nothing more needs storing."""
    return hmac.new(session_id.encode(), b"benken-desk-csrf", hashlib.sha256).hexdigest()


async def issue_login_token(session: AsyncSession, staff: Staff, now: datetime) -> str:
    """A new sign-in token for `staff`, valid once for LOGIN_TOKEN_LIFETIME; put it in
    `PUBLIC_BASE_URL/desk/login?token=…`. Earlier unused tokens stay valid until they expire."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    # Housekeeping where it costs nothing: links that can no longer be used go.
    await session.execute(delete(DeskLoginToken).where(DeskLoginToken.expires_at < now - timedelta(days=1)))
    session.add(
        DeskLoginToken(
            token_hash=_digest(token), staff_id=staff.id, created_at=now, expires_at=now + LOGIN_TOKEN_LIFETIME
        )
    )
    await session.flush()
    return token


async def login_token_owner(session: AsyncSession, token: str) -> tuple[DeskLoginToken, Staff] | None:
    """The token's row and staff member, used or not, or None for a token never issued."""
    row = (
        await session.execute(
            select(DeskLoginToken, Staff)
            .join(Staff, Staff.id == DeskLoginToken.staff_id)
            .where(DeskLoginToken.token_hash == _digest(token))
        )
    ).first()
    return (row[0], row[1]) if row else None


async def consume_login_token(session: AsyncSession, token: str, now: datetime) -> Staff | None:
    """The staff member a valid token belongs to, marking it used; None when the token is
    unknown, used or expired. Two browsers racing with one link: only one gets a Staff."""
    if not token or len(token) > 128:
        return None
    # One UPDATE with its conditions, checked by row count: safe with concurrent requests
    # and several workers, on SQLite and PostgreSQL alike.
    claimed = await session.execute(
        update(DeskLoginToken)
        .where(
            DeskLoginToken.token_hash == _digest(token),
            DeskLoginToken.used_at.is_(None),
            DeskLoginToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(DeskLoginToken.staff_id)
    )
    staff_id = claimed.scalar_one_or_none()
    return None if staff_id is None else await session.get(Staff, staff_id)


async def open_session(session: AsyncSession, staff: Staff, now: datetime, locale: str | None = None) -> str:
    """A new browser session for `staff`, lasting SESSION_LIFETIME; returns the session id
    for the cookie. The desk's language starts as the staff member's own (else nb)."""
    session_id = secrets.token_urlsafe(TOKEN_BYTES)
    await session.execute(delete(DeskSession).where(DeskSession.expires_at < now))
    locale = locale or staff.locale
    session.add(
        DeskSession(
            session_hash=_digest(session_id),
            staff_id=staff.id,
            locale=locale if locale in DESK_LOCALES else DESK_LOCALES[0],
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    await session.flush()
    return session_id


async def desk_session(session: AsyncSession, session_id: str | None, now: datetime) -> tuple[DeskSession, Staff] | None:
    """The open session behind a cookie and its staff member, or None (unknown, expired,
    closed, or the staff member was removed)."""
    if not session_id or len(session_id) > 128:
        return None
    row = (
        await session.execute(
            select(DeskSession, Staff)
            .join(Staff, Staff.id == DeskSession.staff_id)
            .where(DeskSession.session_hash == _digest(session_id), DeskSession.expires_at > now)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def session_staff(session: AsyncSession, session_id: str | None, now: datetime) -> Staff | None:
    """The staff member signed in with this session id, or None."""
    found = await desk_session(session, session_id, now)
    return found[1] if found else None


async def close_session(session: AsyncSession, session_id: str | None) -> None:
    """Sign out: the session id no longer works, in any worker."""
    if session_id:
        await session.execute(delete(DeskSession).where(DeskSession.session_hash == _digest(session_id)))


async def set_session_locale(session: AsyncSession, session_id: str, locale: str) -> None:
    if locale in DESK_LOCALES:
        await session.execute(
            update(DeskSession).where(DeskSession.session_hash == _digest(session_id)).values(locale=locale)
        )


async def audit(
    session: AsyncSession,
    staff: Staff | None,
    action: str,
    target: str | None = None,
    detail: str | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Write one line of the audit log; it commits with the change it describes.
    `detail` is cut to fit; never put a resident's phone number or Telegram id in it."""
    entry = AuditEntry(
        staff_id=staff.id if staff else None,
        staff_name=staff.name if staff else None,
        action=action,
        target=target[:MAX_TARGET] if target else None,
        detail=detail[:MAX_DETAIL] if detail else None,
    )
    if now is not None:
        entry.at = now
    session.add(entry)
    await session.flush()
    return entry


async def audit_page(session: AsyncSession, page: int, per_page: int) -> tuple[list[AuditEntry], int]:
    """One page of the audit log, newest first (page 1 is the newest), and the entry count."""
    total = (await session.execute(select(func.count()).select_from(AuditEntry))).scalar_one()
    rows = (
        await session.execute(
            select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .offset((page - 1) * per_page).limit(per_page)
        )
    ).scalars()
    return list(rows), total


async def staff_by_email(session: AsyncSession, address: str) -> Staff | None:
    """The staff member with this e-mail address (case-insensitive), if exactly one."""
    address = address.strip().lower()
    if not address or "@" not in address:
        return None
    found = list(
        (await session.execute(select(Staff).where(func.lower(Staff.email) == address).limit(2))).scalars()
    )
    return found[0] if len(found) == 1 else None
