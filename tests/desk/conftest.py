"""The web desk over HTTP (httpx, in process): a client on the whole web app as `benken
serve` mounts it, and apps with extra settings. Helpers (make_staff, sign_in, csrf) are in
tests/support.py."""

from __future__ import annotations

import pytest

from bot.app import open_app
from tests.support import desk_client


@pytest.fixture
async def client(app):
    async with desk_client(app) as opened:
        yield opened


@pytest.fixture
async def app_with(database_url):
    """Open an App with extra settings: `async with app_with(public_base_url=…) as app`."""
    from contextlib import asynccontextmanager
    from dataclasses import replace

    from bot.settings import Settings

    @asynccontextmanager
    async def opener(**changes):
        async with open_app(replace(Settings(database_url=database_url), **changes), migrate=False) as opened:
            yield opened

    return opener
