"""Staff and dugnads: coming events, who signed up and who came, cancelling or moving an
event, inviting residents who want to help, and a new dugnad asked step by step."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select

from ..domain import dugnad, organisers
from ..domain.queries import SIGNUP_REF, parse_ref, places_taken_column, ref, waiting_column
from ..models import (
    EVENT_SCHEDULED,
    MAX_PLACE,
    SIGNUP_CONFIRMED,
    DugnadEvent,
    Signup,
    StaffState,
    utcnow,
)
from ..text.resident import LANGUAGE_NAMES
from ..text.staff import STAFF_DEFAULT_LOCALE, StaffText
from ..text.times import parse_clock, parse_day, parse_local_moment
from . import actions
from .desk import LIST_LIMIT, Desk, button, esc, rows

NEW_EVENT = "newevent"  # the unfinished work: a dugnad being described
MAX_TITLE = 120
MAX_CAPACITY = 1000
MAX_HOURS = 24


def _title(event: DugnadEvent) -> str:
    return dugnad.event_title(event, STAFF_DEFAULT_LOCALE)


async def list_events(desk: Desk, _args) -> None:
    """/events: coming dugnads with places taken and the waiting list."""
    t = desk.t
    found = (await desk.session.execute(
        select(DugnadEvent, places_taken_column(), waiting_column())
        .where(DugnadEvent.area_slug.in_(desk.slugs), DugnadEvent.status == EVENT_SCHEDULED,
               DugnadEvent.end_at > utcnow())
        .order_by(DugnadEvent.start_at).limit(LIST_LIMIT)
    )).all()
    if not found:
        desk.tell(t._s("No dugnads coming. Make one with /newevent."))
        return
    lines = [f"<b>{esc(t._s('Coming dugnads'))}</b>"]
    for event, taken, waiting in found:
        lines.append(esc(t._s(
            "#{id} {title}, {when}, {area}: {taken} of {capacity} places, {waiting} waiting",
            id=event.id, title=_title(event), when=t.datetime(event.start_at),
            area=desk.area_name(event.area_slug), taken=taken, capacity=event.capacity, waiting=waiting,
        )))
    desk.say("\n".join(lines), rows([button(f"#{e.id}", "su", e.id) for e, _t, _w in found], 4))


async def signups_command(desk: Desk, args: list[str]) -> None:
    if not args:
        desk.tell(desk.t._s("Which dugnad? For example: /signups 3"))
        return
    await show_signups(desk, args[0])


async def show_signups(desk: Desk, raw: str) -> None:
    """Who signed up (language and channel, never an address), with "came" buttons."""
    event = await desk.event(str(raw))
    if event is None:
        return
    t = desk.t
    found = await dugnad.event_signups(desk.session, event.id)
    lines = [f"<b>#{event.id} {esc(_title(event))}</b> · {esc(t.datetime(event.start_at))}"]
    if not found:
        lines.append(esc(t._s("Nobody has signed up yet.")))
    for signup, locale, channel in found:
        hours = f" · {t.number(signup.hours)} h" if signup.hours else ""
        language = LANGUAGE_NAMES.get(locale or "", "-")
        lines.append(f"{ref(SIGNUP_REF, signup.id)} · {esc(signup.status)} · {esc(language)} · {esc(channel)}{hours}")
    lines += organiser_lines(desk, event, await organisers.event_messages(desk.session, event.id))
    buttons = [button(t._s("D-{id} came", id=s.id), "came", s.id) for s, _l, _c in found if s.status == SIGNUP_CONFIRMED]
    if buttons:
        buttons.append(button(t._s("Everyone confirmed came"), "allcame", event.id))
    desk.say("\n".join(lines), rows(buttons, 3))


def organiser_lines(desk: Desk, event, messages) -> list[str]:
    """For /signups: who organises it (by the name they chose) and what they wrote."""
    if not event.organiser_name:
        return []
    t = desk.t
    lines = [esc(t._s("Organised by a resident: {name}", name=event.organiser_name))]
    lines += [esc(t._s("{day}, to {n}: {text}", day=t.datetime(m.created_at), n=m.sent_to, text=m.text)) for m in messages]
    return lines


async def came(desk: Desk, signup_id: str) -> None:
    await mark(desk, [signup_id], None)


async def all_came(desk: Desk, event_id: str) -> None:
    event = await desk.event(event_id)
    if event is None:
        return
    ids = (await desk.session.execute(
        select(Signup.id).where(Signup.event_id == event.id, Signup.status == SIGNUP_CONFIRMED)
    )).scalars().all()
    await mark(desk, [str(i) for i in ids], None)


async def attended_command(desk: Desk, args: list[str]) -> None:
    """/attended D-7 D-9 [hours]"""
    refs = [a for a in args if a.upper().startswith(f"{SIGNUP_REF}-")]
    numbers = [a.replace(",", ".") for a in args if re.fullmatch(r"\d+([.,]\d+)?", a)]
    hours = float(numbers[0]) if numbers else None
    if hours is not None and not 0 < hours <= MAX_HOURS:
        desk.tell(desk.t._s("Hours must be more than 0 and at most 24."))
        return
    if not refs:
        desk.tell(desk.t._s("Who came? For example: /attended D-7 D-9 2.5"))
        return
    await mark(desk, refs, hours)


async def mark(desk: Desk, raws: list[str], hours: float | None) -> None:
    marked = []
    for raw in raws:
        number = parse_ref(raw, SIGNUP_REF)
        signup = await desk.session.get(Signup, number) if number is not None else None
        event = await desk.session.get(DugnadEvent, signup.event_id) if signup else None
        if signup is None or event.area_slug not in desk.slugs:
            desk.tell(desk.t._s("There is no sign-up D-{id} in your areas.", id=number if number is not None else raw))
            continue
        try:
            await dugnad.mark_attended(desk.session, signup, hours=hours)
        except ValueError as problem:
            desk.tell(str(problem))
            continue
        marked.append(ref(SIGNUP_REF, signup.id))
    if marked:
        desk.tell(desk.t._s("Marked as came: {refs}. They get thanks tomorrow morning.", refs=", ".join(marked)))


async def cancel_event_command(desk: Desk, args: list[str]) -> None:
    if not args:
        desk.tell(desk.t._s("Which dugnad? For example: /cancelevent 3"))
        return
    event = await desk.event(args[0])
    if event is not None:
        desk.tell(desk.t._s("Cancel #{id} {title}? Everyone signed up will be told.", id=event.id, title=_title(event)),
                  rows([button(desk.t._s("Yes, cancel it"), "cx", event.id)], 1))


async def cancel_event_confirmed(desk: Desk, event_id: str) -> None:
    event = await desk.event(event_id)
    if event is None or event.status != EVENT_SCHEDULED:
        return
    told = await actions.cancel_event(desk.session, event, timezone=desk.tz)
    desk.tell(desk.t._sn("Cancelled. {n} resident will be told.", "Cancelled. {n} residents will be told.", told))


async def edit_event(desk: Desk, args: list[str]) -> None:
    """/editevent 3 place|start|end VALUE: move a dugnad; a new start keeps its length."""
    t = desk.t
    if len(args) < 3 or args[1] not in ("place", "start", "end"):
        desk.tell(t._s("For example: /editevent 3 place By the school, or /editevent 3 start 2026-12-05 11:00"))
        return
    event = await desk.event(args[0])
    if event is None:
        return
    value = " ".join(args[2:])
    change: dict = {}
    if args[1] == "place":
        change["place"] = value[:MAX_PLACE]
    else:
        moment = parse_local_moment(value, desk.tz)
        if moment is None:
            desk.tell(t._s("I could not read the time. Write it like 2026-12-05 11:00."))
            return
        change["start_at" if args[1] == "start" else "end_at"] = moment
        if args[1] == "start":
            change["end_at"] = moment + (event.end_at - event.start_at)
    try:
        told = await actions.change_event(desk.session, event, dugnad.EventChange(**change), timezone=desk.tz)
    except ValueError as problem:
        desk.tell(str(problem))
        return
    desk.tell(t._sn("Changed. {n} resident will be told.", "Changed. {n} residents will be told.", told))


async def invite(desk: Desk, args: list[str]) -> None:
    if not args:
        desk.tell(desk.t._s("Which dugnad? For example: /invite 3"))
        return
    event = await desk.event(args[0])
    if event is None:
        return
    told = await actions.invite_helpers(desk.session, event, timezone=desk.tz)
    desk.tell(desk.t._sn("{n} resident who wants to help is invited.", "{n} residents who want to help are invited.", told))


# A new dugnad, step by step ------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """One question of the new-dugnad steps: what to ask, and how to read the answer
    (the value, or raise ValueError with what to say)."""

    key: str
    question: Callable[[StaffText], str]
    read: Callable[[StaffText, str, dict], object]


def _read_title(_t, text, _data):
    return text[:MAX_TITLE]


def _read_day(t, text, _data):
    day = parse_day(text)
    if day is None:
        raise ValueError(t._s("I could not read the day. Write it like 2026-12-05."))
    return day.isoformat()


def _read_start(t, text, _data):
    clock = parse_clock(text)
    if clock is None:
        raise ValueError(t._s("Write the time like 10:00."))
    return clock


def _read_end(t, text, data):
    clock = _read_start(t, text, data)
    if clock <= data["start"]:
        raise ValueError(t._s("The end must be after the start."))
    return clock


def _read_place(_t, text, _data):
    return text[:MAX_PLACE]


def _read_capacity(t, text, _data):
    if not (text.isdigit() and 0 < int(text) <= MAX_CAPACITY):
        raise ValueError(t._s("Write a number, for example 20."))
    return int(text)


NEW_EVENT_STEPS = (
    Ask("title", lambda t: t._s("What is the dugnad called?"), _read_title),
    Ask("date", lambda t: t._s("Which day? For example 2026-12-05"), _read_day),
    Ask("start", lambda t: t._s("When does it start? For example 10:00"), _read_start),
    Ask("end", lambda t: t._s("When does it end? For example 14:00"), _read_end),
    Ask("place", lambda t: t._s("Where do you meet?"), _read_place),
    Ask("capacity", lambda t: t._s("How many places?"), _read_capacity),
)
STEP_KEYS = [ask.key for ask in NEW_EVENT_STEPS]


async def new_event(desk: Desk, _args) -> None:
    """/newevent: the area first (skipped with one area), then each step in turn."""
    data: dict = {"step": "area"}
    if len(desk.slugs) == 1:
        data.update(area=desk.slugs[0], step=STEP_KEYS[0])
    await desk.keep(NEW_EVENT, data)
    _ask(desk, data)


def _ask(desk: Desk, data: dict) -> None:
    t = desk.t
    if data["step"] == "area":
        desk.tell(t._s("Which area?"), rows([button(desk.area_name(s), "na", s) for s in desk.slugs], 2))
        return
    question = NEW_EVENT_STEPS[STEP_KEYS.index(data["step"])].question(t)
    desk.say(esc(question) + "  " + esc(t._s("(/cancel to stop)")))


async def choose_area(desk: Desk, slug: str) -> None:
    state = await desk.state(NEW_EVENT)
    if state is None or slug not in desk.slugs:
        return
    data = {**state.data, "area": slug, "step": STEP_KEYS[0]}
    await desk.keep(NEW_EVENT, data)
    _ask(desk, data)


async def take_step(desk: Desk, state: StaffState, text: str) -> None:
    """Stores one answer and asks the next question, or shows it all to confirm."""
    t, data = desk.t, dict(state.data)
    if data.get("step") not in STEP_KEYS:
        return
    position = STEP_KEYS.index(data["step"])
    try:
        data[data["step"]] = NEW_EVENT_STEPS[position].read(t, text, data)
    except ValueError as problem:
        desk.tell(str(problem))
        return
    data["step"] = STEP_KEYS[position + 1] if position + 1 < len(STEP_KEYS) else "confirm"
    await desk.keep(NEW_EVENT, data)
    if data["step"] != "confirm":
        _ask(desk, data)
        return
    desk.tell(t._s("{title}, {date} {start}-{end}, {place}, {area}, {capacity} places. Create it?",
                   title=data["title"], date=data["date"], start=data["start"], end=data["end"],
                   place=data["place"], area=desk.area_name(data["area"]), capacity=data["capacity"]),
              rows([button(t._s("Create"), "mk")], 1))


async def create(desk: Desk) -> None:
    state = await desk.state(NEW_EVENT)
    if state is None or state.data.get("step") != "confirm":
        return
    data = state.data
    event = await dugnad.create_event(
        desk.session, area_slug=data["area"], titles={STAFF_DEFAULT_LOCALE: data["title"]}, place=data["place"],
        start_at=parse_local_moment(f"{data['date']} {data['start']}", desk.tz),
        end_at=parse_local_moment(f"{data['date']} {data['end']}", desk.tz),
        capacity=data["capacity"], timezone=desk.tz,
    )
    await desk.clear()
    desk.tell(desk.t._s("Dugnad #{id} is made. Residents of {area} see it under “Join a dugnad”. "
                        "Invite those who want to help with /invite {id}.",
                        id=event.id, area=desk.area_name(event.area_slug)))


COMMANDS = {
    "events": list_events, "signups": signups_command, "attended": attended_command,
    "cancelevent": cancel_event_command, "editevent": edit_event, "invite": invite, "newevent": new_event,
}
BUTTONS = {"su": show_signups, "came": came, "allcame": all_came, "cx": cancel_event_confirmed, "na": choose_area,
           "mk": create}
TEXT_STEPS = {NEW_EVENT: take_step}
