"""Scripted residents for the inbound benchmarks: deterministic sequences of inputs that
walk the real flows (onboarding, then one to three of: share an idea, sign up for a
dugnad, report an unsafe place; with help, a wrong number and browsing in between; the
monthly news answered where it is offered, after the first idea or sign-up).

Ideas come from a short list, so most have similar ideas of their area to show before
they are saved, but not all (the first of each): a script cannot know which. Each says
"Mine is different" after the place (and photo): the answer to the similar ideas where
they are shown, and where they are not, one more kind "please answer with a number" at
the question whether to help, which the script answers next either way.

The same script is rendered per channel: on Telegram a resident types numbers and words
and sends locations and photos; by SMS the photo step does not exist and a location is
written as a place. Each script also says what it must leave in the database (ideas,
sign-ups, safety reports), so a benchmark can check that the work was really done.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Iterator

AREAS = 6  # bot/areas.toml: Furuset … Tøyen
IDEAS = (
    "Flere benker ved lekeplassen, så foreldre kan sitte",
    "A table tennis table by the school",
    "Bedre lys på gangveien til T-banen om kvelden",
    "Community garden behind block C, we can all help",
    "Vi trenger en møteplass for ungdom på fredager",
    "More bins and a cleaning day every spring",
    "Gatefest i juni med mat fra hele verden",
    "Fix the broken swings in the park by the lake",
)
PLACES = ("Ved Furuset senter", "Under brua ved T-banen", "Parken ved skolen", "By the bus stop", "Gangveien bak blokka")
DETAILS = ("Det er mørkt og folk samler seg der", "Cars drive too fast here", "Lyset er ødelagt")


@dataclass
class Script:
    """One resident's inputs: ("text", s) | ("location", lat, lon) | ("photo",)."""

    index: int
    steps: list[tuple] = field(default_factory=list)
    ideas: int = 0
    signups: int = 0
    reports: int = 0


def script(index: int, channel: str, seed: int = 2024) -> Script:
    """The inputs of resident `index` on `channel` ("telegram" or "sms")."""
    rng = random.Random(seed * 1_000_003 + index)
    telegram = channel == "telegram"
    out = Script(index)
    say = lambda text: out.steps.append(("text", text))  # noqa: E731

    # Onboarding: Telegram preselects the client's language (one tap: "Continue");
    # by SMS the resident picks English from the list of ten.
    say("/start" if telegram else "hei")
    say("1" if telegram else "2")
    say(str(1 + index % AREAS))

    # The menu: Telegram lists "Organise a dugnad" as 4, so browse and help come one later
    # there than by SMS (conversations/flows/menu.py).
    browse, help_ = ("5", "8") if telegram else ("4", "7")
    flows = rng.sample(["idea", "dugnad", "safety"], k=rng.choices([1, 2, 3], weights=[4, 3.5, 2.5])[0])
    offered = False  # the monthly news: offered once, at the end of the first idea or sign-up
    for flow in flows:
        extra = rng.random()
        if extra < 0.06:
            say(help_)  # help, then the menu again
        elif extra < 0.10:
            say("99")  # a number not on the menu: a kind answer and the menu again
        elif extra < 0.15:
            say(browse)  # ideas from the area …
            say("menu")  # … and back
        if flow == "idea":
            say("1")
            say(rng.choice(IDEAS))
            say(str(rng.randint(1, 7)))  # category
            place = rng.random()
            if place < 0.3 and telegram:
                out.steps.append(("location", 59.94 + rng.random() / 100, 10.88 + rng.random() / 100))
            elif place < 0.8:
                say(rng.choice(PLACES))
            else:
                say("skip")
            if telegram:  # photos only where the channel can send them
                if rng.random() < 0.3:
                    out.steps.append(("photo",))
                else:
                    say("skip")
            say("Mine is different")  # the similar ideas of the area, where there are any
            say(rng.choice(["1", "2"]))  # would you like to help?
            say("1")  # send it
            out.ideas += 1
        elif flow == "dugnad":
            say("2")
            say("1")  # the area's dugnad
            say("1")  # sign me up (or: join the waiting list)
            out.signups += 1
        else:
            say("3")
            if rng.random() < 0.05:
                say("1")  # someone is in danger: the emergency numbers, no report
                continue
            say("2")
            if telegram and rng.random() < 0.3:
                out.steps.append(("location", 59.94 + rng.random() / 100, 10.88 + rng.random() / 100))
            else:
                say(rng.choice(PLACES))
            say(str(rng.randint(1, 4)))  # when
            say(str(rng.randint(1, 6)))  # what
            say(rng.choice(DETAILS) if rng.random() < 0.5 else "skip")
            say(rng.choice(["1", "2"]))  # with my name, or anonymously
            out.reports += 1
        if flow in ("idea", "dugnad") and not offered:
            say("1" if index % 3 == 0 else "2")  # the monthly news, offered once: a third say yes
            offered = True
    return out


def scripts(channel: str, first: int = 0, count: int = 10**9) -> Iterator[Script]:
    """Residents first, first+1, … (bounded by `count`)."""
    for index in range(first, first + count):
        yield script(index, channel)


def take_messages(channel: str, total: int, *, first: int = 0) -> list[Script]:
    """Whole residents, first, first+1, …, until they hold at least `total` messages."""
    chosen, messages = [], 0
    for resident in scripts(channel, first):
        if messages >= total:
            break
        chosen.append(resident)
        messages += len(resident.steps)
    return chosen
