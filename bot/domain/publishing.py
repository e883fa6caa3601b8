"""Ideas on the area's public results page ("you said, we did"): staff publish an idea
with a public summary, or take it off again; what the page may show is read here.

The page shows staff's summary, the status and (when staff allow it) the photo; never the
resident's own text, name or address. See Idea's docstring for the transitions.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Idea, utcnow
from ..text.resident import DEFAULT_LOCALE
from .queries import ref

RESULTS_PATH = "/results/{slug}"  # the public page's route (bot/web.py)
MAX_SUMMARY = 500  # a short paragraph: read on a cheap phone, in a second language


def results_url(base_url: str, area_slug: str, locale: str | None = None) -> str:
    """The area's results page at PUBLIC_BASE_URL, in a reader's language when given."""
    url = base_url.rstrip("/") + RESULTS_PATH.format(slug=area_slug)
    return f"{url}?lang={locale}" if locale and locale != DEFAULT_LOCALE else url


class PublishRefused(ValueError):
    """The idea cannot be published as asked (no summary); the message says why."""


async def publish_idea(
    session: AsyncSession, idea: Idea, summary: str | None, staff_id: int | None, *, locale: str = DEFAULT_LOCALE,
    photo: bool = False, now: datetime | None = None,
) -> Idea:
    """Put an idea on its area's results page with the staff's public summary (written in
    `locale`; an earlier summary is kept when none is given now)."""
    summary = (summary or "").strip()
    if len(summary) > MAX_SUMMARY:
        raise PublishRefused(f"the public summary is {len(summary)} characters; at most {MAX_SUMMARY}")
    summaries = dict(idea.public_summary or {})
    if summary:
        summaries[locale] = summary
    if not summaries:
        raise PublishRefused(f"{ref('I', idea.id)} needs a public summary to be published")
    idea.public_summary = summaries  # a new dict, so the JSON column is written
    idea.public_photo = bool(photo and idea.photo_ref)
    idea.published_at, idea.published_by = now or utcnow(), staff_id
    return idea


async def unpublish_idea(session: AsyncSession, idea: Idea) -> Idea:
    """Take an idea off the results page; its summary is kept for a later publication."""
    idea.published_at, idea.public_photo = None, False
    return idea


def public_summary(idea: Idea, locale: str | None) -> tuple[str, str]:
    """(the summary in the reader's language, else Norwegian, else any; its language)."""
    summaries = idea.public_summary or {}
    for code in (locale, DEFAULT_LOCALE, *summaries):
        if code and summaries.get(code):
            return summaries[code], code
    return "", DEFAULT_LOCALE


async def published_ideas(session: AsyncSession, area_slug: str, *, since: datetime) -> list[Idea]:
    """The area's ideas published since `since` and still published, newest first."""
    rows = await session.execute(
        select(Idea)
        .where(Idea.area_slug == area_slug, Idea.published_at.is_not(None), Idea.published_at >= since)
        .order_by(Idea.published_at.desc(), Idea.id.desc())
    )
    return list(rows.scalars())
