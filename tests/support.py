"""Helpers more than one test package uses (fixtures live in conftest.py): the running
Telegram bot's handle, waiting, the CLI as a process, a local SMTP server's inbox, and
extracting strings from the code."""

from __future__ import annotations

import asyncio
import html
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from aiosmtpd.smtp import AuthResult
from babel.messages.pofile import read_po
from sqlalchemy import func, select

from bot.app import App

from .doubles.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-TOKEN"
SECRET = "webhook-secret-123"


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
