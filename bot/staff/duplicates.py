"""Staff and duplicates on the Telegram desk: "Duplicate of…" on an idea's card offers the
area's ideas most like it (the matcher residents meet before saving, bot/domain/similar.py)
or takes the number of the one it repeats; joining tells the idea's followers, in their
languages, which idea they follow now (actions.mark_duplicate)."""

from __future__ import annotations

from ..domain import ideas
from ..domain.queries import IDEA_REF, ref
from ..domain.similar import similar_ideas, sketches_of
from ..models import IDEA_OPEN_STATUSES, Idea, StaffState
from ..text.resident import LOCALES
from ..text.shorten import shorten
from . import actions
from .desk import Desk, button, rows

DUPLICATE = "duplicate"  # the unfinished work: which idea this one repeats
LABEL_TEXT = 40  # characters of a similar idea on its button


async def choose_original(desk: Desk, idea_id: str) -> None:
    """Offers the ideas most like this one, or asks for the number of the one it repeats."""
    idea = await desk.idea(idea_id)
    if idea is None:
        return
    t = desk.t
    if idea.status not in IDEA_OPEN_STATUSES:
        desk.tell(t._s("Only an open idea can be joined with another."))
        return
    sketch = (await sketches_of(desk.session, [idea], LOCALES))[0]
    found = await similar_ideas(desk.session, idea.area_slug, sketch, reader=t.locale, leave_out=idea.id)
    await desk.keep(DUPLICATE, {"idea": idea.id})
    buttons = [button(f"{ref(IDEA_REF, s.idea.id)}: {shorten(s.translated or s.idea.text, LABEL_TEXT)}", "dupof",
                      idea.id, s.idea.id) for s in found]
    desk.tell(t._s("Which idea does I-{id} ask for the same as? Its author and supporters will follow that one "
                   "and be told. Choose one, or write its number (for example I-7):", id=idea.id), rows(buttons, 1))


async def take_original_text(desk: Desk, state: StaffState, text: str) -> None:
    await join(desk, str(state.data["idea"]), text.strip())


async def join(desk: Desk, idea_id: str, original_id: str) -> None:
    """Joins the idea with the one it repeats; its followers are told."""
    idea, original = await desk.idea(idea_id), await desk.idea(original_id)
    if idea is None or original is None:
        return
    t = desk.t
    try:
        told = await actions.mark_duplicate(desk.session, idea, original, timezone=desk.tz, staff_id=desk.staff.id)
    except ideas.TransitionRefused as refused:
        desk.tell(str(refused))
        return
    await desk.clear()
    desk.tell(t._sn("I-{id} is joined with I-{original}; {n} resident is told which idea they follow now.",
                    "I-{id} is joined with I-{original}; {n} residents are told which idea they follow now.",
                    told, id=idea.id, original=original.id))


def card_line(desk: Desk, idea: Idea) -> list[str]:
    """The card's line for a duplicate: which idea it was joined with."""
    if idea.duplicate_of is None:
        return []
    return [desk.t._s("Joined with I-{original}", original=idea.duplicate_of)]


BUTTONS = {"dup": choose_original, "dupof": join}
TEXT_STEPS = {DUPLICATE: take_original_text}
