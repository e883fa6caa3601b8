"""Test setup: every test gets a fresh, migrated database of the backend under test.

BENKEN_TEST_DATABASE=sqlite (default) or postgresql (with TEST_POSTGRES_URL). A template
is migrated once per run; each test gets a copy (a file copy on SQLite, CREATE DATABASE …
TEMPLATE on PostgreSQL), so tests are isolated and run the real migrations.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import os
import shutil
import socket
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import make_url

from bot import db
from bot.app import App, open_app
from bot.settings import Settings

from .doubles.fake_transcriber import FakeTranscriber
from .doubles.fake_translators import FakeAzureTranslator, FakeLibreTranslate
from .support import PUBLIC, TWILIO_SID, TWILIO_TOKEN, SmtpInbox, free_port, running_telegram

BACKEND = os.environ.get("BENKEN_TEST_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
_numbers = itertools.count()


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch):
    """Any connection outside loopback fails loudly: tests talk to test doubles only."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")):
            raise RuntimeError(f"test tried to reach {address!r}: only loopback is allowed")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22's future RetryAfter, without warnings


def pytest_report_header(config):
    target = POSTGRES_URL if BACKEND == "postgresql" else "SQLite (a fresh file per test)"
    return f"benken test database: {BACKEND}: {target}"


async def _pg_admin(sql: str) -> None:
    url = make_url(POSTGRES_URL)
    conn = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database=url.database
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _pg_url(database: str) -> str:
    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


async def _migrate(url: str) -> None:
    engine = db.create_engine(url)
    try:
        await db.upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> str:
    """A migrated template database: a file path (SQLite) or a database name (PostgreSQL)."""
    if BACKEND == "postgresql":
        name = f"benken_tpl_{os.getpid()}"
        asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name}"))
        asyncio.run(_pg_admin(f"CREATE DATABASE {name}"))
        asyncio.run(_migrate(_pg_url(name)))
        yield name
        asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
        yield str(path)


@pytest.fixture
async def database_url(template, tmp_path) -> str:
    """The URL of a fresh copy of the migrated template, dropped after the test."""
    if BACKEND == "postgresql":
        name = f"benken_t_{os.getpid()}_{next(_numbers)}"
        await _pg_admin(f"CREATE DATABASE {name} TEMPLATE {template}")
        yield _pg_url(name)
        await _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    else:
        path = tmp_path / "benken.db"
        shutil.copyfile(template, path)
        yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings(database_url=database_url, media_dir=tmp_path / "media")


@pytest.fixture
async def app(settings) -> App:
    async with open_app(settings, migrate=False) as opened:
        yield opened


@pytest.fixture
async def session(app):
    async with app.sessions() as opened:
        yield opened


def daytime() -> datetime:
    """Tomorrow at noon in Oslo, as UTC: a clock for tests that send, outside quiet hours
    whatever time the suite runs, and later than anything queued at the real time."""
    oslo = ZoneInfo("Europe/Oslo")
    tomorrow = datetime.now(oslo).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(12, 0), oslo).astimezone(timezone.utc)


def next_month(moment: datetime) -> datetime:
    """Noon in Oslo on the 2nd of the month after `moment`'s, as UTC: when the monthly news
    of `moment`'s month is made."""
    oslo = ZoneInfo("Europe/Oslo")
    first = (moment.astimezone(oslo).date().replace(day=1) + timedelta(days=32)).replace(day=2)
    return datetime.combine(first, time(12, 0), oslo).astimezone(timezone.utc)


def in_days(days: float, hour: int = 10) -> datetime:
    """A UTC moment `days` from now at a whole hour, for event times."""
    moment = datetime.now(timezone.utc) + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
async def telegram(settings):
    """A running Benken Telegram bot, polling a fake Bot API on loopback."""
    async with running_telegram(settings) as bot:
        yield bot


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback (aiosmtpd): (its inbox, its port)."""
    inbox = SmtpInbox()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=free_port(), server_hostname="benken-test",
        authenticator=inbox.authenticate, auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture
async def sms_app(settings) -> App:
    """The app as a deployment with Twilio configured (signatures checked against PUBLIC)."""
    configured = dataclasses.replace(
        settings, twilio_account_sid=TWILIO_SID, twilio_auth_token=TWILIO_TOKEN, twilio_from_number="+4759440000",
        public_base_url=PUBLIC,
    )
    async with open_app(configured, migrate=False) as opened:
        yield opened


@pytest.fixture
async def sms_client(sms_app):
    """An HTTP client on the whole web app, for Twilio's webhooks (see support.Phone)."""
    from bot.metrics import Metrics
    from bot.web import create_web

    transport = httpx.ASGITransport(app=create_web(sms_app, Metrics()))
    async with httpx.AsyncClient(transport=transport, base_url="http://internal:8080") as opened:
        yield opened


# Machine translation: the fake services, and the app configured with each -----------------


@pytest.fixture
async def fake_azure():
    async with FakeAzureTranslator() as fake:
        yield fake


@pytest.fixture
async def fake_libre():
    async with FakeLibreTranslate() as fake:
        yield fake


@pytest.fixture
async def azure_app(settings, fake_azure) -> App:
    """The app with Azure AI Translator (its fake) configured: not allowed sensitive text."""
    configured = dataclasses.replace(
        settings, translator="azure", azure_translator_key=fake_azure.key, azure_translator_region=fake_azure.region,
        azure_translator_endpoint=fake_azure.base_url,
    )
    async with open_app(configured, migrate=False) as opened:
        yield opened


@pytest.fixture
async def libre_app(settings, fake_libre) -> App:
    """The app with a self-hosted LibreTranslate (its fake): allowed sensitive text."""
    configured = dataclasses.replace(settings, translator="libretranslate", libretranslate_url=fake_libre.base_url)
    async with open_app(configured, migrate=False) as opened:
        yield opened


# Speech to text: the fake server, and the app configured with it ---------------------------


@pytest.fixture
async def fake_stt():
    async with FakeTranscriber() as fake:
        yield fake


@pytest.fixture
async def stt_app(settings, fake_stt) -> App:
    """The app with a speech-to-text server (its fake) nearby: allowed safety reports."""
    configured = dataclasses.replace(settings, transcribe_url=fake_stt.base_url, transcribe_api_key=fake_stt.api_key)
    async with open_app(configured, migrate=False) as opened:
        yield opened


@pytest.fixture(scope="session")
def language_id_ready():
    """Lingua's models loaded once for the test run (seconds), as `run` and `serve` do."""
    from bot.text import language_id

    language_id.warm_up()
