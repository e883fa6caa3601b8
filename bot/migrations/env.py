"""Alembic environment: runs on a connection handed over by bot.db, or on its own."""

import asyncio

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

from bot.models import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata


def render_item(type_, obj, _autogen_context):
    """Migrations name plain SQLAlchemy types, so they never import the app's models."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_on(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    from bot.settings import load_settings

    url = config.get_main_option("sqlalchemy.url") or load_settings().database_url
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(run_on)
    await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:
    asyncio.run(run_online())
