"""Join a dugnad: upcoming events in the area, sign up or join the waiting list, cancel."""

from __future__ import annotations

from bot.domain.dugnad import (
    EventUnavailable,
    cancel_signup,
    event_title,
    resident_signups,
    sign_up,
    upcoming_events,
    waitlist_position,
)
from bot.domain.queries import places_taken
from bot.models import SIGNUP_CANCELLED, SIGNUP_CONFIRMED, DugnadEvent, Signup
from bot.text.resident import Text

from ..messages import Choice, Outbound, numbered
from ..steps import DONE, Answer, Ctx, Flow, Prompt, Step, yes_no


def when(t: Text, event: DugnadEvent) -> str:
    """"Saturday 5 December 10:00–14:00" in the reader's language and local time."""
    return f"{t.datetime(event.start_at)}–{t.time(event.end_at)}"


def free_places(t: Text, event: DugnadEvent, taken: int) -> str:
    free = max(event.capacity - taken, 0)
    if free == 0:
        # Translators: shown in brackets after a dugnad's date and title.
        return t._("full, waiting list open")
    # Translators: shown in brackets after a dugnad's date and title.
    # "place" here is a free spot for one volunteer, not a location.
    return t.ngettext("{n} place free", "{n} places free", free)


async def ask_list(ctx: Ctx) -> Prompt:
    """Lists the area's upcoming dugnads with date, time and free places."""
    t = ctx.t
    events = await upcoming_events(ctx.session, ctx.resident.area_slug, now=ctx.now)
    if not events:
        return _with_organise(ctx, Prompt(
            t._("No dugnad is planned in {area} right now. Please look again soon!", area=t.ltr(ctx.area.name)),
            [Choice("menu", t._("Back to the menu"))],
        ))
    choices = [
        Choice(
            str(event.id),
            f"{t.datetime(event.start_at)}: {t.ltr(event_title(event, t.locale))} ({free_places(t, event, taken)})",
        )
        for event, taken in events
    ]
    choices.append(Choice("menu", t._("Back to the menu")))
    return _with_organise(ctx, Prompt(
        t._("Coming dugnads in {area}. Which one do you want to join?", area=t.ltr(ctx.area.name)), choices
    ))


def _with_organise(ctx: Ctx, prompt: Prompt) -> Prompt:
    """Offers organising a dugnad last, where the message can afford it: by SMS it is
    not in the main menu (menu.py), so it is found here."""
    offered = Prompt(prompt.text, [*prompt.choices, Choice("organise:", ctx.t._("Organise a dugnad"))])
    return offered if ctx.can.fits(numbered(Outbound(offered.text, tuple(offered.choices), rtl=ctx.t.rtl))) else prompt


async def take_list(ctx: Ctx, answer: Answer) -> str:
    """Remembers the chosen event; shows it next (or starts organising one)."""
    if answer.choice == "menu":
        return DONE
    if answer.choice == "organise:":
        return answer.choice
    ctx.data["event"] = int(answer.choice)
    return "event"


async def _own_signup(ctx: Ctx, event_id: int) -> Signup | None:
    signups = await resident_signups(ctx.session, ctx.resident, now=ctx.now)
    return next((s for s, e in signups if e.id == event_id), None)


async def ask_event(ctx: Ctx) -> Prompt:
    """Shows the event in full and offers to sign up, wait, or cancel an existing place."""
    t = ctx.t
    event = await ctx.session.get(DugnadEvent, ctx.data["event"])
    taken = await places_taken(ctx.session, event.id)
    lines = [
        t.ltr(event_title(event, t.locale)),  # staff write titles in Norwegian
        t._("When: {when}", when=when(t, event)),
        t._("Where: {place}", place=t.ltr(event.place)),
        free_places(t, event, taken).capitalize(),
    ]
    if event.organiser_name:  # a resident organises it: by the name they chose
        lines.append(t._("Organised by {name}, a neighbour.", name=t.ltr(event.organiser_name)))
    signup = await _own_signup(ctx, event.id)
    if signup is not None:
        lines.append(t._("You are signed up ({ref}).", ref=t.ref("D", signup.id)))
        # Translators: give up one's spot at a dugnad ("place" is the spot, not
        # a location).
        choices = [Choice("cancel", t._("Cancel my place"))]
    elif taken < event.capacity:
        choices = [Choice("join", t._("Sign me up"))]
    else:
        choices = [Choice("join", t._("Join the waiting list"))]
    choices.append(Choice("list", t._("Other dugnads")))
    return Prompt("\n".join(lines), choices)


async def take_event(ctx: Ctx, answer: Answer) -> str:
    """Signs up (a place or the waiting list) and tells the D-reference."""
    t = ctx.t
    if answer.choice == "list":
        return "list"
    if answer.choice == "cancel":
        signup = await _own_signup(ctx, ctx.data["event"])
        ctx.data["signup"] = signup.id if signup else None
        return "cancel"
    try:
        signup = await sign_up(ctx.session, ctx.resident, ctx.data["event"], now=ctx.now)
    except EventUnavailable:
        ctx.say(t._("Sorry, this dugnad is no longer open."))
        return DONE
    ctx.took_part = True
    if signup.status == SIGNUP_CONFIRMED:
        ctx.say(t._("You are signed up! Your reference is {ref}. See you there!", ref=t.ref("D", signup.id)))
    else:
        position = await waitlist_position(ctx.session, signup)
        ctx.say(
            t._(
                # Translators: "a place opens": a spot for one more volunteer becomes
                # free.
                "This dugnad is full. You are number {position} on the waiting list ({ref}). "
                "We will tell you if a place opens.",
                position=t.number(position),
                ref=t.ref("D", signup.id),
            )
        )
    return DONE


async def ask_cancel(ctx: Ctx) -> Prompt:
    """Asks to confirm cancelling a sign-up."""
    return Prompt(ctx.t._("Do you want to cancel {ref}?", ref=ctx.t.ref("D", ctx.data.get("signup") or 0)), yes_no(ctx.t))


async def take_cancel(ctx: Ctx, answer: Answer) -> str:
    """Cancels the sign-up; the place goes to the first on the waiting list."""
    t = ctx.t
    signup = await ctx.session.get(Signup, ctx.data.get("signup") or 0)
    if answer.choice == "yes" and signup is not None and signup.resident_id == ctx.resident.id:
        if signup.status != SIGNUP_CANCELLED:
            await cancel_signup(ctx.session, signup, timezone=ctx.config.timezone, now=ctx.now)
        # Translators: "place" is the resident's spot at the dugnad, not a
        # location.
        ctx.say(t._("Your place {ref} is cancelled. Thank you for telling us!", ref=t.ref("D", signup.id)))
    else:
        ctx.say(t._("OK, nothing was changed."))
    return DONE


CANCEL_STEP = Step(ask_cancel, take_cancel)

FLOW = Flow(
    "dugnad",
    "list",
    {"list": Step(ask_list, take_list), "event": Step(ask_event, take_event), "cancel": CANCEL_STEP},
)
