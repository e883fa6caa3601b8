"""One idea on the web desk: what the resident gave beside its machine translation, its
history, and the answer form with a preview of exactly what each resident will read, in
their language; "you said, we did" (previewed the same way), inviting helpers to a dugnad,
joining it with an idea that asks for the same, and the photo."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from ...domain import dugnad, ideas
from ...domain.queries import IDEA_REF, parse_ref, supporters
from ...domain.similar import similar_ideas, sketches_of
from ...domain.translations import IDEA
from ...models import (
    ANSWER_TEMPLATES, IDEA_ANSWER_STATUSES, IDEA_DONE, IDEA_OPEN_STATUSES, IDEA_STATUSES, SEASONS, DugnadEvent, Idea,
    IdeaStatusChange, Staff,
)
from ...text.labels import staff_answer
from ...text.resident import LOCALES, Text
from ...text.staff import (
    STAFF_DEFAULT_LOCALE,
    answer_template_labels,
    channel_labels,
    idea_category_labels,
    idea_status_labels,
    language_labels,
    season_labels,
)
from .. import actions, previews
from . import forms
from .desk import Desk, config, page
from .photos import KEPT, photo_kind
from .publish import results_section
from .shares import UNTRANSLATED, language_previews, share_views, untranslated, untranslated_notice
from .translated import translated
from .voices import kept_photo, players

MAX_NOTE = 1000  # the staff's own words; an SMS resident pays for every 153 characters
MAX_AGENCY = 120  # IdeaStatusChange.template_param
NO_TEMPLATE = "none"
PREVIEW = "answer-preview"  # the element htmx fills with the preview
AREA_PREVIEW = "area-preview"  # the element htmx fills with the preview of "you said, we did"
INVITE_CHOICES = 9  # coming dugnads offered for an invitation, as residents see them


async def my_idea(desk: Desk) -> Idea:
    """The idea named in the path when it is in the staff member's areas, else 404 (never
    saying whether it exists elsewhere)."""
    idea = await desk.session.get(Idea, desk.request.path_params["idea_id"])
    if idea is None or idea.area_slug not in desk.area_slugs:
        raise HTTPException(404)
    return idea


@dataclass(frozen=True)
class Answer:
    """The answer form as sent: a status the idea may move to, a ready-made answer with
    its season or agency, and the staff's own words."""

    status: str = ""
    template: str = NO_TEMPLATE
    season: str = ""
    agency: str = ""
    note: str = ""

    @classmethod
    def read(cls, desk: Desk) -> Answer:
        form = desk.form
        return cls(
            status=forms.one_of(form.get("status"), IDEA_ANSWER_STATUSES, ""),
            template=forms.one_of(form.get("template"), (*ANSWER_TEMPLATES, NO_TEMPLATE), NO_TEMPLATE),
            season=forms.one_of(form.get("season"), SEASONS, ""),
            agency=forms.text(form.get("agency"), MAX_AGENCY),
            note=forms.text(form.get("note"), MAX_NOTE),
        )

    @property
    def chosen_template(self) -> str | None:
        return None if self.template == NO_TEMPLATE else self.template

    @property
    def template_param(self) -> str | None:
        return {"season": self.season or None, "passed_on": self.agency or None}.get(self.template)


async def history(desk: Desk, idea: Idea) -> list[dict]:
    """Every status change, oldest first, with who made it and the answer as a resident
    reading the staff member's language got it."""
    rows = await desk.session.execute(
        select(IdeaStatusChange, Staff.name)
        .outerjoin(Staff, Staff.id == IdeaStatusChange.staff_id)
        .where(IdeaStatusChange.idea_id == idea.id)
        .order_by(IdeaStatusChange.created_at, IdeaStatusChange.id)
    )
    reader = Text(desk.text.locale, desk.app.settings.timezone)
    return [
        {"change": change, "who": name, "answer": staff_answer(reader, change) if change.template else None}
        for change, name in rows.all()
    ]


async def render_idea(
    desk: Desk, idea: Idea, *, status_code: int = 200, template: str = "idea.html", **context: object
) -> Response:
    """The idea page (or, with `template`, the part of it htmx asked for)."""
    t = desk.text
    moves = ideas.IDEA_TRANSITIONS[idea.status]
    values = {
        "idea": idea,
        "area_name": desk.area_name(idea.area_slug),
        "supporters": await supporters(desk.session, idea.id),
        "history": await history(desk, idea),
        "moves": [s for s in IDEA_STATUSES if s in moves],
        "events": [e for e, _taken in await dugnad.upcoming_events(desk.session, idea.area_slug, limit=INVITE_CHOICES)],
        "event_title": lambda event: dugnad.event_title(event, STAFF_DEFAULT_LOCALE),
        "photo": photo_kind(idea.photo_ref, config(desk.request).photos is not None),
        "points": [{"lat": idea.latitude, "lon": idea.longitude, "label": f"I-{idea.id}"}]
        if idea.latitude is not None and idea.longitude is not None else [],
        "statuses": idea_status_labels(t),
        "categories": idea_category_labels(t),
        "languages": language_labels(t, LOCALES),
        "channels": channel_labels(t),
        "templates": answer_template_labels(t),
        "template_keys": (NO_TEMPLATE, *ANSWER_TEMPLATES),
        "seasons": season_labels(t),
        "answer": Answer(),
        "previews": None,
        "area_shares": None,  # "you said, we did" as each language will read it, once previewed
        "area_preview_id": AREA_PREVIEW,
        "area_error": None,
        "translating": desk.app.translator is not None,  # staff's words go machine translated
        "error": None,  # what went wrong with "you said, we did" or an invitation
        "answer_error": None,  # what to correct in the answer
        "done": IDEA_DONE,
        "preview_id": PREVIEW,
        "max_note": MAX_NOTE,
        "max_agency": MAX_AGENCY,
        # The resident's words (text, place) with their machine translation into the desk's language.
        "words": (await translated(desk, IDEA, [idea.id])).get(idea.id, {}),
        "notice": notice(desk, idea),
        "joinable": idea.status in IDEA_OPEN_STATUSES,  # may be joined with an idea it repeats
        "similar": await similar_to(desk, idea),
        # The resident's voice messages, to play beside the words a machine wrote down from them.
        "voices": (await players(desk, "idea", [idea.id])).get(idea.id, []),
        # Issue 19: on the area's public results page or not (templates/idea_results.html).
        "results": results_section(desk, idea),
    }
    values.update(context)
    return desk.render(template, status_code=status_code, **values)


async def similar_to(desk: Desk, idea: Idea) -> list:
    """For an open idea, the ideas of its area most like it: what it may be a duplicate of."""
    if idea.status not in IDEA_OPEN_STATUSES:
        return []
    sketch = (await sketches_of(desk.session, [idea], LOCALES))[0]
    return await similar_ideas(desk.session, idea.area_slug, sketch, reader=desk.text.locale, leave_out=idea.id)


def notice(desk: Desk, idea: Idea) -> str | None:
    """What the last action did, said after its redirect (?sent=2, ?told=40, ?invited=3)."""
    t, params = desk.text, desk.params
    if "sent" in params:
        sent = t._sn("Sent. I-{id} is now {status}; {n} resident will be told in their language.",
                     "Sent. I-{id} is now {status}; {n} residents will be told in their language.",
                     forms.whole(params["sent"], 0, low=0, high=10**6), id=idea.id,
                     status=idea_status_labels(t)[idea.status])
        return " ".join(filter(None, [sent, untranslated_notice(desk)]))  # and languages that got it as written
    if "told" in params:
        return t._sn("“You said, we did” goes to {n} resident.", "“You said, we did” goes to {n} residents.",
                     forms.whole(params["told"], 0, low=0, high=10**6))
    if "joined" in params:
        return t._sn("I-{id} is joined with I-{original}; {n} resident is told which idea they follow now.",
                     "I-{id} is joined with I-{original}; {n} residents are told which idea they follow now.",
                     forms.whole(params["joined"], 0, low=0, high=10**6), id=idea.id, original=idea.duplicate_of)
    if "invited" in params:
        return t._sn("{n} resident who wants to help is invited.", "{n} residents who want to help are invited.",
                     forms.whole(params["invited"], 0, low=0, high=10**6))
    return None


@page()
async def idea_page(desk: Desk) -> Response:
    """GET /desk/ideas/12"""
    return await render_idea(desk, await my_idea(desk))


@page()
async def preview(desk: Desk) -> Response:
    """POST /desk/ideas/12/preview: what each resident would read; nothing is stored or sent."""
    idea, answer = await my_idea(desk), Answer.read(desk)
    context: dict = {"answer": answer}
    status_code = 200
    try:
        if not answer.status:
            raise ideas.TransitionRefused("no status")
        ideas.draft_answer(idea, answer.status, note=answer.note or None, template=answer.chosen_template,
                           template_param=answer.template_param)
    except ideas.TransitionRefused:
        context["answer_error"] = refusal(desk, answer)
        status_code = 400
    else:
        # The translator is called while the staff member waits, outside any transaction
        # (SQLite's BEGIN IMMEDIATE would hold its cache writes back); nothing is written here.
        await desk.session.commit()
        language = desk.text.locale
        shares = await previews.preview_answer(
            desk.app, idea.id, answer.status, note=answer.note or None, template=answer.chosen_template,
            template_param=answer.template_param, language=language,
        )
        addressees = await actions.preview_answer(
            desk.session, idea, answer.status, note=answer.note or None, timezone=desk.app.settings.timezone,
            template=answer.chosen_template, template_param=answer.template_param, note_language=language,
        )
        context["previews"] = language_previews(desk, shares, addressees)
    template = "idea_preview.html" if desk.partial(PREVIEW) else "idea.html"
    return await render_idea(desk, idea, status_code=status_code, template=template, **context)


def refusal(desk: Desk, answer: Answer) -> str:
    """Why an answer cannot go, in the staff member's language."""
    t = desk.text
    if not answer.status:
        return t._s("Choose a status.")
    if answer.template == "season" and not answer.season:
        return t._s("Choose the season.")
    if answer.template == "passed_on" and not answer.agency:
        return t._s("Write the agency's name.")
    return t._s("The idea cannot take that status now. Reload the page and try again.")


@page()
async def send_answer(desk: Desk) -> Response:
    """POST /desk/ideas/12/answer: record the answer and queue it to every follower, in
    one transaction with its audit line."""
    idea, answer = await my_idea(desk), Answer.read(desk)
    try:
        if not answer.status:
            raise ideas.TransitionRefused("no status")
        told = await actions.answer_idea(
            desk.session, idea, answer.status, note=answer.note or None, timezone=desk.app.settings.timezone,
            staff_id=desk.staff.id, template=answer.chosen_template, template_param=answer.template_param,
            note_language=desk.text.locale, base_url=desk.app.settings.public_base_url,
        )
    except ideas.TransitionRefused:
        return await render_idea(desk, idea, status_code=400, answer=answer, answer_error=refusal(desk, answer))
    await desk.audit("idea_answer", f"I-{idea.id}", f"{answer.status}; {answer.template}; told {told}")
    query: dict = {"sent": told}
    missing = await untranslated(desk, answer.note, await ideas.followers(desk.session, idea))
    if missing:
        query[UNTRANSLATED] = missing
    return desk.redirect("idea", query=query, idea_id=idea.id)


@page()
async def you_said_we_did_preview(desk: Desk) -> Response:
    """POST /desk/ideas/12/you-said-we-did/preview: "you said, we did" as each language of
    the area will read it, the idea quoted in a machine translation; nothing is sent."""
    idea = await my_idea(desk)
    partial = desk.partial(AREA_PREVIEW)
    template = "idea_area_preview.html" if partial else "idea.html"
    if idea.status != IDEA_DONE or not idea.text:
        refused = desk.text._s("The idea is not done yet.")
        return await render_idea(desk, idea, status_code=400, template=template,
                                 **({"area_error": refused} if partial else {"error": refused}))
    # The translator is called while the staff member waits, outside any transaction.
    await desk.session.commit()
    shares = await previews.preview_you_said_we_did(desk.app, idea.id)
    return await render_idea(desk, idea, template=template, area_shares=share_views(desk, shares))


@page()
async def you_said_we_did(desk: Desk) -> Response:
    """POST /desk/ideas/12/you-said-we-did: tell the whole area a done idea is done."""
    idea = await my_idea(desk)
    try:
        told = await actions.you_said_we_did(desk.session, idea, timezone=desk.app.settings.timezone)
    except ideas.TransitionRefused:
        return await render_idea(desk, idea, status_code=400, error=desk.text._s("The idea is not done yet."))
    await desk.audit("you_said_we_did", f"I-{idea.id}", f"told {told}")
    return desk.redirect("idea", query={"told": told}, idea_id=idea.id)


@page()
async def invite(desk: Desk) -> Response:
    """POST /desk/ideas/12/invite: invite the area's residents who want to help to a
    coming dugnad of the idea's area."""
    idea = await my_idea(desk)
    number = forms.whole(desk.form.get("event"), 0, low=1, high=2**31)
    event = await desk.session.get(DugnadEvent, number) if number else None
    coming = {e.id for e, _taken in await dugnad.upcoming_events(desk.session, idea.area_slug, limit=INVITE_CHOICES)}
    if event is None or event.id not in coming:
        return await render_idea(desk, idea, status_code=400, error=desk.text._s("Choose a coming dugnad."))
    told = await actions.invite_helpers(desk.session, event, timezone=desk.app.settings.timezone)
    await desk.audit("invite_helpers", f"#{event.id}", f"from I-{idea.id}; invited {told}")
    return desk.redirect("idea", query={"invited": told}, idea_id=idea.id)


@page()
async def duplicate(desk: Desk) -> Response:
    """POST /desk/ideas/12/duplicate: join the idea with the one it repeats (`of`: 7 or I-7,
    of the same area); its author and supporters follow that one and are told."""
    idea = await my_idea(desk)
    number = parse_ref(forms.text(desk.form.get("of"), 20), IDEA_REF)
    original = await desk.session.get(Idea, number) if number else None
    try:
        if original is None or original.area_slug != idea.area_slug:
            raise ideas.TransitionRefused("no such idea in the area")
        told = await actions.mark_duplicate(desk.session, idea, original, timezone=desk.app.settings.timezone,
                                            staff_id=desk.staff.id)
    except ideas.TransitionRefused:
        return await render_idea(desk, idea, status_code=400, error=desk.text._s(
            "Write the number of an open idea of {area}, for example I-7.", area=desk.area_name(idea.area_slug)))
    await desk.audit("idea_duplicate", f"I-{idea.id}", f"of I-{original.id}; told {told}")
    return desk.redirect("idea", query={"joined": told}, idea_id=idea.id)


@page()
async def photo(desk: Desk) -> Response:
    """GET /desk/ideas/12/photo: the resident's Telegram photo, fetched through the bot
    (the token stays on the server), or their MMS photo from the media folder; 404 when
    there is none to show."""
    idea = await my_idea(desk)
    if photo_kind(idea.photo_ref, True) == KEPT:
        return await kept_photo(desk, idea)
    fetch = config(desk.request).photos
    if fetch is None or photo_kind(idea.photo_ref, True) != "telegram":
        raise HTTPException(404)
    data = await fetch(idea.photo_ref)
    if data is None:
        raise HTTPException(404)
    return Response(data, media_type="image/jpeg")


routes = [
    Route("/ideas/{idea_id:int}", idea_page, methods=["GET"], name="idea"),
    Route("/ideas/{idea_id:int}/preview", preview, methods=["POST"], name="idea_preview"),
    Route("/ideas/{idea_id:int}/answer", send_answer, methods=["POST"], name="idea_answer"),
    Route("/ideas/{idea_id:int}/you-said-we-did/preview", you_said_we_did_preview, methods=["POST"],
          name="idea_you_said_we_did_preview"),
    Route("/ideas/{idea_id:int}/you-said-we-did", you_said_we_did, methods=["POST"], name="idea_you_said_we_did"),
    Route("/ideas/{idea_id:int}/invite", invite, methods=["POST"], name="idea_invite"),
    Route("/ideas/{idea_id:int}/duplicate", duplicate, methods=["POST"], name="idea_duplicate"),
    Route("/ideas/{idea_id:int}/photo", photo, methods=["GET"], name="idea_photo"),
]
