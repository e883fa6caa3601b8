"""Capacity holds when residents take the last places at the same moment."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.domain import dugnad, queries
from bot.models import Signup

from tests.factories import make_event, make_resident


async def test_last_places_are_never_given_twice(app, session):
    event = await make_event(session, capacity=3)
    residents = [await make_resident(session) for _ in range(10)]
    await session.commit()

    async def take_place(resident_id: int) -> str:
        # One session per resident, as one inbound message each would have.
        async with app.sessions() as own, own.begin():
            resident = await own.get(type(residents[0]), resident_id)
            signup = await dugnad.sign_up(own, resident, event.id)
            await asyncio.sleep(0.01)  # keep the transaction open while the others arrive
            return signup.status

    statuses = await asyncio.gather(*(take_place(r.id) for r in residents))
    assert sorted(statuses).count("confirmed") == 3
    assert sorted(statuses).count("waitlisted") == 7

    async with app.sessions() as check:
        stored = (await check.execute(select(Signup.status))).scalars().all()
    assert sorted(stored) == ["confirmed"] * 3 + ["waitlisted"] * 7


async def test_signing_up_twice_keeps_one_place(app, session):
    event = await make_event(session, capacity=2)
    resident = await make_resident(session)
    first = await dugnad.sign_up(session, resident, event.id)
    second = await dugnad.sign_up(session, resident, event.id)
    assert first.id == second.id and await queries.places_taken(session, event.id) == 1


async def test_cancelled_event_cannot_be_joined(app, session):
    event = await make_event(session)
    event.status = "cancelled"
    resident = await make_resident(session)
    try:
        await dugnad.sign_up(session, resident, event.id)
    except dugnad.EventUnavailable:
        pass
    else:
        raise AssertionError("signed up for a cancelled event")


async def test_two_first_messages_from_one_new_number_at_once(app):
    from bot.channels.sms import CAPABILITIES as SMS
    from bot.messaging.inbox import receive
    from bot.models import Resident
    from conversations.messages import TEXT, Inbound

    results = await asyncio.gather(
        receive(app, "sms", "SMfirst-a", Inbound(TEXT, text="hei"), phone="+4790077001", capabilities=SMS),
        receive(app, "sms", "SMfirst-b", Inbound(TEXT, text="hallo"), phone="+4790077001", capabilities=SMS),
    )
    assert all(r.messages for r in results)
    async with app.sessions() as session:
        assert len((await session.execute(select(Resident))).scalars().all()) == 1


async def test_two_texts_of_one_resident_at_once_are_handled_one_after_the_other(app, monkeypatch):
    """Two SMS from one resident handled at the same moment (two requests, or two workers)
    both start from the step the resident is at: the second must see what the first did."""
    from bot.channels.sms import CAPABILITIES as SMS
    from bot.messaging import inbox
    from bot.messaging.inbox import receive
    from conversations import engine
    from conversations.messages import TEXT, Inbound

    handle, calls = engine.handle, []

    async def slow_first(*args, **kwargs):
        """The first of the two holds its transaction open a moment after answering."""
        answer = await handle(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1 and slow[0]:
            await asyncio.sleep(0.3)
        return answer

    slow = [False]
    monkeypatch.setattr(inbox.engine, "handle", slow_first)

    phone = "+4790077002"

    async def text(sid: str, body: str):
        return await receive(app, "sms", sid, Inbound(TEXT, text=body), phone=phone, capabilities=SMS)

    for number, body in enumerate(["hei", "2", "1", "1", "A bench by the school", "1", "skip"]):
        await text(f"SMstep{number}", body)  # at "Would you like to help?"
    calls.clear()
    slow[0] = True

    async def second_soon():
        await asyncio.sleep(0.1)  # while the first one's transaction is still open
        return await text("SMsend", "1")

    first, second = await asyncio.gather(text("SMhelp", "yes"), second_soon())
    said = [m.text for m in first.messages + second.messages]
    assert any("Shall we send it?" in s for s in said)  # one answered the help question …
    assert any("saved as I-1" in s for s in said)  # … and the other, after it, sent the idea
