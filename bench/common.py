"""Shared pieces of the benchmarks: the machine description, throw-away databases
(SQLite files and PostgreSQL databases named ``benken_bench_<pid>_<n>``), running one
measurement in a fresh subprocess (so that its peak RSS is its own), the project's
FakeTelegram in a separate OS process (so that the fake's CPU does not count against
the bot), and small statistics helpers.

Nothing here changes product code; every measurement goes through the project's own
`open_app`, `build_application`, `create_web`, `outbox` and `tests.fake_telegram`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import math
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, AsyncIterator

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
TOKEN = "123456:BENCH-TOKEN"
TWILIO_TOKEN = "bench-twilio-token"
TWILIO_SID = "AC" + "0" * 32
PUBLIC_BASE_URL = "https://benken.example.org"
RESULT_MARK = "BENCH-RESULT "
_db_numbers = itertools.count(1)

# PTB 22 warns about int time periods unless opted in to timedelta (as the tests do).
os.environ.setdefault("PTB_TIMEDELTA", "true")


def log(message: str) -> None:
    """Progress, on stderr so that it shows while the parent collects results."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# The machine ---------------------------------------------------------------------------------

KEY_PACKAGES = (
    "python-telegram-bot", "SQLAlchemy", "aiosqlite", "asyncpg", "alembic", "starlette", "httpx",
    "aiohttp", "twilio", "aiolimiter", "uvicorn", "uvloop", "httptools",
)


def machine() -> dict[str, Any]:
    versions = {}
    for name in KEY_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "sqlite": __import__("sqlite3").sqlite_version,
        "packages": versions,
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


async def postgres_version(url: str) -> str | None:
    try:
        conn = await _pg_connect(url)
    except Exception:
        return None
    try:
        return await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()


# Databases ------------------------------------------------------------------------------------


async def _pg_connect(url: str, database: str | None = None):
    import asyncpg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return await asyncpg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username, password=parsed.password,
        database=database or parsed.database, timeout=5,
    )


def pg_url(database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


async def postgres_available() -> bool:
    try:
        conn = await _pg_connect(POSTGRES_URL)
    except Exception:
        return False
    await conn.close()
    return True


def new_pg_name(tag: str) -> str:
    return f"benken_bench_{os.getpid()}_{tag}_{next(_db_numbers)}"


async def pg_admin(sql: str) -> None:
    conn = await _pg_connect(POSTGRES_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def migrate(url: str) -> None:
    from bot import db

    engine = db.create_engine(url)
    try:
        await db.upgrade(engine)
    finally:
        await engine.dispose()


async def seed_events(url: str) -> None:
    """One dugnad in each configured area, three days ahead, 20 places (then a waiting list)."""
    from datetime import timedelta

    from bot.domain import dugnad
    from bot.app import open_app
    from tests.conftest import in_days

    async with open_app(settings_for(url), migrate=False) as app:
        async with app.sessions() as session, session.begin():
            for area in app.areas:
                start = in_days(3)
                await dugnad.create_event(
                    session, area_slug=area.slug, titles={"nb": "Vårrydding", "en": "Spring clean-up"},
                    place="Ved biblioteket", start_at=start, end_at=start + timedelta(hours=3), capacity=20,
                    timezone=app.settings.timezone,
                )


class Databases:
    """Throw-away databases for one bench run: a migrated template per backend (with one
    dugnad per area, see `seed_events`), copied
    for each measurement, all removed at the end (also after a failure)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="benken_bench_"))
        self._templates: dict[str, str] = {}
        self._pg_names: list[str] = []

    async def template(self, backend: str) -> str:
        if backend not in self._templates:
            if backend == "sqlite":
                path = self.folder / "template.db"
                await migrate(f"sqlite+aiosqlite:///{path}")
                await seed_events(f"sqlite+aiosqlite:///{path}")
                self._templates[backend] = str(path)
            else:
                name = new_pg_name("tpl")
                await pg_admin(f"CREATE DATABASE {name}")
                self._pg_names.append(name)
                await migrate(pg_url(name))
                await seed_events(pg_url(name))
                self._templates[backend] = name
        return self._templates[backend]

    async def fresh(self, backend: str, tag: str) -> str:
        """The URL of a new migrated database."""
        template = await self.template(backend)
        if backend == "sqlite":
            path = self.folder / f"{tag}_{next(_db_numbers)}.db"
            shutil.copyfile(template, path)
            return f"sqlite+aiosqlite:///{path}"
        name = new_pg_name(tag)
        await pg_admin(f"CREATE DATABASE {name} TEMPLATE {template}")
        self._pg_names.append(name)
        return pg_url(name)

    async def drop(self, url: str) -> None:
        """Remove one database now (they are large in part 3)."""
        if url.startswith("sqlite"):
            path = Path(url.split("///", 1)[1])
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            return
        name = url.rsplit("/", 1)[1]
        if name in self._pg_names:
            await pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            self._pg_names.remove(name)

    async def close(self) -> None:
        for name in list(self._pg_names):
            with contextlib.suppress(Exception):
                await pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self._pg_names.clear()
        shutil.rmtree(self.folder, ignore_errors=True)


def settings_for(database_url: str, **overrides: Any):
    from bot.settings import Settings

    values = dict(
        database_url=database_url,
        telegram_bot_token=TOKEN,
        twilio_account_sid=TWILIO_SID,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_from_number="+4759440000",
        public_base_url=PUBLIC_BASE_URL,
    )
    values.update(overrides)
    return Settings(**values)


# One measurement in its own process -------------------------------------------------------------


def cpu_seconds() -> float:
    """User + system CPU time of this process so far (all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def maxrss_mb() -> float:
    """This process's peak resident set size (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run_in_subprocess(target: str, args: dict[str, Any], *, timeout: float = 300) -> dict[str, Any]:
    """Run `module:function(**args)` (an async function returning a dict) in a fresh Python
    process; its result, with the process's peak RSS added as `maxrss_mb`."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.worker", target, json.dumps(args),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=None,
    )
    try:
        stdout, _ = await asyncio.wait_for(process.communicate(), timeout)
    except asyncio.TimeoutError:
        process.kill()
        await process.wait()
        raise RuntimeError(f"{target} took longer than {timeout:.0f} s") from None
    for line in reversed(stdout.decode().splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK):])
    raise RuntimeError(f"{target} failed (exit code {process.returncode})")


# The project's FakeTelegram, in its own process ----------------------------------------------------


class FakeTelegramProcess:
    """tests.fake_telegram.FakeTelegram served by `python -m bench.fake_server`.

    Talks over the child's stdin/stdout, one JSON line per command."""

    def __init__(self, *, enforce_limits: bool = False, scale: float = 1.0):
        self.enforce_limits, self.scale = enforce_limits, scale
        self.base_url = self.base_file_url = ""
        self._process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> "FakeTelegramProcess":
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.fake_server", TOKEN, json.dumps(self.enforce_limits), str(self.scale),
            cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        ready = await self._read()
        self.base_url, self.base_file_url = ready["base_url"], ready["base_file_url"]
        return self

    async def _read(self) -> dict:
        line = await asyncio.wait_for(self._process.stdout.readline(), 120)
        if not line:
            raise RuntimeError("the fake Telegram server stopped")
        return json.loads(line)

    async def command(self, name: str, **params: Any) -> dict:
        self._process.stdin.write((json.dumps({"command": name, **params}) + "\n").encode())
        await self._process.stdin.drain()
        return await self._read()

    async def stats(self) -> dict:
        return await self.command("stats")

    async def sent_texts(self) -> list[list]:
        """[chat_id, text] of every accepted sendMessage, in order."""
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            path = handle.name
        try:
            await self.command("texts", path=path)
            return json.loads(Path(path).read_text())
        finally:
            Path(path).unlink(missing_ok=True)

    async def __aexit__(self, *exc) -> None:
        if self._process is None:
            return
        with contextlib.suppress(Exception):
            await self.command("quit")
        try:
            await asyncio.wait_for(self._process.wait(), 10)
        except asyncio.TimeoutError:
            self._process.kill()
            await self._process.wait()


@contextlib.asynccontextmanager
async def fake_telegram(base_url: str | None = None, **kwargs: Any) -> AsyncIterator[tuple[str, str, Any]]:
    """(base_url, base_file_url, process or None): a new fake server, or one already running."""
    if base_url:
        yield base_url, base_url.rsplit("/bot", 1)[0] + "/file/bot", None
        return
    async with FakeTelegramProcess(**kwargs) as fake:
        yield fake.base_url, fake.base_file_url, fake


class SqlCounter:
    """Counts SQL statements and transactions on an engine (SQLAlchemy events)."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.statements = self.transactions = 0
        self.kinds: dict[str, int] = {}
        event.listen(engine.sync_engine, "before_cursor_execute", self._statement)
        event.listen(engine.sync_engine, "begin", self._begin)

    def _statement(self, _conn, _cursor, statement, *_args) -> None:
        self.statements += 1
        kind = statement.split(None, 1)[0].upper() if statement.strip() else "?"
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def _begin(self, *_args) -> None:
        self.transactions += 1

    def per_message(self, messages: int) -> dict[str, Any]:
        return {"sql_statements_per_message": self.statements / messages,
                "transactions_per_message": self.transactions / messages,
                "sql_kinds_per_message": {k: round(v / messages, 2) for k, v in sorted(self.kinds.items())}}


# Statistics -------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of `values`."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Verdict:
    met: bool | None  # None: no target, or not measurable

    def __str__(self) -> str:
        return {True: "**met**", False: "**NOT met**", None: "n/a"}[self.met]


def verdict(met: bool | None) -> str:
    return str(Verdict(met))


async def sleep_until(moment: float) -> None:
    delay = moment - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)
