"""Part 2: broadcast delivery through the outbox.

10,000 outbox messages (each text carries a unique id, ``[B-00042]``) to Telegram
residents: most chats get one, a few get twenty. They are drained by the product's own
scheduled drain, `sending.drain` (called again until nothing is left), with
`TelegramSender`, through a PTB bot built as the product builds it (aiohttp backend,
`BotRateLimiter(per_chat=1*S, overall=30*S)`, Telegram's limits scaled by S), against the
project's `FakeTelegram(enforce_limits=True, scale=S)` in its own process, which answers
429 whenever Telegram's (scaled) limits would be broken.

Reported: the achieved rate (sent messages / seconds from the first claim to the last
send) as a share of the allowed rate (the fastest the scaled limits permit: 30*S a
second overall, and no chat faster than S a second); 429s counted by the fake; lost and
duplicated messages, by comparing the ids the fake accepted with the outbox rows.

Three runs:
* straight through, one sender process (SQLite);
* restarted half-way: the draining task is cancelled once ~5,000 messages went out (from
  a watcher task, so the cancel lands wherever the sender happens to be) and that process
  ends; a new process does at once what a restarted `benken run` does: a fresh bot,
  `outbox.recover_interrupted(worker=…)` (the same worker identity takes back its own
  claims at once) and a fresh drain until nothing is pending. (In one process a cancel
  inside an aiosqlite transaction can leave that connection holding SQLite's write lock,
  so the restart must be a process.) The outbox clock is simulated (`now` = tomorrow noon
  Oslo time plus elapsed time: no quiet hours);
* several sender processes on one PostgreSQL database, as `benken serve --workers N`
  runs them: each a `Worker(index, count)` draining its own recipients (id % count) with
  1/count of the overall rate (`BotRateLimiter(share=1/count)`), against one fake.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import re
import time
from collections import Counter
from datetime import datetime, time as clock, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .common import TOKEN, FakeTelegramProcess, SqlCounter, cpu_seconds, log, settings_for

ID = re.compile(r"\[B-(\d+)\]")
USER_BASE = 20_000_000
HEAVY_CHATS, HEAVY_EACH = 5, 20  # a few chats that get several messages


def noon_tomorrow() -> datetime:
    oslo = ZoneInfo("Europe/Oslo")
    return datetime.combine(datetime.now(oslo).date() + timedelta(days=1), clock(12, 0), oslo).astimezone(timezone.utc)


async def fill_outbox(app, messages: int, seed: int = 7) -> int:
    """Residents and `messages` pending outbox rows (bulk inserts); the busiest chat's count."""
    from sqlalchemy import insert, select

    from bot.models import OUTBOX_PENDING, OUTBOX_PRIORITY_BULK, OutboxMessage, Resident

    rng = random.Random(seed)
    single = messages - HEAVY_CHATS * HEAVY_EACH
    chats = list(range(single + HEAVY_CHATS))
    targets = chats[:single] + [c for c in chats[single:] for _ in range(HEAVY_EACH)]
    rng.shuffle(targets)  # the heavy chats' messages spread through the queue
    created = datetime.now(timezone.utc) - timedelta(hours=1)
    async with app.sessions() as session, session.begin():
        await session.execute(insert(Resident), [
            {"channel": "telegram", "telegram_id": USER_BASE + c, "locale": "en", "area_slug": "furuset",
             "opted_out": False, "first_seen": created, "last_seen": created} for c in chats
        ])
        ids = dict((await session.execute(
            select(Resident.telegram_id, Resident.id).where(Resident.telegram_id >= USER_BASE))).all())
        await session.execute(insert(OutboxMessage), [
            {"resident_id": ids[USER_BASE + chat], "channel": "telegram", "kind": "bench_broadcast", "format": "text",
             "text": f"Benken: the spring clean-up in Furuset moves to Saturday 10:00. [B-{n:05d}]",
             "priority": OUTBOX_PRIORITY_BULK, "status": OUTBOX_PENDING, "not_before": created,
             "attempts": 0, "created_at": created}
            for n, chat in enumerate(targets)
        ])
    return HEAVY_EACH


def settle_memory() -> None:
    from bot.app import settle_memory as settle

    settle()


def build_bot(base_url: str, scale: float, share: float = 1.0):
    """A PTB Application built as the product builds it (aiohttp backend, BotRateLimiter),
    with Telegram's limits scaled by `scale` and this process's `share` of the overall rate."""
    from telegram.ext import ApplicationBuilder

    from bot.channels.telegram_http import AiohttpRequest
    from bot.channels.telegram_limits import BotRateLimiter

    limiter = BotRateLimiter(per_chat=1 * scale, overall=30 * scale, share=share)
    return (ApplicationBuilder().token(TOKEN).base_url(base_url).request(AiohttpRequest())
            .rate_limiter(limiter).updater(None).build())


class Counting:
    """A TelegramSender that counts finished sends (for the restart watcher)."""

    channel = "telegram"

    def __init__(self, sender):
        self.sender, self.done = sender, 0

    async def send(self, recipient, message, ready):
        result = await self.sender.send(recipient, message, ready)
        self.done += 1
        return result


async def drain_all(app, senders, clock_now, deadline: float, worker=None) -> None:
    """The product's scheduled drain (`sending.drain`) until nothing is left (bounded by a
    deadline), on the simulated clock; pending retries are waited for."""
    from sqlalchemy import func, select

    from bot.messaging import outbox, sending
    from bot.models import OUTBOX_PENDING, OutboxMessage

    worker = worker or outbox.SINGLE
    while time.monotonic() < deadline:
        if await sending.drain(app, senders, clock=clock_now, worker=worker,
                               limit_seconds=max(0.0, deadline - time.monotonic())) == 0:
            async with app.sessions() as session:
                pending = (await session.execute(
                    select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OUTBOX_PENDING)
                )).scalar_one()
            if pending == 0:
                return
            await asyncio.sleep(0.2)  # a retry waits for its not_before


UNFINISHED = ("claimed", "sending")
TEXT_FILES = itertools.count(1)  # claimed for a batch / handed towards the provider


async def count_status(app, *statuses: str) -> dict[str, int]:
    """Rows in each of these statuses (a status the code does not have counts 0)."""
    from sqlalchemy import func, select

    from bot.models import OutboxMessage

    async with app.sessions() as session:
        rows = (await session.execute(
            select(OutboxMessage.status, func.count()).where(OutboxMessage.status.in_(statuses))
            .group_by(OutboxMessage.status))).all()
    return {status: dict(rows).get(status, 0) for status in statuses}


def recovered(value) -> dict[str, int]:
    """recover_interrupted's answer: (requeued, failed) in newer code, a failed count before."""
    if isinstance(value, tuple):
        return {"requeued": int(value[0]), "failed": int(value[1])}
    return {"requeued": 0, "failed": int(value)}


async def account(app, texts: list[list]) -> dict[str, Any]:
    """Every outbox row against what the fake accepted ([chat_id, text] pairs)."""
    from sqlalchemy import select

    from bot.models import OutboxMessage

    async with app.sessions() as session:
        rows = (await session.execute(
            select(OutboxMessage.text, OutboxMessage.status, OutboxMessage.last_error)
            .where(OutboxMessage.kind == "bench_broadcast"))).all()
    status = {int(ID.search(text).group(1)): (state, error or "") for text, state, error in rows}
    received = Counter(int(m.group(1)) for _chat, text in texts if (m := ID.search(text or "")))
    delivered = set(received)
    interrupted = {n for n, (state, error) in status.items() if state == "failed" and "interrupted" in error}
    unconfirmed = {n for n, (state, error) in status.items() if state == "failed" and "not repeated" in error} - interrupted
    lost = {n for n, (state, _e) in status.items() if n not in delivered and state != "failed"}
    return {
        "outbox_rows": len(status),
        "statuses": dict(Counter(state for state, _e in status.values())),
        "delivered_unique": len(delivered),
        "duplicated": sum(1 for c in received.values() if c > 1),
        "phantom": len(delivered - set(status)),
        "lost": len(lost),
        "sent_but_not_received": sum(1 for n, (s, _e) in status.items() if s == "sent" and n not in delivered),
        "interrupted_failed": len(interrupted),
        "interrupted_that_reached_telegram": len(interrupted & delivered),
        "interrupted_never_sent": len(interrupted - delivered),
        "other_unconfirmed_failed": len(unconfirmed),
    }


async def broadcast_scenario(
    database_url: str, scale: float = 20, messages: int = 10_000, time_limit: float = 150,
) -> dict[str, Any]:
    """The product's drain_once until the outbox is empty, with its own fake Bot API process."""
    from bot.app import open_app
    from bot.channels.telegram import TelegramSender

    result: dict[str, Any] = {"scale": scale, "messages": messages, "mode": "straight"}
    async with contextlib.AsyncExitStack() as stack:
        fake = await stack.enter_async_context(FakeTelegramProcess(enforce_limits=True, scale=scale))
        app = await stack.enter_async_context(open_app(settings_for(database_url), migrate=False))
        busiest = await fill_outbox(app, messages)
        result["allowed_per_second"] = allowed_rate(messages, busiest, scale)
        result.update(drain_parameters())
        sql = SqlCounter(app.engine)
        base = noon_tomorrow()
        settle_memory()  # as `benken run` and `serve` do once started, before any broadcast
        cpu_started, started = cpu_seconds(), time.monotonic()

        def clock_now() -> datetime:
            return base + timedelta(seconds=time.monotonic() - started)

        application = build_bot(fake.base_url, scale)
        await application.initialize()
        deadline = started + time_limit
        try:
            await drain_all(app, {"telegram": TelegramSender(application.bot)}, clock_now, deadline)
        finally:
            await application.shutdown()
        elapsed = time.monotonic() - started
        result["cpu_share"] = (cpu_seconds() - cpu_started) / elapsed  # 1.0 = one core busy all along
        result.update(sql.per_message(messages))
        result.update(await finish(app, fake, elapsed, result["allowed_per_second"], messages))
        result["timed_out"] = elapsed >= time_limit
    return result


def drain_parameters() -> dict[str, Any]:
    """How the product's drain works in the code being measured."""
    from bot.channels import pacing
    from bot.channels import telegram_limits as limits
    from bot.messaging import sending

    return {"drain_claim_batch": sending.CLAIM_BATCH, "drain_claim_ahead": sending.CLAIM_AHEAD,
            "drain_concurrent_sends": sending.CONCURRENT_RECIPIENTS,
            "drain_mark_window_ms": sending.MARK_WINDOW * 1000, "drain_record_every": sending.RECORD_EVERY,
            "limiter_margin": limits.OVERALL_MARGIN, "limiter_window_margin": limits.WINDOW_MARGIN,
            "limiter_lead_ms": pacing.LEAD * 1000, "limiter_late_ms": pacing.LATE_AT_MOST * 1000}


def allowed_rate(messages: int, busiest: int, scale: float) -> float:
    """The fastest the scaled limits allow: the overall pace, or the busiest chat's pace."""
    return messages / max(messages / (30 * scale), (busiest - 1) / scale)


async def finish(app, fake: FakeTelegramProcess, elapsed: float, allowed: float, messages: int) -> dict[str, Any]:
    """Rate, 429s (by kind of chat) and the accounting of every message."""
    stats = await fake.stats()
    refused = stats.get("refused_by_chat", {})
    heavy = {str(USER_BASE + messages - HEAVY_CHATS * HEAVY_EACH + i) for i in range(HEAVY_CHATS)}
    sent = stats["by_method_status"].get("sendMessage 200", 0)
    out = await account(app, await fake.sent_texts())
    out.update(
        seconds=elapsed, sent_per_second=sent / elapsed, share_of_allowed=sent / elapsed / allowed,
        http_429=stats["limit_violations"],
        http_429_in_busy_chats=sum(v for k, v in refused.items() if k in heavy),
        http_429_in_single_message_chats=sum(v for k, v in refused.items() if k not in heavy),
    )
    return out


async def restart_first_life(database_url: str, fake_base_url: str, scale: float, messages: int,
                             restart_after: int, time_limit: float = 150) -> dict[str, Any]:
    """The sender's first life: fill the outbox, drain, and cancel the draining task once
    `restart_after` sends finished (the watcher runs beside it, so the cancel lands wherever
    the drain is). The process then ends, as a crashed or stopped sender would."""
    from bot.app import open_app
    from bot.channels.telegram import TelegramSender

    # Deliberately not closed: after the cancel the process just ends (bench.worker exits
    # without waiting), as a stopped sender's would; a cancel inside an aiosqlite transaction
    # can leave that connection holding SQLite's write lock until then.
    app = await contextlib.AsyncExitStack().enter_async_context(
        open_app(settings_for(database_url), migrate=False))
    busiest = await fill_outbox(app, messages)
    base = noon_tomorrow()
    settle_memory()  # as `benken run` and `serve` do once started, before any broadcast
    cpu_started, started = cpu_seconds(), time.monotonic()

    def clock_now() -> datetime:
        return base + timedelta(seconds=time.monotonic() - started)

    application = build_bot(fake_base_url, scale)
    await application.initialize()
    counting = Counting(TelegramSender(application.bot))
    task = asyncio.create_task(drain_all(app, {"telegram": counting}, clock_now, started + time_limit))
    while counting.done < restart_after and not task.done() and time.monotonic() < started + time_limit:
        await asyncio.sleep(0.003)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    elapsed = time.monotonic() - started
    return {"cancelled_after_sends": counting.done, "seconds": elapsed, "clock_seconds": elapsed, **drain_parameters(),
            "cpu_share": (cpu_seconds() - cpu_started) / elapsed,
            "allowed_per_second": allowed_rate(messages, busiest, scale)}


async def restart_second_life(database_url: str, fake_base_url: str, scale: float, clock_seconds: float,
                              time_limit: float = 150) -> dict[str, Any]:
    """The restarted sender, at once (as systemd would restart it): a fresh process and bot,
    `recover_interrupted` with the same worker identity as `benken run`/`serve` call it at
    start-up (its own claims come back at once), and a fresh drain. Then the clock is moved
    past STALE_CLAIM and recover_interrupted called again, to show nothing was left for it."""
    from bot.messaging import outbox
    from bot.app import open_app
    from bot.channels.telegram import TelegramSender

    result: dict[str, Any] = {}
    async with open_app(settings_for(database_url), migrate=False) as app:
        base, offset = noon_tomorrow(), [clock_seconds + 0.5]
        settle_memory()  # as `benken run` and `serve` do once started, before any broadcast
        cpu_started, started = cpu_seconds(), time.monotonic()

        def clock_now() -> datetime:
            return base + timedelta(seconds=time.monotonic() - started + offset[0])

        deadline = started + time_limit
        result["left_unfinished_at_restart"] = await count_status(app, *UNFINISHED)
        application = build_bot(fake_base_url, scale)
        await application.initialize()
        try:
            result["recovered_at_immediate_restart"] = recovered(
            await outbox.recover_interrupted(app, now=clock_now(), worker=outbox.SINGLE))
            await drain_all(app, {"telegram": TelegramSender(application.bot)}, clock_now, deadline)
            result["stuck_after_drain"] = await count_status(app, *UNFINISHED)
            offset[0] += outbox.STALE_CLAIM.total_seconds() + 1
            result["recovered_after_stale_claim"] = recovered(await outbox.recover_interrupted(app, now=clock_now()))
            await drain_all(app, {"telegram": TelegramSender(application.bot)}, clock_now, deadline)
            result["unfinished_at_end"] = await count_status(app, *UNFINISHED)
        finally:
            await application.shutdown()
        elapsed = time.monotonic() - started
        result.update(seconds=elapsed, cpu_share=(cpu_seconds() - cpu_started) / elapsed)
    return result


async def account_scenario(database_url: str, texts_path: str) -> dict[str, Any]:
    """The accounting of every outbox row against the texts the fake accepted (a file)."""
    from bot.app import open_app

    async with open_app(settings_for(database_url), migrate=False) as app:
        return await account(app, json.loads(Path(texts_path).read_text()))


async def accounted(dbs, fake: FakeTelegramProcess, url: str) -> dict[str, Any]:
    """Every outbox row of `url` against the texts `fake` accepted (in a process of its own)."""
    from .common import run_in_subprocess

    path = dbs.folder / f"broadcast_texts_{next(TEXT_FILES)}.json"
    await fake.command("texts", path=str(path))
    try:
        return await run_in_subprocess("bench.broadcast:account_scenario",
                                       dict(database_url=url, texts_path=str(path)), timeout=120)
    finally:
        path.unlink(missing_ok=True)


async def restart_run(dbs, scale: float, messages: int, restart_after: int) -> dict[str, Any]:
    """The restart variant: first life, (process ends), second life, accounting; one fake."""
    from .common import run_in_subprocess

    url = await dbs.fresh("sqlite", "broadcast_restart")
    try:
        async with FakeTelegramProcess(enforce_limits=True, scale=scale) as fake:
            first = await run_in_subprocess("bench.broadcast:restart_first_life", dict(
                database_url=url, fake_base_url=fake.base_url, scale=scale, messages=messages,
                restart_after=restart_after), timeout=150)
            second = await run_in_subprocess("bench.broadcast:restart_second_life", dict(
                database_url=url, fake_base_url=fake.base_url, scale=scale, clock_seconds=first["clock_seconds"]),
                timeout=150)
            stats, result = await fake.stats(), await accounted(dbs, fake, url)
    finally:
        await dbs.drop(url)
    refused = stats.get("refused_by_chat", {})
    heavy = {str(USER_BASE + messages - HEAVY_CHATS * HEAVY_EACH + i) for i in range(HEAVY_CHATS)}
    elapsed = first["seconds"] + second["seconds"]
    sent = stats["by_method_status"].get("sendMessage 200", 0)
    result.update({k: v for k, v in second.items() if k not in ("seconds", "cpu_share", "maxrss_mb")})
    result.update({k: v for k, v in first.items() if k.startswith(("drain_", "limiter_"))})
    result.update(
        scale=scale, messages=messages, mode="restart", cancelled_after_sends=first["cancelled_after_sends"],
        allowed_per_second=first["allowed_per_second"], seconds=elapsed, sent_per_second=sent / elapsed,
        share_of_allowed=sent / elapsed / first["allowed_per_second"], http_429=stats["limit_violations"],
        http_429_in_busy_chats=sum(v for k, v in refused.items() if k in heavy),
        http_429_in_single_message_chats=sum(v for k, v in refused.items() if k not in heavy),
        cpu_share=(first["cpu_share"] * first["seconds"] + second["cpu_share"] * second["seconds"]) / elapsed,
        maxrss_mb=max(first["maxrss_mb"], second["maxrss_mb"]),
    )
    return result


async def fill_scenario(database_url: str, messages: int) -> dict[str, Any]:
    """The outbox of a broadcast, for the sender processes to drain."""
    from bot.app import open_app

    async with open_app(settings_for(database_url), migrate=False) as app:
        return {"busiest_chat": await fill_outbox(app, messages)}


async def sender_process(database_url: str, fake_base_url: str, scale: float, index: int, count: int,
                         start_at: float, time_limit: float = 150) -> dict[str, Any]:
    """One of `count` sender processes on one database: its own bot with 1/count of the
    overall rate, draining its own recipients, from an agreed moment."""
    from bot.app import open_app
    from bot.channels.telegram import TelegramSender
    from bot.messaging.outbox import Worker

    async with open_app(settings_for(database_url), migrate=False) as app:
        application = build_bot(fake_base_url, scale, share=1 / count)
        await application.initialize()
        worker, base = Worker(f"bench:{index}", index, count), noon_tomorrow()
        sql = SqlCounter(app.engine)
        settle_memory()  # as `benken serve` does once started, before any broadcast
        await asyncio.sleep(max(0.0, start_at - time.time()))
        began, cpu_began = time.time(), cpu_seconds()

        def clock_now() -> datetime:
            return base + timedelta(seconds=time.time() - began)

        try:
            await drain_all(app, {"telegram": TelegramSender(application.bot)}, clock_now,
                            time.monotonic() + time_limit, worker=worker)
        finally:
            await application.shutdown()
        ended = time.time()
    return {"began": began, "ended": ended, "cpu_share": (cpu_seconds() - cpu_began) / (ended - began),
            "transactions": sql.transactions}


async def senders_run(dbs, scale: float, messages: int, count: int = 2) -> dict[str, Any]:
    """`count` sender processes on one PostgreSQL database and one fake; rate over the
    window from the first start to the last end."""
    from .common import run_in_subprocess

    url = await dbs.fresh("postgresql", "broadcast_senders")
    try:
        filled = await run_in_subprocess("bench.broadcast:fill_scenario", dict(database_url=url, messages=messages))
        async with FakeTelegramProcess(enforce_limits=True, scale=scale) as fake:
            start_at = time.time() + 6  # every process started and connected by then
            workers = await asyncio.gather(*(
                run_in_subprocess("bench.broadcast:sender_process", dict(
                    database_url=url, fake_base_url=fake.base_url, scale=scale, index=i, count=count,
                    start_at=start_at), timeout=200)
                for i in range(count)))
            stats, result = await fake.stats(), await accounted(dbs, fake, url)
    finally:
        await dbs.drop(url)
    window = max(w["ended"] for w in workers) - min(w["began"] for w in workers)
    sent = stats["by_method_status"].get("sendMessage 200", 0)
    allowed = allowed_rate(messages, filled["busiest_chat"], scale)
    result.update(
        scale=scale, messages=messages, mode=f"{count} senders", senders=count, allowed_per_second=allowed,
        seconds=window, sent_per_second=sent / window, share_of_allowed=sent / window / allowed,
        http_429=stats["limit_violations"], late_start_s=max(w["began"] for w in workers) - start_at,
        workers=[{k: w[k] for k in ("cpu_share", "maxrss_mb", "transactions")} for w in workers],
        cpu_share=sum(w["cpu_share"] for w in workers), maxrss_mb=max(w["maxrss_mb"] for w in workers),
        transactions_per_message=sum(w["transactions"] for w in workers) / messages, **drain_parameters(),
    )
    refused = stats.get("refused_by_chat", {})
    heavy = {str(USER_BASE + messages - HEAVY_CHATS * HEAVY_EACH + i) for i in range(HEAVY_CHATS)}
    result.update(http_429_in_busy_chats=sum(v for k, v in refused.items() if k in heavy),
                  http_429_in_single_message_chats=sum(v for k, v in refused.items() if k not in heavy))
    return result


async def run_part(dbs, *, scale: float = 20, messages: int = 10_000, postgres: bool = False) -> dict[str, Any]:
    """Part 2: the product's drain straight through, with a restart half-way, and (with
    PostgreSQL) two sender processes; each against a fresh database and fake."""
    from .common import run_in_subprocess

    out: dict[str, Any] = {}
    url = await dbs.fresh("sqlite", "broadcast_straight")
    try:
        out["straight"] = await run_in_subprocess("bench.broadcast:broadcast_scenario", dict(
            database_url=url, scale=scale, messages=messages), timeout=200)
    finally:
        await dbs.drop(url)
    out["restart"] = await restart_run(dbs, scale, messages, restart_after=messages // 2 + 17)  # inside a claim
    if postgres:
        out["senders"] = await senders_run(dbs, scale, messages)
    for mode, r in out.items():
        log(f"  broadcast {mode}: {r['sent_per_second']:.0f}/s = {r['share_of_allowed']:.0%} of "
            f"{r['allowed_per_second']:.0f}/s, 429s {r['http_429']}, lost {r['lost']}, duplicated {r['duplicated']}")
    return out
