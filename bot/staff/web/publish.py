"""The idea page's "Results page" section: whether the idea is on its area's public
results page (bot/reports/results_page.py), since when, the public summary, and the
link. Its two routes (publish, take off) are in outreach.py with the other outreach."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ...domain import publishing
from ...models import IDEA_DONE, Idea
from . import forms
from .desk import Desk

SECTION = "results"  # the section's id: the redirect after publishing comes back to it


@dataclass(frozen=True)
class ResultsSection:
    """What the section shows: the summary as staff last wrote it (or as typed again after
    a mistake), whether a photo may go with it, the public link and what the last action did."""

    published_at: datetime | None
    summary: str
    photo_possible: bool
    photo: bool
    url: str
    done: bool
    max_summary: int = publishing.MAX_SUMMARY
    error: str | None = None
    notice: str | None = None


def public_link(desk: Desk, area_slug: str) -> str:
    """The area's results page: at PUBLIC_BASE_URL when set, else on this server's root."""
    base = desk.app.settings.public_base_url
    return publishing.results_url(base, area_slug) if base else publishing.RESULTS_PATH.format(slug=area_slug)


def results_section(desk: Desk, idea: Idea, **changes) -> ResultsSection:
    summary, _locale = publishing.public_summary(idea, desk.text.locale)
    values = {
        "published_at": idea.published_at,
        "summary": summary,
        "photo_possible": bool(idea.photo_ref),
        # Not ticked until staff tick it: a photo may show a face or a door number.
        "photo": idea.public_photo,
        "url": public_link(desk, idea.area_slug),
        "done": idea.status == IDEA_DONE,
        "notice": notice(desk, idea),
    }
    values.update(changes)
    return ResultsSection(**values)


def notice(desk: Desk, idea: Idea) -> str | None:
    """What publishing, updating or taking off just did (?published=3, ?updated=1, ?unpublished=1)."""
    t, params = desk.text, desk.params
    if "published" in params and idea.published_at is not None:
        told = forms.whole(params["published"], 0, low=0, high=10**6)
        if idea.status != IDEA_DONE:
            return t._s("I-{id} is on the results page. When it is done, its followers get the link.", id=idea.id)
        return t._sn("I-{id} is on the results page. {n} resident gets the link.",
                     "I-{id} is on the results page. {n} residents get the link.", told, id=idea.id)
    if "updated" in params and idea.published_at is not None:
        return t._s("The results page is updated; nobody is sent the link again.")
    if "unpublished" in params and idea.published_at is None:
        return t._s("I-{id} is no longer on the results page.", id=idea.id)
    return None
