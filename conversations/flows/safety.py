"""Tell us where you feel unsafe: emergencies first, then where, when, what, and whether
the report carries the resident's name."""

from __future__ import annotations

from bot.domain.safety import SafetyDraft, report_safety
from bot.models import MAX_PLACE
from bot.text.labels import safety_categories, safety_times
from bot.text.resident import Text

from ..messages import Choice
from ..steps import DONE, PLACE, WRITE, Answer, Ctx, Flow, Prompt, Step, yes_no

DETAILS_MAX = 1000
POLICE, AMBULANCE, FIRE = "112", "113", "110"  # Norway's emergency numbers


def emergency_numbers(t: Text) -> str:
    """The emergency numbers in one line, said before anything else in the help text."""
    # Translators: the first line of the help text. Start it with a word of
    # your language, not a number, so a right-to-left line stays right-to-
    # left.
    return t._(
        "In an emergency, call police {police}, ambulance {ambulance}, fire {fire}.",
        police=t.ltr(POLICE),
        ambulance=t.ltr(AMBULANCE),
        fire=t.ltr(FIRE),
    )


async def ask_danger(ctx: Ctx) -> Prompt:
    """Asks first whether someone is in danger now: then this is no place to wait."""
    return Prompt(ctx.t._("Is someone in danger right now?"), yes_no(ctx.t))


async def take_danger(ctx: Ctx, answer: Answer) -> str:
    """Gives the emergency numbers at once unless the answer is a clear no (the step counts
    anything unclear, "help" too, as yes); asks where otherwise."""
    t = ctx.t
    if answer.choice != "no":
        ctx.say(
            t._(
                "Call now! Police: {police}. Ambulance: {ambulance}. Fire: {fire}.\n"
                "Benken cannot send help. When everyone is safe, you can tell us more here.",
                police=t.ltr(POLICE),
                ambulance=t.ltr(AMBULANCE),
                fire=t.ltr(FIRE),
            )
        )
        return DONE
    return "place"


async def ask_place(ctx: Ctx) -> Prompt:
    """Asks where, as words or a location."""
    return Prompt(ctx.t._("Where do you feel unsafe? Write the place, for example a street, a path or a bus stop, or send a location."))


async def take_place(ctx: Ctx, answer: Answer) -> str:
    """Stores the place (words, spoken words or a location); asks when it feels unsafe next."""
    await ctx.keep_words("place", answer)
    ctx.data["location"] = [answer.location.latitude, answer.location.longitude] if answer.location else None
    return "when"


async def ask_when(ctx: Ctx) -> Prompt:
    """Offers the times of day."""
    return Prompt(ctx.t._("When does it feel unsafe?"), [Choice(k, v) for k, v in safety_times(ctx.t).items()])


async def take_when(ctx: Ctx, answer: Answer) -> str:
    """Stores the time of day; asks what makes it unsafe next."""
    ctx.data["when"] = answer.choice
    return "what"


async def ask_what(ctx: Ctx) -> Prompt:
    """Offers the kinds of trouble."""
    return Prompt(ctx.t._("What makes it feel unsafe?"), [Choice(k, v) for k, v in safety_categories(ctx.t).items()])


async def take_what(ctx: Ctx, answer: Answer) -> str:
    """Stores the kind; asks for optional words next."""
    ctx.data["what"] = answer.choice
    return "details"


async def ask_details(ctx: Ctx) -> Prompt:
    """Asks for more words; optional."""
    return Prompt(ctx.t._("Do you want to tell us more? Write it here."))


async def take_details(ctx: Ctx, answer: Answer) -> str:
    """Stores the words if given (written or spoken); asks about anonymity next."""
    await ctx.keep_words("details", answer)
    return "anonymous"


async def ask_anonymous(ctx: Ctx) -> Prompt:
    """Explains both ways of sending and lets the resident choose."""
    t = ctx.t
    return Prompt(
        # Translators: say only what Benken does. By SMS the phone company still
        # has the number, so do not promise that nobody at all can know who sent
        # it.
        t._(
            "Send it with your name, and we can answer you. "
            "Send it anonymously, and Benken does not keep your name or number with the report."
        ),
        [Choice("named", t._("Send with my name")), Choice("anonymous", t._("Send anonymously"))],
    )


async def take_anonymous(ctx: Ctx, answer: Answer) -> str:
    """Saves the report (unlinked when anonymous) and tells its S-reference."""
    t, data = ctx.t, ctx.data
    location = data.get("location") or [None, None]
    draft = SafetyDraft(
        time_of_day=data["when"],
        category=data["what"],
        place_text=data.get("place"),
        latitude=location[0],
        longitude=location[1],
        details=data.get("details"),
    )
    report = await report_safety(
        ctx.session,
        ctx.resident,
        ctx.resident.area_slug,
        draft,
        anonymous=answer.choice == "anonymous",
        timezone=ctx.config.timezone,
        now=ctx.now,
        held=ctx.held(),
    )
    ctx.forget()  # nothing of an anonymous report stays beside the resident
    # Translators: "the district" is the bydel, the city's district
    # administration.
    ctx.say(t._("Thank you for telling us. It is saved as {ref}. The district reads every report.", ref=t.ref("S", report.id)))
    return DONE


FLOW = Flow(
    "safety",
    "danger",
    {
        "danger": Step(ask_danger, take_danger, unclear="yes"),
        "place": Step(ask_place, take_place, expects=PLACE, max_length=MAX_PLACE, spoken=True),
        "when": Step(ask_when, take_when),
        "what": Step(ask_what, take_what),
        "details": Step(ask_details, take_details, expects=WRITE, optional=True, max_length=DETAILS_MAX,
                        spoken=True),
        "anonymous": Step(ask_anonymous, take_anonymous),
    },
)
