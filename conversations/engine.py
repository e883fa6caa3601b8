"""The conversation engine: (resident, inbound message) -> outbound messages.

It owns what every step shares: keywords at any step (menu, back, cancel, help, stop,
start), parsing answers by button, number or label, skip on optional steps, kind answers
to bad input, the 24-hour idle reset, and keeping the state in the database.

Three rules keep residents' words from being misread: typed words that are on a shown
option's label mean that option, not the keyword they may also be ("cancel" for "Cancel
my place"); a stop word that is not the carrier's asks before opting out (CONFIRM_STOP);
and a step may count an unclear answer as its safe choice (the danger question).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.media import MAX_VOICE_SECONDS, TOO_BIG, TOO_LONG
from bot.domain.residents import set_opted_out
from bot.models import ConversationState, Resident, utcnow
from bot.text.resident import LOCALES, Text

from .flows import FLOWS, MENU, ONBOARDING
from .flows.menu import help_text
from .flows.onboarding import arrival, arrive, preselect_language
from .keywords import CARRIER_STOP_WORDS, GLOBAL_KEYWORDS, keyword_words
from .matching import match_choice, normalize
from .messages import CHOICE, COMMAND, LOCATION, PHOTO, TEXT, VOICE, Capabilities, Choice, Inbound, Outbound
from .steps import (
    CHOOSE, DONE, PHOTO as EXPECTS_PHOTO, PLACE, QUIET, SKIP, Answer, Ctx, EngineConfig, Invalid, Prompt, Step, yes_no,
)

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

    idle = now - state.updated_at > IDLE_RESET
    if is_new or not state.step:
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
        answer = _parse(ctx, step, inbound)
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
        await _begin(ctx, MENU)
    elif ":" in following:  # another flow: "flow:" starts it at its first step
        await _begin(ctx, following.split(":", 1)[0])
    else:
        if following != ctx.state.step:  # "next idea" stays on its step; back skips it
            ctx.state.history = [*(ctx.state.history or []), ctx.state.step]
        ctx.state.step = following
        await _ask(ctx)


def _parse(ctx: Ctx, step, inbound: Inbound) -> Answer:
    """Turn the inbound message into the answer the step expects, or raise Invalid."""
    t = ctx.t
    shown = tuple(Choice(key, label) for key, label in ctx.data.get("_choices", []))
    if inbound.kind == CHOICE:
        current = inbound.prompt is None or inbound.prompt == ctx.data.get("_asked")
        if current and any(c.key == inbound.choice for c in shown):
            return Answer(choice=inbound.choice)
        raise Invalid(t._("That button is from an earlier question. Please answer this one."))
    if inbound.kind == LOCATION and step.expects == PLACE:
        if inbound.location is None or not inbound.location.valid:
            raise Invalid(t._("We could not read that location. Please write the place in words."))
        return Answer(location=inbound.location)
    if inbound.kind == PHOTO and step.expects == EXPECTS_PHOTO:
        return _photo(t, inbound)
    if inbound.kind == VOICE:
        return _voice(t, step, inbound)
    if inbound.kind != TEXT:
        raise Invalid(_unreadable(t, step.expects))

    text = inbound.text.strip()
    aliases = {word: key for word, key in keyword_words(t.locale).items() if key in ("yes", "no", "skip")}
    if step.expects == CHOOSE or (shown and step.optional):
        picked = match_choice(text, shown, aliases, partial=step.expects == CHOOSE)
        if picked is not None:
            return Answer(choice=picked.key)
        if step.expects == CHOOSE:
            if not text:
                raise Invalid(t._("We did not get any text. Please choose one of the options."))
            raise Invalid(t.ngettext(
                "Sorry, we did not understand. Please answer with the number {n}.",
                "Sorry, we did not understand. Please answer with a number from 1 to {n}.",
                len(shown),
            ))
    if step.expects == EXPECTS_PHOTO:
        raise Invalid(t._("Please send a photo, or choose “Skip”."))
    if not text:
        raise Invalid(t._("We did not get any text. Please write your answer."))
    if len(text) < step.min_length:
        raise Invalid(t._("That is a bit short. Please tell us a little more."))
    if len(text) > step.max_length:
        raise Invalid(t._(
            "Thank you! That is a bit long for us: please keep it under {limit} characters "
            "(you wrote {length}).",
            limit=t.number(step.max_length),
            length=t.number(len(text)),
        ))
    return Answer(text=text)


def _photo(t: Text, inbound: Inbound) -> Answer:
    """A photo at the photo step: a Telegram one by its reference, an MMS one once it is
    in the media folder."""
    attachment = inbound.attachment
    if (attachment is not None and attachment.file_name is None) or not inbound.photo_ref:
        raise Invalid(t._("We could not take that photo. Please send another one, or choose “Skip”."))
    return Answer(photo_ref=inbound.photo_ref, attachment=attachment)


def _voice(t: Text, step: Step, inbound: Inbound) -> Answer:
    """A voice message where spoken words are taken; else a kind word on what to do."""
    if not step.spoken:
        if step.expects == CHOOSE:
            raise Invalid(t._("We cannot listen to voice messages here. Please choose one of the options."))
        if step.expects == EXPECTS_PHOTO:
            raise Invalid(t._("Please send a photo, or choose “Skip”."))
        raise Invalid(_unreadable(t, step.expects))
    recording = inbound.attachment
    problem = recording.problem if recording is not None else None
    if problem == TOO_LONG:
        # Translators: {limit} is a number of minutes (5).
        raise Invalid(t._(
            "That voice message is too long for us. Please keep it under {limit} minutes, or write it.",
            limit=t.number(MAX_VOICE_SECONDS // 60),
        ))
    if problem == TOO_BIG:
        raise Invalid(t._("That voice message is too big for us. Please send a shorter one, or write it."))
    if recording is None or recording.file_name is None:
        raise Invalid(t._("We could not get your voice message. Please send it again, or write it."))
    return Answer(attachment=recording)


def _unreadable(t: Text, expects: str) -> str:
    if expects == CHOOSE:
        return t._("We can only read text here. Please choose one of the options.")
    if expects == PLACE:
        return t._("We can only read text or a location here. Please write the place in words.")
    return t._("We can only read text here, not voice messages or stickers. Please write it.")
