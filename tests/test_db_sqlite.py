"""SQLite through aiosqlite with one trip to its thread per statement (bot/db_sqlite.py):
the same answers and the same transactions as the stock adapter, in a fraction of the trips."""

from __future__ import annotations

import asyncio
import sqlite3

import aiosqlite
import pytest
from sqlalchemy import bindparam, func, insert, select, text, update

from bot.db import create_engine
from bot.db_sqlite import OneTripConnection
from bot.models import Resident, utcnow

from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="the SQLite driver")


@pytest.fixture
async def engine(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'trips.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(Resident.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch) -> list[str]:
    """Every function run on aiosqlite's thread, by name."""
    seen: list[str] = []
    real = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return seen


async def test_each_statement_is_one_trip_and_answers_as_before(engine, trips):
    now = utcnow()
    async with engine.connect() as conn:  # the pool's one connection, reused below
        raw = await conn.get_raw_connection()
        assert isinstance(raw.dbapi_connection, OneTripConnection)

    trips.clear()
    async with engine.begin() as conn:  # BEGIN IMMEDIATE, INSERT … RETURNING, COMMIT
        inserted = await conn.execute(insert(Resident).values(channel="sms", phone="+4790000001", locale="ar",
                                                              area_slug="furuset", first_seen=now, last_seen=now)
                                      .returning(Resident.id))
        first = inserted.scalar_one()
    # BEGIN IMMEDIATE with the INSERT, the commit; the pool's reset finds nothing to end.
    assert trips == ["run", "commit"]

    trips.clear()
    async with engine.begin() as conn:  # executemany: one trip for all rows
        await conn.execute(insert(Resident), [
            {"channel": "sms", "phone": f"+47900000{n:02d}", "locale": "so", "area_slug": "furuset",
             "first_seen": now, "last_seen": now} for n in range(2, 12)])
        table = Resident.__table__
        changed = await conn.execute(
            update(table).where(table.c.id == bindparam("b_id")).values(locale=bindparam("b_locale")),
            [{"b_id": first, "b_locale": "ur"}, {"b_id": first + 1, "b_locale": "ur"}])
        assert changed.rowcount == 2
        moved = await conn.execute(update(Resident).where(Resident.locale == "so").values(area_slug="haugerud"))
        assert moved.rowcount == 9
    assert trips == ["run"] * 3 + ["commit"]  # three statements, the first with BEGIN

    trips.clear()
    async with engine.connect() as conn:
        rows = (await conn.execute(select(Resident.locale, func.count()).group_by(Resident.locale)
                                   .order_by(Resident.locale))).all()
        nothing = (await conn.execute(text("SELECT id FROM residents WHERE id < 0"))).all()
    assert rows == [("so", 9), ("ur", 2)] and nothing == []
    assert trips == ["run", "run", "rollback"]  # two statements, the first with BEGIN; the end of the read

    trips.clear()
    async with engine.begin():  # a transaction that runs nothing costs nothing
        pass
    assert trips == []


def writer_waits(path) -> bool:
    """Whether another connection finds the write lock taken."""
    other = sqlite3.connect(path, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        other.close()


async def test_the_transaction_holds_the_write_lock_from_its_first_statement(engine, tmp_path):
    path, now = tmp_path / "trips.db", utcnow()
    async with engine.begin() as conn:
        assert not writer_waits(path)  # nothing ran yet: BEGIN IMMEDIATE waits for the first statement
        await conn.execute(select(func.count(Resident.id)))  # a read, but the lock is taken with it
        assert writer_waits(path)
    assert not writer_waits(path)

    with pytest.raises(RuntimeError):
        async with engine.begin() as conn:
            await conn.execute(insert(Resident).values(channel="sms", phone="+4790000001", locale="ar",
                                                       first_seen=now, last_seen=now))
            raise RuntimeError("the handler failed")
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count(Resident.id)))).scalar_one() == 0  # rolled back

    async with engine.begin() as conn:  # SQLAlchemy's own cursor for a stream gets its BEGIN first
        rows = await conn.stream(select(Resident.id))
        assert [row async for row in rows] == [] and writer_waits(path)


async def test_a_statement_cancelled_on_its_way_is_still_rolled_back(engine, tmp_path):
    """The statement waits on aiosqlite's thread for another writer and its caller gives
    up. The rollback cannot be skipped on "no transaction yet" while the BEGIN still waits:
    SQLAlchemy ends such a connection, and the close queued behind the statement undoes it."""
    path, now = tmp_path / "trips.db", utcnow()
    holder = sqlite3.connect(path, timeout=5)
    holder.execute("BEGIN IMMEDIATE")

    async def insert_one() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(Resident).values(channel="sms", phone="+4790000001", locale="ar",
                                                       first_seen=now, last_seen=now))
            await asyncio.sleep(60)

    task = asyncio.create_task(insert_one())
    await asyncio.sleep(0.3)  # the BEGIN and INSERT are waiting for the holder on the thread
    task.cancel()
    asyncio.get_running_loop().call_later(0.3, holder.rollback)
    with pytest.raises(asyncio.CancelledError):
        await task
    holder.close()
    assert not writer_waits(path)
    async with engine.begin() as conn:  # the pool's connection is clean: a new transaction begins
        assert (await conn.execute(select(func.count(Resident.id)))).scalar_one() == 0
