"""The scheduled drain as a pipeline: the next rows are claimed while the last ones go, a
recipient's messages keep their order across claims, and a stopped drain never leaves a
transaction half-way."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.db import reading
from bot.messaging import outbox, sending
from bot.messaging.outbox import SENT, SendResult
from bot.models import OUTBOX_CLAIMED, OutboxMessage, Resident

from tests.conftest import BACKEND, daytime
from tests.factories import make_resident


class SlowSender:
    """Marks, then takes a few milliseconds per message, as a provider's answer does (every
    other message three times as long: sent side by side, they would finish out of order)."""

    channel = "telegram"

    def __init__(self, seconds: float = 0.004):
        self.seconds = seconds
        self.sent: list[tuple[int, int]] = []  # (recipient address, message id)

    async def send(self, recipient, message, ready) -> SendResult:
        await ready()
        await asyncio.sleep(self.seconds * (1 if message.id % 2 else 3))
        self.sent.append((recipient.address, message.id))
        return SendResult(SENT, provider_message_id=str(message.id))

    async def close(self) -> None:
        pass


async def broadcast(app, *, singles: int, busy_each: int) -> tuple[int, list[int]]:
    """`singles` residents with one message each, and one resident with `busy_each`
    messages spread among them; that resident's address and message ids in queue order."""
    async with app.sessions() as session, session.begin():
        busy = await make_resident(session)
        others = [await make_resident(session) for _ in range(singles)]
        await session.flush()
        ids = []
        for n, resident in enumerate(others):
            await outbox.enqueue(session, resident, "broadcast", f"News {n}")
            for _ in range(2):  # two at a time: side by side they would overtake each other
                if n % (2 * singles // busy_each) == 0 and len(ids) < busy_each:
                    message = await outbox.enqueue(session, busy, "broadcast", f"For the busy one {len(ids)}")
                    await session.flush()
                    ids.append(message.id)
        return busy.telegram_id, ids


async def test_the_next_rows_are_claimed_while_the_last_ones_still_go(app, monkeypatch):
    monkeypatch.setattr(sending, "CLAIM_BATCH", 8)
    monkeypatch.setattr(sending, "CLAIM_AHEAD", 4)
    monkeypatch.setattr(sending, "HOLD_AT_MOST", 32)
    busy, busy_ids = await broadcast(app, singles=40, busy_each=8)
    sender, claims = SlowSender(), []
    real_claim = sending.claim_due

    async def claim_due(*args, **kwargs):
        claims.append(len(sender.sent))  # how many had gone when this claim was made
        return await real_claim(*args, **kwargs)

    monkeypatch.setattr(sending, "claim_due", claim_due)
    assert await sending.drain(app, {"telegram": sender}, clock=daytime) == 48
    assert len(sender.sent) == 48 and len(set(sender.sent)) == 48  # each once
    # The busy resident's messages came in six claims, and went in the order queued.
    assert [m for address, m in sender.sent if address == busy] == busy_ids
    # Claims after the first were made while earlier claimed messages were still going.
    claimed_before = [8 * n for n in range(len(claims))]
    assert any(gone < before for gone, before in zip(claims[1:], claimed_before[1:]))
    async with app.sessions() as session:
        statuses = (await session.execute(select(OutboxMessage.status))).scalars().all()
    assert set(statuses) == {"sent"}


async def test_drain_once_claims_once(app, monkeypatch):
    monkeypatch.setattr(sending, "CLAIM_BATCH", 8)
    await broadcast(app, singles=20, busy_each=2)
    sender = SlowSender(0)
    assert await sending.drain_once(app, {"telegram": sender}, now=daytime()) == 8
    assert len(sender.sent) == 8


async def test_a_stopped_drain_finishes_the_transaction_it_was_in(app, monkeypatch):
    """A cancel (the process stopping) lands while the drain stores its marks: the
    transaction is still made whole, so no connection is left holding the write lock and
    the marked message is not put back as never tried."""
    await broadcast(app, singles=4, busy_each=1)
    storing = asyncio.Event()
    real_settle = sending.settle

    async def settle(app_, *, sending=(), results=(), now):
        if sending:
            storing.set()
            await asyncio.sleep(0.1)  # the cancel comes in here
        await real_settle(app_, sending=sending, results=results, now=now)

    monkeypatch.setattr(sending, "settle", settle)
    drain = asyncio.create_task(sending.drain(app, {"telegram": SlowSender(1.0)}, clock=daytime))
    await storing.wait()
    drain.cancel()
    with pytest.raises(asyncio.CancelledError):
        await drain
    await asyncio.sleep(0.3)  # the transaction goes on to its end
    started = time.monotonic()
    async with app.sessions() as session, session.begin():  # a writer gets in at once
        statuses = (await session.execute(select(OutboxMessage.status))).scalars().all()
    assert time.monotonic() - started < 1.0
    assert "sending" in statuses  # the marks were stored: those are not sent twice
    assert statuses.count(OUTBOX_CLAIMED) < len(statuses)


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's write lock")
async def test_a_read_only_session_does_not_wait_for_a_writer(app, database_url):
    async with app.sessions() as session, session.begin():
        await make_resident(session)
    holder = sqlite3.connect(make_url(database_url).database, timeout=5)
    holder.execute("BEGIN IMMEDIATE")  # another writer, holding the lock for a while
    try:
        started = time.monotonic()
        async with reading(app.sessions) as session:
            residents = (await session.execute(select(Resident.id))).scalars().all()
        assert time.monotonic() - started < 0.5
        assert len(residents) == 1  # what was committed before the writer began
    finally:
        holder.rollback()
        holder.close()
