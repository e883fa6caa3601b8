"""Share an idea (text, category, place, photo, similar ideas of the area, wish to help,
confirm) and browse the area's ideas to support one."""

from __future__ import annotations

from bot.domain.ideas import IdeaDraft, area_ideas, submit_idea, support_idea, supported_idea_ids
from bot.domain.similar import Similar, Sketch, shown_again, similar_ideas
from bot.models import MAX_PLACE
from bot.text import language_id
from bot.text.labels import idea_categories, idea_statuses

from ..messages import Choice
from ..steps import DONE, PHOTO, PLACE, WRITE, Answer, Ctx, Flow, Prompt, Step, yes_no

IDEA_MIN, IDEA_MAX = 3, 1000  # one word is not an idea; a thousand characters is a letter


async def ask_text(ctx: Ctx) -> Prompt:
    """Asks for the idea in the resident's own words (spoken, where the channel can)."""
    question = ctx.t._(
        "What is your idea for {area}? Write it in your own words, in any language.",
        area=ctx.t.ltr(ctx.area.name),
    )
    if ctx.can.voice:
        question += "\n" + ctx.t._("You can also send a voice message.")
    return Prompt(question)


async def take_text(ctx: Ctx, answer: Answer) -> str:
    """Stores the idea's text verbatim, or holds its voice message; asks for its category next."""
    await ctx.keep_words("text", answer)
    return "category"


async def ask_category(ctx: Ctx) -> Prompt:
    """Offers the idea categories."""
    labels = idea_categories(ctx.t)
    return Prompt(ctx.t._("What is your idea about?"), [Choice(k, v) for k, v in labels.items()])


async def take_category(ctx: Ctx, answer: Answer) -> str:
    """Stores the category; asks for a place next."""
    ctx.data["category"] = answer.choice
    return "place"


async def ask_place(ctx: Ctx) -> Prompt:
    """Asks where, as words or a location; optional."""
    # Translators: "the place" is a location here (a street, a park, a
    # corner).
    return Prompt(ctx.t._("Where should it be? Write the place, or send a location."))


async def take_place(ctx: Ctx, answer: Answer) -> str:
    """Stores the place if given (words, spoken words or a location); a photo is asked
    next where the channel can send one."""
    await ctx.keep_words("place", answer)
    ctx.data["location"] = [answer.location.latitude, answer.location.longitude] if answer.location else None
    return "photo" if ctx.can.photos else await similar_or_help(ctx)


async def ask_photo(ctx: Ctx) -> Prompt:
    """Asks for a photo; optional."""
    return Prompt(ctx.t._("Do you have a photo of the place? Send it here."))


async def take_photo(ctx: Ctx, answer: Answer) -> str:
    """Stores the photo's reference; similar ideas next, if there are any, else the wish to help."""
    await ctx.keep_photo(answer)
    return await similar_or_help(ctx)


async def similar_or_help(ctx: Ctx) -> str:
    """Looks once for open ideas of the area like this one (its words in the language they
    are written in and the one the resident chose; its place); "similar" next if any. A
    spoken idea has no words yet (they come from transcription): nothing to compare."""
    text, location = ctx.data.get("text"), ctx.data.get("location") or [None, None]
    if not text:
        return "help"
    # Lingua loads in a thread at start: until it is in, the chosen language stands alone.
    written = language_id.detect(text) if language_id.ready() else None
    sketch = Sketch({code: text for code in dict.fromkeys((written, ctx.t.locale)) if code},
                    ctx.data["category"], *location)
    found = await similar_ideas(ctx.session, ctx.resident.area_slug, sketch, reader=ctx.t.locale,
                                resident_id=ctx.resident.id)
    ctx.data["similar"], ctx.data["shown"] = [s.idea.id for s in found], 0
    return "similar" if found else "help"


def similar_line(ctx: Ctx, found: Similar) -> str:
    """One similar idea in one short line: reference, status, supporters, its words."""
    t = ctx.t
    supporters = t.ngettext("{n} supporter", "{n} supporters", found.supporters)
    return (f"{t.ref('I', found.idea.id)} · {idea_statuses(t)[found.idea.status]} · {supporters}: "
            f"{ctx.quote_idea(found.idea.text, found.translated)}")


async def ask_similar(ctx: Ctx) -> Prompt:
    """Shows the similar ideas (by SMS one at a time, within the segment budget) and offers
    to support one instead of saving a new one."""
    t = ctx.t
    found = await shown_again(ctx.session, ctx.data["similar"], reader=t.locale)
    if ctx.can.compact and found:
        found = [found[ctx.data.get("shown", 0) % len(found)]]
    # The area goes unsaid: by SMS a message must stay within three segments.
    lines = [t.ngettext("Before we save it: an idea like yours:", "Before we save it: {n} ideas like yours:",
                        len(found))]
    lines += [similar_line(ctx, one) for one in found]
    if len(found) == 1:
        choices = [Choice(f"support:{found[0].idea.id}", t._("Support this one instead"))]
    else:
        choices = [Choice(f"support:{one.idea.id}", t._("Support {ref} instead", ref=t.ref("I", one.idea.id)))
                   for one in found]
    choices.append(Choice("different", t._("Mine is different")))
    if ctx.can.compact and len(ctx.data["similar"]) > 1:
        choices.append(Choice("another", t._("Show another similar idea")))
    return Prompt("\n".join(lines), choices)


async def take_similar(ctx: Ctx, answer: Answer) -> str:
    """Supports the chosen idea instead (the new one is not saved), shows another, or goes
    on to the wish to help."""
    if answer.choice == "different":
        return "help"
    if answer.choice == "another":
        ctx.data["shown"] = ctx.data.get("shown", 0) + 1
        return "similar"
    number = int(answer.choice.split(":", 1)[1])
    await support_idea(ctx.session, ctx.resident, number)
    ctx.took_part = True
    t = ctx.t
    ctx.say(t._("Thank you! You now support {ref}. We will tell you when something happens with it.",
                ref=t.ref("I", number)) + "\n" + t._("Your words were not saved as a new idea."))
    return DONE


async def ask_help(ctx: Ctx) -> Prompt:
    """Asks whether the resident would help make it happen: the next rung on the ladder."""
    return Prompt(ctx.t._("Would you like to help make it happen?"), yes_no(ctx.t))


async def take_help(ctx: Ctx, answer: Answer) -> str:
    """Stores the wish to help; shows everything for a last look next."""
    ctx.data["wants_to_help"] = answer.choice == "yes"
    return "confirm"


async def ask_confirm(ctx: Ctx) -> Prompt:
    """Shows the idea as it will be sent and asks to send it."""
    t, data = ctx.t, ctx.data
    lines = [
        t._("Your idea:"),
        ctx.spoken("text") or ctx.quote(data["text"]),
        t._("About: {category}", category=idea_categories(t)[data["category"]]),
    ]
    if data.get("place") or data.get("location") or ctx.spoken("place"):
        # Translators: "Place" is where the idea should be (a location).
        place = ctx.spoken("place") or (t.ltr(data["place"]) if data.get("place") else t._("the location you sent"))
        lines.append(t._("Place: {place}", place=place))
    if data.get("photo"):
        lines.append(t._("With your photo."))
    lines.append(t._("You want to help: {answer}", answer=t._("Yes") if data["wants_to_help"] else t._("No")))
    lines.append(t._("Shall we send it?"))
    return Prompt(
        "\n".join(lines),
        [Choice("send", t._("Send it")), Choice("again", t._("Start again")), Choice("drop", t._("Do not send"))],
    )


async def take_confirm(ctx: Ctx, answer: Answer) -> str:
    """Saves the idea and tells its reference and when to expect an answer."""
    t, data = ctx.t, ctx.data
    if answer.choice == "again":
        await ctx.release_held()
        ctx.forget()
        return "text"
    if answer.choice == "drop":
        ctx.say(t._("OK, we did not send it."))
        return DONE
    location = data.get("location") or [None, None]
    draft = IdeaDraft(
        text=data["text"] or "",  # a voice message's words come from transcription
        category=data["category"],
        place_text=data.get("place"),
        latitude=location[0],
        longitude=location[1],
        photo_ref=data.get("photo"),
        wants_to_help=data["wants_to_help"],
    )
    idea = await submit_idea(ctx.session, ctx.resident, ctx.area, draft, timezone=ctx.config.timezone, now=ctx.now,
                             held=ctx.held())
    ctx.took_part = True
    ctx.say(
        t._(
            "Thank you! Your idea is saved as {ref}. We will answer you by {date}.",
            ref=t.ref("I", idea.id),
            date=t.date(idea.answer_due),
        )
    )
    return DONE


FLOW = Flow(
    "idea",
    "text",
    {
        "text": Step(ask_text, take_text, expects=WRITE, min_length=IDEA_MIN, max_length=IDEA_MAX, spoken=True),
        "category": Step(ask_category, take_category),
        "place": Step(ask_place, take_place, expects=PLACE, optional=True, max_length=MAX_PLACE, spoken=True),
        "photo": Step(ask_photo, take_photo, expects=PHOTO, optional=True),
        "similar": Step(ask_similar, take_similar),
        "help": Step(ask_help, take_help),
        "confirm": Step(ask_confirm, take_confirm),
    },
)


# Ideas from the area --------------------------------------------------------------------


async def ask_browse(ctx: Ctx) -> Prompt:
    """Shows one open idea of the area at a time, most supported first."""
    t = ctx.t
    ideas = await area_ideas(ctx.session, ctx.resident.area_slug)
    if not ideas:
        return Prompt(
            t._("No ideas from {area} yet. Why not share the first one?", area=t.ltr(ctx.area.name)),
            [Choice("idea:", t._("Share an idea")), Choice("menu", t._("Back to the menu"))],
        )
    position = ctx.data.get("position", 0) % len(ideas)
    idea, supporters = ideas[position]
    ctx.data["idea"] = idea.id
    mine = idea.author_id == ctx.resident.id
    supported = idea.id in await supported_idea_ids(ctx.session, ctx.resident)
    # Translators: which idea of how many is shown, e.g. "2 of 5".
    counter = t._("{number} of {total}", number=t.number(position + 1), total=t.number(len(ideas)))
    lines = [
        f"{t.ref('I', idea.id)} ({counter})",
        ctx.quote(idea.text),
        f"{idea_statuses(t)[idea.status]} · "
        + t.ngettext("{n} supporter", "{n} supporters", supporters),
    ]
    if mine:
        lines.append(t._("This is your idea."))
    elif supported:
        lines.append(t._("You support this idea."))
    choices = [] if mine or supported else [Choice("support", t._("Support this idea"))]
    if len(ideas) > 1:
        choices.append(Choice("next", t._("Next idea")))
    choices.append(Choice("menu", t._("Back to the menu")))
    return Prompt("\n".join(lines), choices)


async def take_browse(ctx: Ctx, answer: Answer) -> str:
    """Records a support (one per resident) or moves to the next idea."""
    if answer.choice in ("menu", "idea:"):
        return DONE if answer.choice == "menu" else answer.choice
    if answer.choice == "support":
        if await support_idea(ctx.session, ctx.resident, ctx.data["idea"]):
            ctx.took_part = True
            ctx.say(
                ctx.t._(
                    "Thank you! You now support {ref}. We will tell you when something happens with it.",
                    ref=ctx.t.ref("I", ctx.data["idea"]),
                )
            )
    ctx.data["position"] = ctx.data.get("position", 0) + 1
    return "idea"


BROWSE_FLOW = Flow("browse", "idea", {"idea": Step(ask_browse, take_browse)})
