"""The web desk over HTTP (httpx, in process): staff factories, a client on the whole web
app as `benken serve` mounts it, and signing in through a real one-time link."""

from __future__ import annotations

import itertools
import re

import httpx
import pytest

from bot.app import App, open_app
from bot.metrics import Metrics
from bot.models import Staff, StaffArea, utcnow
from bot.staff.web import auth
from bot.web import create_web

_telegram_ids = itertools.count(770_001)


async def make_staff(app: App, name="Kari Nordmann", *, areas=("furuset",), admin=False, email=None, locale="nb") -> Staff:
    async with app.sessions() as session, session.begin():
        staff = Staff(telegram_id=next(_telegram_ids), name=name, is_admin=admin, email=email, locale=locale)
        session.add(staff)
        await session.flush()
        session.add_all(StaffArea(staff_id=staff.id, area_slug=slug) for slug in areas)
    return staff


async def login_link(app: App, staff: Staff, now=None) -> str:
    async with app.sessions() as session, session.begin():
        token = await auth.issue_login_token(session, staff, now or utcnow())
    return "/desk/login?token=" + token


def desk_client(app: App, base_url: str = "http://testserver") -> httpx.AsyncClient:
    """The whole web app in process; https:// when the app sends Secure cookies."""
    transport = httpx.ASGITransport(app=create_web(app, Metrics()), client=("127.0.0.1", 50000))
    return httpx.AsyncClient(transport=transport, base_url=base_url)


@pytest.fixture
async def client(app):
    async with desk_client(app) as opened:
        yield opened


async def sign_in(client: httpx.AsyncClient, app: App, staff: Staff) -> httpx.Response:
    response = await client.get(await login_link(app, staff))
    assert response.status_code == 303, response.text
    return response


def csrf(page: httpx.Response) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "no CSRF field on the page"
    return match.group(1)


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
