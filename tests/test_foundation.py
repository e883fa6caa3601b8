"""Settings, areas, database set-up and migrations."""

from __future__ import annotations

import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot import db
from bot.areas import AreasError, load_areas
from bot.models import Base
from bot.settings import Settings, SettingsError, load_settings

from tests.conftest import BACKEND


def test_settings_defaults_and_environment(tmp_path):
    settings = load_settings({}, env_file=None)
    assert settings.database_url == "sqlite+aiosqlite:///benken.db"
    assert settings.timezone == "Europe/Oslo"
    assert settings.telegram_file_base_url == "https://api.telegram.org/file/bot"

    env_file = tmp_path / ".env"
    env_file.write_text("TELEGRAM_BOT_TOKEN=from-file\nBENKEN_TIMEZONE=UTC\n")
    settings = load_settings({"BENKEN_TIMEZONE": "Europe/Oslo", "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"}, env_file)
    assert settings.telegram_bot_token == "from-file"
    assert settings.timezone == "Europe/Oslo"  # the environment wins over .env
    assert settings.telegram_file_base_url == "http://127.0.0.1:9/file/bot"


def test_media_and_transcription_settings(tmp_path):
    settings = load_settings({}, env_file=None)
    assert settings.media_folder.as_posix() == "media" and settings.media_retention_days == 90
    assert settings.transcribe_url is None and not settings.twilio_mms
    beside = load_settings({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/benken.db"}, env_file=None)
    assert beside.media_folder == tmp_path / "media"  # beside the database
    settings = load_settings({
        "BENKEN_MEDIA_DIR": str(tmp_path / "voices"), "BENKEN_MEDIA_RETENTION_DAYS": "30",
        "BENKEN_TRANSCRIBE_URL": "http://127.0.0.1:8080/v1", "BENKEN_TRANSCRIBE_API_KEY": "sk-SECRET",
        "BENKEN_TRANSCRIBE_MODEL": "whisper-1", "BENKEN_TRANSCRIBE_SENSITIVE": "off", "TWILIO_MMS": "on",
    }, env_file=None)
    assert settings.media_folder == tmp_path / "voices" and settings.media_retention_days == 30
    assert settings.transcribe_sensitive is False and settings.twilio_mms
    assert "sk-SECRET" not in repr(settings)
    for environment, problem in (
        ({"BENKEN_MEDIA_RETENTION_DAYS": "forever"}, "BENKEN_MEDIA_RETENTION_DAYS"),
        ({"BENKEN_MEDIA_RETENTION_DAYS": "0"}, "BENKEN_MEDIA_RETENTION_DAYS"),
        ({"BENKEN_TRANSCRIBE_URL": "whisper:8080"}, "BENKEN_TRANSCRIBE_URL"),
        ({"BENKEN_TRANSCRIBE_API_KEY": "k"}, "BENKEN_TRANSCRIBE_URL"),
    ):
        with pytest.raises(SettingsError, match=problem):
            load_settings(environment, env_file=None)


def test_secrets_never_printed():
    settings = Settings(telegram_bot_token="123:SECRET", twilio_auth_token="TWSECRET", smtp_url="smtp://u:PW@h")
    shown = repr(settings) + str(settings)
    for secret in ("SECRET", "TWSECRET", "PW"):
        assert secret not in shown
    assert "telegram_bot_token='***'" in shown


def test_unknown_timezone_is_a_clear_error():
    with pytest.raises(SettingsError, match="BENKEN_TIMEZONE"):
        load_settings({"BENKEN_TIMEZONE": "Mars/Olympus"}, env_file=None)


def test_packaged_areas_cover_the_six_bydeler():
    areas = load_areas()
    assert {a.bydel for a in areas} == {"Alna", "Bjerke", "Grorud", "Stovner", "Søndre Nordstrand", "Gamle Oslo"}
    assert areas.require("romsas").name == "Romsås"
    assert all(a.answer_days == 14 for a in areas)


@pytest.mark.parametrize(
    "content, problem",
    [
        ("[[area]\nslug=", "not valid TOML"),
        ("title = 'no areas'", "no [[area]] entries"),
        ("[[area]]\nslug='x'\nname='X'", "'bydel' must be"),
        ("[[area]]\nslug='Bad Slug'\nname='X'\nbydel='Y'", "lowercase"),
        ("[[area]]\nslug='a'\nname='A'\nbydel='B'\n[[area]]\nslug='a'\nname='C'\nbydel='D'", "slug used twice"),
        ("[[area]]\nslug='a'\nname='A'\nbydel='B'\nanswer_days=0", "answer_days"),
    ],
)
def test_malformed_areas_file(tmp_path, content, problem):
    path = tmp_path / "areas.toml"
    path.write_text(content)
    with pytest.raises(AreasError, match=re.escape(problem)):
        load_areas(path)


def test_areas_file_replaces_the_packaged_one(tmp_path):
    path = tmp_path / "areas.toml"
    path.write_text("[[area]]\nslug='holmlia'\nname='Holmlia'\nbydel='Søndre Nordstrand'\nanswer_days=7\n")
    areas = load_areas(path)
    assert [(a.slug, a.answer_days) for a in areas] == [("holmlia", 7)]


async def test_models_and_migrations_agree(app):
    async with app.engine.connect() as conn:
        diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    assert diff == []


async def test_upgrade_is_idempotent(app):
    await db.upgrade(app.engine)
    await db.upgrade(app.engine)
    async with app.engine.connect() as conn:
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
    assert version == ScriptDirectory.from_config(db.alembic_config()).get_current_head()


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite pragmas")
async def test_sqlite_is_set_up_for_concurrent_durable_use(app):
    async with app.engine.connect() as conn:
        pragmas = {
            name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar_one()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": db.SQLITE_BUSY_TIMEOUT_MS, "synchronous": 1}


def test_unsupported_database_urls():
    for url in ("mysql+aiomysql://x/y", "sqlite:///sync.db", "postgresql://sync/db", "not a url"):
        with pytest.raises(db.DatabaseError):
            db.create_engine(url)


async def test_times_come_back_in_utc(session):
    from tests.factories import make_event
    from tests.conftest import in_days

    start = in_days(2)
    event = await make_event(session, start=start)
    await session.commit()
    session.expunge_all()
    from bot.models import DugnadEvent

    again = await session.get(DugnadEvent, event.id)
    assert again.start_at == start and again.start_at.utcoffset().total_seconds() == 0


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite rebuilds a table to alter it; PostgreSQL alters in place")
async def test_upgrading_a_sqlite_database_keeps_the_rows_that_point_at_a_rebuilt_table(tmp_path):
    """0008 rebuilds `ideas` (a new foreign key): with foreign keys on during the upgrade,
    dropping the old table deleted every support and answer of every idea."""
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await db.upgrade(engine, "0007")
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO residents (id, channel, telegram_id, opted_out, first_seen, last_seen) "
                "VALUES (1, 'telegram', 5, 0, '2026-01-05', '2026-01-05')"))
            await conn.execute(text(
                "INSERT INTO ideas (id, author_id, area_slug, text, category, wants_to_help, locale, status, "
                "answer_due, created_at) VALUES (1, 1, 'furuset', 'Benker', 'other', 0, 'nb', 'received', "
                "'2026-01-19', '2026-01-05')"))
            await conn.execute(text("INSERT INTO idea_supports (idea_id, resident_id, created_at) VALUES (1, 1, '2026-01-06')"))
            await conn.execute(text("INSERT INTO idea_status_changes (idea_id, status, created_at) VALUES (1, 'received', '2026-01-05')"))
        await db.upgrade(engine)
        async with engine.connect() as conn:
            kept = [(await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
                    for table in ("ideas", "idea_supports", "idea_status_changes")]
            foreign_keys = (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one()
        assert kept == [1, 1, 1]
        assert foreign_keys == 1  # on again for the connections the app uses
    finally:
        await engine.dispose()
