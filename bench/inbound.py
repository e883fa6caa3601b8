"""Part 1 (and part 5's inbound half): inbound throughput, latency and memory.

What is measured, each scenario in its own fresh Python process (peak memory = that
process's `ru_maxrss`), with the project's FakeTelegram in another process on loopback:

* **Telegram, Benken**: a real PTB Application from `build_application(app,
  per_chat_per_second=1000)`, fed `telegram.Update` objects directly with
  `application.process_update(update)`; the engine and database run for real and every
  reply is a real HTTP call to the fake Bot API. Updates are built before the clock
  starts with the fake's own update builders (`text`, `location`, `photo`).
* **Telegram, bare echo bot**: a PTB Application with one `MessageHandler` that replies
  the text (no database), the same updates, the same fake, the same rate limiter.
* **SMS**: the same residents through `POST /sms/twilio` on `create_web(...)` via
  `httpx.ASGITransport`, each request signed with twilio's `RequestValidator` (signatures
  computed before the clock starts); the reply is the TwiML answer.

Throughput is closed-loop: 100 residents at a time, each sending its next message when
the previous one has been handled and answered; messages/second = messages / wall time.
Latency is open-loop at a fixed offered load: one message every 1/rate seconds whatever
happens (100 resident "slots", so one resident writes at most once a second), and each
message's time is from its scheduled arrival until it was handled and its replies sent.

`build_application` keeps Telegram's overall limit of 30 messages a second (its
BotRateLimiter). For the capacity figures it is built with `BotRateLimiter(per_chat=1000,
overall=0)` (0 = no overall limit); one scenario measures the application exactly as
shipped to show the cap. Benken runs PTB on aiohttp (bot/channels/telegram_http.py); the
echo bot is PTB as it comes, on httpx.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

from .common import (
    PUBLIC_BASE_URL,
    TOKEN,
    TWILIO_TOKEN,
    SqlCounter,
    cpu_seconds,
    fake_telegram,
    log,
    maxrss_mb,
    percentile,
    settings_for,
    sleep_until,
)
from .residents import Script, take_messages

SLOTS = 100  # residents in flight at once (PTB gets up to 100 updates per getUpdates batch)
PROFILE_LINES = 15  # the profile's top functions by own time, for RESULTS.md
# Messages handled before the clock starts (other residents): SQLAlchemy's statement cache,
# the catalogs and the connection pool warm, so that the figures are the steady state.
WARM_UP_MESSAGES = 300
WARM_UP_FIRST = 900_000  # resident indexes (and so addresses) of the warm-up residents
TELEGRAM_USER_BASE = 10_000_000


def lifted_limiter():
    """The product's rate limiter without Telegram's 30/s overall limit (capacity figures)."""
    from bot.channels.telegram_limits import BotRateLimiter

    return BotRateLimiter(per_chat=1000, overall=0)


def build_echo(base_url: str, base_file_url: str):
    """The bare PTB echo bot: PTB as it comes (its httpx backend), a MessageHandler that
    replies the text, the same rate limiter as Benken's measured application."""
    from telegram.ext import ApplicationBuilder, MessageHandler, filters

    application = (
        ApplicationBuilder().token(TOKEN).base_url(base_url).base_file_url(base_file_url)
        .rate_limiter(lifted_limiter()).updater(None).build()
    )

    async def echo(update, _context) -> None:
        await update.message.reply_text(update.message.text or "ok")

    application.add_handler(MessageHandler(filters.ALL, echo))
    return application


def telegram_updates(residents: list[Script], bot, update_id_base: int) -> list[list]:
    """Per resident, its telegram.Update objects (built by the project's FakeTelegram helpers)."""
    from telegram import Update

    from tests.doubles.fake_telegram import FakeTelegram

    factory = FakeTelegram(TOKEN)  # not started: only its update builders are used
    update_id = update_id_base
    out = []
    for resident in residents:
        user = TELEGRAM_USER_BASE + resident.index
        updates = []
        for step in resident.steps:
            if step[0] == "text":
                raw = factory.text(user, step[1], queue=False)
            elif step[0] == "location":
                raw = factory.location(user, step[1], step[2], queue=False)
            else:
                raw = factory.photo(user, queue=False)
            update_id += 1
            raw["update_id"] = update_id  # unique across workers sharing one database
            updates.append(Update.de_json(raw, bot))
        out.append(updates)
    return out


async def closed_loop(per_resident: list[list], handle, slots: int) -> tuple[float, list[float]]:
    """Every resident's messages in order, `slots` residents at a time; (seconds, latencies)."""
    queue = iter(per_resident)
    latencies: list[float] = []

    async def slot() -> None:
        for messages in queue:  # shared: each resident is taken by one slot
            for message in messages:
                started = time.perf_counter()
                await handle(message)
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(slot() for _ in range(slots)))
    return time.perf_counter() - started, latencies


def arrivals(per_resident: list[list], total: int, slots: int) -> list:
    """`total` messages in arrival order: arrival k goes to slot k % slots, each slot walking
    one resident's messages and then the next resident's."""
    queue = iter(per_resident)
    current: list[list] = [[] for _ in range(slots)]
    out = []
    for k in range(total):
        slot = k % slots
        if not current[slot]:
            current[slot] = list(next(queue))
        out.append(current[slot].pop(0))
    return out


async def open_loop(messages: list, handle, rate: float) -> dict[str, float]:
    """Offer one message every 1/rate s regardless of completions; latency from each
    message's scheduled arrival to the end of its handling."""
    latencies: list[float] = []
    lag: list[float] = []

    async def one(message, scheduled: float) -> None:
        await handle(message)
        latencies.append(time.perf_counter() - scheduled)

    tasks = []
    start = time.perf_counter() + 0.2
    for k, message in enumerate(messages):
        scheduled = start + k / rate
        await sleep_until(scheduled)
        lag.append(time.perf_counter() - scheduled)
        tasks.append(asyncio.create_task(one(message, scheduled)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    return {
        "offered_per_second": rate,
        "messages": len(messages),
        "achieved_per_second": len(messages) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p90_ms": percentile(latencies, 90) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": max(latencies) * 1000,
        "max_dispatch_lag_ms": max(lag) * 1000,
    }


async def stored_rows(app) -> dict[str, int]:
    from sqlalchemy import func, select

    from bot.models import Idea, InboundMessage, SafetyReport, Signup

    async with app.sessions() as session:
        return {
            name: (await session.execute(select(func.count()).select_from(model))).scalar_one()
            for name, model in (("ideas", Idea), ("signups", Signup), ("safety_reports", SafetyReport),
                                ("inbound_log", InboundMessage))
        }


def expected_rows(residents: list[Script]) -> dict[str, int]:
    return {
        "ideas": sum(r.ideas for r in residents),
        "signups": sum(r.signups for r in residents),
        "safety_reports": sum(r.reports for r in residents),
        "inbound_log": sum(len(r.steps) for r in residents),
    }


async def telegram_scenario(
    database_url: str | None,
    bot: str = "benken",
    limiter: str = "lifted",
    mode: str = "throughput",
    messages: int = 2000,
    rate: float = 100,
    duration: float = 10,
    first: int = 0,
    slots: int = SLOTS,
    update_id_base: int = 0,
    fake_base_url: str | None = None,
    start_at: float | None = None,
    profile: bool = False,
) -> dict[str, Any]:
    """One Telegram measurement; see the module docstring. `start_at` (a time.time()) lets
    several worker processes start together."""
    from bot.app import open_app
    from bot.channels.telegram import build_application

    total = messages if mode == "throughput" else int(rate * duration)
    residents = take_messages("telegram", total if mode == "throughput" else total + 40 * slots, first=first)
    warm = take_messages("telegram", WARM_UP_MESSAGES, first=first + WARM_UP_FIRST)
    errors: list[str] = []

    async def on_error(_update, context) -> None:
        errors.append(repr(context.error)[:200])

    async with contextlib.AsyncExitStack() as stack:
        base_url, base_file_url, fake = await stack.enter_async_context(fake_telegram(fake_base_url))
        app = None
        if bot == "echo":
            application = build_echo(base_url, base_file_url)
        else:
            settings = settings_for(database_url, telegram_api_base_url=base_url,
                                    telegram_api_base_file_url=base_file_url)
            app = await stack.enter_async_context(open_app(settings, migrate=False))
            if limiter == "lifted":
                application = build_application(app, limiter=lifted_limiter())
            else:
                application = build_application(app, per_chat_per_second=1000)
        application.add_error_handler(on_error)
        await stack.enter_async_context(application)  # initialize: getMe
        if app is not None:
            from bot.app import settle_memory

            settle_memory()  # as `benken run` does once started (the echo bot is PTB as it comes)
        per_resident = telegram_updates(residents, application.bot, update_id_base)
        warm_updates = telegram_updates(warm, application.bot, update_id_base + 5_000_000)
        if start_at is None:  # workers that start together warm up on their own residents anyway
            await closed_loop(warm_updates, application.process_update, slots)
        if mode == "throughput":
            count = sum(len(u) for u in per_resident)
        else:
            per_resident = [arrivals(per_resident, total, slots)]
            count = total
        sql = SqlCounter(app.engine) if app is not None else None
        rss_before = maxrss_mb()
        if start_at:
            await asyncio.sleep(max(0.0, start_at - time.time()))
        began, cpu_began = time.time(), cpu_seconds()
        if mode == "throughput":
            measured: dict[str, Any] = {}
            with profiled(measured, profile):
                seconds, latencies = await closed_loop(per_resident, application.process_update, slots)
            result = {
                "messages": count, "seconds": seconds, "per_second": count / seconds, "residents": len(residents),
                "closed_loop_p50_ms": percentile(latencies, 50) * 1000,
                "closed_loop_p99_ms": percentile(latencies, 99) * 1000, **measured,
            }
        else:
            result = await open_loop(per_resident[0], application.process_update, rate)
        ended = time.time()
        if sql is not None:
            result.update(sql.per_message(count))
        result.update(began=began, ended=ended, errors=len(errors), first_errors=errors[:3],
                      rss_before_mb=round(rss_before, 1), cpu_share=(cpu_seconds() - cpu_began) / (ended - began))
        if app is not None and mode == "throughput" and fake_base_url is None:
            result["stored"], result["expected"] = await stored_rows(app), expected_rows(residents + warm)
        if fake is not None:
            stats = await fake.stats()
            result["fake"] = stats["by_method_status"]
    return result


@contextlib.contextmanager
def profiled(result: dict, enabled: bool):
    """cProfile around the measured messages when `enabled`: the top functions by their own
    time go into result["profile"] (the figures of a profiled run are not reported)."""
    if not enabled:
        yield
        return
    import cProfile
    import pstats

    profile = cProfile.Profile(time.process_time)  # CPU time: waiting in epoll is not work
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        stats = pstats.Stats(profile)
        total = sum(row[2] for row in stats.stats.values())
        rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:PROFILE_LINES]
        result["profile"] = [
            {"function": f"{name} ({Path(file).name}:{line})" if line else name, "calls": primitive,
             "own_share": own / total, "own_s": own, "cumulative_s": cumulative}
            for (file, line, name), (primitive, _calls, own, cumulative, _callers) in rows
        ]
        result["profile_total_s"] = total


def signed_requests(residents: list[Script], sid_base: int) -> list[list[tuple[dict, dict]]]:
    """Per resident, its (form, headers) Twilio webhooks, signed like Twilio signs them."""
    from twilio.request_validator import RequestValidator

    from bot.channels import twilio as webhooks

    validator = RequestValidator(TWILIO_TOKEN)
    sid = sid_base
    out = []
    for resident in residents:
        phone = f"+479{1_000_000 + resident.index:07d}"
        requests = []
        for step in resident.steps:
            sid += 1
            form = {"MessageSid": f"SM{sid:032d}", "AccountSid": "AC" + "0" * 32, "From": phone,
                    "To": "+4759440000", "Body": step[1], "NumMedia": "0"}
            signature = validator.compute_signature(PUBLIC_BASE_URL + webhooks.INBOUND_PATH, form)
            requests.append((form, {"X-Twilio-Signature": signature}))
        out.append(requests)
    return out


async def sms_scenario(
    database_url: str,
    mode: str = "throughput",
    messages: int = 2000,
    rate: float = 100,
    duration: float = 10,
    first: int = 100_000,
    slots: int = SLOTS,
    sid_base: int = 0,
    profile: bool = False,
) -> dict[str, Any]:
    """One SMS measurement through POST /sms/twilio; see the module docstring."""
    import httpx

    from bot.app import open_app
    from bot.channels import twilio as webhooks
    from bot.metrics import Metrics
    from bot.web import create_web

    total = messages if mode == "throughput" else int(rate * duration)
    residents = take_messages("sms", total if mode == "throughput" else total + 40 * slots, first=first)
    per_resident = signed_requests(residents, sid_base)
    warm = take_messages("sms", WARM_UP_MESSAGES, first=first + WARM_UP_FIRST)
    warm_requests = signed_requests(warm, sid_base + 50_000_000)
    failures: list[str] = []
    answers = [0]
    async with open_app(settings_for(database_url), migrate=False) as app:
        web = create_web(app, Metrics())
        app_errors: list[str] = []

        async def capturing(scope, receive, send) -> None:
            """The web app, with its exceptions noted (the client then sees a 500)."""
            try:
                await web(scope, receive, send)
            except Exception as problem:
                app_errors.append(f"{type(problem).__name__}: {str(problem).splitlines()[0][:200]}")
                raise

        transport = httpx.ASGITransport(app=capturing, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://internal:8080") as client:

            async def handle(request) -> None:
                form, headers = request
                response = await client.post(webhooks.INBOUND_PATH, data=form, headers=headers)
                if response.status_code != 200 or "<Message>" not in response.text:
                    failures.append(f"HTTP {response.status_code}: " + (app_errors[-1] if app_errors and
                                    response.status_code >= 500 else response.text[:120]))
                answers[0] += response.text.count("<Message>")

            await closed_loop(warm_requests, handle, slots)
            failures.clear()
            sql = SqlCounter(app.engine)
            rss_before, began, cpu_began = maxrss_mb(), time.time(), cpu_seconds()
            if mode == "throughput":
                count = sum(len(r) for r in per_resident)
                measured: dict[str, Any] = {}
                with profiled(measured, profile):
                    seconds, latencies = await closed_loop(per_resident, handle, slots)
                result = {**measured,
                    "messages": count, "seconds": seconds, "per_second": count / seconds,
                    "residents": len(residents),
                    "closed_loop_p50_ms": percentile(latencies, 50) * 1000,
                    "closed_loop_p99_ms": percentile(latencies, 99) * 1000,
                    "stored": await stored_rows(app), "expected": expected_rows(residents + warm),
                }
            else:
                result = await open_loop(arrivals(per_resident, total, slots), handle, rate)
            result.update(sql.per_message(result["messages"]))
            cpu_share = (cpu_seconds() - cpu_began) / (time.time() - began)
        result.update(errors=len(failures), first_errors=failures[:3], twiml_messages=answers[0],
                      rss_before_mb=round(rss_before, 1), cpu_share=cpu_share)
    return result


async def count_rows(database_url: str) -> dict[str, Any]:
    """The rows the inbound runs leave (for the two-worker run, checked by the parent)."""
    from bot.app import open_app

    async with open_app(settings_for(database_url), migrate=False) as app:
        return await stored_rows(app)


def expected_for(channel: str, total: int, first: int) -> dict[str, int]:
    return expected_rows(take_messages(channel, total, first=first))


def check_rows(result: dict) -> str:
    """'ok' when the database holds exactly what the scripts should have left."""
    stored, expected = result.get("stored"), result.get("expected")
    if not stored:
        return "not checked"
    wrong = [f"{k} {stored[k]}/{v}" for k, v in expected.items() if stored.get(k) != v]
    return "all rows as expected (" + ", ".join(f"{k} {v}" for k, v in expected.items()) + ")" if not wrong \
        else "MISMATCH: " + ", ".join(wrong)


async def run_part(dbs, backend: str, *, echo: bool = True, shipped: bool = True, profile: bool = False,
                   messages: int = 2000, shipped_messages: int = 240, profile_messages: int = 800) -> dict[str, Any]:
    """Part 1 on one backend: throughput (echo, Benken Telegram, echo again, SMS, the shipped
    30/s limiter), then latency at 100 messages/s (echo, Benken Telegram, SMS), and with
    `profile` a profiled throughput run of each channel (where the CPU goes)."""
    from .common import run_in_subprocess

    out: dict[str, Any] = {}

    async def measure(key: str, target: str, args: dict, *, fresh: bool = True) -> None:
        url = await dbs.fresh(backend, key) if fresh else None
        try:
            out[key] = await run_in_subprocess(f"bench.inbound:{target}", dict(args, database_url=url), timeout=240)
        finally:
            if url:
                await dbs.drop(url)
        r = out[key]
        figure = f"{r['per_second']:.0f} msg/s" if "per_second" in r else \
            f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms"
        log(f"  {backend} {key}: {figure}, errors {r['errors']}, peak RSS {r['maxrss_mb']:.0f} MB")

    if echo:  # before and after Benken: this VM's speed drifts, the ratio uses their mean
        await measure("echo_throughput", "telegram_scenario", dict(bot="echo", messages=messages), fresh=False)
    await measure("telegram_throughput", "telegram_scenario", dict(messages=messages))
    if echo:
        await measure("echo_throughput_after", "telegram_scenario", dict(bot="echo", messages=messages), fresh=False)
        before, after = out["echo_throughput"], out["echo_throughput_after"]
        out["echo_mean_per_second"] = (before["per_second"] + after["per_second"]) / 2
    await measure("sms_throughput", "sms_scenario", dict(messages=messages))
    if shipped:
        await measure("telegram_shipped_limiter", "telegram_scenario", dict(limiter="default", messages=shipped_messages))
    if echo:
        await measure("echo_latency", "telegram_scenario", dict(bot="echo", mode="latency"), fresh=False)
    await measure("telegram_latency", "telegram_scenario", dict(mode="latency"))
    await measure("sms_latency", "sms_scenario", dict(mode="latency"))
    if profile:
        await measure("telegram_profile", "telegram_scenario", dict(messages=profile_messages, profile=True))
        await measure("sms_profile", "sms_scenario", dict(messages=profile_messages, profile=True))
    return out
