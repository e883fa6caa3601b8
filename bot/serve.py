"""`benken serve`: the web app (SMS and Telegram webhooks, health, metrics) and the
scheduled work (outbox, reminders, digests), in one process."""

from __future__ import annotations

import logging

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from telegram import Update

from .app import App, Runtime, open_runtime, recurring_jobs, warm_up_language_id
from .messaging import outbox
from .models import utcnow
from .web import TELEGRAM_WEBHOOK_PATH, create_web

log = logging.getLogger(__name__)


def schedule(runtime: Runtime) -> AsyncIOScheduler:
    """The recurring jobs on an APScheduler (PTB's JobQueue is one too, where the bot polls)."""
    scheduler = AsyncIOScheduler()
    for job in recurring_jobs(runtime):
        if job.at is not None:
            trigger = CronTrigger(hour=job.at.hour, minute=job.at.minute, timezone=runtime.app.settings.timezone)
            scheduler.add_job(job.call, trigger, id=job.name, max_instances=1, coalesce=True)
        else:
            scheduler.add_job(job.call, "interval", seconds=job.every, id=job.name, max_instances=1, coalesce=True,
                              next_run_time=utcnow() if not job.first else None)
    return scheduler


async def serve(app: App, host: str, port: int) -> None:
    warm_up_language_id()
    async with open_runtime(app) as runtime:
        if runtime.telegram is not None:
            await _register_webhook(runtime)
        if not runtime.senders:
            log.warning("no outbound channel configured: proactive messages stay queued")
        # Before the first drain: messages a crash left half-sent are settled, never resent.
        await outbox.recover_interrupted(app)
        web = create_web(app, runtime.metrics, runtime.telegram_channel)
        server = uvicorn.Server(uvicorn.Config(web, host=host, port=port, log_level="info"))
        scheduler = schedule(runtime)
        scheduler.start()
        try:
            await server.serve()
        finally:
            scheduler.shutdown(wait=False)


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
