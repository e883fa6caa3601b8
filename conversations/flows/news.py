"""The monthly message, "What happened in your area": offered once, at the end of the first
flow in which a resident took part (an idea, a support, a sign-up, a proposal), never after
a safety report. Privacy turns it off and on again; bot/messaging/followups.py sends it."""

from __future__ import annotations

from bot.domain.residents import set_monthly_news

from ..messages import Choice
from ..steps import DONE, Answer, Ctx, Flow, Prompt, Step


def wants_asking(ctx: Ctx) -> bool:
    """Whether the flow just finished is where to offer it: once, after taking part."""
    return ctx.took_part and ctx.resident.monthly_news is None


async def ask_offer(ctx: Ctx) -> Prompt:
    """Offers one short message a month; from here on the resident counts as asked."""
    t = ctx.t
    if ctx.resident.monthly_news is None:
        await set_monthly_news(ctx.session, ctx.resident, False)  # a yes turns it on
    return Prompt(
        t._("Would you like one short message a month about {area}: ideas done, dugnads coming? "
            "You can turn it off under “{privacy}”.", area=t.ltr(ctx.area.name), privacy=t._("Privacy")),
        [Choice("yes", t._("Yes, once a month")), Choice("no", t._("No, thank you"))],
    )


async def take_offer(ctx: Ctx, answer: Answer) -> str:
    """Stores the choice; the menu next."""
    if answer.choice == "yes":
        await set_monthly_news(ctx.session, ctx.resident, True)
        ctx.say(ctx.t._("Good! You will get it at the start of each month."))
    else:
        ctx.say(ctx.t._("OK, no monthly message."))
    return DONE


FLOW = Flow("news", "offer", {"offer": Step(ask_offer, take_offer)})
