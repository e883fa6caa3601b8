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
