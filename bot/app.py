"""The composition root: settings, areas, database and engine configuration, built in one
place and closed in one place. Channels and the scheduler hang off this."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from conversations.steps import EngineConfig

from . import db
from .areas import Areas, load_areas
from .settings import Settings


@dataclass(frozen=True)
class App:
    settings: Settings
    areas: Areas
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    @property
    def conversation(self) -> EngineConfig:
        return EngineConfig(areas=self.areas, timezone=self.settings.timezone)


@asynccontextmanager
async def open_app(settings: Settings, *, migrate: bool = True) -> AsyncIterator[App]:
    # Areas first: a broken areas file should stop us before we touch the database.
    areas = load_areas(settings.areas_file)
    engine = db.create_engine(settings.database_url)
    try:
        if migrate:
            await db.upgrade(engine)
        yield App(settings, areas, engine, db.session_factory(engine))
    finally:
        await engine.dispose()
