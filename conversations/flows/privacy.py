"""Privacy: see everything stored about me, or delete it."""

from __future__ import annotations

from bot.domain.dugnad import event_title, every_signup
from bot.domain.followup import answers_of
from bot.domain.ideas import resident_ideas, supported_idea_ids
from bot.domain.media import recordings
from bot.domain.organisers import PROPOSAL_REF, resident_proposals
from bot.domain.residents import erase_resident, set_monthly_news
from bot.domain.safety import named_reports
from bot.text.labels import idea_statuses, safety_categories, signup_statuses, staff_answer
from bot.text.resident import LANGUAGE_NAMES

from ..messages import Choice
from ..steps import DONE, QUIET, Answer, Ctx, Flow, Prompt, Step, voice_label
from .dugnad import when


async def ask_choose(ctx: Ctx) -> Prompt:
    """Offers to show or delete the resident's data."""
    t = ctx.t
    monthly = (Choice("news_off", t._("Turn off the monthly message")) if ctx.resident.monthly_news
               else Choice("news_on", t._("Get a monthly message")))
    return Prompt(
        t._("We only keep what you tell us here. What do you want to do?"),
        [
            Choice("see", t._("See my data")),
            Choice("delete", t._("Delete my data")),
            monthly,
            Choice("menu", t._("Back to the menu")),
        ],
    )


async def take_choose(ctx: Ctx, answer: Answer) -> str:
    """Shows the data, turns the monthly message off or on, or asks to confirm deletion next."""
    if answer.choice in ("news_on", "news_off"):
        wanted = answer.choice == "news_on"
        await set_monthly_news(ctx.session, ctx.resident, wanted)
        ctx.say(ctx.t._("Good! You will get it at the start of each month.") if wanted
                else ctx.t._("The monthly message is turned off."))
        return DONE
    if answer.choice == "see":
        # All of it, in as many messages as the channel needs (an SMS costs by the segment).
        for message in ctx.can.in_messages(await my_data(ctx)):
            ctx.say(message)
        return DONE
    return "delete" if answer.choice == "delete" else DONE


async def my_data(ctx: Ctx) -> list[str]:
    """Everything stored about the resident, in their language, line by line."""
    t, resident, session = ctx.t, ctx.resident, ctx.session
    address = t.ltr(resident.phone or f"Telegram {resident.telegram_id}")
    lines = [
        t._("This is what Benken keeps about you:"),
        t._("How we reach you: {address}", address=address),
        t._("Language: {language}", language=LANGUAGE_NAMES[t.locale]),
        t._("Area: {area}", area=t.ltr(ctx.area.name) if ctx.area else "-"),
        t._("First message: {date}", date=t.date(resident.first_seen.astimezone(t.zone).date())),
    ]
    if resident.monthly_news:
        lines.append(t._("You get a monthly message about {area}.", area=t.ltr(ctx.area.name) if ctx.area else "-"))
    if resident.source:  # a poster's or a place's code, from a link or an SMS keyword
        lines.append(t._("How you found Benken: {source}", source=t.ltr(resident.source)))
    for proposal in await resident_proposals(session, resident):
        lines.append(f"{t.ref(PROPOSAL_REF, proposal.id)}: “{proposal.what}” ({t.ltr(proposal.organiser_name)})")
    statuses = idea_statuses(t)
    ideas = await resident_ideas(session, resident)
    reports = await named_reports(session, resident)
    idea_voices = await recordings(session, "idea", [idea.id for idea, _answer in ideas])
    report_voices = await recordings(session, "safety", [report.id for report in reports])
    for idea, answer in ideas:
        lines.append(f"{t.ref('I', idea.id)} · {statuses[idea.status]}: “{idea.text}”")
        if idea.place_text:
            lines.append(t._("Place: {place}", place=t.ltr(idea.place_text)))
        lines += [voice_label(t, voice.seconds) for voice in idea_voices.get(idea.id, {}).values()]
        if answer:
            lines.append(t._("Answer: {note}", note=staff_answer(t, answer)))
    supported = sorted(await supported_idea_ids(session, resident))
    if supported:
        lines.append(t._("Ideas you support: {refs}", refs=", ".join(t.ref("I", i) for i in supported)))
    said = {"yes": t._("Yes"), "partly": t._("Partly"), "no": t._("No")}
    for idea_id, answer in await answers_of(session, resident):
        lines.append(t._("Is {ref} fixed? You answered: {answer}", ref=t.ref("I", idea_id), answer=said[answer]))
    # Every sign-up kept, past and cancelled ones too: all that is stored, not what is next.
    for signup, event in await every_signup(session, resident):
        day = t.short_date(event.start_at) if ctx.can.compact else when(t, event)
        lines.append(
            f"{t.ref('D', signup.id)} · {t.ltr(event_title(event, t.locale))}, {day}: {signup_statuses(t)[signup.status]}"
        )
    for report in reports:
        lines.append(f"{t.ref('S', report.id)} · {safety_categories(t)[report.category]}: {t.ltr(report.place_text or '-')}")
        lines += [voice_label(t, voice.seconds) for voice in report_voices.get(report.id, {}).values()]
    lines.append(t._("Anonymous reports are not linked to you, so they are not shown here."))
    return lines


async def ask_delete(ctx: Ctx) -> Prompt:
    """Asks to confirm deletion, with the choice to leave ideas behind without a name."""
    t = ctx.t
    return Prompt(
        t._("Do you want us to delete your data? This cannot be undone."),
        [
            Choice("all", t._("Delete everything")),
            Choice("keep", t._("Delete, but keep my ideas without my name")),
            Choice("no", t._("No, keep my data")),
        ],
    )


async def take_delete(ctx: Ctx, answer: Answer) -> str:
    """Erases the resident; nothing more is said or stored after the goodbye."""
    t = ctx.t
    if answer.choice == "no":
        ctx.say(t._("OK, nothing was deleted."))
        return DONE
    await erase_resident(
        ctx.session, ctx.resident, keep_ideas=answer.choice == "keep", timezone=ctx.config.timezone, now=ctx.now
    )
    ctx.say(t._("Your data is deleted. Thank you for your time with Benken. If you write again, we start fresh."))
    return QUIET


FLOW = Flow("privacy", "choose", {"choose": Step(ask_choose, take_choose), "delete": Step(ask_delete, take_delete)})
