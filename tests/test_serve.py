"""`benken serve` as deployed: a real process, real HTTP, a staff answer from the CLI
delivered by the server's own scheduler to a fake Twilio REST API."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time

import httpx
from twilio.request_validator import RequestValidator

from tests.doubles.fake_twilio import FakeTwilio

TOKEN, SID, PUBLIC = "test-token", "AC" + "0" * 32, "https://benken.example.org"


def daytime_zone() -> str:
    """A time zone where it is now mid-day, so the server's quiet hours never hold the
    answer back, whenever the suite runs (Etc/GMT-N is UTC+N)."""
    from datetime import datetime, timezone

    hour = datetime.now(timezone.utc).hour
    offset = (13 - hour + 12) % 24 - 12  # brings local time to about 13:00
    return "Etc/GMT" + ("-" if offset > 0 else "+") + str(abs(offset)) if offset else "Etc/GMT"


async def wait_healthy(client: httpx.AsyncClient) -> None:
    for _ in range(100):
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("benken serve did not come up")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_serve_answers_sms_and_delivers_staff_answers(database_url):
    async with FakeTwilio(SID, TOKEN) as fake:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "TWILIO_ACCOUNT_SID": SID,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_FROM_NUMBER": "+4759440000",
            "TWILIO_API_BASE_URL": fake.base_url,
            "PUBLIC_BASE_URL": PUBLIC,
            "BENKEN_TIMEZONE": daytime_zone(),
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                await wait_healthy(client)
                validator = RequestValidator(TOKEN)
                for number, body in enumerate(["hei", "2", "1", "1", "More benches please", "1", "skip", "yes", "1"]):
                    form = {"MessageSid": f"SM{number:032d}", "From": "+4790012345", "Body": body}
                    headers = {"X-Twilio-Signature": validator.compute_signature(PUBLIC + "/sms/twilio", form)}
                    reply = await client.post("/sms/twilio", data=form, headers=headers)
                    assert reply.status_code == 200
                assert "I-1" in reply.text

            answer = subprocess.run(
                [sys.executable, "-m", "bot.cli", "idea", "status", "I-1", "reviewing", "--note", "We look at it on Monday."],
                env=env, capture_output=True, text=True, timeout=60,
            )
            assert answer.returncode == 0, answer.stderr
            deadline = time.monotonic() + 20
            while not fake.messages and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            assert [m["to"] for m in fake.messages] == ["+4790012345"]
            assert "I-1" in fake.messages[0]["body"] and "We look at it on Monday." in fake.messages[0]["body"]
        finally:
            server.terminate()
            output = server.communicate(timeout=20)[0]
    assert "90012345" not in output  # no phone numbers in the server's log


async def test_two_hour_reminder_reaches_an_sms_volunteer_within_a_minute(app, database_url):
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import select

    from bot.domain import dugnad
    from bot.models import Reminder

    start = datetime.now(timezone.utc) + timedelta(hours=2, seconds=15)
    async with app.sessions() as session, session.begin():
        await dugnad.create_event(
            session, area_slug="furuset", titles={"nb": "Vårrydding"}, place="Ved biblioteket",
            start_at=start, end_at=start + timedelta(hours=2), capacity=5, timezone="Europe/Oslo",
        )
    async with FakeTwilio(SID, TOKEN) as fake:
        port = free_port()
        env = {
            **os.environ, "DATABASE_URL": database_url, "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_FROM_NUMBER": "+4759440000", "TWILIO_API_BASE_URL": fake.base_url, "PUBLIC_BASE_URL": PUBLIC,
        }
        server = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                await wait_healthy(client)
                validator = RequestValidator(TOKEN)
                for number, body in enumerate(["hei", "2", "1", "2", "1", "1"]):  # English, Furuset, join, sign up
                    form = {"MessageSid": f"SMr{number:031d}", "From": "+4790012346", "Body": body}
                    headers = {"X-Twilio-Signature": validator.compute_signature(PUBLIC + "/sms/twilio", form)}
                    reply = await client.post("/sms/twilio", data=form, headers=headers)
                assert "D-1" in reply.text
            async with app.sessions() as session:
                kinds = (await session.execute(select(Reminder.kind).where(Reminder.signup_id.is_not(None)))).scalars().all()
            assert kinds == ["event_2h"]  # signed up two hours before: no day-before reminder
            due = start - timedelta(hours=2)
            deadline = time.monotonic() + (due - datetime.now(timezone.utc)).total_seconds() + 60
            while not fake.messages and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
            assert fake.messages, "the 2-hour reminder did not arrive within a minute of its due time"
            arrived = datetime.now(timezone.utc)
            assert arrived - due < timedelta(seconds=60)
            assert fake.messages[0]["to"] == "+4790012346" and "Vårrydding" in fake.messages[0]["body"]
        finally:
            server.terminate()
            server.wait(timeout=20)


async def test_several_workers_answer_on_one_port_on_postgresql_only(database_url):
    """`benken serve --workers 2`: both processes answer SMS on the one port (PostgreSQL);
    on SQLite, with its one writer, the command says no in one line."""
    from tests.conftest import BACKEND
    from tests.support import benken

    if BACKEND != "postgresql":
        refused = benken(database_url, "serve", "--workers", "2")
        assert refused.returncode == 1 and "--workers needs PostgreSQL" in refused.stderr
        assert "Traceback" not in refused.stderr
        return
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN,
           "PUBLIC_BASE_URL": PUBLIC}
    server = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--workers", "2"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            await wait_healthy(client)
            validator = RequestValidator(TOKEN)

            async def text(number: int) -> httpx.Response:
                form = {"MessageSid": f"SM{number:032d}", "From": f"+479{number:07d}", "Body": "hei"}
                signature = validator.compute_signature(PUBLIC + "/sms/twilio", form)
                return await client.post("/sms/twilio", data=form, headers={"X-Twilio-Signature": signature})

            answers = await asyncio.gather(*(text(n) for n in range(1, 41)))
            assert all(a.status_code == 200 and "<Message>" in a.text for a in answers)
        children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) >= 2  # the worker processes (and the spawn helper)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert server.returncode == 0 and "Traceback" not in output
