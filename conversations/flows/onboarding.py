"""First contact: greeting, language, area and the privacy notice; and changing language."""

from __future__ import annotations

from bot.domain.arrivals import FROM_KEYWORD, FROM_LINK, parse_payload
from bot.text.language_id import clearly_ours
from bot.text.resident import DEFAULT_LOCALE, LANGUAGE_NAMES, LOCALES, Text

from ..matching import normalize
from ..messages import TEXT, Choice, Inbound
from ..steps import DONE, Answer, Ctx, Flow, Prompt, Step

OTHER_LANGUAGE = "other"
PRESET_AREA = "_preset_area"  # kept when the onboarding flow begins (engine keys start with _)


def _language_choices() -> list[Choice]:
    return [Choice(code, name) for code, name in LANGUAGE_NAMES.items()]


def greeting(t: Text) -> str:
    # Translators: "the district" is the bydel, the city's district
    # administration, not the neighbourhood. In right-to-left languages, do
    # not begin a line with "Benken".
    return t._(
        "Hello! This is Benken, the bench where neighbours share ideas, "
        "help out and tell the district what matters."
    )


def preselect_language(ctx: Ctx, first_words: str) -> None:
    """Where every character costs (SMS), a first message clearly written in one of our
    languages is answered in it, with "Other language" one number away, instead of the
    menu in ten scripts (three segments on its own)."""
    if ctx.resident.locale or not ctx.can.compact:
        return
    language = clearly_ours(first_words, LOCALES)
    if language is not None:
        ctx.set_locale(language)


async def ask_language(ctx: Ctx) -> Prompt:
    """Greets and asks for a language; a language the channel suggested is one tap away."""
    if ctx.resident.locale and not ctx.data.get("all_languages"):
        t = ctx.t
        language = t._("We will write to you in {language}.", language=LANGUAGE_NAMES[t.locale])
        return Prompt(
            f"{greeting(t)}\n{language}",
            # Translators: keep writing in this language / choose another language.
            [Choice(t.locale, t._("Continue")), Choice(OTHER_LANGUAGE, t._("Other language"))],
        )
    # Before anyone knows the resident's language: a greeting in Norwegian and English,
    # once, as its own message (an SMS with every script in it costs three times as
    # much), then each language named in itself.
    norwegian, english = Text(DEFAULT_LOCALE, ctx.config.timezone), Text("en", ctx.config.timezone)
    if not ctx.data.get("greeted"):
        ctx.data["greeted"] = True
        ctx.say(f"{greeting(norwegian)}\n{greeting(english)}")
    return Prompt(f"{norwegian._('Choose your language:')} / {english._('Choose your language:')}", _language_choices())


async def take_language(ctx: Ctx, answer: Answer) -> str:
    """Stores the language; asks for the area next."""
    if answer.choice == OTHER_LANGUAGE:
        ctx.data["all_languages"] = True
        return "language"
    ctx.set_locale(answer.choice)
    if ctx.config.areas.get(ctx.data.get(PRESET_AREA)):  # from a poster: the area is known
        return await take_area(ctx, Answer(choice=ctx.data[PRESET_AREA]))
    return "area"


async def ask_area(ctx: Ctx) -> Prompt:
    """Asks which configured area the resident lives in (or wants to help in)."""
    choices = [Choice(a.slug, f"{a.name} ({a.bydel})") for a in ctx.config.areas]
    return Prompt(ctx.t._("Where do you live? Choose your area:"), choices)


async def take_area(ctx: Ctx, answer: Answer) -> str:
    """Stores the area and tells, once, what we keep and how to see or delete it."""
    ctx.resident.area_slug = answer.choice
    ctx.say(
        ctx.t._(
            "We only keep what you tell us here. To see or delete your data, "
            "choose “Privacy” in the menu."
        )
    )
    return DONE


def arrival(ctx: Ctx, inbound: Inbound) -> tuple[str, str] | None:
    """Where a first contact came from, as (area slug, source): a deep link's
    `/start <area>[_<source>]` or an SMS that is an area's name or slug. None otherwise, or
    when the resident's source is already known."""
    if inbound.kind != TEXT or ctx.resident.source:
        return None
    command, _, payload = inbound.text.strip().partition(" ")
    if command.lower().split("@")[0] == "/start" and payload.strip():
        slug, source = parse_payload(payload)
        found = ctx.config.areas.get(slug)
        source = source or FROM_LINK
    else:
        typed = normalize(inbound.text)
        found = next((a for a in ctx.config.areas if typed and typed in (normalize(a.slug), normalize(a.name))), None)
        source = FROM_KEYWORD
    return (found.slug, source) if found is not None else None


def arrive(ctx: Ctx, found: tuple[str, str] | None) -> None:
    """Preselects the arrival's area (asked after the language as usual, then skipped) and
    records its source once."""
    if found is not None:
        ctx.data[PRESET_AREA], ctx.resident.source = found


FLOW = Flow("onboarding", "language", {"language": Step(ask_language, take_language), "area": Step(ask_area, take_area)})


async def ask_new_language(ctx: Ctx) -> Prompt:
    """Lists every language, each in its own name."""
    return Prompt(ctx.t._("Choose your language:"), _language_choices())


async def take_new_language(ctx: Ctx, answer: Answer) -> str:
    """Switches the resident's language; everything from now on comes in it."""
    ctx.set_locale(answer.choice)
    ctx.say(ctx.t._("OK! We will write to you in {language}.", language=LANGUAGE_NAMES[ctx.t.locale]))
    return DONE


LANGUAGE_FLOW = Flow("language", "choose", {"choose": Step(ask_new_language, take_new_language)})
