"""Privacy: see everything stored about me, or delete it."""

from __future__ import annotations

from sqlalchemy import select

from bot import services
from bot.i18n import LANGUAGE_NAMES
from bot.models import IdeaSupport, SafetyReport

from ..labels import idea_statuses, safety_categories, signup_statuses, staff_answer
from ..messages import Choice
from ..steps import DONE, QUIET, Answer, Ctx, Flow, Prompt, Step
from .dugnad import when


async def ask_choose(ctx: Ctx) -> Prompt:
    """Offers to show or delete the resident's data."""
    t = ctx.t
    return Prompt(
        t._("We only keep what you tell us here. What do you want to do?"),
        [
            Choice("see", t._("See my data")),
            Choice("delete", t._("Delete my data")),
            Choice("menu", t._("Back to the menu")),
        ],
    )


async def take_choose(ctx: Ctx, answer: Answer) -> str:
    """Shows the data, or asks to confirm deletion next."""
    if answer.choice == "see":
        ctx.say(await my_data(ctx))
        return DONE
    return "delete" if answer.choice == "delete" else DONE


async def my_data(ctx: Ctx) -> str:
    """Everything stored about the resident, in their language."""
    t, resident, session = ctx.t, ctx.resident, ctx.session
    address = t.ltr(resident.phone) if resident.channel == "sms" else t.ltr(f"Telegram {resident.telegram_id}")
    lines = [
        t._("This is what Benken keeps about you:"),
        t._("How we reach you: {address}", address=address),
        t._("Language: {language}", language=LANGUAGE_NAMES[t.locale]),
        t._("Area: {area}", area=t.ltr(ctx.area.name) if ctx.area else "-"),
        t._("First message: {date}", date=t.date(resident.first_seen.astimezone(t.zone).date())),
    ]
    statuses = idea_statuses(t)
    for idea, answer in await services.resident_ideas(session, resident):
        lines.append(f"{t.ref('I', idea.id)} · {statuses[idea.status]}: “{idea.text}”")
        if idea.place_text:
            lines.append(t._("Place: {place}", place=t.ltr(idea.place_text)))
        if answer:
            lines.append(t._("Answer: {note}", note=staff_answer(t, answer)))
    supported = (await session.execute(select(IdeaSupport.idea_id).where(IdeaSupport.resident_id == resident.id))).scalars().all()
    if supported:
        lines.append(t._("Ideas you support: {refs}", refs=", ".join(t.ref("I", i) for i in supported)))
    for signup, event in await services.resident_signups(session, resident, now=ctx.now):
        lines.append(
            f"{t.ref('D', signup.id)} · {t.ltr(services.event_title(event, t.locale))}, {when(t, event)}: "
            f"{signup_statuses(t)[signup.status]}"
        )
    reports = (await session.execute(select(SafetyReport).where(SafetyReport.resident_id == resident.id))).scalars()
    for report in reports:
        lines.append(f"{t.ref('S', report.id)} · {safety_categories(t)[report.category]}: {t.ltr(report.place_text or '-')}")
    lines.append(t._("Anonymous reports are not linked to you, so they are not shown here."))
    return "\n".join(lines)


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
    await services.erase_resident(
        ctx.session, ctx.resident, keep_ideas=answer.choice == "keep", timezone=ctx.config.timezone, now=ctx.now
    )
    ctx.say(t._("Your data is deleted. Thank you for your time with Benken. If you write again, we start fresh."))
    return QUIET


FLOW = Flow("privacy", "choose", {"choose": Step(ask_choose, take_choose), "delete": Step(ask_delete, take_delete)})
