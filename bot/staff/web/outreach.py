"""Outreach on the web desk (issue 19): dugnads residents propose, approved with a day and
times (the resident its organiser) or declined with a word; each area's public results
page, Telegram deep link and SMS keyword, and its poster as a PDF; and, on the idea page,
putting an idea on the results page or taking it off (the section is in publish.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ...domain import organisers, publishing
from ...domain.arrivals import MAX_SOURCE, BadSource, telegram_link
from ...models import DugnadEvent, DugnadProposal
from ...reports import poster as layout
from ...text.resident import LANGUAGE_NAMES, LOCALES
from ...text.staff import language_labels
from .. import actions
from . import forms
from .desk import Desk, config, page
from .dugnad_form import EventForm, read_event_form
from .idea import my_idea, render_idea
from .publish import SECTION, public_link, results_section

APPROVE_FIELDS = ("date", "start", "end", "place", "capacity")  # what staff set or adjust on approval
MAX_DECLINE_NOTE = 500  # a few words of thanks; the resident may read them by SMS
POSTER_LANGS = ("nb", "en")  # ticked when the form is first shown


@dataclass(frozen=True)
class AreaOutreach:
    """One area's ways in: the public results page, the Telegram deep link and the SMS
    keyword (None when the bot's username, or SMS, is not configured)."""

    slug: str
    name: str
    results_url: str
    telegram: str | None
    keyword: str | None
    number: str | None


@dataclass
class PosterForm:
    """The poster form of one area as sent, and what to correct."""

    langs: list[str] = field(default_factory=lambda: list(POSTER_LANGS))
    source: str = ""
    error: str | None = None


def ways_in(desk: Desk) -> list[AreaOutreach]:
    cfg = config(desk.request)
    return [
        AreaOutreach(
            slug=area.slug, name=area.name, results_url=public_link(desk, area.slug),
            telegram=telegram_link(cfg.bot_username, area.slug) if cfg.bot_username else None,
            keyword=layout.sms_keyword(area) if cfg.sms_number else None,
            number=layout.display_number(cfg.sms_number) if cfg.sms_number else None,
        )
        for area in desk.areas
    ]


def approval_form(proposal: DugnadProposal) -> EventForm:
    """The approval form as first shown: the resident's place and hands; their "when" is
    their own words, shown beside it, so the day and times are left for staff."""
    return EventForm(typed={"date": "", "start": "", "end": "", "place": proposal.place,
                            "capacity": str(proposal.hands)})


async def render_outreach(
    desk: Desk, *, status_code: int = 200, approvals: dict[int, EventForm] | None = None,
    posters: dict[str, PosterForm] | None = None, error: str | None = None,
) -> Response:
    proposals = await organisers.open_proposals(desk.session, list(desk.area_slugs))
    approvals = approvals or {}
    posters = posters or {}
    return desk.render(
        "outreach.html",
        status_code=status_code,
        proposals=proposals,
        approvals={p.id: approvals.get(p.id) or approval_form(p) for p in proposals},
        ways=ways_in(desk),
        posters={area.slug: posters.get(area.slug) or PosterForm() for area in desk.areas},
        languages=language_labels(desk.text, LOCALES),
        max_source=MAX_SOURCE,
        max_note=MAX_DECLINE_NOTE,
        notice=await notice(desk),
        error=error,
    )


async def notice(desk: Desk) -> str | None:
    """What the last action did (?approved=<dugnad id>, ?declined=<proposal id>)."""
    t, params = desk.text, desk.params
    if "approved" in params:
        event = await desk.session.get(DugnadEvent, forms.whole(params["approved"], 0, low=1, high=2**31 - 1) or 0)
        if event is not None and event.area_slug in desk.area_slugs:
            return t._s("Dugnad #{id} is made, with {name} as organiser, who is told.", id=event.id,
                        name=event.organiser_name or "-")
    if "declined" in params:
        return t._s("P-{id} is declined; the resident is told.",
                    id=forms.whole(params["declined"], 0, low=1, high=2**31 - 1))
    return None


@page()
async def outreach_page(desk: Desk) -> Response:
    """GET /desk/outreach: proposed dugnads, and each area's links and poster."""
    return await render_outreach(desk)


async def my_proposal(desk: Desk) -> DugnadProposal:
    """The proposal in the path when it is of the staff member's areas, else 404."""
    proposal = await desk.session.get(DugnadProposal, desk.request.path_params["proposal_id"])
    if proposal is None or proposal.area_slug not in desk.area_slugs:
        raise HTTPException(404)
    return proposal


def decided(desk: Desk, proposal: DugnadProposal) -> str:
    return desk.text._s("P-{id} is decided already (by someone else, perhaps). Reload the page.", id=proposal.id)


@page()
async def approve(desk: Desk) -> Response:
    """POST /desk/outreach/proposals/3/approve: make the dugnad with the day, times, place
    and places staff set; the resident is its organiser and is told."""
    proposal = await my_proposal(desk)
    if proposal.status != organisers.PROPOSAL_PROPOSED:
        return await render_outreach(desk, status_code=400, error=decided(desk, proposal))
    form = read_event_form(desk, APPROVE_FIELDS)
    if not form.ok:
        return await render_outreach(desk, status_code=400, approvals={proposal.id: form},
                                     error=desk.text._s("Correct the fields marked below."))
    start_at, end_at = form.moments(desk.app.settings.timezone)
    event = await actions.approve_proposal(
        desk.session, proposal, timezone=desk.app.settings.timezone, staff_id=desk.staff.id,
        start_at=start_at, end_at=end_at, place=form.read["place"], capacity=form.read["capacity"],
    )
    await desk.audit("proposal_approve", f"P-{proposal.id}", f"dugnad #{event.id}")
    return desk.redirect("outreach", query={"approved": event.id})


@page()
async def decline(desk: Desk) -> Response:
    """POST /desk/outreach/proposals/3/decline: say no, with the staff's few words or none;
    the resident is told."""
    proposal = await my_proposal(desk)
    if proposal.status != organisers.PROPOSAL_PROPOSED:
        return await render_outreach(desk, status_code=400, error=decided(desk, proposal))
    note = forms.text(desk.form.get("note"), MAX_DECLINE_NOTE) or None
    await actions.decline_proposal(desk.session, proposal, note=note, timezone=desk.app.settings.timezone,
                                   staff_id=desk.staff.id)
    await desk.audit("proposal_decline", f"P-{proposal.id}", "with a note" if note else "without a note")
    return desk.redirect("outreach", query={"declined": proposal.id})


@page()
async def poster(desk: Desk) -> Response:
    """GET /desk/outreach/poster?area=furuset&langs=nb&langs=so&source=library: the area's
    A4 poster as a PDF (the QR code opens the bot with the area, and the source, chosen)."""
    slug = desk.require_area(forms.text(desk.params.get("area"), 64))
    t, cfg = desk.text, config(desk.request)
    form = PosterForm(langs=[code for code in desk.params.getlist("langs") if code in LANGUAGE_NAMES],
                      source=forms.text(desk.params.get("source"), 40))
    try:
        link = telegram_link(cfg.bot_username or "", slug, form.source.lower() or None)
    except BadSource:
        form.error = t._s("A source code is 1 to {n} letters a–z and digits, for example library2.", n=MAX_SOURCE)
    if not form.langs:
        form.error = t._s("Choose at least one language.")
    elif not cfg.bot_username:
        form.error = t._s("The poster needs the bot's Telegram username: set TELEGRAM_BOT_USERNAME.")
    if form.error:
        return await render_outreach(desk, status_code=400, posters={slug: form})
    area = desk.app.areas.require(slug)
    sms = layout.Sms(layout.sms_keyword(area), layout.display_number(cfg.sms_number)) if cfg.sms_number else None
    # Laying out takes a second or two: off the event loop, which serves others meanwhile.
    pdf = await asyncio.to_thread(layout.poster_pdf, area, link=link, langs=form.langs, sms=sms)
    await desk.audit("poster", slug, ",".join(form.langs) + (f"; source {form.source.lower()}" if form.source else ""))
    name = f"benken-poster-{slug}" + (f"-{form.source.lower()}" if form.source else "") + ".pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# An idea on the results page (the idea page's section, publish.py) --------------------------


def back_to_section(desk: Desk, idea_id: int, query: str) -> RedirectResponse:
    return RedirectResponse(f"{desk.url('idea', idea_id=idea_id)}?{query}#{SECTION}", status_code=303)


@page()
async def publish(desk: Desk) -> Response:
    """POST /desk/ideas/12/publish: put the idea on its area's results page with the
    public summary (again: an update); a done idea's followers get the link."""
    idea = await my_idea(desk)
    summary = forms.text(desk.form.get("summary"), publishing.MAX_SUMMARY)
    photo = forms.flag(desk.form.get("photo"))
    if not summary:
        refusal = desk.text._s("Write the public summary: the page shows it, not the resident's words.")
        section = results_section(desk, idea, summary="", photo=photo, error=refusal)
        return await render_idea(desk, idea, status_code=400, results=section)
    if idea.published_at is not None:
        # An update (a word mended, the photo on or off): followers have had the link once.
        await publishing.publish_idea(desk.session, idea, summary, desk.staff.id, locale=desk.text.locale, photo=photo)
        await desk.audit("idea_publish", f"I-{idea.id}", f"updated; photo {'yes' if idea.public_photo else 'no'}")
        return back_to_section(desk, idea.id, "updated=1")
    told = await actions.publish_idea(
        desk.session, idea, summary, staff_id=desk.staff.id, timezone=desk.app.settings.timezone,
        base_url=desk.app.settings.public_base_url, locale=desk.text.locale, photo=photo,
    )
    await desk.audit("idea_publish", f"I-{idea.id}",
                     f"published; photo {'yes' if idea.public_photo else 'no'}; told {told}")
    return back_to_section(desk, idea.id, f"published={told}")


@page()
async def unpublish(desk: Desk) -> Response:
    """POST /desk/ideas/12/unpublish: off the results page; the summary is kept."""
    idea = await my_idea(desk)
    await publishing.unpublish_idea(desk.session, idea)
    await desk.audit("idea_unpublish", f"I-{idea.id}")
    return back_to_section(desk, idea.id, "unpublished=1")


routes = [
    Route("/outreach", outreach_page, methods=["GET"], name="outreach"),
    Route("/outreach/proposals/{proposal_id:int}/approve", approve, methods=["POST"], name="proposal_approve"),
    Route("/outreach/proposals/{proposal_id:int}/decline", decline, methods=["POST"], name="proposal_decline"),
    Route("/outreach/poster", poster, methods=["GET"], name="outreach_poster"),
    Route("/ideas/{idea_id:int}/publish", publish, methods=["POST"], name="idea_publish"),
    Route("/ideas/{idea_id:int}/unpublish", unpublish, methods=["POST"], name="idea_unpublish"),
]
