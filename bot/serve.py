"""`benken serve`: the web app (SMS and Telegram webhooks, health, metrics, the web desk)
and the scheduled work (outbox, reminders, digests).

With `--workers N` (PostgreSQL only) N processes answer on one listening socket. Each
sends the outbox to its own part of the recipients at its share of Telegram's overall
rate (claims with SKIP LOCKED); worker 0 alone runs the other scheduled work and
registers the webhook. SQLite has one writer, so it stays one process.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import socket

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import make_url
from telegram import Update

from .app import App, Runtime, open_app, open_runtime, recurring_jobs, run_loop, settle_memory, warm_up_language_id
from .messaging import outbox
from .models import utcnow
from .settings import Settings
from .web import TELEGRAM_WEBHOOK_PATH, create_web

log = logging.getLogger(__name__)
EVERY_WORKER = frozenset({"outbox"})  # each worker drains its own part; the rest runs once
LISTEN_BACKLOG = 2048  # webhook bursts queue in the kernel, not as refused connections


class WorkersRefused(ValueError):
    """--workers on a database that has one writer."""


def schedule(runtime: Runtime) -> AsyncIOScheduler:
    """The recurring jobs on an APScheduler (PTB's JobQueue is one too, where the bot polls):
    in worker 0 all of them, in the others only their own outbox drain."""
    scheduler = AsyncIOScheduler()
    for job in recurring_jobs(runtime):
        if runtime.worker.index != 0 and job.name not in EVERY_WORKER:
            continue
        if job.at is not None:
            trigger = CronTrigger(hour=job.at.hour, minute=job.at.minute, timezone=runtime.app.settings.timezone)
            scheduler.add_job(job.call, trigger, id=job.name, max_instances=1, coalesce=True)
        else:
            scheduler.add_job(job.call, "interval", seconds=job.every, id=job.name, max_instances=1, coalesce=True,
                              next_run_time=utcnow() if not job.first else None)
    return scheduler


async def serve(app: App, host: str, port: int, *, sock: socket.socket | None = None, index: int = 0,
                count: int = 1) -> None:
    warm_up_language_id()
    async with open_runtime(app, "serve", index=index, count=count) as runtime:
        if runtime.telegram is not None and index == 0:
            await _register_webhook(runtime)
        if not runtime.senders:
            log.warning("no outbound channel configured: proactive messages stay queued")
        # Before the first drain: what this worker left half-sent when it stopped is settled
        # at once (claimed goes back to the queue, in flight is never resent).
        await outbox.recover_interrupted(app, worker=runtime.worker)
        web = create_web(app, runtime.metrics, runtime.telegram_channel)
        settle_memory()
        server = uvicorn.Server(uvicorn.Config(web, host=host, port=port, log_level="info", backlog=LISTEN_BACKLOG))
        scheduler = schedule(runtime)
        scheduler.start()
        try:
            await server.serve(sockets=[sock] if sock is not None else None)
        finally:
            scheduler.shutdown(wait=False)


def serve_workers(settings: Settings, host: str, port: int, workers: int) -> None:
    """Bind once, migrate once, then run `workers` processes on the one socket until a
    signal; each child is `benken serve` for its part."""
    if make_url(settings.database_url).get_backend_name() != "postgresql":
        raise WorkersRefused("--workers needs PostgreSQL: SQLite has one writer, so benken serve is one process")
    asyncio.run(_migrate(settings))
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(LISTEN_BACKLOG)
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no loop or pool inherited
    children = [context.Process(target=_worker, args=(settings, host, port, sock, n, workers), daemon=False)
                for n in range(workers)]
    for child in children:
        child.start()
    stop = lambda *_: [child.terminate() for child in children if child.is_alive()]  # noqa: E731
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.join()
    sock.close()


async def _migrate(settings: Settings) -> None:
    async with open_app(settings):
        pass


def _worker(settings: Settings, host: str, port: int, sock: socket.socket, index: int, count: int) -> None:
    async def run() -> None:
        async with open_app(settings, migrate=False) as app:
            await serve(app, host, port, sock=sock, index=index, count=count)

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us with SIGTERM
    run_loop(run())


async def _register_webhook(runtime: Runtime) -> None:
    """Point Telegram at our webhook when we know our public address and have a secret."""
    settings = runtime.app.settings
    if not (settings.public_base_url and settings.telegram_webhook_secret):
        log.warning("PUBLIC_BASE_URL or TELEGRAM_WEBHOOK_SECRET missing: Telegram webhook not registered")
        return
    await runtime.telegram.bot.set_webhook(
        settings.public_base_url.rstrip("/") + TELEGRAM_WEBHOOK_PATH,
        secret_token=settings.telegram_webhook_secret,
        allowed_updates=Update.ALL_TYPES,
    )
