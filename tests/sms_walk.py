"""Every message an SMS resident can get, in one language: a walk through every flow by
numbers, collecting what the bot says. Used by the segment-budget test, and run as
`python -m tests.sms_walk` it prints the README's cost table."""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
from datetime import timedelta

from sqlalchemy import select

from bot.app import App, open_app
from bot.channels.sms import render, segments
from bot.domain import dugnad, ideas, organisers
from bot.messaging import followups, reminders
from bot.messaging.outbox import as_outbound
from bot.models import DugnadEvent, DugnadProposal, Idea, OutboxMessage, Resident, Signup, utcnow
from bot.settings import Settings
from bot.staff import actions
from bot.text.resident import LANGUAGE_NAMES, Text
from conversations.messages import COMMAND, UNSUPPORTED, Inbound
from tests.conftest import in_days, next_month
from tests.factories import Chat, make_resident

DEBUG = False
LONG_IDEA = "Vi trenger flere benker og mer lys ved gangveien til skolen. " * 3  # a real-length idea


async def walk(app: App, locale: str) -> list[str]:
    """The SMS texts of one resident in `locale` going through every step, in order."""
    async with app.sessions() as session, session.begin():
        await dugnad.create_event(
            session, area_slug="furuset", titles={"nb": "Vårrydding i parken ved Furuset senter"},
            place="Ved biblioteket", start_at=in_days(3), end_at=in_days(3) + timedelta(hours=3), capacity=1,
            timezone="Europe/Oslo",
        )
    texts: list[str] = []
    first, second = Chat(app, channel="sms"), Chat(app, channel="sms", locale=locale)

    async def run(chat: Chat, *steps) -> None:
        for step in steps:
            replies = await (chat.inbound(step) if isinstance(step, Inbound) else chat.say(step))
            texts.extend(render(reply) for reply in replies)
            if DEBUG: print(">>", step, "|", [render(r)[:60] for r in replies])

    language_number = str(list(LANGUAGE_NAMES).index(locale) + 1)
    await run(first, "hei", "99", language_number, "1")  # greeting, menu, a wrong number, area
    await run(first, "1", LONG_IDEA, "1", "Ved skolen", "1", "1")  # idea with place, help yes, send
    await run(first, "1")  # the monthly news, offered once: yes
    await run(first, "1", "", "x" * 1200, "Lys", "7", "1", "2", "3")  # errors, skip, not sent
    await run(first, "2", "1", "1")  # dugnad: list, event, signed up
    await run(second, "/start", "1", "1", "2", "1", "1", "2")  # preselected language; waiting list; no news
    await similar(app, run, second)
    await run(first, "5", "1", "1")  # my things, cancel D-1, yes: the place is offered on
    await run(second, "5", "1")  # take the offered place
    await run(first, "3", "1", "3", "2", "Under brua", "3", "2", "1", "1")  # emergency; report
    await run(first, "3", "2", "Under brua", "3", "2", "Det er mørkt", "2")  # anonymous report
    await run(first, "4", "1", "2", "3")  # browse, support, next, menu
    await run(second, "4", "1", "2")
    await organise(app, run, locale)
    # From the menu, whatever the browsing above left open: language, help, privacy.
    await run(first, Text(locale).keyword("menu"), "6", language_number, "7", "8", "1", "8", "2", "3")
    await run(first, "8", "3", "8", "3")  # privacy: the monthly message off, and on again
    await run(first, Inbound(UNSUPPORTED), Inbound(COMMAND, text="stop"), Inbound(COMMAND, text="start"))
    await scheduled_messages(app)
    await is_it_fixed(app, run, first, second)
    await run(second, Text(locale).keyword("menu"), "8", "2", "1")  # from the menu: delete everything
    async with app.sessions() as session:
        outbox = (await session.execute(select(OutboxMessage))).scalars()
        texts.extend(render(as_outbound(message)) for message in outbox)  # as the SMS sender sends them
    return [t for t in texts if t]


async def similar(app: App, run, resident: Chat) -> None:
    """Two ideas of the area like the one being written: shown one at a time, another,
    then "mine is different" and the idea not sent; then supported instead."""
    async with app.sessions() as session, session.begin():
        author = await make_resident(session, channel="sms", locale=resident.locale)
        for words in ("Flere benker og mer lys ved skolen", "Benker og lys ved skoleveien"):
            await ideas.submit_idea(session, author, app.areas.require("furuset"), ideas.IdeaDraft(words, "other"),
                                    timezone="Europe/Oslo")
    await run(resident, "1", "Benker og lys ved skolen", "7", "1", "3", "2", "2", "3")  # another; different; no
    await run(resident, "1", "Benker og lys ved skolen", "7", "1", "1")  # support this one instead


async def is_it_fixed(app: App, run, first: Chat, second: Chat) -> None:
    """An idea joined with another (its followers told), the other done, "Is it fixed?" a
    day later (answered "no": reopened, staff told), and the monthly news."""
    async with app.sessions() as session, session.begin():
        duplicate, target = await session.get(Idea, 1), await session.get(Idea, 3)
        await actions.mark_duplicate(session, duplicate, target, timezone="Europe/Oslo")
        await actions.answer_idea(session, target, "done", note=None, timezone="Europe/Oslo")
    await reminders.tick(app, now=utcnow() + timedelta(days=2))
    await run(first, "3")  # no: it is not fixed
    await run(second, "2")  # partly
    await followups.monthly_tick(app, now=next_month(utcnow()))


async def organise(app: App, run, locale: str) -> None:
    """A dugnad proposed (with an error), approved, joined, the organiser's message (and
    "one a day"), a proposal declined, and a done idea on the results page. By SMS
    organising is offered under "Join a dugnad"; two residents of their own, so that the
    walk's other residents stay where they were."""
    organiser, volunteer = Chat(app, channel="sms", locale=locale), Chat(app, channel="sms", locale=locale)
    label = Text(locale)._("Organise a dugnad")
    # In the second area, where the organised dugnad is the only one: a list of two long
    # titles costs more than 3 segments in some languages, organising or not.
    await run(organiser, "/start", "1", "2", "2", label, "1", "x", "Male benkene", "Ved senteret",
              "Lørdag 14. juni, kl. 10 til 14", "2", "Amina", "1", "2")  # sent; no monthly news
    async with app.sessions() as session, session.begin():
        proposal = (await session.execute(select(DugnadProposal))).scalars().first()
        event = await actions.approve_proposal(session, proposal, timezone="Europe/Oslo", start_at=in_days(20),
                                               end_at=in_days(20) + timedelta(hours=4))
        author = await session.get(Resident, event.organiser_id)
    await run(volunteer, "/start", "1", "2", "2", "1", "1")  # the organised dugnad: sign me up
    await run(organiser, "2", label, "2", "Husk hansker og vann. Vi møtes ved inngang B kl. 10. Velkommen alle!", "1")
    await run(organiser, "2", label, "2")  # one message a day: not again yet
    await reminders.tick(app)  # the message goes out to the volunteers
    async with app.sessions() as session, session.begin():
        declined = await organisers.propose_dugnad(session, author, organisers.ProposalDraft("Grill", "Parken", "Søndag", 10, "Amina"))
        await actions.decline_proposal(session, declined, note="Vi har ikke penger til grill i år.", timezone="Europe/Oslo")
        idea = await ideas.submit_idea(session, author, app.areas.require(author.area_slug), ideas.IdeaDraft("Benker", "other"),
                                       timezone="Europe/Oslo")
        await actions.answer_idea(session, idea, "done", note=None, timezone="Europe/Oslo")
        await actions.publish_idea(session, idea, "Nye benker ved skolen.", staff_id=None, timezone="Europe/Oslo",
                                   base_url="https://benken.example.org")


async def scheduled_messages(app: App) -> None:
    """Reminders, thanks, the idea follow-up, and an event moved and cancelled: all queued."""
    async with app.sessions() as session:
        event = (await session.execute(select(DugnadEvent))).scalars().first()
    await reminders.tick(app, now=event.start_at - timedelta(hours=23))
    await reminders.tick(app, now=event.start_at - timedelta(hours=1))
    async with app.sessions() as session, session.begin():
        for signup in (await session.execute(select(Signup).where(Signup.status == "confirmed"))).scalars():
            await dugnad.mark_attended(session, signup)
    await reminders.tick(app, now=event.start_at + timedelta(days=60))  # thanks, and the idea follow-up
    async with app.sessions() as session, session.begin():
        moved = await session.get(DugnadEvent, event.id)
        for signup in (await session.execute(select(Signup))).scalars():
            signup.status = "confirmed"
        change = dugnad.EventChange(place="Ved Furuset senter, inngang B")
        await actions.change_event(session, moved, change, timezone="Europe/Oslo")
        await actions.cancel_event(session, moved, timezone="Europe/Oslo")


async def table(locales: list[str]) -> list[tuple[str, int, float, int, str]]:
    rows = []
    for locale in locales:
        with tempfile.TemporaryDirectory() as folder:
            async with open_app(Settings(database_url=f"sqlite+aiosqlite:///{folder}/walk.db")) as app:
                texts = await walk(app, locale)
        counts = [segments(t) for t in texts]
        worst = max(texts, key=segments)
        rows.append((locale, len(texts), statistics.median(counts), max(counts), worst))
    return rows


if __name__ == "__main__":
    verbose = "-v" in sys.argv
    rows = asyncio.run(table([a for a in sys.argv[1:] if a != "-v"] or list(LANGUAGE_NAMES)))
    print("| language | messages | median segments | max segments |\n|---|---|---|---|")
    for locale, measured, median, most, _worst in rows:
        print(f"| {LANGUAGE_NAMES[locale]} ({locale}) | {measured} | {median:g} | {most} |")
    for locale, _n, _median, most, worst in rows if verbose else ():
        print(f"\n{locale}, the longest ({most} segments):\n{worst}", file=sys.stderr)
