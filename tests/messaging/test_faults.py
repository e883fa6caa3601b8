"""Survival: a database that is busy or drops its connections, and a sender that dies
half-way. Nothing is lost, nothing is sent twice."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import timedelta

import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.messaging import outbox, sending
from bot.models import Idea, OutboxMessage, utcnow
from bot.messaging.outbox import STALE_CLAIM, SENT, SendResult

from tests.conftest import BACKEND, daytime
from tests.factories import Chat, make_resident


class CountingSender:
    channel = "telegram"

    def __init__(self):
        self.sent: list[int] = []

    async def send(self, recipient, message, ready) -> SendResult:
        await ready()
        await asyncio.sleep(0.001)  # let the other worker run in between
        self.sent.append(message.id)
        return SendResult(SENT, provider_message_id=str(message.id))

    async def close(self) -> None:
        pass


async def queue(app, n: int) -> list[int]:
    async with app.sessions() as session, session.begin():
        ids = []
        for _ in range(n):
            message = await outbox.enqueue(session, await make_resident(session), "test", "Hei")
            await session.flush()
            ids.append(message.id)
    return ids


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's write lock")
async def test_a_briefly_locked_sqlite_database_only_delays_the_answer(app, database_url):
    chat = Chat(app)
    await chat.script("hi", "2", "1", "1")
    path = make_url(database_url).database
    holder = sqlite3.connect(path, timeout=5)
    holder.execute("BEGIN IMMEDIATE")  # another process writing for a moment

    async def release_later():
        await asyncio.sleep(1.5)
        holder.commit()

    started = time.monotonic()
    _, replies = await asyncio.gather(release_later(), chat.say("A skate ramp behind the school"))
    holder.close()
    assert time.monotonic() - started >= 1.4
    assert replies and "What is your idea about?" in replies[-1].text
    await chat.script("4", "skip", "skip", "yes", "send")
    async with app.sessions() as session:
        assert (await session.execute(select(Idea.text))).scalar_one() == "A skate ramp behind the school"


@pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL backends")
async def test_dropped_postgresql_connections_are_replaced(app, database_url):
    chat = Chat(app)
    await chat.script("hi", "2", "1")
    url = make_url(database_url)
    admin = await asyncpg.connect(host=url.host, port=url.port or 5432, user=url.username, database="postgres")
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            url.database,
        )
    finally:
        await admin.close()
    assert killed >= 1  # the pool's idle connections are gone
    replies = await chat.say("1")
    assert replies and "What is your idea" in replies[-1].text


async def test_two_senders_never_send_the_same_message(app):
    ids = await queue(app, 40)
    first, second = CountingSender(), CountingSender()
    await asyncio.gather(
        sending.drain_once(app, {"telegram": first}, now=daytime()),
        sending.drain_once(app, {"telegram": second}, now=daytime()),
    )
    assert sorted(first.sent + second.sent) == ids


async def test_a_sender_killed_half_way_sends_nothing_twice_and_loses_nothing_untried(app):
    ids = await queue(app, 6)
    claimed = await outbox.claim_due(app, ["telegram"], now=daytime(), limit=4)
    assert claimed == ids[:4]
    await outbox.settle(app, sending=ids[:2], now=utcnow())  # two were on their way to Telegram; then the process died
    # A restart soon after leaves the claims alone: they may belong to a live worker.
    assert await outbox.recover_interrupted(app, now=daytime() + timedelta(seconds=30)) == (0, 0)
    # Later: the two in flight are settled as not confirmed (never repeated), the two
    # never tried go back to the queue.
    assert await outbox.recover_interrupted(app, now=daytime() + STALE_CLAIM + timedelta(seconds=1)) == (2, 2)
    sender = CountingSender()
    await sending.drain_once(app, {"telegram": sender}, now=daytime() + STALE_CLAIM + timedelta(seconds=2))
    assert sorted(sender.sent) == ids[2:]
    async with app.sessions() as session:
        failed = (await session.execute(
            select(OutboxMessage.id).where(OutboxMessage.status == "failed")
        )).scalars().all()
    assert sorted(failed) == ids[:2]


async def test_a_restarted_worker_takes_back_its_own_claims_at_once(app):
    """kill -9 and an immediate restart (systemd): the worker's own unfinished claims are
    settled at once, not after STALE_CLAIM; another worker's fresh claims are left alone."""
    ids = await queue(app, 6)
    me, other = outbox.Worker("host:serve"), outbox.Worker("host:run")
    assert await outbox.claim_due(app, ["telegram"], now=daytime(), limit=3, worker=me) == ids[:3]
    assert await outbox.claim_due(app, ["telegram"], now=daytime(), limit=2, worker=other) == ids[3:5]
    await outbox.settle(app, sending=ids[:1], now=utcnow())  # one was on its way when the process died
    restart = daytime() + timedelta(seconds=2)
    assert await outbox.recover_interrupted(app, now=restart, worker=me) == (2, 1)
    sender = CountingSender()
    await sending.drain_once(app, {"telegram": sender}, now=restart, worker=me)
    assert sorted(sender.sent) == [ids[1], ids[2], ids[5]]  # the other worker's two are its own


async def test_several_senders_share_the_recipients_without_overlap(app):
    """On PostgreSQL several sender processes each take their part of the recipients (a
    recipient's messages always through one of them, in order)."""
    ids = await queue(app, 30)
    senders = [CountingSender() for _ in range(3)]
    await asyncio.gather(*(
        sending.drain_once(app, {"telegram": sender}, now=daytime(), worker=outbox.Worker(f"w{n}", n, 3))
        for n, sender in enumerate(senders)
    ))
    assert sorted(sum((s.sent for s in senders), [])) == ids
    assert all(s.sent for s in senders)


async def test_old_answers_and_message_ids_are_forgotten(app):
    from bot.messaging import reminders
    from bot.channels.sms import CAPABILITIES as SMS
    from bot.messaging.inbox import receive
    from bot.models import InboundMessage
    from conversations.messages import TEXT, Inbound

    await receive(app, "sms", "SMold", Inbound(TEXT, text="hi"), phone="+4790000009", capabilities=SMS, keep_reply=lambda m: ["answer"])
    await reminders.tick(app, now=utcnow() + timedelta(hours=2))
    async with app.sessions() as session:
        assert (await session.execute(select(InboundMessage.reply))).scalar_one() == ["answer"]
    await reminders.tick(app, now=utcnow() + timedelta(days=2))
    async with app.sessions() as session:
        assert (await session.execute(select(InboundMessage.reply))).scalar_one() is None
    await reminders.tick(app, now=utcnow() + timedelta(days=31))
    async with app.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(InboundMessage))).scalar_one() == 0
