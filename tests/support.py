"""Helpers more than one test package uses (fixtures live in conftest.py): the running
Telegram bot's handle, waiting, the CLI as a process, a local SMTP server's inbox, and
extracting strings from the code."""

from __future__ import annotations

import asyncio
import dataclasses
import html
import itertools
import re
import os
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

import httpx
from aiosmtpd.smtp import AuthResult
from babel.messages.pofile import read_po
from sqlalchemy import func, select

from twilio.request_validator import RequestValidator

from bot.app import App, open_app
from bot.channels import twilio as webhooks
from bot.metrics import Metrics
from bot.models import Staff, StaffArea, utcnow
from bot.staff.web import auth
from bot.settings import Settings
from bot.web import create_web

from .doubles.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
VOICE_IDEA = (DATA / "voice-idea.ogg").read_bytes()  # 4.8 s of Norwegian speech, Ogg/Opus
VOICE_PLACE = (DATA / "voice-place.ogg").read_bytes()  # 3.0 s of English speech
TOKEN = "123456:TEST-TOKEN"
SECRET = "webhook-secret-123"
PUBLIC = "https://benken.example.org"  # PUBLIC_BASE_URL, which Twilio signs
TWILIO_TOKEN = "test-token"
TWILIO_SID = "AC" + "0" * 32
_sids = itertools.count(1)


async def until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.02)


class TelegramBot:
    """A running Benken Telegram bot (polling) and the fake server it talks to."""

    def __init__(self, fake: FakeTelegram, app: App, application):
        self.fake, self.app, self.application = fake, app, application

    async def send(self, push, *args, **kwargs) -> list[dict]:
        """Push one update and wait until it was handled; what the bot sent for it.

        Handled means confirmed: the bot asks for the next offset only after handling."""
        before = len(self.fake.calls)
        push(*args, **kwargs)
        await until(lambda: self.fake.pending == 0)
        return [c["params"] for c in self.fake.calls[before:] if c["method"] == "sendMessage" and c["status"] == 200]


@asynccontextmanager
async def running_telegram(settings: Settings) -> AsyncIterator[TelegramBot]:
    """A Benken Telegram bot polling a fake Bot API on loopback, with `settings` (the
    `telegram` fixture's, or changed ones: a PUBLIC_BASE_URL, say)."""
    from bot.channels.telegram import build_application
    from bot.run import poll

    async with FakeTelegram(TOKEN) as fake:
        configured = dataclasses.replace(
            settings, telegram_bot_token=TOKEN, telegram_api_base_url=fake.base_url,
            telegram_api_base_file_url=fake.base_file_url, telegram_webhook_secret=SECRET,
        )
        async with open_app(configured, migrate=False) as app:
            application = build_application(app, per_chat_per_second=50)
            async with application:
                await application.start()
                stop = asyncio.Event()
                polling = asyncio.create_task(poll(application, stop))
                try:
                    yield TelegramBot(fake, app, application)
                finally:
                    stop.set()
                    await polling
                    await application.stop()


def texts(sent: list[dict]) -> str:
    return "\n".join(html.unescape(p["text"]) for p in sent)


async def count(app, model, *where) -> int:
    async with app.sessions() as session:
        return (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def onboard(bot: TelegramBot, user: int, language_code: str = "en") -> None:
    sent = await bot.send(bot.fake.text, user, "/start", language_code=language_code)
    assert sent and "Continue" in str(sent[-1]["reply_markup"])
    await bot.send(bot.fake.tap_label, user, "Continue")
    await bot.send(bot.fake.tap_label, user, "Furuset (Alna)")


def benken(database_url: str, *args: str, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    """The `benken` command as an operator runs it, in its own process."""
    environment = {**os.environ, "DATABASE_URL": database_url, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True, env=environment, timeout=120
    )


async def benken_async(database_url: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The same, without blocking this event loop (where a fake server may be serving)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args,
        env={**os.environ, "DATABASE_URL": database_url, **(env or {})},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return subprocess.CompletedProcess(list(args), process.returncode, out.decode(), err.decode())


class SmtpInbox:
    """What a local SMTP server (aiosmtpd) received, and the logins it saw."""

    def __init__(self):
        self.envelopes = []
        self.logins = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def extract(tmp_path: Path, *keywords: str) -> list:
    """The strings pybabel finds in the code (with `keywords`, e.g. the staff domain's)."""
    pot = tmp_path / "extracted.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", *keywords, "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as f:
        return [m for m in read_po(f) if m.id]


# The web desk -------------------------------------------------------------------------------

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


async def sign_in(client: httpx.AsyncClient, app: App, staff: Staff) -> httpx.Response:
    response = await client.get(await login_link(app, staff))
    assert response.status_code == 303, response.text
    return response


def csrf(page: httpx.Response) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "no CSRF field on the page"
    return match.group(1)


# SMS through Twilio's webhook --------------------------------------------------------------


def signed(path: str, form: dict, token: str = TWILIO_TOKEN) -> dict:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(PUBLIC + path, form)}


class Phone:
    """A basic phone texting Benken through Twilio's webhook."""

    def __init__(self, client: httpx.AsyncClient, number: str = "+4790012345"):
        self.client, self.number, self.replies = client, number, []

    async def text(self, body: str, *, sid: str | None = None, extra: dict | None = None) -> list[str]:
        form = {"MessageSid": sid or f"SM{next(_sids):032d}", "From": self.number, "To": "+4759440000", "Body": body}
        form.update(extra or {})
        response = await self.client.post(webhooks.INBOUND_PATH, data=form, headers=signed(webhooks.INBOUND_PATH, form))
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
        self.replies = [m.text or "" for m in ElementTree.fromstring(response.text).iter("Message")]
        return self.replies

    async def script(self, *bodies: str) -> str:
        for body in bodies:
            await self.text(body)
        return self.said

    @property
    def said(self) -> str:
        return "\n\n".join(self.replies)


def desk_pages(world: dict) -> list[str]:
    """Every page of the desk a Furuset staff member can open, for a make_hostile_world."""
    mine = world["furuset"]
    pages = ["/desk/", "/desk/?status=all&q=script", f"/desk/ideas/{mine['idea']}", "/desk/safety-map",
             "/desk/dugnads", "/desk/dugnads/new", f"/desk/dugnads/{mine['event']}",
             f"/desk/dugnads/{mine['event']}/edit", "/desk/impact", "/desk/broadcast", "/desk/exports",
             "/desk/outreach"]
    downloads = [f"/desk/exports/download?kind={kind}&format={fmt}"
                 for kind in ("ideas", "safety", "signups", "events") for fmt in ("csv", "json")]
    return pages + downloads


# Voice messages -------------------------------------------------------------------------------


def _ogg_crc(page: bytes) -> int:
    """Ogg's page checksum: CRC-32, polynomial 0x04C11DB7, not reflected, starting at 0."""
    crc = 0
    for byte in page:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def lengthened(ogg: bytes, seconds: int) -> bytes:
    """An Ogg/Opus recording whose last page says it lasts `seconds` (its granule
    position, in 48 kHz samples, is what players and mutagen read a length from): a
    long recording as a file, a few kilobytes small."""
    at, last = 0, 0
    while at < len(ogg):
        assert ogg[at:at + 4] == b"OggS", "not an Ogg stream"
        segments = ogg[at + 26]
        body = sum(ogg[at + 27:at + 27 + segments])
        last, at = at, at + 27 + segments + body
    page = bytearray(ogg[last:])
    page[6:14] = (seconds * 48_000).to_bytes(8, "little")
    page[22:26] = b"\0\0\0\0"
    page[22:26] = _ogg_crc(bytes(page)).to_bytes(4, "little")
    return ogg[:last] + bytes(page)
