"""After staff mark an idea done: a day later (in daytime) its author and supporters are
asked "Is it fixed?"; each answer is kept, and a "no", or mostly "partly", puts the idea
back in front of staff (reviewing again, and staff told). The figures say how many done
ideas residents confirmed. Session first, rows out; what is said lives in messaging/
(the question, staff's notice) and conversations/flows/fixed.py (taking the answer).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    FIXED_NO,
    FIXED_PARTLY,
    FIXED_YES,
    IDEA_DONE,
    IDEA_REVIEWING,
    TEMPLATE_REOPENED,
    Idea,
    IdeaCheck,
    IdeaStatusChange,
    Reminder,
    Resident,
)
from .queries import during
from .quiet import next_morning

ASK_AFTER = timedelta(days=1)  # the issue: the question comes a day after "done"
ANSWER_WITHIN = timedelta(days=14)  # the issue: an answer counts for 14 days after the question
# A follower in the middle of something is asked later, so that their "1" is not taken for
# the question (or the question's for their step): an hour later, in daytime.
BUSY_RETRY = timedelta(hours=1)
IDEA_FIXED = "idea_fixed"  # reminder kind: ask an idea's followers
IDEA_REOPENED = "idea_reopened"  # reminder kind: tell staff residents say it is not fixed


def schedule_question(session: AsyncSession, idea: Idea, *, timezone: str, now: datetime,
                      after: timedelta = ASK_AFTER) -> None:
    """The question to an idea's followers, `after` from now, moved out of quiet hours."""
    session.add(Reminder(kind=IDEA_FIXED, due_at=next_morning(now + after, timezone), idea_id=idea.id))


async def done_change(session: AsyncSession, idea: Idea, *, current: bool = True) -> IdeaStatusChange | None:
    """The "done" the question is about: the latest (with `current`, only while the idea
    is still done)."""
    if current and idea.status != IDEA_DONE:
        return None
    return (await session.execute(
        select(IdeaStatusChange).where(IdeaStatusChange.idea_id == idea.id, IdeaStatusChange.status == IDEA_DONE)
        .order_by(IdeaStatusChange.id.desc()).limit(1)
    )).scalar_one_or_none()


async def asked_already(session: AsyncSession, change: IdeaStatusChange) -> set[int]:
    """The residents asked about this "done" already."""
    return set((await session.execute(select(IdeaCheck.resident_id).where(IdeaCheck.change_id == change.id))).scalars())


def ask(session: AsyncSession, idea: Idea, change: IdeaStatusChange, resident: Resident, now: datetime) -> IdeaCheck:
    check = IdeaCheck(idea_id=idea.id, change_id=change.id, resident_id=resident.id, asked_at=now)
    session.add(check)
    return check


def open_for_answers(check: IdeaCheck, now: datetime) -> bool:
    return now - check.asked_at <= ANSWER_WITHIN


async def questions_waiting(session: AsyncSession, resident: Resident, now: datetime) -> list[IdeaCheck]:
    """The resident's questions not answered yet and still open, the oldest first."""
    return list((await session.execute(
        select(IdeaCheck).where(IdeaCheck.resident_id == resident.id, IdeaCheck.answer.is_(None),
                                IdeaCheck.asked_at >= now - ANSWER_WITHIN)
        .order_by(IdeaCheck.asked_at, IdeaCheck.id)
    )).scalars())


async def answers_of(session: AsyncSession, resident: Resident) -> list[tuple[int, str]]:
    """(idea id, answer) of everything the resident answered, the oldest first."""
    rows = await session.execute(
        select(IdeaCheck.idea_id, IdeaCheck.answer).where(IdeaCheck.resident_id == resident.id,
                                                           IdeaCheck.answer.is_not(None))
        .order_by(IdeaCheck.answered_at, IdeaCheck.id)
    )
    return [(idea_id, answer) for idea_id, answer in rows.all()]


def reopens(answers: Counter) -> bool:
    """The issue's rule: any "no", or "partly" from more than half of those who answered."""
    return answers[FIXED_NO] > 0 or answers[FIXED_PARTLY] * 2 > sum(answers.values())


async def answers_to(session: AsyncSession, change_id: int) -> Counter:
    rows = await session.execute(
        select(IdeaCheck.answer, func.count()).where(IdeaCheck.change_id == change_id, IdeaCheck.answer.is_not(None))
        .group_by(IdeaCheck.answer)
    )
    return Counter(dict(rows.all()))


async def record_answer(session: AsyncSession, check: IdeaCheck, answer: str, now: datetime) -> bool:
    """Keep a resident's answer (a later one replaces theirs); True when it puts the idea
    back in front of staff: reviewing again, with staff told through a reminder row."""
    check.answer, check.answered_at = answer, now
    await session.flush()
    idea = await session.get(Idea, check.idea_id)
    change = await done_change(session, idea) if idea is not None else None
    if change is None or change.id != check.change_id or not reopens(await answers_to(session, change.id)):
        return False  # reopened already, done again since (a new round), or fine as it is
    idea.status = IDEA_REVIEWING
    session.add(IdeaStatusChange(idea_id=idea.id, status=IDEA_REVIEWING, template=TEMPLATE_REOPENED, created_at=now))
    session.add(Reminder(kind=IDEA_REOPENED, due_at=now, idea_id=idea.id))
    return True


@dataclass(frozen=True)
class Confirmations:
    """Done ideas whose followers were asked "Is it fixed?", and what they said."""

    asked: int  # ideas (rounds) asked about
    confirmed: int  # of those, more "yes" than "partly" and "no" together
    answers: Counter  # yes, partly, no

    @property
    def share(self) -> float | None:
        return self.confirmed / self.asked if self.asked else None


async def confirmations(session: AsyncSession, area_slugs: list[str], since: datetime, until: datetime) -> Confirmations:
    """What residents said of the ideas of `area_slugs` asked about in [since, until): the
    impact figures' and the digest's "residents confirmed N % of done ideas"."""
    rows = await session.execute(
        select(IdeaCheck.change_id, IdeaCheck.answer)
        .join(Idea, Idea.id == IdeaCheck.idea_id)
        .where(Idea.area_slug.in_(area_slugs), during(IdeaCheck.asked_at, since, until))
    )
    rounds: dict[int, Counter] = {}
    for change_id, answer in rows.all():
        said = rounds.setdefault(change_id, Counter())
        if answer is not None:
            said[answer] += 1
    answers = sum(rounds.values(), Counter())
    confirmed = sum(1 for said in rounds.values() if said[FIXED_YES] > said[FIXED_PARTLY] + said[FIXED_NO])
    return Confirmations(len(rounds), confirmed, Counter({key: answers[key] for key in (FIXED_YES, FIXED_PARTLY, FIXED_NO)}))
