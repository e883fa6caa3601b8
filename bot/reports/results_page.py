"""`GET /results/<area-slug>[?lang=CODE]`: the public "you said, we did" page, in every
resident language (right to left for Arabic, Urdu and Persian), small enough for a cheap
phone: one HTML response, no script, no file from elsewhere, a strict Content-Security-
Policy. Beside it, `/results/<slug>/poster.pdf` (a poster whose QR code opens the page)
and `/results/<slug>/photo/<id>` (a published idea's photo, when staff allowed it)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from ..areas import Area
from ..domain.dugnad import event_title
from ..domain.media import MEDIA_REF
from ..domain.publishing import RESULTS_PATH, public_summary, results_url
from ..domain.arrivals import telegram_link
from ..models import Idea, utcnow
from ..text.labels import idea_statuses
from ..text.resident import DEFAULT_LOCALE, LANGUAGE_NAMES, Text
from . import poster
from .results import Results, area_results

if TYPE_CHECKING:
    from ..app import App

CSS = (
    "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:40rem;padding:0 1rem;line-height:1.5;color:#1d1d1b}"
    "h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;border-bottom:2px solid #2a6f4e;margin-top:1.5rem}"
    ".brand{color:#2a6f4e;font-weight:bold;letter-spacing:.05em;margin:.8rem 0 0}nav{font-size:.95rem}"
    "article{border-bottom:1px solid #ddd;padding:.4rem 0}.meta{color:#555;font-size:.9rem;margin:0}"
    ".status{font-weight:bold;color:#2a6f4e}img{max-width:100%;height:auto}a{color:#1a5a9a}"
    "footer{margin:2rem 0;font-size:.95rem}"
)
# The page's one style sheet is inline and allowed by its hash; nothing else may load.
CSP = "; ".join((
    "default-src 'none'",
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()}'",
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "public, max-age=300",  # published news can wait five minutes
}


def _hours(t: Text, hours: float) -> str:
    # Translators: what neighbours gave, as in "12 neighbours gave {hours}".
    return t.ngettext("{n} hour", "{n} hours", round(hours, 1))


def page_html(area: Area, results: Results, locale: str, *, base: str, telegram: str | None) -> str:
    """The page in one language; `base` is where the results pages are (absolute or "")."""
    t = Text(locale)
    name = t.ltr(area.name)
    statuses = idea_statuses(t)
    ideas = []
    for idea in results.ideas:
        summary, summary_lang = public_summary(idea, locale)
        ideas.append({
            "ref": t.ref("I", idea.id), "status": statuses[idea.status], "when": t.date(idea.published_at.date()),
            "summary": summary, "summary_lang": summary_lang,
            "photo": f"{base}{RESULTS_PATH.format(slug=area.slug)}/photo/{idea.id}" if idea.public_photo else None,
        })
    dugnads = [
        t.ngettext("{day}: “{title}”, {n} neighbour gave {hours}", "{day}: “{title}”, {n} neighbours gave {hours}",
                   held.volunteers, day=t.short_date(held.event.start_at),
                   title=t.ltr(event_title(held.event, locale)), hours=_hours(t, held.hours))
        for held in results.dugnads
    ]
    ladder = results.ladder
    steps = [
        t.ngettext("{n} neighbour shared an idea", "{n} neighbours shared an idea", ladder.gave_idea),
        t.ngettext("{n} neighbour joined a dugnad", "{n} neighbours joined a dugnad", ladder.joined_dugnad),
        t.ngettext("{n} neighbour organised a dugnad", "{n} neighbours organised a dugnad", ladder.organised),
        t.ngettext("{n} neighbour gave {hours}", "{n} neighbours gave {hours}", results.volunteers,
                   hours=_hours(t, results.hours)),
    ]
    here = f"{base}{RESULTS_PATH.format(slug=area.slug)}"
    return _template().render(
        lang=t.locale, dir="rtl" if t.rtl else "ltr", css=CSS,
        title=t._("You said, we did: {area}", area=name),
        intro=t._("What neighbours in {area} asked for, and what the district did, in the last 12 months.", area=name),
        languages=[(code, own, f"{here}?lang={code}" if code != DEFAULT_LOCALE else here)
                   for code, own in LANGUAGE_NAMES.items()],
        ideas_heading=t._("Ideas"), ideas=ideas, no_ideas=t._("Nothing here yet. Share your idea with Benken!"),
        dugnads_heading=t._("Dugnads"), dugnads=dugnads, no_dugnads=t._("No dugnad yet this year."),
        ladder_heading=t._("Together"), ladder=steps,
        take_part=t._("Take part: share an idea, join a dugnad, or tell us where you feel unsafe."),
        telegram=telegram, poster=f"{here}/poster.pdf", poster_label=t._("A poster of this page (PDF)"),
    )


@lru_cache(maxsize=1)
def _template():
    return poster._environment().get_template("results.html")


def routes(app: App, telegram_bot=None) -> list[Route]:
    """The public page, its poster and its photos, for bot/web.py."""
    settings = app.settings

    def area_of(request: Request) -> Area | None:
        return app.areas.get(request.path_params["slug"])

    async def page(request: Request) -> Response:
        area = area_of(request)
        if area is None:
            return Response("Not found", status_code=404, headers=HEADERS)
        locale = request.query_params.get("lang", DEFAULT_LOCALE)
        locale = locale if locale in LANGUAGE_NAMES else DEFAULT_LOCALE
        async with app.sessions() as session:
            results = await area_results(session, area.slug, now=utcnow(), timezone=settings.timezone)
        telegram = telegram_link(settings.telegram_bot_username, area.slug) if settings.telegram_bot_username else None
        return HTMLResponse(page_html(area, results, locale, base="", telegram=telegram), headers=HEADERS)

    async def poster_pdf(request: Request) -> Response:
        area = area_of(request)
        if area is None:
            return Response("Not found", status_code=404, headers=HEADERS)
        base = settings.public_base_url or str(request.base_url)
        # Laying out takes a second: off the event loop, which serves webhooks meanwhile.
        pdf = await asyncio.to_thread(
            poster.poster_pdf, area, link=results_url(base, area.slug), langs=list(LANGUAGE_NAMES), kind=poster.RESULTS
        )
        return Response(pdf, media_type="application/pdf", headers=HEADERS)

    async def photo(request: Request) -> Response:
        area = area_of(request)
        async with app.sessions() as session:
            idea = await session.get(Idea, int(request.path_params["idea"]))
        if area is None or idea is None or idea.area_slug != area.slug or not idea.public_photo \
                or idea.published_at is None or not idea.photo_ref:
            return Response("Not found", status_code=404, headers=HEADERS)
        if idea.photo_ref.startswith(("file:", MEDIA_REF)):  # on our disk (`benken chat`; MMS)
            path = (app.media.path(idea.photo_ref.removeprefix(MEDIA_REF)) if idea.photo_ref.startswith(MEDIA_REF)
                    else Path(idea.photo_ref.removeprefix("file:")))
            if path.is_file():
                return FileResponse(path, headers=HEADERS)
        elif telegram_bot is not None and not idea.photo_ref.startswith("http"):  # a Telegram file id
            picture = await (await telegram_bot.get_file(idea.photo_ref)).download_as_bytearray()
            return Response(bytes(picture), media_type="image/jpeg", headers=HEADERS)
        return Response("Not found", status_code=404, headers=HEADERS)

    path = RESULTS_PATH.replace("{slug}", "{slug:str}")
    return [
        Route(path, page, methods=["GET"]),
        Route(path + "/poster.pdf", poster_pdf, methods=["GET"]),
        Route(path + "/photo/{idea:int}", photo, methods=["GET"]),
    ]
