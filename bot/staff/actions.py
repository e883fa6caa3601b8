"""What staff do, the same from the command line, the Telegram desk and the web desk: each
action changes the domain and tells the residents it concerns, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import dugnad, ideas
from ..messaging import notices
from ..models import IDEA_DONE, DugnadEvent, Idea, utcnow
from ..text.resident import Text


async def answer_idea(
    session: AsyncSession,
    idea: Idea,
    status: str,
    *,
    note: str | None,
    timezone: str,
    staff_id: int | None = None,
    template: str | None = None,
    template_param: str | None = None,
    now: datetime | None = None,
) -> int:
    """Record a staff answer and queue it to the author and every supporter, each in their
    own language. Returns how many residents will be told."""
    now = now or utcnow()
    change = await ideas.answer_idea(
        session, idea, status, note=note, staff_id=staff_id, template=template, template_param=template_param, now=now
    )
    followers = await ideas.followers(session, idea)
    return await notices.idea_news(session, idea, change, followers, timezone=timezone, now=now)


@dataclass(frozen=True)
class Addressee:
    """One resident an answer would go to, as staff may see them: never their address."""

    to_author: bool  # the idea's author, else a supporter
    locale: str
    channel: str
    opted_out: bool  # gets nothing
    text: str  # exactly what they would read


async def preview_answer(session: AsyncSession, idea: Idea, status: str, *, timezone: str, **answer) -> list[Addressee]:
    """What answer_idea would send, and to whom, without changing anything: each text from
    the same function that queues it (`answer`: note, template, template_param). Raises
    ideas.TransitionRefused like answer_idea."""
    change = ideas.draft_answer(idea, status, **answer)
    previews = []
    for resident in await ideas.followers(session, idea):
        t = Text(resident.locale, timezone)
        to_author = resident.id == idea.author_id
        text = notices.idea_news_text(t, idea, change, to_author=to_author)
        previews.append(Addressee(to_author, t.locale, resident.channel, resident.opted_out, text))
    return previews


async def you_said_we_did(session: AsyncSession, idea: Idea, *, timezone: str, now: datetime | None = None) -> int:
    """Tell the whole area that a done idea is done."""
    if idea.status != IDEA_DONE:
        raise ideas.TransitionRefused(f"I-{idea.id} is not done yet")
    return await notices.you_said_we_did(session, idea, timezone=timezone, now=now)


async def cancel_event(session: AsyncSession, event: DugnadEvent, *, timezone: str, now: datetime | None = None) -> int:
    """Cancel a dugnad and tell everyone signed up (or waiting); returns how many."""
    now = now or utcnow()
    affected = await dugnad.cancel_event(session, event, now=now)
    return await notices.event_cancelled(session, event, affected, timezone=timezone, now=now)


async def change_event(
    session: AsyncSession, event: DugnadEvent, change: dugnad.EventChange, *, timezone: str, now: datetime | None = None
) -> int:
    """Move a dugnad in time or place and tell everyone signed up; returns how many."""
    now = now or utcnow()
    affected = await dugnad.change_event(session, event, change, timezone=timezone, now=now)
    return await notices.event_changed(session, event, affected, timezone=timezone, now=now)


async def invite_helpers(session: AsyncSession, event: DugnadEvent, *, timezone: str, now: datetime | None = None) -> int:
    """Invite residents of the event's area who said they want to help make an idea happen
    and are not signed up already. Returns how many."""
    helpers = await ideas.helpers_for(session, event.area_slug, not_at_event=event.id)
    return await notices.invite_helpers(session, event, helpers, timezone=timezone, now=now)


async def broadcast(
    session: AsyncSession, area_slug: str, text: str | Callable[[Text], str], *, timezone: str,
    now: datetime | None = None,
) -> int:
    """A message to every opted-in resident of an area: staff's words as written, or a text
    rendered in each resident's language. Returns how many."""
    render = text if callable(text) else (lambda _t: text)
    return await notices.broadcast(session, area_slug, render, kind="broadcast", timezone=timezone, now=now)
