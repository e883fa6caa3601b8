"""What Benken says on its own after an idea is done, and once a month: "Is it fixed?" to
an idea's author and supporters (a reminder row a day after "done", in daytime), staff
told when residents say it is not fixed, and the monthly "What happened in your area"
(a recurring job, app.recurring_jobs). Everything goes through the outbox, so quiet hours
and the channels' pace hold.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from conversations import engine
from conversations.flows import fixed
from conversations.messages import Capabilities

from ..domain import followup, ideas, news
from ..domain.quiet import next_morning
from ..domain.residents import hold_conversation
from ..domain.staff import staff_of_area
from ..models import Idea, Reminder, Resident, utcnow
from ..text.resident import Text
from ..text.shorten import shorten
from ..text.staff import StaffText
from . import notices
from .outbox import enqueue, enqueue_staff

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from ..app import App

MONTHLY_NEWS = "monthly_news"  # the outbox kind
NEWS_BATCH = 200  # residents whose news is made in one transaction
STAFF_QUOTE = 120  # characters of the idea in staff's notice


def _capabilities(resident: Resident) -> Capabilities:
    # What the question may spend: by SMS every character costs (the channel's own
    # capabilities are an adapter's; the outbox sender renders the choices).
    return Capabilities(compact=resident.channel == "sms")


async def ask_fixed(session: AsyncSession, reminder: Reminder, app: App, now: datetime) -> bool:
    """Put "Is it fixed?" to each follower of a done idea not asked yet who is at rest; the
    others in an hour (until the answer window has passed). False when the idea is no
    longer done."""
    idea = await session.get(Idea, reminder.idea_id)
    change = await followup.done_change(session, idea) if idea is not None else None
    if change is None:
        return False
    asked, later = await followup.asked_already(session, change), False
    # Held in the order of their ids: two workers asking about two ideas with the same
    # followers take their conversations in one order, never deadlocking.
    for resident in sorted(await ideas.followers(session, idea), key=lambda r: r.id):
        if resident.id in asked or resident.opted_out:
            continue
        state = await hold_conversation(session, resident)
        if not engine.at_rest(resident, state, fixed.FLOW.name, now):
            later = True
            continue
        check = followup.ask(session, idea, change, resident, now)
        await session.flush()
        for question in await engine.pose(session, resident, state, fixed.FLOW.name, {"check": check.id},
                                          app.conversation, _capabilities(resident), now=now) or ():
            await enqueue(session, resident, followup.IDEA_FIXED, question.text, choices=question.choices,
                          rtl=question.rtl, not_before=now)
    if later and now - change.created_at < followup.ANSWER_WITHIN:
        followup.schedule_question(session, idea, timezone=app.settings.timezone, now=now, after=followup.BUSY_RETRY)
    return True


async def tell_reopened(session: AsyncSession, reminder: Reminder, app: App, now: datetime) -> bool:
    """Tell the area's staff (in their language, on Telegram) that residents say an idea is
    not fixed, with what they answered: it is among the ideas being looked at again."""
    idea = await session.get(Idea, reminder.idea_id)
    change = await followup.done_change(session, idea, current=False) if idea is not None else None
    if change is None:
        return False
    said = await followup.answers_to(session, change.id)
    for member in await staff_of_area(session, idea.area_slug):
        t = StaffText(member.locale, app.settings.timezone)
        text = t._s(
            "Residents say I-{id} is not fixed ({yes} yes, {partly} partly, {no} no). It is back among the ideas "
            "being looked at: “{text}”", id=idea.id, yes=said["yes"], partly=said["partly"], no=said["no"],
            text=shorten(idea.text, STAFF_QUOTE))
        await enqueue_staff(session, member, "telegram", followup.IDEA_REOPENED, text,
                            dedupe_key=f"{followup.IDEA_REOPENED}:{reminder.id}:{member.id}", now=now)
    return True


async def monthly_tick(app: App, *, now: datetime | None = None) -> int:
    """Queue last month's news to each resident who asked for it and has not had it (in the
    first days of a month; each area's figures made once). Returns how many were queued."""
    now = now or utcnow()
    timezone = app.settings.timezone
    month = news.month_due(now, timezone)
    if month is None:
        return 0
    queued, figures = 0, {}
    while True:
        async with app.sessions() as session, session.begin():
            waiting = await news.residents_waiting(session, month, limit=NEWS_BATCH)
            for resident in waiting:
                area = app.areas.get(resident.area_slug)
                if not await news.claim(session, resident, month) or area is None:
                    continue
                if area.slug not in figures:
                    figures[area.slug] = await news.month_in_area(session, area.slug, month, timezone=timezone, now=now)
                said = figures[area.slug]
                if not said.anything:  # a month when nothing happened is not worth a message
                    continue
                text = notices.monthly_news(Text(resident.locale, timezone), area.name, month, said.done, said.planned,
                                            said.coming, said.hours)
                queued += await enqueue(session, resident, MONTHLY_NEWS, text,
                                        not_before=next_morning(now, timezone)) is not None
        if len(waiting) < NEWS_BATCH:
            return queued
