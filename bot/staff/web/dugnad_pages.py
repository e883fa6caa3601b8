"""Dugnads on the web desk: coming and past ones, a new one, moving or cancelling one, its
sign-ups and waiting list (language and channel, never an address), who came and for how
long, and inviting residents who want to help."""

from __future__ import annotations

from sqlalchemy import or_, select
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from ...domain import dugnad, organisers
from ...domain.queries import places_taken_column, waiting_column
from ...models import (
    EVENT_SCHEDULED,
    SIGNUP_ATTENDED,
    SIGNUP_CONFIRMED,
    SIGNUP_WAITLISTED,
    DugnadEvent,
    Signup,
    utcnow,
)
from ...text.resident import LOCALES
from ...text.staff import STAFF_DEFAULT_LOCALE, channel_labels, language_labels, signup_status_labels
from .. import actions
from ..dugnads import MAX_HOURS
from . import forms
from .desk import Desk, page
from .dugnad_form import CHANGE_FIELDS, NEW_FIELDS, EventForm, change_of, english_title, read_event_form, typed_from

PAST_SHOWN = 30  # past and cancelled dugnads listed, newest first
COMING_SHOWN = 100  # coming dugnads listed; more than a district plans at once
EVENT_ID_MAX = 2**31 - 1


def title(event: DugnadEvent) -> str:
    return dugnad.event_title(event, STAFF_DEFAULT_LOCALE)


async def my_event(desk: Desk) -> DugnadEvent:
    """The dugnad named in the path when it is in the staff member's areas, else 404."""
    event = await desk.session.get(DugnadEvent, desk.request.path_params["event_id"])
    if event is None or event.area_slug not in desk.area_slugs:
        raise HTTPException(404)
    return event


def is_coming(event: DugnadEvent) -> bool:
    """Still to come (or going on): it can be moved, cancelled and invited to."""
    return event.status == EVENT_SCHEDULED and event.end_at > utcnow()


@page()
async def dugnad_list(desk: Desk) -> Response:
    """GET /desk/dugnads: coming dugnads soonest first, then past and cancelled ones."""
    now = utcnow()
    listed = select(DugnadEvent, places_taken_column(), waiting_column()).where(desk.in_my_areas(DugnadEvent.area_slug))
    coming = (await desk.session.execute(
        listed.where(DugnadEvent.status == EVENT_SCHEDULED, DugnadEvent.end_at > now)
        .order_by(DugnadEvent.start_at).limit(COMING_SHOWN)
    )).all()
    past = (await desk.session.execute(
        listed.where(or_(DugnadEvent.status != EVENT_SCHEDULED, DugnadEvent.end_at <= now))
        .order_by(DugnadEvent.start_at.desc()).limit(PAST_SHOWN)
    )).all()
    return desk.render("dugnads.html", coming=coming, past=past, title=title)


def _form_page(desk: Desk, form: EventForm, *, event: DugnadEvent | None = None, status_code: int = 200,
               area: str = "") -> Response:
    return desk.render("dugnad_form.html", status_code=status_code, form=form, event=event, chosen_area=area,
                       title=title)


@page()
async def new_dugnad(desk: Desk) -> Response:
    """GET /desk/dugnads/new"""
    return _form_page(desk, EventForm(typed={"capacity": "20"}))


@page()
async def create_dugnad(desk: Desk) -> Response:
    """POST /desk/dugnads: a new dugnad in one of the staff member's areas."""
    area = desk.require_area(str(desk.form.get("area") or ""))
    form = read_event_form(desk, NEW_FIELDS)
    if not form.ok:
        form.typed["title_en"] = english_title(desk)
        return _form_page(desk, form, status_code=400, area=area)
    start, end = form.moments(desk.app.settings.timezone)
    titles = {STAFF_DEFAULT_LOCALE: form.read["title"]} | ({"en": english_title(desk)} if english_title(desk) else {})
    event = await dugnad.create_event(
        desk.session, area_slug=area, titles=titles, place=form.read["place"], start_at=start, end_at=end,
        capacity=form.read["capacity"], timezone=desk.app.settings.timezone,
    )
    await desk.audit("event_create", f"#{event.id}", f"{area}: {form.read['title']}")
    return desk.redirect("dugnad", query={"made": 1}, event_id=event.id)


async def _event_page(desk: Desk, event: DugnadEvent, *, status_code: int = 200, error: str | None = None) -> Response:
    signups = await dugnad.event_signups(desk.session, event.id)
    t = desk.text
    waiting = [s for s, _l, _c in signups if s.status == SIGNUP_WAITLISTED]
    return desk.render(
        "dugnad.html",
        status_code=status_code,
        event=event,
        title=title(event),
        area_name=desk.area_name(event.area_slug),
        coming=is_coming(event),
        signups=signups,
        with_place=[row for row in signups if row[0].status in (SIGNUP_CONFIRMED, SIGNUP_ATTENDED)],
        position={s.id: n for n, s in enumerate(waiting, start=1)},
        hours=dugnad.event_hours(event),
        statuses=signup_status_labels(t),
        languages=language_labels(t, LOCALES),
        channels=channel_labels(t),
        attended=SIGNUP_ATTENDED,
        max_hours=MAX_HOURS,
        notice=_notice(desk),
        error=error,
        # A resident organises it (issue 19): what they wrote to the volunteers, counted.
        organiser_messages=len(await organisers.event_messages(desk.session, event.id)) if event.organiser_name else 0,
    )


def _notice(desk: Desk) -> str | None:
    """What the last action did, said after its redirect."""
    t, params = desk.text, desk.params

    def count(key: str) -> int:
        return forms.whole(params.get(key), 0, low=0, high=10**6)

    if "made" in params:
        return t._s("The dugnad is made. Residents of the area see it under “Join a dugnad”.")
    if "changed" in params:
        return t._sn("Changed. {n} resident will be told.", "Changed. {n} residents will be told.", count("changed"))
    if "cancelled" in params:
        return t._sn("Cancelled. {n} resident will be told.", "Cancelled. {n} residents will be told.",
                     count("cancelled"))
    if "invited" in params:
        return t._sn("{n} resident who wants to help is invited.", "{n} residents who want to help are invited.",
                     count("invited"))
    if "marked" in params:
        return t._sn("{n} volunteer marked as came. They get thanks the morning after.",
                     "{n} volunteers marked as came. They get thanks the morning after.", count("marked"))
    return None


@page()
async def dugnad_page(desk: Desk) -> Response:
    """GET /desk/dugnads/3: the dugnad, its sign-ups and waiting list, and attendance."""
    return await _event_page(desk, await my_event(desk))


@page()
async def edit_dugnad(desk: Desk) -> Response:
    """GET /desk/dugnads/3/edit: move a coming dugnad in time or place."""
    event = await my_event(desk)
    if not is_coming(event):
        raise HTTPException(404)
    return _form_page(desk, EventForm(typed=typed_from(event, desk)), event=event)


@page()
async def change_dugnad(desk: Desk) -> Response:
    """POST /desk/dugnads/3/edit: everyone signed up or waiting is told of the change."""
    event = await my_event(desk)
    if not is_coming(event):
        raise HTTPException(404)
    form = read_event_form(desk, CHANGE_FIELDS)
    if not form.ok:
        return _form_page(desk, form, event=event, status_code=400)
    change = change_of(event, form, desk.app.settings.timezone)
    if change is None:
        return desk.redirect("dugnad", event_id=event.id)
    told = await actions.change_event(desk.session, event, change, timezone=desk.app.settings.timezone)
    moved = [name for name, value in (("start", change.start_at), ("end", change.end_at), ("place", change.place)) if value]
    await desk.audit("event_change", f"#{event.id}", f"{', '.join(moved)}; told {told}")
    return desk.redirect("dugnad", query={"changed": told}, event_id=event.id)


async def _tell_everyone(desk: Desk, action, *, audit: str, said: str, refusal: str) -> Response:
    """Cancel a coming dugnad or invite to it (`action`), tell the residents it concerns,
    audit it, and say how many were told (`said`: the redirect's note, "cancelled=3")."""
    event = await my_event(desk)
    if not is_coming(event):
        return await _event_page(desk, event, status_code=400, error=refusal)
    told = await action(desk.session, event, timezone=desk.app.settings.timezone)
    await desk.audit(audit, f"#{event.id}", f"{said} {told}")
    return desk.redirect("dugnad", query={said: told}, event_id=event.id)


@page()
async def cancel_dugnad(desk: Desk) -> Response:
    """POST /desk/dugnads/3/cancel: everyone signed up or waiting is told."""
    return await _tell_everyone(desk, actions.cancel_event, audit="event_cancel", said="cancelled",
                                refusal=desk.text._s("This dugnad cannot be cancelled now."))


@page()
async def invite_to_dugnad(desk: Desk) -> Response:
    """POST /desk/dugnads/3/invite: residents of the area who want to help an idea happen."""
    return await _tell_everyone(desk, actions.invite_helpers, audit="invite_helpers", said="invited",
                                refusal=desk.text._s("Invite to a coming dugnad only."))


def _hours(raw: object) -> float | None:
    """Hours as typed ("2,5" too) when more than 0 and at most MAX_HOURS, else None."""
    try:
        hours = float(str(raw).strip().replace(",", "."))
    except ValueError:
        return None
    return hours if 0 < hours <= MAX_HOURS else None


@page()
async def mark_attendance(desk: Desk) -> Response:
    """POST /desk/dugnads/3/attendance: the ticked volunteers came, each for the hours
    written beside them (the dugnad's length when left as it was)."""
    event = await my_event(desk)
    ticked = {forms.whole(v, 0, low=1, high=EVENT_ID_MAX) for v in desk.form.getlist("came")}
    signups = (await desk.session.execute(
        select(Signup).where(Signup.event_id == event.id, Signup.id.in_(ticked),
                             Signup.status.in_((SIGNUP_CONFIRMED, SIGNUP_ATTENDED)))
    )).scalars().all()
    hours = {s.id: _hours(desk.form.get(f"hours-{s.id}")) for s in signups}
    if any(value is None for value in hours.values()):
        return await _event_page(desk, event, status_code=400,
                                 error=desk.text._s("Hours must be more than 0 and at most 24."))
    for signup in signups:
        await dugnad.mark_attended(desk.session, signup, hours=hours[signup.id])
    if signups:
        detail = ", ".join(f"D-{s.id} {hours[s.id]:g} h" for s in signups)
        await desk.audit("attendance", f"#{event.id}", detail)
    return desk.redirect("dugnad", query={"marked": len(signups)}, event_id=event.id)


routes = [
    Route("/dugnads", dugnad_list, methods=["GET"], name="dugnads"),
    Route("/dugnads", create_dugnad, methods=["POST"], name="dugnad_create"),
    Route("/dugnads/new", new_dugnad, methods=["GET"], name="dugnad_new"),
    Route("/dugnads/{event_id:int}", dugnad_page, methods=["GET"], name="dugnad"),
    Route("/dugnads/{event_id:int}/edit", edit_dugnad, methods=["GET"], name="dugnad_edit"),
    Route("/dugnads/{event_id:int}/edit", change_dugnad, methods=["POST"], name="dugnad_change"),
    Route("/dugnads/{event_id:int}/cancel", cancel_dugnad, methods=["POST"], name="dugnad_cancel"),
    Route("/dugnads/{event_id:int}/invite", invite_to_dugnad, methods=["POST"], name="dugnad_invite"),
    Route("/dugnads/{event_id:int}/attendance", mark_attendance, methods=["POST"], name="dugnad_attendance"),
]
