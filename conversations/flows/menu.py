"""The main menu, in the order the design fixes, and the help text."""

from __future__ import annotations

from bot.text.resident import Text

from ..messages import Choice
from ..steps import DONE, Answer, Ctx, Flow, Prompt, Step
from .safety import emergency_numbers


def help_text(t: Text, *, compact: bool = False) -> str:
    """The emergency numbers first, then what Benken is and the words that steer it. Where
    every character costs (SMS: three segments at most, and many of our languages need the
    dearer encoding), what Benken is is left out: the greeting said it."""
    # Translators: "the district" here and elsewhere is the bydel, the
    # city's district administration that answers ideas and reads reports,
    # not the neighbourhood.
    about = t._(
        "Benken is your district's bench in the phone. Share an idea, join a dugnad or tell us "
        "where you feel unsafe. We answer every idea."
    )
    steer = t._(
        "Write “{menu}” to see the menu, “{back}” to go one step back, “{stop}” to get no more messages.",
        menu=t.keyword("menu"),
        back=t.keyword("back"),
        stop=t.keyword("stop"),
    )
    return "\n".join([emergency_numbers(t), *([] if compact else [about]), steer])


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
        ctx.say(help_text(ctx.t, compact=ctx.can.compact))
        return DONE
    return answer.choice


FLOW = Flow("menu", "main", {"main": Step(main_menu_prompt, take_main)})
