"""What staff do, the same from the command line, the Telegram desk and the web desk: each
action changes the domain and tells the residents it concerns, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import dugnad, followup, ideas, organisers, publishing
from ..messaging import notices
from ..models import IDEA_DONE, DugnadEvent, DugnadProposal, Idea, Resident, utcnow
from ..text.resident import Text
from ..text.staff import STAFF_DEFAULT_LOCALE


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
    note_language: str = STAFF_DEFAULT_LOCALE,
    base_url: str | None = None,
) -> int:
    """Record a staff answer and queue it to the author and every supporter, each in their
    own language (the note machine translated where the preview translated it, see
    previews.py; the results page's link when a published idea is done and `base_url`,
    PUBLIC_BASE_URL, is known). Returns how many residents will be told."""
    now = now or utcnow()
    was_done = idea.status == IDEA_DONE
    change = await ideas.answer_idea(
        session, idea, status, note=note, staff_id=staff_id, template=template, template_param=template_param, now=now
    )
    became_done = status == IDEA_DONE and not was_done
    if became_done:  # its followers are asked "Is it fixed?" a day later
        followup.schedule_question(session, idea, timezone=timezone, now=now)
    followers = await ideas.followers(session, idea)
    told = await notices.idea_news(session, idea, change, followers, timezone=timezone, now=now,
                                   note_language=note_language)
    if became_done:  # a published idea's link goes once, when it is done
        await tell_results_link(session, idea, timezone=timezone, base_url=base_url, now=now)
    return told


async def mark_duplicate(
    session: AsyncSession, idea: Idea, target: Idea, *, timezone: str, staff_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """Join an idea with a similar one (see ideas.mark_duplicate) and tell its author and
    supporters, each in their language, which idea they follow now. Returns how many."""
    now = now or utcnow()
    moved = await ideas.mark_duplicate(session, idea, target, staff_id=staff_id, now=now)
    return await notices.joined_as_duplicate(session, idea, target, moved, timezone=timezone, now=now)


@dataclass(frozen=True)
class Addressee:
    """One resident an answer would go to, as staff may see them: never their address."""

    to_author: bool  # the idea's author, else a supporter
    locale: str
    channel: str
    opted_out: bool  # gets nothing
    text: str  # exactly what they would read


async def preview_answer(
    session: AsyncSession, idea: Idea, status: str, *, timezone: str, note_language: str = STAFF_DEFAULT_LOCALE,
    **answer,
) -> list[Addressee]:
    """What answer_idea would send, and to whom, without changing anything: each text from
    the same function that queues it (`answer`: note, template, template_param), the note
    machine translated where the cache has it, as sending reads it (previews.py fills the
    cache). Raises ideas.TransitionRefused like answer_idea."""
    change = ideas.draft_answer(idea, status, **answer)
    followers = await ideas.followers(session, idea)
    translations = await notices.translations_by_language(session, change.note, note_language,
                                                          (r.locale for r in followers))
    previews = []
    for resident in followers:
        t = Text(resident.locale, timezone)
        to_author = resident.id == idea.author_id
        text = notices.idea_news_text(t, idea, change, author=to_author, translated=translations.get(resident.locale))
        previews.append(Addressee(to_author, t.locale, resident.channel, resident.opted_out, text))
    return previews


async def you_said_we_did(session: AsyncSession, idea: Idea, *, timezone: str, now: datetime | None = None) -> int:
    """Tell the whole area that a done idea is done."""
    if idea.status != IDEA_DONE:
        raise ideas.TransitionRefused(f"I-{idea.id} is not done yet")
    if not idea.text:
        raise ideas.TransitionRefused(f"I-{idea.id} is a voice message not yet written down: no words to quote")
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
    now: datetime | None = None, language: str = STAFF_DEFAULT_LOCALE,
) -> int:
    """A message to every opted-in resident of an area: staff's words (in `language`,
    machine translated for each reader where the preview translated them, the original
    below), or a text rendered in each resident's language. Returns how many."""
    if callable(text):
        return await notices.broadcast(session, area_slug, text, kind="broadcast", timezone=timezone, now=now)
    return await notices.broadcast_words(session, area_slug, text, language=language, timezone=timezone, now=now)


async def publish_idea(
    session: AsyncSession, idea: Idea, summary: str | None, *, staff_id: int | None, timezone: str,
    base_url: str | None, locale: str = "nb", photo: bool = False, now: datetime | None = None,
) -> int:
    """Put an idea on its area's results page; when it is done and the page has a public
    address, its followers get the link. Returns how many residents will be told."""
    now = now or utcnow()
    await publishing.publish_idea(session, idea, summary, staff_id, locale=locale, photo=photo, now=now)
    return await tell_results_link(session, idea, timezone=timezone, base_url=base_url, now=now)


async def tell_results_link(
    session: AsyncSession, idea: Idea, *, timezone: str, base_url: str | None, now: datetime | None = None
) -> int:
    """The results page's link to a published, done idea's followers (none otherwise)."""
    if idea.published_at is None or idea.status != IDEA_DONE or not base_url:
        return 0
    followers = await ideas.followers(session, idea)
    return await notices.idea_on_results_page(session, idea, followers, base_url, timezone=timezone, now=now)


async def approve_proposal(
    session: AsyncSession, proposal: DugnadProposal, *, timezone: str, now: datetime | None = None, **event
) -> DugnadEvent:
    """Make a resident's proposed dugnad (times set by staff, see organisers.approve_proposal)
    and tell its organiser."""
    made = await organisers.approve_proposal(session, proposal, timezone=timezone, now=now, **event)
    organiser = await session.get(Resident, proposal.resident_id)
    await notices.proposal_approved(session, made, organiser, timezone=timezone, now=now)
    return made


async def decline_proposal(
    session: AsyncSession, proposal: DugnadProposal, *, note: str | None, timezone: str, staff_id: int | None = None,
    now: datetime | None = None,
) -> None:
    await organisers.decline_proposal(session, proposal, note=note, staff_id=staff_id, now=now)
    organiser = await session.get(Resident, proposal.resident_id)
    await notices.proposal_declined(session, proposal, organiser, timezone=timezone, now=now)
