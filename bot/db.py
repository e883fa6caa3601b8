"""The database: engine and sessions for SQLite (embedded default) and PostgreSQL, and
Alembic migrations run from code."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS = Path(__file__).with_name("migrations")
# How long SQLite waits for another writer before giving up: a webhook burst or the
# scheduler may hold the write lock for a moment, and a resident must not see an error.
SQLITE_BUSY_TIMEOUT_MS = 10_000


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
        # failing on a stale snapshot. Nearly every transaction here writes anyway.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


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


async def upgrade(engine: AsyncEngine) -> None:
    """Migrate the database to the newest schema; does nothing when it is already there."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync_conn: command.upgrade(alembic_config(sync_conn), "head"))


async def ping(engine: AsyncEngine) -> bool:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
