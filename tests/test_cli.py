"""The `benken` command as an operator runs it: real processes, real database."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.factories import Chat
from tests.support import benken


def test_chat_greets_with_the_language_menu_and_exits_at_eof(database_url):
    result = benken(database_url, "chat", stdin="hi\n")
    assert result.returncode == 0, result.stderr
    assert "Benken" in result.stdout and "1. Norsk bokmål" in result.stdout and "2. English" in result.stdout
    assert "Traceback" not in result.stderr


def test_chat_completes_the_idea_flow_and_export_shows_it(database_url):
    lines = ["hei", "norsk", "1", "1", "En benk ved lekeplassen, <takk>!", "1", "hopp over", "1", "ja", "1"]
    result = benken(database_url, "chat", "--phone", "+4790012345", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert "I-1" in result.stdout

    exported = benken(database_url, "export", "ideas")
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert rows[0]["ref"] == "I-1" and rows[0]["text"] == "En benk ved lekeplassen, <takk>!"
    assert rows[0]["language"] == "nb" and rows[0]["wants_to_help"] == "True"
    assert "90012345" not in exported.stdout

    as_json = benken(database_url, "export", "ideas", "--format", "json", "--area", "furuset")
    assert json.loads(as_json.stdout.splitlines()[0])["ref"] == "I-1"


def test_chat_takes_a_voice_message_from_a_file(database_url, tmp_path):
    voice = Path(__file__).parent / "data" / "voice-idea.ogg"
    lines = ["hi", "2", "1", "1", f"/voice {voice}", "/voice /no/such/file.ogg"]
    result = benken(database_url, "chat", stdin="\n".join(lines) + "\n", env={"BENKEN_MEDIA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "We got your voice message (0:05)." in result.stdout
    assert len(list(tmp_path.glob("*.ogg"))) == 1  # held in the media folder for the idea


async def test_exports_hold_no_phone_numbers_or_telegram_ids(app, database_url):
    sms, telegram = Chat(app, channel="sms"), Chat(app)
    for chat in (sms, telegram):
        await chat.script("hi", "2", "1", "3", "no", "Under the bridge", "3", "2", "They shout", "1")
    for kind in ("ideas", "safety", "signups", "events"):
        out = benken(database_url, "export", kind).stdout
        assert sms.address["phone"] not in out and sms.address["phone"][3:] not in out
        assert str(telegram.address["telegram_id"]) not in out.replace("S-", "")
    safety = list(csv.DictReader(io.StringIO(benken(database_url, "export", "safety").stdout)))
    assert [r["place"] for r in safety] == ["Under the bridge", "Under the bridge"]
    assert set(safety[0]) >= {"ref", "area", "reported_on", "time_of_day", "category", "anonymous"}


def test_db_upgrade_twice(database_url):
    for _ in range(2):
        result = benken(database_url, "db", "upgrade")
        assert result.returncode == 0, result.stderr


def test_areas_lists_the_example_areas(database_url):
    result = benken(database_url, "areas")
    assert result.returncode == 0
    assert "romsas\tRomsås\tGrorud" in result.stdout and len(result.stdout.splitlines()) == 6


def test_malformed_areas_file_is_one_line_and_exit_1(database_url, tmp_path):
    bad = tmp_path / "areas.toml"
    bad.write_text("[[area]\n")
    result = benken(database_url, "areas", env={"BENKEN_AREAS_FILE": str(bad)})
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "not valid TOML" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--area", "nowhere"], "unknown area"),
        (["--start", "5 December"], "--start"),
        (["--end", "2030-01-01 09:00"], "--end must be after --start"),
        (["--capacity", "0"], "--capacity"),
    ],
)
def test_event_create_refuses_bad_input(database_url, args, message):
    base = {"--area": "romsas", "--title": "Rydding", "--start": "2030-01-01 10:00", "--end": "2030-01-01 12:00", "--place": "Torget", "--capacity": "10"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    result = benken(database_url, "event", "create", *[x for pair in base.items() for x in pair])
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_event_create_and_staff_add(database_url):
    created = benken(
        database_url, "event", "create", "--area", "romsas", "--title", "Rydding", "--start", "2030-01-01 10:00",
        "--end", "2030-01-01 12:00", "--place", "Torget", "--capacity", "10",
    )
    assert created.returncode == 0 and created.stdout.strip().isdigit()
    events = list(csv.DictReader(io.StringIO(benken(database_url, "export", "events").stdout)))
    assert events[0]["start"] == "2030-01-01T09:00:00+00:00"  # 10:00 in Oslo, stored in UTC
    added = benken(database_url, "staff", "add", "--telegram-id", "5550001", "--name", "Kari", "--area", "romsas")
    assert added.returncode == 0, added.stderr
    again = benken(database_url, "staff", "add", "--telegram-id", "5550001", "--name", "Kari")
    assert again.returncode == 1 and "exists already" in again.stderr


def test_bad_database_url_is_one_line(tmp_path):
    result = benken("mysql://nowhere/db", "db", "upgrade")
    assert result.returncode == 1 and "unsupported database" in result.stderr and "Traceback" not in result.stderr


async def test_event_cancel_change_and_attendance_from_the_cli(app, database_url):
    from sqlalchemy import select

    from bot.models import OutboxMessage, Signup

    created = benken(
        database_url, "event", "create", "--area", "furuset", "--title", "Rydding", "--start", "2030-01-01 10:00",
        "--end", "2030-01-01 12:00", "--place", "Torget", "--capacity", "10",
    )
    event_id = created.stdout.strip()
    chat = Chat(app, channel="sms")
    await chat.script("hi", "2", "1", "2", "1", "1")
    assert "D-1" in chat.text

    moved = benken(database_url, "event", "change", event_id, "--start", "2030-01-02 10:00", "--end", "2030-01-02 13:00")
    assert moved.returncode == 0 and "1 resident(s) will be told" in moved.stdout
    bad = benken(database_url, "event", "change", event_id, "--end", "2029-01-01 10:00")
    assert bad.returncode == 1 and "end must be after" in bad.stderr

    attended = benken(database_url, "signup", "attended", "D-1")
    assert attended.returncode == 0 and "3 hours" in attended.stdout
    assert benken(database_url, "signup", "attended", "D-99").returncode == 1

    cancelled = benken(database_url, "event", "cancel", event_id)
    assert cancelled.returncode == 0
    assert benken(database_url, "event", "cancel", event_id).returncode == 1  # already cancelled
    async with app.sessions() as session:
        kinds = (await session.execute(select(OutboxMessage.kind))).scalars().all()
        assert (await session.get(Signup, 1)).hours == 3
    assert kinds == ["event_changed"]  # the volunteer who came is not told of a cancellation


async def test_csv_export_never_hands_a_spreadsheet_a_formula(app, database_url):
    chat = Chat(app)
    await chat.script("hi", "2", "1", "1", "=HYPERLINK(\"http://x\",\"click\")", "7", "skip", "skip", "no", "send")
    rows = list(csv.DictReader(io.StringIO(benken(database_url, "export", "ideas").stdout)))
    assert rows[0]["text"] == "'=HYPERLINK(\"http://x\",\"click\")"
    as_json = benken(database_url, "export", "ideas", "--format", "json").stdout
    assert json.loads(as_json)["text"] == "=HYPERLINK(\"http://x\",\"click\")"  # JSON keeps it verbatim


async def test_idea_status_with_a_template_from_the_cli(app, database_url):
    from sqlalchemy import select

    from bot.text.resident import Text
    from bot.models import OutboxMessage

    chat = Chat(app, channel="sms", locale="pl")
    await chat.script("hi", "1", "1", "1", "Ławki przy placu zabaw", "1", "skip", "no", "1")
    refused = benken(database_url, "idea", "status", "I-1", "planned", "--template", "season")
    assert refused.returncode == 1 and "needs a season" in refused.stderr
    answered = benken(database_url, "idea", "status", "I-1", "planned", "--template", "season", "--param", "summer")
    assert answered.returncode == 0, answered.stderr
    async with app.sessions() as session:
        text = (await session.execute(select(OutboxMessage.text))).scalar_one()
    polish = Text("pl")
    assert polish._("It is planned for {season}.", season=polish.pgettext("season", "the summer (June to August)")) in text


async def test_export_of_the_last_days(app, database_url):
    from datetime import timedelta

    from bot.models import utcnow

    from tests.factories import make_idea, make_resident

    async with app.sessions() as session, session.begin():
        author = await make_resident(session)
        await make_idea(session, author, app, text="Old idea", now=utcnow() - timedelta(days=40))
        await make_idea(session, author, app, text="New idea", now=utcnow() - timedelta(days=2))
    rows = list(csv.DictReader(io.StringIO(benken(database_url, "export", "ideas", "--days", "30").stdout)))
    assert [r["text"] for r in rows] == ["New idea"]
    assert len(list(csv.DictReader(io.StringIO(benken(database_url, "export", "ideas").stdout)))) == 2
