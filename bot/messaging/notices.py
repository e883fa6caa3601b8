"""Every text Benken sends a resident on its own (not as an answer in the conversation),
written here once, each in the resident's language, and queued in the outbox.

The domain decides who is affected (a cancelled dugnad's volunteers, an idea's
followers); these functions say it to each of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.dugnad import event_title
from ..domain.residents import reachable_residents
from ..models import OUTBOX_PRIORITY_BULK, OUTBOX_PRIORITY_REPLY, DugnadEvent, Idea, IdeaStatusChange, Resident, Signup, utcnow
from ..text.labels import answer_template, idea_statuses
from ..text.resident import Text
from ..text.shorten import shorten
from .outbox import enqueue

YOU_SAID_WE_DID_QUOTE = 80  # characters of the idea quoted to the whole area


async def _tell(
    session: AsyncSession,
    residents: Iterable[Resident],
    kind: str,
    render: Callable[[Text, Resident], str],
    *,
    timezone: str,
    now: datetime,
    priority: int = OUTBOX_PRIORITY_BULK,
) -> int:
    """Queue `render`'s text to each resident in their own language; how many will get it."""
    told = 0
    for resident in residents:
        text = render(Text(resident.locale, timezone), resident)
        told += await enqueue(session, resident, kind, text, priority=priority, not_before=now) is not None
    return told


# Dugnads ----------------------------------------------------------------------------------


async def event_cancelled(
    session: AsyncSession, event: DugnadEvent, affected: list[tuple[Signup, Resident]], *, timezone: str,
    now: datetime | None = None,
) -> int:
    def render(t: Text, resident: Resident) -> str:
        return t._(
            "Sorry! The dugnad “{title}” on {when} is cancelled. Thank you for wanting to help.",
            title=t.ltr(event_title(event, resident.locale)), when=t.datetime(event.start_at),
        )

    residents = [resident for _signup, resident in affected]
    return await _tell(session, residents, "event_cancelled", render, timezone=timezone, now=now or utcnow(),
                       priority=OUTBOX_PRIORITY_REPLY)


async def event_changed(
    session: AsyncSession, event: DugnadEvent, affected: list[tuple[Signup, Resident]], *, timezone: str,
    now: datetime | None = None,
) -> int:
    def render(t: Text, resident: Resident) -> str:
        return t._(
            "Change: the dugnad “{title}” is now {when}, at {place}.",
            title=t.ltr(event_title(event, resident.locale)), when=t.datetime(event.start_at),
            place=t.ltr(event.place),
        )

    residents = [resident for _signup, resident in affected]
    return await _tell(session, residents, "event_changed", render, timezone=timezone, now=now or utcnow(),
                       priority=OUTBOX_PRIORITY_REPLY)


def day_before(t: Text, event: DugnadEvent) -> str:
    return t._(
        "Reminder: the dugnad “{title}” is {when}, at {place}. See you there!",
        title=t.ltr(event_title(event, t.locale)), when=t.datetime(event.start_at), place=t.ltr(event.place),
    )


def starting_soon(t: Text, event: DugnadEvent) -> str:
    return t._(
        "Soon! The dugnad “{title}” starts at {time}, at {place}.",
        title=t.ltr(event_title(event, t.locale)), time=t.time(event.start_at), place=t.ltr(event.place),
    )


def place_offered(t: Text, event: DugnadEvent, expires: datetime) -> str:
    return t._(
        "Good news! A place is free at “{title}”, {when}. "
        "It is yours if you take it by {deadline}: write “{menu}”, then “{mine}”.",
        title=t.ltr(event_title(event, t.locale)),
        menu=t.keyword("menu"),
        mine=t._("My ideas and sign-ups"),
        when=t.datetime(event.start_at),
        deadline=f"{t.short_date(expires)} {t.time(expires)}",
    )


def thanks(t: Text, event: DugnadEvent, own_hours: float, neighbours: int, hours: float, area_name: str) -> str:
    text = t.ngettext(
        "Thank you for coming to “{title}”! You gave {n} hour.",
        "Thank you for coming to “{title}”! You gave {n} hours.",
        round(own_hours, 1), title=t.ltr(event_title(event, t.locale)),
    )
    # Two numbers, two plurals: the sentence agrees with the neighbours, and the hours
    # come as a phrase of their own.
    # Translators: {hours} is the phrase "{n} hours", translated on its own.
    return text + "\n" + t.ngettext(
        "This year, {n} neighbour gave {hours} in {area}.",
        "This year, {n} neighbours gave {hours} in {area}.",
        neighbours, hours=hours_phrase(t, round(hours)), area=t.ltr(area_name),
    )


def hours_phrase(t: Text, hours: float) -> str:
    # Translators: what neighbours gave, in "This year, {n} neighbours gave
    # {hours} in {area}.": the object of "gave".
    return t.ngettext("{n} hour", "{n} hours", hours)


async def invite_helpers(
    session: AsyncSession, event: DugnadEvent, helpers: list[Resident], *, timezone: str, now: datetime | None = None
) -> int:
    def render(t: Text, resident: Resident) -> str:
        return t._(
            "You said you want to help. Come to the dugnad “{title}”, {when}, at {place}! "
            "To sign up, write “{menu}”, then “{join}”.",
            title=t.ltr(event_title(event, resident.locale)), when=t.datetime(event.start_at),
            place=t.ltr(event.place),
            menu=t.keyword("menu"), join=t._("Join a dugnad"),
        )

    return await _tell(session, helpers, "invitation", render, timezone=timezone, now=now or utcnow())


# Ideas ------------------------------------------------------------------------------------


def idea_news_text(t: Text, idea: Idea, change: IdeaStatusChange, *, to_author: bool) -> str:
    """What one follower of an idea reads about a staff answer: the status, the chosen
    ready-made answer translated, and the staff's own words as written. The web desk's
    preview shows exactly this text."""
    status = idea_statuses(t)[change.status]
    if to_author:
        text = t._("News about your idea {ref}: {status}.", ref=t.ref("I", idea.id), status=status)
    else:
        text = t._("News about an idea you support, {ref}: {status}.", ref=t.ref("I", idea.id), status=status)
    if change.template:
        text += "\n" + answer_template(t, change.template, change.template_param)
    if change.note:
        # Staff's own words go as written, marked as theirs.
        text += "\n" + t._("The district writes: {note}", note=change.note)
    return text


async def idea_news(
    session: AsyncSession, idea: Idea, change: IdeaStatusChange, followers: list[Resident], *, timezone: str,
    now: datetime | None = None,
) -> int:
    """A staff answer to the idea's author and supporters, each in their own language."""

    def render(t: Text, resident: Resident) -> str:
        return idea_news_text(t, idea, change, to_author=resident.id == idea.author_id)

    return await _tell(session, followers, "idea_status", render, timezone=timezone, now=now or utcnow(),
                       priority=OUTBOX_PRIORITY_REPLY)


def idea_follow_up(t: Text, idea: Idea) -> str:
    return t._(
        "We have not forgotten your idea {ref}. The district is still looking at it. Thank you for waiting.",
        ref=t.ref("I", idea.id),
    )


# The whole area ----------------------------------------------------------------------------


async def broadcast(
    session: AsyncSession, area_slug: str, render: Callable[[Text], str], *, kind: str, timezone: str,
    now: datetime | None = None,
) -> int:
    """One message to every opted-in resident of an area, each in their own language;
    sent as bulk, after answers. Returns how many."""
    residents = await reachable_residents(session, area_slug)
    return await _tell(session, residents, kind, lambda t, _r: render(t), timezone=timezone, now=now or utcnow())


async def you_said_we_did(session: AsyncSession, idea: Idea, *, timezone: str, now: datetime | None = None) -> int:
    """Tell the whole area that an idea is done: the programme's quick, visible result."""

    def render(t: Text) -> str:
        return t._(
            "You said, we did! The idea {ref} is done: “{text}”. Thank you to everyone who took part.",
            ref=t.ref("I", idea.id), text=shorten(idea.text, YOU_SAID_WE_DID_QUOTE),
        )

    return await broadcast(session, idea.area_slug, render, kind="you_said_we_did", timezone=timezone, now=now)
