"""The inbox, the desk's home page: ideas of the staff member's areas, the one whose
promised answer date comes first at the top; filtered, searched and paged. htmx swaps
the results when a filter changes; without JavaScript the same form reloads the page."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, func, or_, select
from starlette.responses import Response
from starlette.routing import Route

from ...domain.queries import IDEA_REF, parse_ref, supporters_column
from ...domain.translations import IDEA
from ...models import IDEA_CATEGORIES, IDEA_OPEN_STATUSES, IDEA_RECEIVED, IDEA_STATUSES, Idea, utcnow
from ...text.resident import LOCALES
from ...text.shorten import shorten
from ...text.staff import idea_category_labels, idea_status_labels, language_labels
from ...text.times import local_today
from . import forms
from .desk import Desk, page
from .translated import translated

PER_PAGE = 25  # ideas a page: a laptop screen and a little more, quick to read through
MAX_PAGE = 10_000  # pages beyond any real inbox; a bigger number is a typo
MAX_SEARCH = 100  # characters searched for
ROW_TEXT = 240  # characters of an idea shown in its row (the idea page has it all)
OPEN, ALL = "open", "all"  # the status filter beside the six statuses
RESULTS = "inbox-results"  # the element htmx swaps


@dataclass(frozen=True)
class InboxFilter:
    """What the staff member asked to see; every field checked when read."""

    status: str = OPEN
    area: str = ""
    category: str = ""
    language: str = ""
    overdue: bool = False
    helpers: bool = False
    q: str = ""
    page: int = 1

    @classmethod
    def read(cls, desk: Desk) -> InboxFilter:
        params = desk.params
        return cls(
            status=forms.one_of(params.get("status"), (OPEN, ALL, *IDEA_STATUSES), OPEN),
            area=forms.one_of(params.get("area"), desk.area_slugs, ""),
            category=forms.one_of(params.get("category"), IDEA_CATEGORIES, ""),
            language=forms.one_of(params.get("language"), LOCALES, ""),
            overdue=forms.flag(params.get("overdue")),
            helpers=forms.flag(params.get("helpers")),
            q=forms.text(params.get("q"), MAX_SEARCH),
            page=forms.whole(params.get("page"), 1, low=1, high=MAX_PAGE),
        )

    def query(self, **changes: object) -> str:
        """The query string of this filter (with changes), leaving out what is default."""
        values = asdict(replace(self, **changes))
        default = asdict(InboxFilter())
        kept = {k: ("1" if v is True else v) for k, v in values.items() if v != default[k]}
        return "?" + urlencode(kept) if kept else ""

    @property
    def narrowed(self) -> bool:
        return replace(self, page=1) != InboxFilter()


def conditions(desk: Desk, chosen: InboxFilter, today: date) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a filter, always inside the staff member's areas."""
    where = [desk.in_my_areas(Idea.area_slug)]
    if chosen.status == OPEN:
        where.append(Idea.status.in_(IDEA_OPEN_STATUSES))
    elif chosen.status != ALL:
        where.append(Idea.status == chosen.status)
    if chosen.area:
        where.append(Idea.area_slug == chosen.area)
    if chosen.category:
        where.append(Idea.category == chosen.category)
    if chosen.language:
        where.append(Idea.locale == chosen.language)
    if chosen.overdue:
        # As on the Telegram desk: still only received, and the promised day has passed.
        where += [Idea.status == IDEA_RECEIVED, Idea.answer_due < today]
    if chosen.helpers:
        where.append(Idea.wants_to_help.is_(True))
    if chosen.q:
        words = chosen.q.lower()
        # lower() folds every alphabet alike on both databases (bot/db.py teaches SQLite).
        found = [func.lower(Idea.text).contains(words, autoescape=True),
                 func.lower(Idea.place_text).contains(words, autoescape=True)]
        number = parse_ref(chosen.q, IDEA_REF)
        if number is not None:
            found.append(Idea.id == number)
        where.append(or_(*found))
    return where


async def find(desk: Desk, chosen: InboxFilter, today: date) -> tuple[list[tuple[Idea, int]], int]:
    """One page of ideas, soonest promised answer first, with their supporters; and how
    many match in all."""
    where = conditions(desk, chosen, today)
    total = (await desk.session.execute(select(func.count()).select_from(Idea).where(*where))).scalar_one()
    rows = await desk.session.execute(
        select(Idea, supporters_column())
        .where(*where)
        .order_by(Idea.answer_due, Idea.id)
        .offset((chosen.page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    )
    return [(idea, count) for idea, count in rows.all()], total


@page()
async def inbox(desk: Desk) -> Response:
    """GET /desk/: the inbox; with htmx asking for the results only, just those."""
    chosen = InboxFilter.read(desk)
    today = local_today(utcnow(), desk.app.settings.timezone)
    found, total = await find(desk, chosen, today)
    pages = max(1, -(-total // PER_PAGE))
    t = desk.text
    statuses = idea_status_labels(t)
    shown = await translated(desk, IDEA, [idea.id for idea, _count in found], limit=ROW_TEXT)  # the page's, at once
    context = {
        "chosen": chosen,
        "rows": [
            {
                "idea": idea,
                "supporters": count,
                "text": shorten(idea.text, ROW_TEXT),
                "overdue": idea.status == IDEA_RECEIVED and idea.answer_due < today,
                # Its words and their machine translation into the desk's language, shortened.
                "words": shown.get(idea.id, {}).get("text"),
            }
            for idea, count in found
        ],
        "total": total,
        "pages": pages,
        "statuses": statuses,
        "categories": idea_category_labels(t),
        "languages": language_labels(t, LOCALES),
        # "All open" is the default, sent as no value: addresses stay short.
        "status_options": [("", t._s("All open"))] + [(s, statuses[s].capitalize()) for s in IDEA_STATUSES]
        + [(ALL, t._s("All, done and declined too"))],
        "results_id": RESULTS,
    }
    if desk.partial(RESULTS):
        return desk.render("inbox_results.html", **context)
    return desk.render("inbox.html", **context)


routes = [Route("/", inbox, methods=["GET"], name="inbox")]
