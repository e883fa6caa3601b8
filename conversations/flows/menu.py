"""The main menu, in the order the design fixes, and the help text."""

from __future__ import annotations

from bot.text.resident import Text

from ..messages import Choice
from ..steps import DONE, Answer, Ctx, Flow, Prompt, Step
from .safety import emergency_numbers


def help_text(t: Text) -> str:
    """The emergency numbers first, then what Benken is and the words that steer it."""
    # Translators: "the district" here and elsewhere is the bydel, the
    # city's district administration that answers ideas and reads reports,
    # not the neighbourhood.
    return emergency_numbers(t) + "\n" + t._(
        "Benken is your district's bench in the phone. Share an idea, join a dugnad or tell us "
        "where you feel unsafe. We answer every idea.\n"
        "Write “{menu}” to see the menu, “{back}” to go one step back, “{stop}” to get no more messages.",
        menu=t.keyword("menu"),
        back=t.keyword("back"),
        stop=t.keyword("stop"),
    )


async def main_menu_prompt(ctx: Ctx) -> Prompt:
    """Offers the three ways to take part first, then what is already there."""
    t = ctx.t
    return Prompt(
        t._("What would you like to do?"),
        [
            Choice("idea:", t._("Share an idea")),
            # Translators: a dugnad is a Norwegian volunteer work day: neighbours
            # clean, paint or build together. Keep the word and add a short gloss
            # where it is not known, e.g. "Join a dugnad (volunteer day)", here as
            # in the help text.
            Choice("dugnad:", t._("Join a dugnad")),
            Choice("safety:", t._("Tell us where you feel unsafe")),
            # The top rung of taking part: propose a dugnad and organise it. By SMS the
            # menu would cost a fourth segment in some languages: there it is offered
            # under "Join a dugnad" instead (dugnad.py), and the menu keeps its numbers.
            *([] if ctx.can.compact else [Choice("organise:", t._("Organise a dugnad"))]),
            Choice("browse:", t._("Ideas from your area")),
            Choice("mine:", t._("My ideas and sign-ups")),
            Choice("language:", t._("Language")),
            Choice("help", t._("Help")),
            Choice("privacy:", t._("Privacy")),
        ],
    )


async def take_main(ctx: Ctx, answer: Answer) -> str:
    """Starts the chosen flow; help is said here and the menu shown again."""
    if answer.choice == "help":
        ctx.say(help_text(ctx.t))
        return DONE
    return answer.choice


FLOW = Flow("menu", "main", {"main": Step(main_menu_prompt, take_main)})
