"""SQLite through aiosqlite with one trip to its thread per statement.

SQLAlchemy's aiosqlite adapter makes three or four trips for each statement (open a
cursor, execute, fetch, close), and every trip wakes the event loop from another thread.
On a Telegram message's handful of statements that was the largest part of the CPU time
Benken spent beyond a bare echo bot. Here a statement's cursor is opened, executed, read
and closed in one function run on aiosqlite's thread; a transaction's BEGIN travels with
its first statement (`begin`), and a commit or rollback with nothing to end makes no trip
(SQLite's own would do nothing either). Server-side cursors (`stream`) keep SQLAlchemy's
own class. Used only where aiosqlite has the connection internals relied on (`_execute`,
`_conn`, there since its first releases); otherwise the stock adapter stays.
"""

from __future__ import annotations

import collections
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection, AsyncAdapt_aiosqlite_cursor
from sqlalchemy.engine import Connection
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_


def _owed(adapt_connection: AsyncAdapt_aiosqlite_connection) -> str | None:
    """The BEGIN owed before the connection's next statement, taken (and so no longer owed)."""
    driver = adapt_connection._connection
    owed, driver.benken_begin = driver.benken_begin, None
    return owed


class _Outcome:
    """What a statement left for SQLAlchemy to read off a cursor once it ran (the stock
    cursor's properties read these from its `_cursor`)."""

    __slots__ = ("description", "rowcount", "lastrowid", "arraysize")

    def __init__(self) -> None:
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: Any = None
        self.arraysize = 1


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()
    _awaitable_cursor_close = False

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection):
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = _Outcome()  # no cursor is opened until a statement runs
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        def run(cursor: Any) -> tuple:
            if parameters is None:
                cursor.execute(operation)
            else:
                cursor.execute(operation, parameters)
            rows = cursor.fetchall() if cursor.description else ()
            return cursor.description, cursor.rowcount, cursor.lastrowid, rows

        outcome = self._cursor
        async with self._adapt_connection._execute_mutex:
            outcome.description, outcome.rowcount, outcome.lastrowid, rows = await self._trip(run)
        self._rows = collections.deque(rows)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        def run(cursor: Any) -> tuple:
            cursor.executemany(operation, seq_of_parameters)
            return cursor.description, cursor.rowcount, cursor.lastrowid

        outcome = self._cursor
        async with self._adapt_connection._execute_mutex:
            outcome.description, outcome.rowcount, outcome.lastrowid = await self._trip(run)

    async def _trip(self, work: Any) -> Any:
        """`work(cursor)` on aiosqlite's thread, after the BEGIN owed, in one trip."""
        raw, begin = self._connection._conn, _owed(self._adapt_connection)

        def run() -> Any:
            if begin is not None:
                raw.execute(begin)
            cursor = raw.cursor()
            try:
                return work(cursor)
            finally:
                cursor.close()

        return await self._connection._execute(run)

    async def _async_soft_close(self) -> None:
        """Nothing is open between statements."""

    def close(self) -> None:
        self._rows.clear()

    def nextset(self) -> None:
        return None

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor

    def cursor(self, server_side: bool = False) -> Any:
        if server_side and (begin := _owed(self)) is not None:  # SQLAlchemy's own cursor: BEGIN first
            await_(self._connection.execute(begin))
        return super().cursor(server_side)

    def commit(self) -> None:
        if self._open():
            super().commit()

    def rollback(self) -> None:
        if self._open():
            super().rollback()

    def _open(self) -> bool:
        """Whether there is a transaction to end. Nothing runs on the connection while it is
        asked (its owner waits for each statement; SQLAlchemy terminates a connection whose
        statement was cancelled on its way, and closing rolls back)."""
        _owed(self)  # a transaction that ran no statement never began
        driver = self._connection
        return driver._connection is not None and driver._conn.in_transaction


def one_trip_per_statement(dbapi_connection: Any) -> None:
    """Switch a new aiosqlite connection of SQLAlchemy's to OneTripCursor, where it can."""
    driver = getattr(dbapi_connection, "_connection", None)
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection and all(
        hasattr(driver, name) for name in ("_execute", "_conn")
    ):
        driver.benken_begin = None
        dbapi_connection.__class__ = OneTripConnection


def begin(conn: Connection, statement: str) -> None:
    """Begin a transaction with `statement` (BEGIN, BEGIN IMMEDIATE): sent with the first
    statement on a one-trip connection, at once otherwise."""
    dbapi_connection = conn.connection.dbapi_connection
    if isinstance(dbapi_connection, OneTripConnection):
        dbapi_connection._connection.benken_begin = statement
    else:
        conn.exec_driver_sql(statement)
