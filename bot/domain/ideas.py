"""Ideas: saving one with its promised answer date, supporting, the staff's answers and the
transitions they may make, and who is told about an idea."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..areas import Area
from ..models import (
    ANSWER_TEMPLATES,
    IDEA_DECLINED,
    IDEA_DONE,
    IDEA_DUPLICATE,
    IDEA_IN_PROGRESS,
    IDEA_OPEN_STATUSES,
    IDEA_PLANNED,
    IDEA_RECEIVED,
    IDEA_REVIEWING,
    SEASONS,
    SIGNUP_CANCELLED,
    TEMPLATE_DUPLICATE,
    Idea,
    IdeaStatusChange,
    IdeaSupport,
    Resident,
    Signup,
    utcnow,
)
from ..text.resident import DEFAULT_LOCALE
from ..text.times import local_today
from . import media, schedule
from .queries import IDEA_REF, ref, supporters_column

# Where a staff answer may take an idea from each status (see Idea's docstring); a status
# may be repeated with a new note, so staff can add news without moving the idea on. Two
# moves are not answers: an open idea becomes a duplicate with the idea it joins
# (mark_duplicate), and residents' "not fixed" reopens a done one (followup.py).
IDEA_TRANSITIONS = {
    IDEA_RECEIVED: {IDEA_RECEIVED, IDEA_REVIEWING, IDEA_PLANNED, IDEA_IN_PROGRESS, IDEA_DONE, IDEA_DECLINED},
    IDEA_REVIEWING: {IDEA_REVIEWING, IDEA_PLANNED, IDEA_IN_PROGRESS, IDEA_DONE, IDEA_DECLINED},
    IDEA_PLANNED: {IDEA_PLANNED, IDEA_IN_PROGRESS, IDEA_DONE, IDEA_DECLINED},
    IDEA_IN_PROGRESS: {IDEA_IN_PROGRESS, IDEA_DONE, IDEA_DECLINED},
    IDEA_DONE: {IDEA_DONE},
    IDEA_DECLINED: {IDEA_DECLINED, IDEA_REVIEWING},
    IDEA_DUPLICATE: {IDEA_DUPLICATE},
}


class TransitionRefused(ValueError):
    """The idea cannot move to that status from where it is, or the answer is incomplete."""


@dataclass(frozen=True)
class IdeaDraft:
    text: str
    category: str
    place_text: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    photo_ref: str | None = None
    wants_to_help: bool = False


async def submit_idea(
    session: AsyncSession, resident: Resident, area: Area, draft: IdeaDraft, *, timezone: str, now: datetime | None = None,
    held: dict[str, int] | None = None,
) -> Idea:
    """Save an idea with the date its author was promised an answer by, and the voice
    messages (and MMS photo) its answers `held` (file ids by field)."""
    now = now or utcnow()
    idea = Idea(
        author_id=resident.id,
        area_slug=area.slug,
        locale=resident.locale or DEFAULT_LOCALE,
        status=IDEA_RECEIVED,
        answer_due=local_today(now, timezone) + timedelta(days=area.answer_days),
        created_at=now,
        **vars(draft),
    )
    session.add(idea)
    await session.flush()
    session.add(IdeaStatusChange(idea_id=idea.id, status=IDEA_RECEIVED, created_at=now))
    await media.attach(session, held or {}, idea=idea)
    schedule.schedule_idea(session, idea, timezone)
    return idea


async def area_ideas(session: AsyncSession, area_slug: str, *, limit: int = 50) -> list[tuple[Idea, int]]:
    """Open ideas of an area, most supported first, with their number of supporters.
    Neighbours read ideas, never hear them: a voice message counts once its words are
    written down."""
    supporters = supporters_column().label("supporters")
    rows = await session.execute(
        select(Idea, supporters)
        .where(Idea.area_slug == area_slug, Idea.status.in_(IDEA_OPEN_STATUSES), Idea.text != "")
        .order_by(supporters.desc(), Idea.id.desc())
        .limit(limit)
    )
    return [(idea, count) for idea, count in rows.all()]


async def supported_idea_ids(session: AsyncSession, resident: Resident) -> set[int]:
    rows = await session.execute(select(IdeaSupport.idea_id).where(IdeaSupport.resident_id == resident.id))
    return set(rows.scalars())


async def support_idea(session: AsyncSession, resident: Resident, idea_id: int) -> bool:
    """Back an idea; False when the resident already does (one support each)."""
    if idea_id in await supported_idea_ids(session, resident):
        return False
    session.add(IdeaSupport(idea_id=idea_id, resident_id=resident.id))
    await session.flush()
    return True


async def resident_ideas(
    session: AsyncSession, resident: Resident
) -> list[tuple[Idea, IdeaStatusChange | None]]:
    """The resident's own ideas, newest first, each with the staff's latest answer (a
    change with a ready-made answer or their own words)."""
    ideas = (
        await session.execute(select(Idea).where(Idea.author_id == resident.id).order_by(Idea.id.desc()))
    ).scalars().all()
    answers: dict[int, IdeaStatusChange] = {}
    if ideas:
        changes = await session.execute(
            select(IdeaStatusChange)
            .where(
                IdeaStatusChange.idea_id.in_([i.id for i in ideas]),
                (IdeaStatusChange.note.is_not(None)) | (IdeaStatusChange.template.is_not(None)),
            )
            .order_by(IdeaStatusChange.id)
        )
        for change in changes.scalars():
            answers[change.idea_id] = change
    return [(idea, answers.get(idea.id)) for idea in ideas]


def check_answer(idea: Idea, status: str, template: str | None, template_param: str | None) -> None:
    """Raise TransitionRefused unless `status` (with that ready-made answer) may follow."""
    if template is not None and template not in ANSWER_TEMPLATES:
        raise TransitionRefused(f"unknown answer template {template!r}")
    if template in ("season", "passed_on") and not (template_param or "").strip():
        raise TransitionRefused(f"the {template} answer needs {'a season' if template == 'season' else 'an agency'}")
    if template == "season" and template_param not in SEASONS:
        raise TransitionRefused(f"season must be one of {', '.join(SEASONS)}")
    if status not in IDEA_TRANSITIONS.get(idea.status, set()):
        raise TransitionRefused(f"{ref('I', idea.id)} cannot go from {idea.status} to {status}")


def draft_answer(
    idea: Idea,
    status: str,
    *,
    note: str | None,
    staff_id: int | None = None,
    template: str | None = None,
    template_param: str | None = None,
    now: datetime | None = None,
) -> IdeaStatusChange:
    """A staff answer as it would be recorded, checked but not saved: what a preview shows
    is what answer_idea stores. Raises TransitionRefused."""
    check_answer(idea, status, template, template_param)
    return IdeaStatusChange(
        idea_id=idea.id, status=status, note=(note or "").strip() or None, template=template,
        template_param=template_param, staff_id=staff_id, created_at=now or utcnow(),
    )


async def answer_idea(session: AsyncSession, idea: Idea, status: str, **answer) -> IdeaStatusChange:
    """Record a staff answer: the new status, a ready-made answer and the staff's own words
    (`answer`: note, staff_id, template, template_param, now, as draft_answer takes them)."""
    change = draft_answer(idea, status, **answer)
    idea.status = status
    session.add(change)
    return change


async def mark_duplicate(
    session: AsyncSession, idea: Idea, target: Idea, *, staff_id: int | None = None, now: datetime | None = None
) -> list[Resident]:
    """Join an open idea with a similar one: it becomes a duplicate of `target`, and its
    author and supporters support (so follow) `target` instead. Returns those who follow
    it now, to be told: nobody's support moves without a word."""
    if idea.id == target.id or idea.area_slug != target.area_slug:
        raise TransitionRefused(f"{ref(IDEA_REF, idea.id)} can only join another idea of its own area")
    if idea.status not in IDEA_OPEN_STATUSES:
        raise TransitionRefused(f"{ref(IDEA_REF, idea.id)} is {idea.status}: only an open idea can join another")
    if target.status == IDEA_DUPLICATE:
        raise TransitionRefused(f"{ref(IDEA_REF, target.id)} is itself a duplicate of "
                                f"{ref(IDEA_REF, target.duplicate_of)}: join that one")
    now = now or utcnow()
    moving = await followers(session, idea)
    already = {resident.id for resident in await followers(session, target)}
    idea.status, idea.duplicate_of = IDEA_DUPLICATE, target.id
    session.add(IdeaStatusChange(idea_id=idea.id, status=IDEA_DUPLICATE, template=TEMPLATE_DUPLICATE,
                                 template_param=ref(IDEA_REF, target.id), staff_id=staff_id, created_at=now))
    session.add_all(IdeaSupport(idea_id=target.id, resident_id=r.id, created_at=now)
                    for r in moving if r.id not in already)
    await session.flush()
    return moving


async def followers(session: AsyncSession, idea: Idea) -> list[Resident]:
    """Who hears news of an idea: its author first, then every supporter (each once)."""
    supporters = (
        await session.execute(
            select(Resident)
            .join(IdeaSupport, IdeaSupport.resident_id == Resident.id)
            .where(IdeaSupport.idea_id == idea.id)
            .order_by(IdeaSupport.id)
        )
    ).scalars().all()
    author = await session.get(Resident, idea.author_id) if idea.author_id else None
    return ([author] if author else []) + [s for s in supporters if s.id != idea.author_id]


async def helpers_for(session: AsyncSession, area_slug: str, *, not_at_event: int) -> list[Resident]:
    """Residents who said they want to help make an idea of the area happen, not opted out
    and not signed up for that event already."""
    signed = select(Signup.resident_id).where(Signup.event_id == not_at_event, Signup.status != SIGNUP_CANCELLED)
    return list(
        (
            await session.execute(
                select(Resident)
                .join(Idea, Idea.author_id == Resident.id)
                .where(
                    Idea.area_slug == area_slug,
                    Idea.wants_to_help.is_(True),
                    Resident.opted_out.is_(False),
                    Resident.id.not_in(signed),
                )
                .distinct()
                .order_by(Resident.id)
            )
        ).scalars()
    )
