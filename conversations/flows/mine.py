"""My things: the resident's ideas with status and answer, and their sign-ups."""

from __future__ import annotations

from bot.domain.dugnad import accept_offer, event_title, resident_signups
from bot.domain.ideas import resident_ideas
from bot.domain.media import recordings
from bot.models import SIGNUP_OFFERED, Signup
from bot.text.labels import idea_statuses, signup_statuses, staff_answer

from ..messages import Choice
from ..steps import DONE, Answer, Ctx, Flow, Prompt, Step, voice_label
from .dugnad import CANCEL_STEP, when

async def ask_overview(ctx: Ctx) -> Prompt:
    """Lists ideas (status, staff answer) and sign-ups, with a choice for each sign-up."""
    t = ctx.t
    ideas = await resident_ideas(ctx.session, ctx.resident)
    signups = await resident_signups(ctx.session, ctx.resident, now=ctx.now)
    statuses = idea_statuses(t)
    compact = ctx.can.compact
    lines: list[str] = []
    if ideas:
        lines.append(t._("Your ideas:"))
        spoken = await recordings(ctx.session, "idea", [idea.id for idea, _answer in ideas])
        for idea, answer in ideas:
            line = f"{t.ref('I', idea.id)} · {statuses[idea.status]}"
            voice = spoken.get(idea.id, {}).get("text")
            words = ctx.quote(idea.text, in_list=True) if idea.text or voice is None else voice_label(t, voice.seconds)
            # By SMS the reference and status are enough to find one's idea: every
            # character of a list costs, and the whole text is under "see my data".
            lines.append(line if compact else f"{line}: {words}")
            if answer:
                lines.append(t._("Answer: {note}", note=staff_answer(t, answer)))
    if signups:
        lines.append(t._("Your dugnads:"))
        for signup, event in signups:
            day = t.short_date(event.start_at) if compact else when(t, event)
            lines.append(
                f"{t.ref('D', signup.id)} · {t.ltr(event_title(event, t.locale))}, {day}: "
                f"{signup_statuses(t)[signup.status]}"
            )
    if not lines:
        lines.append(t._("You have no ideas or sign-ups yet."))
    choices = []
    for signup, _event in signups:
        if signup.status == SIGNUP_OFFERED:
            # Translators: accept the spot at a dugnad that was kept for the
            # resident.
            choices.append(Choice(f"accept:{signup.id}", t._("Take the place {ref}", ref=t.ref("D", signup.id))))
        # Translators: give up the sign-up {ref} (a spot at a dugnad).
        choices.append(Choice(f"cancel:{signup.id}", t._("Cancel {ref}", ref=t.ref("D", signup.id))))
    choices.append(Choice("menu", t._("Back to the menu")))
    return Prompt("\n".join(lines), choices)


async def take_overview(ctx: Ctx, answer: Answer) -> str:
    """Takes an offered place, or asks to confirm a cancellation next."""
    if answer.choice == "menu":
        return DONE
    action, signup_id = answer.choice.split(":")
    if action == "cancel":
        ctx.data["signup"] = int(signup_id)
        return "cancel"
    signup = await ctx.session.get(Signup, int(signup_id))
    if signup is not None and await accept_offer(ctx.session, signup, now=ctx.now):
        # Translators: "place" is a spot at the dugnad, not a location.
        ctx.say(ctx.t._("The place is yours! Your reference is {ref}. See you there!", ref=ctx.t.ref("D", signup.id)))
    else:
        ctx.say(ctx.t._("Sorry, the time to take this place has run out."))
    return DONE


FLOW = Flow("mine", "overview", {"overview": Step(ask_overview, take_overview), "cancel": CANCEL_STEP})
