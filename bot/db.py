"""The database: engine and sessions for SQLite (embedded default) and PostgreSQL, and
Alembic migrations run from code."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from .db_sqlite import begin, one_trip_per_statement

MIGRATIONS = Path(__file__).with_name("migrations")
# How long SQLite waits for another writer before giving up: a webhook burst or the
# scheduler may hold the write lock for a moment, and a resident must not see an error.
SQLITE_BUSY_TIMEOUT_MS = 10_000
# The execution option of a transaction that only reads (see `reading`).
READ_ONLY = {"benken_read_only": True}


class DatabaseError(RuntimeError):
    """The database URL cannot be used."""


def create_engine(url: str) -> AsyncEngine:
    """An async engine for `url`, with SQLite set up for concurrent, durable use."""
    try:
        parsed = make_url(url)
    except Exception:
        raise DatabaseError(f"DATABASE_URL is not a database URL: {url!r}") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.drivername != "sqlite+aiosqlite":
            raise DatabaseError("DATABASE_URL: use the async driver, sqlite+aiosqlite:///…")
        engine = create_async_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername != "postgresql+asyncpg":
            raise DatabaseError("DATABASE_URL: use the async driver, postgresql+asyncpg://…")
        # pre_ping: a connection the server dropped (restart, failover) is replaced, not used.
        return create_async_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=10)
    raise DatabaseError(f"DATABASE_URL: unsupported database {parsed.get_backend_name()!r}")


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection, _record):
        one_trip_per_statement(dbapi_connection)
        # We issue BEGIN ourselves (below), so the driver must not.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL lets readers go on while one writer writes; NORMAL is durable in WAL mode
        # except for the last transactions on power loss, never corrupting.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()
        # SQLite's own lower() folds A-Z only; residents write Ø, Ş and Є. Python's, as
        # PostgreSQL's lower() does in a UTF-8 database, so a search matches alike on both.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(conn):
        # IMMEDIATE takes the write lock at the start, so two transactions never both read
        # "one place left" and then both write; the second waits (busy_timeout) instead of
        # failing on a stale snapshot. Nearly every transaction here writes anyway; one that
        # only reads (`reading`) takes a snapshot and neither waits for nor holds up writers.
        read_only = conn.get_execution_options().get("benken_read_only")
        begin(conn, "BEGIN" if read_only else "BEGIN IMMEDIATE")


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


@asynccontextmanager
async def reading(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session that only reads. On SQLite its transaction does not take the write lock
    (WAL readers see a snapshot), so a long read does not hold up the writers; a write in
    it would fail when another writer is busy, so it must not write."""
    async with sessions() as session:
        await session.connection(execution_options=READ_ONLY)
        yield session


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after commit without lazy I/O.
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate the database to `revision` (the newest schema); does nothing when it is
    already there."""
    if engine.dialect.name != "sqlite":
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync_conn: command.upgrade(alembic_config(sync_conn), revision))
        return
    async with engine.connect() as conn:
        await conn.run_sync(_upgrade_sqlite, revision)


def _upgrade_sqlite(conn: Connection, revision: str) -> None:
    """Alembic alters a SQLite table by copying it and dropping the old one. With foreign
    keys on, that DROP deletes every row pointing at the table (ON DELETE CASCADE): an
    upgrade that rebuilt `ideas` would take every support and answer with it. So foreign
    keys are off while migrating (SQLite ignores the pragma inside a transaction, hence
    before BEGIN), checked afterwards, and on again for whoever uses the connection next."""
    raw = conn.connection.dbapi_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        with conn.begin():
            command.upgrade(alembic_config(conn), revision)
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:  # rolled back: the schema stays as it was
                raise DatabaseError(f"migration left rows pointing nowhere: {broken[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


async def ping(engine: AsyncEngine) -> bool:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
