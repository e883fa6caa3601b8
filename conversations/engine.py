"""The conversation engine: (resident, inbound message) -> outbound messages.

It owns what every step shares: keywords at any step (menu, back, cancel, help, stop,
start), answers by button, number or label (parsing.py), skip on optional steps, kind
answers to bad input, the 24-hour idle reset, and keeping the state in the database.

Questions Benken asks on its own ("Is it fixed?") are put to a resident at rest (`pose`),
and their buttons answer them at any step ("standing answers": the key names the question).

Three rules keep residents' words from being misread: typed words that are on a shown
option's label mean that option, not the keyword they may also be ("cancel" for "Cancel
my place"); a stop word that is not the carrier's asks before opting out (CONFIRM_STOP);
and a step may count an unclear answer as its safe choice (the danger question).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.residents import set_opted_out
from bot.models import ConversationState, Resident, utcnow
from bot.text.resident import LOCALES, Text

from .flows import FLOWS, MENU, NEWS, ONBOARDING, STANDING
from .flows.menu import help_text
from .flows.news import wants_asking
from .flows.onboarding import arrival, arrive, preselect_language
from .keywords import CARRIER_STOP_WORDS, GLOBAL_KEYWORDS, keyword_words
from .matching import normalize
from .messages import CHOICE, COMMAND, TEXT, Capabilities, Choice, Inbound, Outbound
from .parsing import parse
from .steps import DONE, PLACE, QUIET, SKIP, Answer, Ctx, EngineConfig, Invalid, Prompt, Step, yes_no

IDLE_RESET = timedelta(hours=24)  # the rule: a day away starts again at the menu
# A step any flow can be at: "stop all messages?", asked after a stop word that is not
# the carrier's. The step it interrupted is on the history, so "no" goes back to it.
CONFIRM_STOP = "__confirm_stop__"


def _keyword(inbound: Inbound, resident: Resident, t: Text, timezone: str) -> str | None:
    if inbound.kind == COMMAND:
        return inbound.text if inbound.text in GLOBAL_KEYWORDS else None
    if inbound.kind != TEXT:
        return None
    text = inbound.text.strip()
    if text.startswith("/"):  # Telegram commands: /start, /menu, /help, /stop
        text = text[1:].split("@", 1)[0]
        text = text.split()[0] if text.split() else text  # "/start furuset" (a deep link) is /start
    wanted = normalize(text)
    if not wanted:
        return None
    # Before a language is chosen, a keyword in any of our languages is understood.
    for locale in [t.locale] if resident.locale else LOCALES:
        keyword = keyword_words(locale).get(wanted)
        if keyword in GLOBAL_KEYWORDS:
            return keyword
    return None


def _typed(inbound: Inbound) -> str:
    """What a resident typed, normalized, when it is plain text (not a /command)."""
    if inbound.kind != TEXT or inbound.text.strip().startswith("/"):
        return ""
    return normalize(inbound.text)


def _names_an_option(ctx: Ctx, inbound: Inbound) -> bool:
    """Whether the typed text is whole words of a shown option's label: then it means
    that option at this step, even where it is a keyword too ("cancel" for "Cancel my
    place", Urdu "منسوخ کریں" for "میری جگہ منسوخ کریں", "back" for "Back to the menu")."""
    wanted = _typed(inbound)
    labels = [normalize(label) for _key, label in ctx.data.get("_choices", [])]
    return bool(wanted) and any(f" {wanted} " in f" {label} " for label in labels)


def _is_carrier_stop(inbound: Inbound) -> bool:
    """A channel's own opt-out (SMS STOP), a /stop command, or a carrier word typed alone."""
    if inbound.kind == COMMAND or inbound.text.strip().startswith("/"):
        return True
    return _typed(inbound) in CARRIER_STOP_WORDS


async def handle(
    session: AsyncSession,
    resident: Resident,
    state: ConversationState | None,
    inbound: Inbound,
    config: EngineConfig,
    capabilities: Capabilities,
    *,
    now: datetime | None = None,
) -> list[Outbound]:
    """Answer one inbound message and move the resident's conversation on (`state` is
    where they are, None before their first answer)."""
    now = now or utcnow()
    is_new = state is None
    if state is None:
        state = ConversationState(resident_id=resident.id, flow=ONBOARDING, step="", data={}, history=[], updated_at=now)
        session.add(state)
    ctx = Ctx(session, resident, state, config, capabilities, now, Text(resident.locale, config.timezone),
              dict(state.data or {}))

    keyword = _keyword(inbound, resident, ctx.t, config.timezone)
    if resident.opted_out:
        if keyword == "start" or inbound.opted_out_means == "start":
            await set_opted_out(session, resident, False)
            ctx.say(ctx.t._("Welcome back! You will get messages from Benken again."))
            await _resume(ctx)
        _save(ctx)
        return ctx.out

    idle = _idle(state, now)
    standing = _standing(inbound)
    if standing and resident.onboarded:
        await _on_standing(ctx, standing, inbound, idle)
    elif is_new or not state.step:
        found = arrival(ctx, inbound)  # from a poster: the area is preselected
        if is_new and inbound.kind == TEXT and found is None:
            preselect_language(ctx, inbound.text)  # (an area's name says nothing of the language)
        await _begin(ctx, ONBOARDING)
        arrive(ctx, found)
    elif idle and (state.flow != MENU or state.step == CONFIRM_STOP) and resident.onboarded:
        ctx.say(ctx.t._("Welcome back! It has been a while, so we start again from the menu."))
        await _begin(ctx, MENU)
    elif idle and state.step == CONFIRM_STOP:
        await _resume(ctx)  # a day-old "stop all messages?" is not answered by what comes now
    elif keyword and not _names_an_option(ctx, inbound):
        await _on_keyword(ctx, keyword, inbound)
    else:
        await _on_answer(ctx, inbound)
    _save(ctx)
    return ctx.out


def _idle(state: ConversationState, now: datetime) -> bool:
    """Away longer than the flow waits for an answer (a day; "Is it fixed?" 14 days)."""
    flow = FLOWS.get(state.flow)
    waits = flow.waits if flow is not None and state.step != CONFIRM_STOP else None
    return now - state.updated_at > (waits or IDLE_RESET)


def _standing(inbound: Inbound) -> str | None:
    """The flow that takes a tapped button's answer at any step (see flows.STANDING)."""
    if inbound.kind != CHOICE or not inbound.choice:
        return None
    return STANDING.get(inbound.choice.split(":", 1)[0])


async def _on_standing(ctx: Ctx, flow_name: str, inbound: Inbound, idle: bool) -> None:
    """A standing answer: taken by its flow's step as usual when the resident is there;
    elsewhere kept, and the resident goes on where they were (at the menu after a day)."""
    flow = FLOWS[flow_name]
    step, answer = flow.steps[flow.first], Answer(choice=inbound.choice)
    if ctx.state.flow == flow_name:
        await _take(ctx, step, answer)
        return
    theirs, ctx.data = ctx.data, {}  # the other flow's answers are not that step's to touch
    await step.answer(ctx, answer)
    ctx.data = theirs
    await (_begin(ctx, MENU) if idle or ctx.state.step == QUIET else _ask(ctx))


async def pose(
    session: AsyncSession, resident: Resident, state: ConversationState | None, flow_name: str, data: dict,
    config: EngineConfig, capabilities: Capabilities, *, now: datetime,
) -> list[Outbound] | None:
    """Put a flow's first question to a resident at rest, so that their next message answers
    it; its text, for the outbox. None while they are in the middle of something."""
    if not at_rest(resident, state, flow_name, now):
        return None
    if state is None:
        state = ConversationState(resident_id=resident.id, flow=MENU, step="", data={}, history=[], updated_at=now)
        session.add(state)
    ctx = Ctx(session, resident, state, config, capabilities, now, Text(resident.locale, config.timezone),
              {"_asked": (state.data or {}).get("_asked", 0), **data})
    flow = FLOWS[flow_name]
    state.flow, state.step, state.history = flow.name, flow.first, []
    await _ask(ctx)
    _save(ctx)
    return ctx.out


def at_rest(resident: Resident, state: ConversationState | None, flow_name: str, now: datetime) -> bool:
    """At the menu (or that question), or away so long that their next message starts again
    anyway: never half-way through something, where their "1" answers what they were asked."""
    return resident.onboarded and (state is None or (
        state.step != CONFIRM_STOP and (state.flow in (MENU, flow_name) or _idle(state, now))))


def _save(ctx: Ctx) -> None:
    if ctx.state.step == QUIET:
        return
    ctx.state.data = ctx.data  # a new dict, so the JSON column is written
    ctx.state.updated_at = ctx.now


async def _on_keyword(ctx: Ctx, keyword: str, inbound: Inbound) -> None:
    t, onboarding = ctx.t, ctx.state.flow == ONBOARDING
    if keyword == "stop":
        if _is_carrier_stop(inbound) or ctx.state.step == CONFIRM_STOP:
            await _opt_out(ctx)
        else:
            ctx.state.history = [*(ctx.state.history or []), ctx.state.step]
            ctx.state.step = CONFIRM_STOP
            await _ask(ctx)
    elif keyword == "help" and _step(ctx).unclear and not onboarding:
        # "Help!" at the danger question is a call for help: the numbers, at once.
        await _take(ctx, _step(ctx), Answer(choice=_step(ctx).unclear))
    elif keyword == "help":
        ctx.say(help_text(t, compact=ctx.can.compact))
        await _ask(ctx)
    elif onboarding:
        await _ask(ctx)  # language and area come first; then every keyword works
    elif keyword in ("menu", "start"):
        await _begin(ctx, MENU)
    elif keyword == "cancel":
        if ctx.state.flow != MENU:
            # Translators: the resident left a question half-way by writing the
            # "cancel" keyword; nothing was sent. Not the word for "stop all
            # messages".
            ctx.say(t._("Cancelled. We did not save your answers."))
        await _begin(ctx, MENU)
    elif keyword == "back":
        history = list(ctx.state.history or [])
        if history:
            ctx.state.step = history.pop()
            ctx.state.history = history
            await _ask(ctx)
        else:
            await _begin(ctx, MENU)


async def _opt_out(ctx: Ctx) -> None:
    t = ctx.t
    await set_opted_out(ctx.session, ctx.resident, True)
    if ctx.can.carrier_stop:
        # After its stop words (STOP, CANCEL, END, QUIT, …) the carrier blocks the number,
        # and only START lifts the block: a translated word would reach us, but no answer
        # would reach the phone.
        # Translators: {start} is the English word START in capital letters:
        # keep it so.
        ctx.say(t._("You will get no more messages from Benken. To get them again, send {start}.", start="START"))
    else:
        ctx.say(t._(
            "You will get no more messages from Benken. To come back, write “{start}”.",
            start=t.keyword("start"),
        ))


async def _ask_stop(ctx: Ctx) -> Prompt:
    """Asks whether a stop word meant "stop all messages" (it may have meant "wait")."""
    return Prompt(ctx.t._("Do you want to stop all messages from Benken?"), yes_no(ctx.t))


async def _confirm_stop(ctx: Ctx, answer: Answer) -> None:
    """Opts out on yes; otherwise goes back to the question the resident was at."""
    history = list(ctx.state.history or [])
    ctx.state.step = history.pop() if history else FLOWS[ctx.state.flow].first
    ctx.state.history = history
    if answer.choice == "yes":
        await _opt_out(ctx)
    else:
        ctx.say(ctx.t._("OK, nothing was changed."))
        await _ask(ctx)


# _take hands its answer to _confirm_stop, which sets the step itself: after a yes
# nothing more is asked.
STOP_STEP = Step(_ask_stop, _confirm_stop)


def _step(ctx: Ctx) -> Step:
    if ctx.state.step == CONFIRM_STOP:
        return STOP_STEP
    return FLOWS[ctx.state.flow].steps[ctx.state.step]


async def _resume(ctx: Ctx) -> None:
    await _begin(ctx, MENU if ctx.resident.onboarded else ONBOARDING)


async def _begin(ctx: Ctx, flow_name: str) -> None:
    flow = FLOWS[flow_name]
    ctx.state.flow, ctx.state.step, ctx.state.history = flow.name, flow.first, []
    await ctx.release_held()  # a recording for answers left behind is not kept
    ctx.forget()
    await _ask(ctx)


async def _ask(ctx: Ctx) -> None:
    """Ask the current step's question and remember the choices shown with it."""
    step = _step(ctx)
    prompt = await step.ask(ctx)
    choices = list(prompt.choices)
    if step.optional:
        # Translators: the option that leaves out an optional answer (place, photo, more words).
        choices.append(Choice(SKIP, ctx.t._("Skip")))
    ctx.data["_choices"] = [[c.key, c.label] for c in choices]
    ctx.data["_asked"] = number = ctx.data.get("_asked", 0) + 1
    ctx.out.append(
        Outbound(prompt.text, tuple(choices), ask_location=step.expects == PLACE, rtl=ctx.t.rtl, prompt=number)
    )


async def _on_answer(ctx: Ctx, inbound: Inbound) -> None:
    step = _step(ctx)
    try:
        answer = parse(ctx, step, inbound)
    except Invalid as problem:
        if step.unclear is None:
            ctx.say(str(problem))
            await _ask(ctx)
            return
        answer = Answer(choice=step.unclear)  # not a clear answer: the safe one
    await _take(ctx, step, answer)


async def _take(ctx: Ctx, step: Step, answer: Answer) -> None:
    """Give the step its answer and move on to what it says comes next."""
    if step is STOP_STEP:
        await _confirm_stop(ctx, answer)
        return
    try:
        following = await step.answer(ctx, answer)
    except Invalid as problem:
        ctx.say(str(problem))
        await _ask(ctx)
        return
    if following == QUIET:
        ctx.state.step = QUIET
    elif following == DONE:
        # After the first flow they took part in, the monthly news is offered, once.
        await _begin(ctx, NEWS if wants_asking(ctx) else MENU)
    elif ":" in following:  # another flow: "flow:" starts it at its first step
        await _begin(ctx, following.split(":", 1)[0])
    else:
        if following != ctx.state.step:  # "next idea" stays on its step; back skips it
            ctx.state.history = [*(ctx.state.history or []), ctx.state.step]
        ctx.state.step = following
        await _ask(ctx)
