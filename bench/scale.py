"""Part 3: the staff digest and the export at scale.

The data, for one area (Furuset), bulk-inserted with SQLAlchemy core `insert()` and
executemany, in its own process (so the measuring process's memory is its own):
10,000 residents; 60,000 ideas and 40,000 safety reports (100,000 in total) created
evenly over the last 365 days; each idea has its 'received' status change (as
`ideas.submit_idea` writes it) and, for 90% of ideas older than three weeks and 30%
of younger ones, a staff answer; 40,000 supports; half the safety reports anonymous, at
40 distinct places. The digest's 7-day window then holds ~1,150 new ideas and ~770
reports, and its "waiting for an answer" part lists every idea never answered (~8,000).

Digest: `build_digest` + `render_text` of that area for the last 7 days, timed twice in a
fresh process (first call, then a second call), then once more under `tracemalloc` for
the peak of Python allocations; the process's peak RSS (`ru_maxrss`) is reported too.

Export: `export.write(app, "ideas", "csv", None, sink)` into a sink that discards what
it is given, in a fresh process each time: with 10,000 ideas, and again after 90,000
more were added (100,000). Peak memory under `tracemalloc` (Python allocations during the
export only) and `ru_maxrss`; rows/second of that same traced run (tracing slows it).
"""

from __future__ import annotations

import io
import random
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from .common import settings_for
from .residents import DETAILS, IDEAS, PLACES

AREA = "furuset"
OSLO = ZoneInfo("Europe/Oslo")
CATEGORIES = ("meeting_places", "parks_outdoors", "lighting_paths", "children_youth", "culture_events",
              "clean_tidy", "other")
ANSWERS = ("reviewing", "planned", "in_progress", "done", "declined")
SAFETY_CATEGORIES = ("lighting", "harassment", "drugs", "traffic", "groups", "other")
SAFETY_TIMES = ("daytime", "evening", "night", "always")
LOCALES = ("nb", "en", "ar", "so", "ur", "pl", "ti", "tr", "uk", "fa")
CHUNK = 5_000  # rows per executemany


async def _insert(session, table, rows: list[dict]) -> None:
    from sqlalchemy import insert

    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(table), rows[start:start + CHUNK])


def _idea_rows(rng: random.Random, first_id: int, count: int, residents: list[int], now: datetime,
               days: int) -> list[dict]:
    rows = []
    for n in range(count):
        created = now - timedelta(seconds=rng.uniform(0, days * 86400))
        text = f"{rng.choice(IDEAS)}. {rng.choice(IDEAS)}"[: rng.randint(40, 200)]
        rows.append({
            "id": first_id + n, "author_id": rng.choice(residents) if rng.random() < 0.95 else None,
            "area_slug": AREA, "text": text, "category": rng.choice(CATEGORIES),
            "place_text": rng.choice(PLACES) if rng.random() < 0.6 else None,
            "latitude": 59.94 + rng.random() / 50 if rng.random() < 0.2 else None,
            "longitude": 10.88 + rng.random() / 50 if rng.random() < 0.2 else None,
            "photo_ref": f"photo-{n}" if rng.random() < 0.1 else None,
            "wants_to_help": rng.random() < 0.4, "locale": rng.choice(LOCALES), "status": "received",
            "answer_due": created.astimezone(OSLO).date() + timedelta(days=14), "created_at": created,
        })
    return rows


async def populate(database_url: str, ideas: int = 60_000, reports: int = 40_000, residents: int = 10_000,
                   supports: int = 40_000, days: int = 365, seed: int = 11) -> dict[str, Any]:
    """Bulk-insert the data set described in the module docstring; rows and seconds."""
    from bot.app import open_app
    from bot.models import Idea, IdeaStatusChange, IdeaSupport, Resident, SafetyReport

    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    started = time.perf_counter()
    async with open_app(settings_for(database_url), migrate=False) as app:
        async with app.sessions() as session, session.begin():
            people = []
            for n in range(residents):
                seen = now - timedelta(seconds=rng.uniform(0, days * 86400))
                sms = n % 3 == 0
                people.append({
                    "id": 1_000_000 + n, "channel": "sms" if sms else "telegram",
                    "telegram_id": None if sms else 30_000_000 + n, "phone": f"+479{2_000_000 + n:07d}" if sms else None,
                    "locale": rng.choice(LOCALES), "area_slug": AREA, "opted_out": False,
                    "first_seen": seen - timedelta(days=rng.uniform(0, 30)), "last_seen": seen,
                })
            await _insert(session, Resident.__table__, people)
            resident_ids = [p["id"] for p in people]
            idea_rows = _idea_rows(rng, 1, ideas, resident_ids, now, days)
            changes, answered = [], 0
            for row in idea_rows:
                changes.append({"idea_id": row["id"], "status": "received", "note": None, "created_at": row["created_at"]})
                age = now - row["created_at"]
                if rng.random() < (0.9 if age > timedelta(days=21) else 0.3):
                    status = rng.choice(ANSWERS)
                    row["status"] = status
                    changes.append({"idea_id": row["id"], "status": status, "note": "Takk! Vi ser på det.",
                                    "created_at": row["created_at"] + age * rng.uniform(0.1, 0.9)})
                    answered += 1
            await _insert(session, Idea.__table__, idea_rows)
            await _insert(session, IdeaStatusChange.__table__, changes)
            pairs = set()
            while len(pairs) < supports:
                pairs.add((rng.randint(1, ideas), rng.choice(resident_ids)))
            await _insert(session, IdeaSupport.__table__, [
                {"idea_id": i, "resident_id": r, "created_at": now} for i, r in sorted(pairs)])
            places = [f"{rng.choice(PLACES)} {k}" for k in range(40)]
            safety = []
            for n in range(reports):
                anonymous = rng.random() < 0.5
                day = (now - timedelta(seconds=rng.uniform(0, days * 86400))).astimezone(OSLO).date()
                safety.append({
                    "resident_id": None if anonymous else rng.choice(resident_ids), "anonymous": anonymous,
                    "area_slug": AREA, "place_text": rng.choice(places) if rng.random() < 0.8 else None,
                    "latitude": 59.94 + rng.random() / 50 if rng.random() < 0.2 else None,
                    "longitude": 10.88 + rng.random() / 50 if rng.random() < 0.2 else None,
                    "time_of_day": rng.choice(SAFETY_TIMES), "category": rng.choice(SAFETY_CATEGORIES),
                    "details": rng.choice(DETAILS) if rng.random() < 0.5 else None, "locale": rng.choice(LOCALES),
                    "reported_on": day,
                })
            await _insert(session, SafetyReport.__table__, safety)
        if app.engine.dialect.name == "postgresql":
            async with app.engine.begin() as conn:  # fresh statistics, as autovacuum would soon have
                from sqlalchemy import text

                await conn.execute(text("ANALYZE"))
    return {"residents": residents, "ideas": ideas, "answered": answered, "status_changes": len(changes),
            "supports": supports, "safety_reports": reports, "seconds": time.perf_counter() - started}


async def digest_scenario(database_url: str, days: int = 7) -> dict[str, Any]:
    """build_digest + render_text for the area over the last `days` days (see docstring)."""
    from bot.app import open_app
    from bot.channels.telegram_api import split_html
    from bot.reports.digest import build_digest
    from bot.reports.digest_layout import render_html, render_text

    async with open_app(settings_for(database_url), migrate=False) as app:

        async def once() -> tuple[float, Any, str]:
            started = time.perf_counter()
            async with app.sessions() as session:
                until = datetime.now(timezone.utc)
                digest = await build_digest(session, app.areas, area_slugs=[AREA], since=until - timedelta(days=days),
                                            until=until, locale="nb", timezone=app.settings.timezone)
            text = render_text(digest)
            return time.perf_counter() - started, digest, text

        first, digest, text = await once()
        second, _d, _t = await once()
        del _d, _t
        tracemalloc.start()
        tracemalloc.reset_peak()
        await once()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {
        "first_seconds": first, "second_seconds": second, "tracemalloc_peak_mb": peak / 2**20,
        "new_ideas": len(digest.new_ideas), "safety_reports": len(digest.safety_reports),
        "safety_groups": len(digest.safety), "waiting_ideas": len(digest.waiting),
        "text_chars": len(text), "text_lines": text.count("\n") + 1,
        "telegram_pieces": len(split_html(render_html(digest))),  # messages one staff member would get
    }


class NullSink(io.TextIOBase):
    """A text stream that discards everything (and counts characters)."""

    def __init__(self) -> None:
        self.chars = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)


async def add_export_ideas(database_url: str, count: int, first_id: int, seed: int = 5) -> dict[str, Any]:
    """`count` more ideas (and a support for one in four) for the export measurement."""
    from bot.app import open_app
    from bot.models import Idea, IdeaSupport, Resident

    rng = random.Random(seed + first_id)
    now = datetime.now(timezone.utc)
    async with open_app(settings_for(database_url), migrate=False) as app:
        async with app.sessions() as session, session.begin():
            people = [{"id": 5_000_000 + first_id + n, "channel": "telegram", "telegram_id": 40_000_000 + first_id + n,
                       "locale": "nb", "area_slug": AREA, "opted_out": False, "first_seen": now, "last_seen": now}
                      for n in range(max(count // 10, 1))]
            await _insert(session, Resident.__table__, people)
            ids = [p["id"] for p in people]
            await _insert(session, Idea.__table__, _idea_rows(rng, first_id, count, ids, now, 365))
            await _insert(session, IdeaSupport.__table__, [
                {"idea_id": first_id + n, "resident_id": rng.choice(ids), "created_at": now}
                for n in range(0, count, 4)])
    return {"added": count}


async def export_scenario(database_url: str) -> dict[str, Any]:
    """export.write of all ideas as CSV into a NullSink: timed, then traced."""
    from bot.reports import export
    from bot.app import open_app

    async with open_app(settings_for(database_url), migrate=False) as app:
        sink = NullSink()
        tracemalloc.start()
        tracemalloc.reset_peak()
        started = time.perf_counter()
        rows = await export.write(app, "ideas", "csv", None, sink)
        seconds = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds, "chars": sink.chars,
            "tracemalloc_peak_mb": peak / 2**20}


async def run_part(dbs, backend: str) -> dict[str, Any]:
    """Part 3 on one backend: populate, digest; then the export at 10k and 100k ideas."""
    from .common import log, run_in_subprocess

    out: dict[str, Any] = {}
    url = await dbs.fresh(backend, "scale")
    try:
        out["populate"] = await run_in_subprocess("bench.scale:populate", dict(database_url=url), timeout=180)
        log(f"  {backend} populated {out['populate']['ideas']:,} ideas, {out['populate']['safety_reports']:,} "
            f"reports in {out['populate']['seconds']:.1f} s")
        out["digest"] = await run_in_subprocess("bench.scale:digest_scenario", dict(database_url=url), timeout=120)
        d = out["digest"]
        log(f"  {backend} digest: {d['first_seconds']:.2f} s, tracemalloc peak {d['tracemalloc_peak_mb']:.1f} MB, "
            f"RSS {d['maxrss_mb']:.0f} MB")
    finally:
        await dbs.drop(url)
    url = await dbs.fresh(backend, "export")
    try:
        for rows, first in ((10_000, 1), (100_000, 10_001)):
            await run_in_subprocess("bench.scale:add_export_ideas",
                                    dict(database_url=url, count=rows - first + 1, first_id=first), timeout=120)
            out[f"export_{rows}"] = e = await run_in_subprocess("bench.scale:export_scenario",
                                                                 dict(database_url=url), timeout=180)
            log(f"  {backend} export {e['rows']:,} rows: {e['rows_per_second']:,.0f} rows/s, "
                f"tracemalloc peak {e['tracemalloc_peak_mb']:.2f} MB, RSS {e['maxrss_mb']:.0f} MB")
    finally:
        await dbs.drop(url)
    return out
