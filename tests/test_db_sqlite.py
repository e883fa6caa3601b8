"""SQLite through aiosqlite with one trip to its thread per statement (bot/db_sqlite.py):
the same answers as the stock adapter, in a third of the trips."""

from __future__ import annotations

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
    # BEGIN IMMEDIATE and the INSERT one trip each, the commit, and the pool's reset.
    assert trips == ["run", "run", "commit", "rollback"]

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
    assert trips == ["run"] * 4 + ["commit", "rollback"]  # BEGIN, three statements

    trips.clear()
    async with engine.connect() as conn:
        rows = (await conn.execute(select(Resident.locale, func.count()).group_by(Resident.locale)
                                   .order_by(Resident.locale))).all()
        nothing = (await conn.execute(text("SELECT id FROM residents WHERE id < 0"))).all()
    assert rows == [("so", 9), ("ur", 2)] and nothing == []
    assert trips == ["run", "run", "run", "rollback"]  # BEGIN, two statements, the end of the read
