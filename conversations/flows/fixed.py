"""“Is it fixed?”: a follower of a done idea answers Yes, Partly or No.

The question comes on its own a day after staff mark the idea done (bot/messaging/
followups.py puts it to a resident at rest with `engine.pose`: at the menu, or away for a
day; one in the middle of something is asked an hour later). While it is the last thing
asked, "1", "yes" or "Partly" answer it, for the 14 days it is open: the flow waits that
long before the menu. Its buttons carry the question (fixed:<question>:<answer>), so a
tap answers it from any step, and the resident goes on where they were (the engine's
standing answers).
"""

from __future__ import annotations

from bot.domain.followup import ANSWER_WITHIN, open_for_answers, questions_waiting, record_answer
from bot.domain.translations import cached, source_language
from bot.models import FIXED_ANSWERS, FIXED_NO, FIXED_PARTLY, FIXED_YES, Idea, IdeaCheck

from ..messages import Choice
from ..steps import DONE, Answer, Ctx, Flow, Prompt, Step

KEY = "fixed"  # the first part of the answers' choice keys


def answer_key(check_id: int, answer: str) -> str:
    return f"{KEY}:{check_id}:{answer}"


def parse(key: str | None) -> tuple[int, str] | None:
    """(question id, answer) of a choice key, or None for another key."""
    prefix, _, rest = (key or "").partition(":")
    number, _, answer = rest.partition(":")
    return (int(number), answer) if prefix == KEY and number.isdigit() and answer in FIXED_ANSWERS else None


async def idea_words(ctx: Ctx, idea: Idea) -> str:
    """An idea's words as this resident reads them: a machine's translation into their
    language when the cache has one, else as written; short by SMS."""
    source = source_language(idea)
    translated = await cached(ctx.session, idea.text, source, ctx.t.locale) if source != ctx.t.locale else None
    return ctx.quote_idea(idea.text, translated)


async def ask_answer(ctx: Ctx) -> Prompt:
    """Asks whether the done idea is fixed, quoting it in the resident's language."""
    t = ctx.t
    check = await ctx.session.get(IdeaCheck, ctx.data.get("check") or 0)
    idea = await ctx.session.get(Idea, check.idea_id) if check is not None else None
    if idea is None:  # the idea was deleted since
        return Prompt(t._("This question is closed now."), [Choice("menu", t._("Back to the menu"))])
    return Prompt(
        t._("The district says {ref} is done: {idea}\nIs it fixed?", ref=t.ref("I", idea.id),
            idea=await idea_words(ctx, idea)),
        [Choice(answer_key(check.id, FIXED_YES), t._("Yes")),
         # Translators: the answer to "Is it fixed?" between yes and no.
         Choice(answer_key(check.id, FIXED_PARTLY), t._("Partly")),
         Choice(answer_key(check.id, FIXED_NO), t._("No"))],
    )


async def take_answer(ctx: Ctx, answer: Answer) -> str:
    """Keeps the answer; the next open question comes next, if there is one, else the menu."""
    await keep_answer(ctx, answer.choice)
    waiting = await questions_waiting(ctx.session, ctx.resident, ctx.now)
    if not waiting:
        return DONE
    ctx.data["check"] = waiting[0].id
    return "answer"


async def keep_answer(ctx: Ctx, key: str | None) -> None:
    """Stores the answer a choice key carries (at this step, or a button tapped anywhere)
    and thanks for it; a "no" may put the idea back in front of staff."""
    t, parsed = ctx.t, parse(key)
    if parsed is None:
        return
    check = await ctx.session.get(IdeaCheck, parsed[0])
    if check is None or check.resident_id != ctx.resident.id or not open_for_answers(check, ctx.now):
        ctx.say(t._("This question is closed now."))
        return
    reopened = await record_answer(ctx.session, check, parsed[1], ctx.now)
    if parsed[1] == FIXED_YES:
        ctx.say(t._("Thank you! Good to hear."))
    elif reopened:
        ctx.say(t._("Thank you for telling us. The district will look at {ref} again.", ref=t.ref("I", check.idea_id)))
    else:
        ctx.say(t._("Thank you for telling us."))


FLOW = Flow("fixed", "answer", {"answer": Step(ask_answer, take_answer)}, waits=ANSWER_WITHIN)
