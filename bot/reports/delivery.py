"""Digests delivered: every morning at DIGEST_AT_HOUR, each staff member's digest of their
own areas (daily, or weekly on Mondays) is queued in the durable outbox, by Telegram and,
with SMTP configured and an address on file, by e-mail with the spreadsheet attached. The
outbox sender delivers it like any message: retried, never lost, never sent twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..messaging.outbox import HTML, enqueue_staff
from ..models import Staff, StaffArea, utcnow
from .digest import LIST_LIMIT, build_digest
from .digest_layout import render_csv, render_html, render_subject, render_text

if TYPE_CHECKING:
    from ..app import App

DIGEST_AT_HOUR = 8  # Monday morning for weekly digests, every morning for daily ones
WEEKLY_ON = 0  # Monday
PERIOD_DAYS = {"daily": 1, "weekly": 7}
DIGEST = "digest"  # the outbox kind


@dataclass(frozen=True)
class _Recipient:
    staff: Staff
    area_slugs: tuple[str, ...]
    days: int


async def _recipients(app: App, frequency: str | None) -> list[_Recipient]:
    configured = [area.slug for area in app.areas]
    async with app.sessions() as session:
        staff = (await session.execute(select(Staff).order_by(Staff.id))).scalars().all()
        links = (await session.execute(select(StaffArea))).scalars().all()
    recipients = []
    for member in staff:
        days = PERIOD_DAYS.get(member.digest_frequency)
        if days is None or (frequency and member.digest_frequency != frequency):
            continue
        own = {link.area_slug for link in links if link.staff_id == member.id}
        # Areas in the areas file's order; one no longer configured is left out.
        slugs = tuple(s for s in configured if member.is_admin or s in own)
        if slugs:
            recipients.append(_Recipient(member, slugs, days))
    return recipients


async def queue_digests(app: App, *, now: datetime, frequency: str | None = None) -> int:
    """Queue every staff member's digest (or those with `frequency`); returns how many staff
    members get one. Run twice on one day, it queues nothing more."""
    settings = app.settings
    by_email = bool(settings.smtp_url)
    day = now.astimezone(ZoneInfo(settings.timezone)).date()
    queued = 0
    for recipient in await _recipients(app, frequency):
        staff, with_email = recipient.staff, by_email and bool(recipient.staff.email)
        if not (settings.telegram_bot_token or with_email):
            continue
        # A short transaction per digest: SQLite's write lock is never held for long.
        async with app.sessions() as session, session.begin():
            digest = await build_digest(
                session, app.areas, area_slugs=list(recipient.area_slugs),
                since=now - timedelta(days=recipient.days), until=now, locale=staff.locale,
                timezone=settings.timezone, list_limit=None if with_email else LIST_LIMIT,
            )
            key = f"{DIGEST}:{staff.id}:{day.isoformat()}:{recipient.days}"
            html = render_html(digest, staff.locale)
            added = False
            if settings.telegram_bot_token:
                added |= await enqueue_staff(session, staff, "telegram", DIGEST, html, text_format=HTML,
                                             dedupe_key=f"{key}:telegram", now=now)
            if with_email:
                extra = {
                    "subject": render_subject(digest, staff.locale),
                    "html": html,
                    "attachment": {"filename": f"benken-digest-{day.isoformat()}.csv", "content": render_csv(digest)},
                }
                added |= await enqueue_staff(session, staff, "email", DIGEST, render_text(digest, staff.locale),
                                             extra=extra, dedupe_key=f"{key}:email", now=now)
        queued += added
    return queued


async def morning_digests(app: App, *, now: datetime | None = None) -> int:
    """The 08:00 job: daily digests every day, weekly ones on Mondays."""
    now = now or utcnow()
    queued = await queue_digests(app, now=now, frequency="daily")
    if now.astimezone(ZoneInfo(app.settings.timezone)).weekday() == WEEKLY_ON:
        queued += await queue_digests(app, now=now, frequency="weekly")
    return queued
