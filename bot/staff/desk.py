"""The staff desk's state machine: a staff member's command, button or text in, replies out.

One `Desk` handles one update inside one transaction: it knows the staff member, the areas
they may see and change, and gathers replies (Telegram HTML with buttons, and photos to
send after) that the Telegram adapter sends once the transaction has committed. Work that
takes several messages (an answer waiting for the staff's own words, a new dugnad, a
broadcast) is kept in `staff_states`, so it survives a restart like residents'
conversations do. What each command does lives beside its subject (ideas.py, dugnads.py,
reach.py), routes.py says which command goes where, and this module holds what they share.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from ..areas import Areas
from ..domain.media import Recording
from ..domain.queries import IDEA_REF, parse_ref
from ..models import DugnadEvent, Idea, Staff, StaffState, utcnow
from ..text.staff import StaffText

if TYPE_CHECKING:
    from ..app import App
    from .previews import Share

PREFIX = "staff"  # callback data: staff|<action>|<args…>
STATE_TTL = timedelta(days=1)  # work left unfinished for a day is forgotten
LIST_LIMIT = 20  # items in one list message

Button = tuple[str, str]  # (label, callback data)


def esc(text: object) -> str:
    return html.escape(str(text), quote=False)


def button(label: str, *parts: object) -> Button:
    return label, "|".join([PREFIX, *map(str, parts)])[:64]


def rows(buttons: list[Button], per_row: int = 2) -> list[list[Button]]:
    return [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]


def command_of(text: str | None) -> str | None:
    """"ideas" for "/ideas furuset" or "/ideas@benken_bot"; None for other text."""
    if not text or not text.startswith("/") or len(text) < 2:
        return None
    return text[1:].split()[0].split("@")[0].lower()


@dataclass
class Reply:
    text: str  # Telegram HTML, every piece of it escaped
    buttons: list[list[Button]] = field(default_factory=list)
    photo: str | None = None  # a Telegram file id (or "media:<file name>"), sent after the text
    voice: Recording | None = None  # a resident's voice message, sent after the text
    # False for a one-time link: Telegram's preview would fetch the link and so use it up.
    link_preview: bool = True


class Desk:
    """One staff update: who, what they may touch, and the replies gathered."""

    def __init__(
        self, session: AsyncSession, staff: Staff, slugs: list[str], areas: Areas, timezone: str, *,
        public_base_url: str | None = None, translating: bool = False,
    ):
        self.session, self.staff, self.slugs, self.areas, self.tz = session, staff, slugs, areas, timezone
        self.public_base_url = public_base_url  # results pages' links, the web desk's sign-in links
        self.t = StaffText(staff.locale, timezone)
        self.replies: list[Reply] = []
        # Whether a translator is configured: then staff's words are previewed, per
        # language, before they go.
        self.translating = translating
        # Work for after the transaction (a machine translation for a preview: a network
        # call never holds the database); its replies follow this update's.
        self.after: Callable[[App], Awaitable[list[Reply]]] | None = None

    def say(self, text: str, buttons: list[list[Button]] | None = None, *, photo: str | None = None,
            voice: Recording | None = None, link_preview: bool = True) -> None:
        """Reply with already-escaped HTML."""
        self.replies.append(Reply(text, buttons or [], photo, voice, link_preview))

    def tell(self, text: str, buttons: list[list[Button]] | None = None) -> None:
        """Reply with plain text (escaped here)."""
        self.say(esc(text), buttons)

    def area_name(self, slug: str) -> str:
        area = self.areas.get(slug)
        return area.name if area else slug

    # Work that takes several messages ---------------------------------------------------------

    async def state(self, kind: str | None = None) -> StaffState | None:
        """The unfinished work (of `kind`, when given)."""
        state = await self.session.get(StaffState, self.staff.id)
        return state if state is not None and (kind is None or state.kind == kind) else None

    async def keep(self, kind: str, data: dict) -> None:
        state = await self.state()
        if state is None:
            state = StaffState(staff_id=self.staff.id, kind=kind, data={})
            self.session.add(state)
        state.kind, state.data, state.updated_at = kind, dict(data), utcnow()

    async def clear(self) -> None:
        state = await self.state()
        if state is not None:
            await self.session.delete(state)
            await self.session.flush()

    # Access: only the staff member's areas ----------------------------------------------------

    def own_area(self, slug: str | None) -> bool:
        """True for an area of theirs (or none named); says so when it is not."""
        if slug is not None and slug not in self.slugs:
            self.tell(self.t._s("That is not one of your areas."))
            return False
        return True

    async def idea(self, raw: str) -> Idea | None:
        number = parse_ref(str(raw), IDEA_REF)
        idea = await self.session.get(Idea, number) if number is not None else None
        if idea is None:
            self.tell(self.t._s("There is no idea {ref}.", ref=raw))
            return None
        return idea if self.own_area(idea.area_slug) else None

    async def event(self, raw: str) -> DugnadEvent | None:
        number = parse_ref(str(raw), "#")
        event = await self.session.get(DugnadEvent, number) if number is not None else None
        if event is None:
            self.tell(self.t._s("There is no dugnad {number}.", number=raw))
            return None
        return event if self.own_area(event.area_slug) else None


def preview_replies(t: StaffText, shares: list[Share], intro: str, confirm: Button) -> list[Reply]:
    """A preview of staff's words: per language, whom it reaches, what an SMS of it costs,
    and exactly what they will read; then the button that sends it."""
    from .previews import share_heading

    replies = [Reply(esc(intro))]
    for share in shares:
        replies.append(Reply(f"<b>{esc(share_heading(t, share))}</b>\n{esc(share.text)}"))
    if not shares:
        replies.append(Reply(esc(t._s("Nobody would get it."))))
        return replies
    replies.append(Reply(esc(t._s("Send it like this?")), [[confirm, button(t._s("Cancel"), "no")]]))
    return replies


async def staff_help(desk: Desk, _args) -> None:
    desk.tell(desk.t._s(
        "Staff commands:\n/ideas [status] [area] - ideas waiting for an answer\n"
        "/idea 12 - one idea: answer it, publish it, or join it with one it repeats\n"
        "/events - coming dugnads\n/newevent - a new dugnad\n/signups 3 - who signed up\n"
        "/attended D-7 D-9 [hours] - who came\n/cancelevent 3, /editevent 3 place|start|end ...\n"
        "/invite 3 - invite residents who want to help\n/impact [area] [days] - the figures\n"
        "/proposals - dugnads residents proposed\n"
        "/broadcast - a message to a whole area\n/desk - a sign-in link to the web desk\n"
        "/cancel - stop what you are doing"
    ))


async def cancel(desk: Desk, *_args) -> None:
    await desk.clear()
    desk.tell(desk.t._s("OK, stopped."))
