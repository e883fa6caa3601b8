"""The media folder's housekeeping: files whose rows went are deleted once the deletion
is committed, a file that came with a message nobody kept goes at once, and the daily
job deletes what is past its time (bot/domain/media.py says what) and any file no row
knows (a crash between writing it and committing)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import media
from ..models import utcnow

if TYPE_CHECKING:
    from ..app import App

log = logging.getLogger(__name__)


def taken(session: AsyncSession) -> tuple[set[str], dict[str, datetime]]:
    """What a transaction left to do on disk: (files to delete, files to backdate). Take it
    before the commit, act on it after."""
    return session.info.pop(media.FILES, set()), session.info.pop(media.BACKDATE, {})


async def settle(app: App, work: tuple[set[str], dict[str, datetime]], arrived: str | None = None) -> None:
    """After a commit: delete the files whose rows went, give an anonymous report's files
    its day, and delete `arrived` (the file a message brought) unless a row kept it."""
    gone, backdate = work
    gone = set(gone)
    if arrived and arrived not in gone:
        async with app.sessions() as session:
            if not await media.known_files(session, [arrived]):
                gone.add(arrived)
    app.media.delete(gone)
    for name, day in backdate.items():
        if name not in gone and app.media.exists(name):
            app.media.backdate(name, day)


async def tidy(app: App, *, now: datetime | None = None) -> tuple[int, int]:
    """The daily job: (files past their time deleted, stray files deleted)."""
    now = now or utcnow()
    async with app.sessions() as session, session.begin():
        expired = await media.discard_expired(
            session, days=app.settings.media_retention_days, timezone_name=app.settings.timezone, now=now
        )
        work = taken(session)
    await settle(app, work)
    stray = [name for name, written in app.media.listing().items() if written < now - media.STRAY_AFTER]
    async with app.sessions() as session:
        known = await media.known_files(session, [name.removesuffix(".partial") for name in stray])
    unknown = [name for name in stray if name.removesuffix(".partial") not in known or name.endswith(".partial")]
    removed = app.media.delete(unknown)
    if expired or removed:
        log.info("media: %d files past their time and %d stray files deleted", expired, removed)
    return expired, removed
