"""Part 5: PostgreSQL. Parts 1 and 3 run again on PostgreSQL by the same code (see
bench/inbound.py and bench/scale.py); this module adds the two-worker run.

Two workers: two OS processes (`python -m bench.worker bench.inbound:telegram_scenario`),
each with its own App (`open_app`) on the SAME PostgreSQL database and its own PTB
Application from `build_application` (overall cap lifted, as in part 1), each handling
half of the residents (disjoint Telegram ids and update ids) with 50 residents in flight
(100 in all, as the single process), replies to ONE shared FakeTelegram process. Both
start at an agreed wall-clock moment; combined throughput = all messages / (last end -
first start). The database is checked afterwards for exactly the rows the scripts imply.

Race probe: 50 times, two signed SMS webhooks from the same NEW number (different
MessageSids) handled at the same moment, as happens under load or when a resident sends
two texts quickly; counts the requests that fail (HTTP 500) and why; on PostgreSQL and,
for comparison, on SQLite.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from .common import FakeTelegramProcess, run_in_subprocess
from .inbound import expected_for

SECOND_WORKER_FIRST = 50_000  # resident indexes (and so Telegram ids) of the second worker
SECOND_WORKER_UPDATES = 10_000_000  # update ids of the second worker


async def two_workers(url: str, messages: int = 2000, start_margin: float = 8.0) -> dict[str, Any]:
    half = messages // 2
    async with FakeTelegramProcess() as fake:
        start_at = time.time() + start_margin
        common = dict(database_url=url, messages=half, slots=50, fake_base_url=fake.base_url, start_at=start_at)
        workers = await asyncio.gather(
            run_in_subprocess("bench.inbound:telegram_scenario", dict(common, first=0, update_id_base=0)),
            run_in_subprocess("bench.inbound:telegram_scenario",
                              dict(common, first=SECOND_WORKER_FIRST, update_id_base=SECOND_WORKER_UPDATES)),
        )
        stats = await fake.stats()
    stored = await run_in_subprocess("bench.inbound:count_rows", dict(database_url=url))
    stored.pop("maxrss_mb", None)
    expected = {k: expected_for("telegram", half, 0)[k] + expected_for("telegram", half, SECOND_WORKER_FIRST)[k]
                for k in stored}
    total = sum(w["messages"] for w in workers)
    window = max(w["ended"] for w in workers) - min(w["began"] for w in workers)
    return {
        "messages": total, "seconds": window, "per_second": total / window,
        "workers": [{k: w[k] for k in ("messages", "per_second", "cpu_share", "maxrss_mb", "errors")} for w in workers],
        "late_start_s": max(w["began"] for w in workers) - start_at,
        "stored": stored, "expected": expected, "fake": stats["by_method_status"],
    }


async def sms_race_probe(database_url: str, pairs: int = 50) -> dict[str, Any]:
    """Two first messages from one new number at once, `pairs` times (see the docstring)."""
    import httpx
    from twilio.request_validator import RequestValidator

    from bot.app import open_app
    from bot.channels import twilio as webhooks
    from bot.metrics import Metrics
    from bot.web import create_web

    from .common import PUBLIC_BASE_URL, TWILIO_TOKEN, settings_for

    validator = RequestValidator(TWILIO_TOKEN)
    errors: list[str] = []
    failed_pairs = 0
    async with open_app(settings_for(database_url), migrate=False) as app:
        web = create_web(app, Metrics())

        async def capturing(scope, receive, send) -> None:
            try:
                await web(scope, receive, send)
            except Exception as problem:
                errors.append(f"{type(problem).__name__}: {str(problem).splitlines()[0][:200]}")
                raise

        transport = httpx.ASGITransport(app=capturing, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://internal:8080") as client:

            async def text(phone: str, sid: str, body: str) -> int:
                form = {"MessageSid": sid, "From": phone, "To": "+4759440000", "Body": body, "NumMedia": "0"}
                headers = {"X-Twilio-Signature": validator.compute_signature(PUBLIC_BASE_URL + webhooks.INBOUND_PATH, form)}
                return (await client.post(webhooks.INBOUND_PATH, data=form, headers=headers)).status_code

            for n in range(pairs):
                phone = f"+479{8_000_000 + n:07d}"
                statuses = await asyncio.gather(text(phone, f"SMRACE{n:026d}A", "hei"), text(phone, f"SMRACE{n:026d}B", "hallo"))
                failed_pairs += any(code != 200 for code in statuses)
    return {"pairs": pairs, "failed_pairs": failed_pairs, "errors": len(errors), "first_errors": errors[:2]}


async def run_part(dbs) -> dict[str, Any]:
    from . import inbound, scale
    from .common import log

    out: dict[str, Any] = {"inbound": await inbound.run_part(dbs, "postgresql", echo=True, shipped=False)}
    url = await dbs.fresh("postgresql", "two_workers")
    try:
        out["two_workers"] = r = await two_workers(url)
    finally:
        await dbs.drop(url)
    log(f"  postgresql two workers: {r['per_second']:.0f} msg/s combined")
    url = await dbs.fresh("postgresql", "race")
    try:
        out["sms_race"] = race = await run_in_subprocess("bench.postgres:sms_race_probe", dict(database_url=url), timeout=60)
    finally:
        await dbs.drop(url)
    log(f"  postgresql SMS race probe: {race['failed_pairs']} of {race['pairs']} pairs had a failed request")
    url = await dbs.fresh("sqlite", "race")  # the same probe on SQLite, for comparison
    try:
        out["sms_race_sqlite"] = await run_in_subprocess("bench.postgres:sms_race_probe", dict(database_url=url),
                                                         timeout=60)
    finally:
        await dbs.drop(url)
    out["scale"] = await scale.run_part(dbs, "postgresql")
    return out
