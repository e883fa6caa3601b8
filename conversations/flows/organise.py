"""Organise a dugnad: propose one (what, where, when, how many hands, the name neighbours
see), see how many signed up for the dugnads one organises, and write one message at a
time to their volunteers. Staff approve a proposal before it opens for sign-ups."""

from __future__ import annotations

from bot.domain.dugnad import event_title
from bot.domain.organisers import (
    PROPOSAL_REF,
    ProposalDraft,
    next_message_at,
    organised_events,
    propose_dugnad,
    resident_proposals,
    volunteers,
    write_to_volunteers,
)
from bot.models import MAX_ORGANISER_MESSAGE, MAX_ORGANISER_NAME, MAX_PLACE, MAX_PROPOSAL_WHAT, MAX_PROPOSAL_WHEN, DugnadEvent

from ..messages import Choice
from ..steps import DONE, WRITE, Answer, Ctx, Flow, Prompt, Step, yes_no
from .dugnad import free_places

HANDS = (5, 10, 20, 30)  # the sizes offered: a small job, a yard, a park, a big day
WHAT_MIN = 3  # one word is not a plan


async def ask_overview(ctx: Ctx) -> Prompt:
    """Says what organising means; lists the resident's dugnads (counts only) and
    proposals; offers a new proposal and a message to each dugnad's volunteers."""
    t = ctx.t
    events = await organised_events(ctx.session, ctx.resident, now=ctx.now)
    proposals = await resident_proposals(ctx.session, ctx.resident)
    lines, choices = [], [Choice("new", t._("Propose a dugnad"))]
    if not events and not proposals:  # the first time: what organising means
        lines.append(t._("Organise a dugnad with your neighbours: tell us what, where and when. "
                         "The district helps, and neighbours can sign up."))
    for event, taken, waiting in events:
        counts = [t.ngettext("{n} signed up", "{n} signed up", taken), free_places(t, event, taken)]
        if waiting:
            counts.append(t.ngettext("{n} waiting", "{n} waiting", waiting))
        lines.append(f"{t.ltr(event_title(event, t.locale))}, {t.short_date(event.start_at)}: {', '.join(counts)}")
        choices.append(Choice(f"write:{event.id}", t._("Write to your volunteers ({day})",
                                                        day=t.short_date(event.start_at))))
    for proposal in proposals:
        lines.append(t._("{ref}: waiting for the district", ref=t.ref(PROPOSAL_REF, proposal.id)))
    choices.append(Choice("menu", t._("Back to the menu")))
    return Prompt("\n".join(lines) or t._("Organise a dugnad"), choices)


async def take_overview(ctx: Ctx, answer: Answer) -> str:
    """Starts a proposal, or a message to a dugnad's volunteers."""
    if answer.choice == "menu":
        return DONE
    if answer.choice == "new":
        return "what"
    event = await ctx.session.get(DugnadEvent, int(answer.choice.split(":")[1]))
    if event is None or event.organiser_id != ctx.resident.id:
        return DONE
    again = await next_message_at(ctx.session, event)
    if again is not None and again > ctx.now:
        ctx.say(ctx.t._("You can send one message a day. You can write again on {when}.",
                        when=f"{ctx.t.short_date(again)} {ctx.t.time(again)}"))
        return DONE
    ctx.data["event"] = event.id
    return "message"


async def ask_what(ctx: Ctx) -> Prompt:
    """Asks what the neighbours would do together."""
    return Prompt(ctx.t._("What should neighbours do together? For example: clean up the playground."))


async def take_what(ctx: Ctx, answer: Answer) -> str:
    """Stores what; asks where next."""
    ctx.data["what"] = answer.text
    return "where"


async def ask_where(ctx: Ctx) -> Prompt:
    """Asks where to meet."""
    # Translators: the place where volunteers meet (a location).
    return Prompt(ctx.t._("Where do you meet? Write the place."))


async def take_where(ctx: Ctx, answer: Answer) -> str:
    """Stores the place; asks when next."""
    ctx.data["where"] = answer.text
    return "when"


async def ask_when(ctx: Ctx) -> Prompt:
    """Asks the day and time in the resident's own words; staff set the exact times."""
    return Prompt(ctx.t._("When? Write the day and the time, for example: Saturday 14 June, 10 to 14."))


async def take_when(ctx: Ctx, answer: Answer) -> str:
    """Stores when; asks how many hands next."""
    ctx.data["when"] = answer.text
    return "hands"


async def ask_hands(ctx: Ctx) -> Prompt:
    """Offers sizes: how many neighbours the dugnad needs."""
    t = ctx.t
    choices = [Choice(str(n), t.ngettext("About {n} person", "About {n} people", n)) for n in HANDS]
    return Prompt(t._("How many neighbours do you need?"), choices)


async def take_hands(ctx: Ctx, answer: Answer) -> str:
    """Stores the number of places; asks the name neighbours will see next."""
    ctx.data["hands"] = int(answer.choice)
    return "name"


async def ask_name(ctx: Ctx) -> Prompt:
    """Asks the first name or nickname shown as organiser (never a phone number)."""
    return Prompt(ctx.t._("Which name should neighbours see? Your first name or a nickname. "
                          "We never show your phone number."))


async def take_name(ctx: Ctx, answer: Answer) -> str:
    """Stores the organiser's name; shows everything for a last look next."""
    ctx.data["name"] = answer.text
    return "confirm"


async def ask_confirm(ctx: Ctx) -> Prompt:
    """Shows the proposal as it will be sent and asks to send it."""
    t, data = ctx.t, ctx.data
    lines = [
        # By SMS every line costs: the resident's own words in short, and no heading.
        *([] if ctx.can.compact else [t._("Your dugnad:")]),
        ctx.quote(data["what"]),
        t._("Where: {place}", place=ctx.quote(data["where"])),
        t._("When: {when}", when=ctx.quote(data["when"])),
        f'{t.ngettext("About {n} person", "About {n} people", data["hands"])} · {t.ltr(data["name"])}',
        t._("Shall we send it to the district?"),
    ]
    return Prompt(
        "\n".join(lines),
        [Choice("send", t._("Send it")), Choice("again", t._("Start again")), Choice("drop", t._("Do not send"))],
    )


async def take_confirm(ctx: Ctx, answer: Answer) -> str:
    """Saves the proposal for staff and tells its reference."""
    t, data = ctx.t, ctx.data
    if answer.choice == "again":
        ctx.forget()
        return "what"
    if answer.choice == "drop":
        ctx.say(t._("OK, we did not send it."))
        return DONE
    draft = ProposalDraft(what=data["what"], place=data["where"], when_text=data["when"], hands=data["hands"],
                          organiser_name=data["name"])
    proposal = await propose_dugnad(ctx.session, ctx.resident, draft, now=ctx.now)
    ctx.took_part = True
    ctx.say(t._("Thank you! Your dugnad is saved as {ref}. The district will look at it and tell you.",
                ref=t.ref(PROPOSAL_REF, proposal.id)))
    return DONE


async def ask_message(ctx: Ctx) -> Prompt:
    """Asks for the organiser's message to their volunteers."""
    event = await ctx.session.get(DugnadEvent, ctx.data["event"])
    count = len(await volunteers(ctx.session, event))
    return Prompt(ctx.t.ngettext(
        "Write your message to the {n} volunteer, in at most {limit} characters. "
        "Benken sends it; nobody sees your number.",
        "Write your message to the {n} volunteers, in at most {limit} characters. "
        "Benken sends it; nobody sees your number.",
        count, limit=ctx.t.number(MAX_ORGANISER_MESSAGE),
    ))


async def take_message(ctx: Ctx, answer: Answer) -> str:
    """Stores the message; asks to send it next."""
    ctx.data["message"] = answer.text
    return "send"


async def ask_send(ctx: Ctx) -> Prompt:
    """Shows the message and asks to send it."""
    question = ctx.t._("Send this message to your volunteers?")
    return Prompt(f"{ctx.quote(ctx.data['message'])}\n{question}",
                  yes_no(ctx.t))


async def take_send(ctx: Ctx, answer: Answer) -> str:
    """Leaves the message for Benken to send to every volunteer (see reminders)."""
    if answer.choice != "yes":
        ctx.say(ctx.t._("OK, we did not send it."))
        return DONE
    event = await ctx.session.get(DugnadEvent, ctx.data["event"])
    await write_to_volunteers(ctx.session, event, ctx.resident, ctx.data["message"], now=ctx.now)
    ctx.say(ctx.t._("Thank you! Benken sends your message to your volunteers now."))
    return DONE


FLOW = Flow(
    "organise",
    "overview",
    {
        "overview": Step(ask_overview, take_overview),
        "what": Step(ask_what, take_what, expects=WRITE, min_length=WHAT_MIN, max_length=MAX_PROPOSAL_WHAT),
        "where": Step(ask_where, take_where, expects=WRITE, max_length=MAX_PLACE),
        "when": Step(ask_when, take_when, expects=WRITE, max_length=MAX_PROPOSAL_WHEN),
        "hands": Step(ask_hands, take_hands),
        "name": Step(ask_name, take_name, expects=WRITE, max_length=MAX_ORGANISER_NAME),
        "confirm": Step(ask_confirm, take_confirm),
        "message": Step(ask_message, take_message, expects=WRITE, max_length=MAX_ORGANISER_MESSAGE),
        "send": Step(ask_send, take_send),
    },
)
