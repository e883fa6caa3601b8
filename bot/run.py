"""`benken run`: the Telegram bot by long polling, with the scheduled work on PTB's JobQueue."""

from __future__ import annotations

import asyncio
import logging
import signal
from zoneinfo import ZoneInfo

from telegram import Bot, Update
from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from .app import App, Job, open_runtime, recurring_jobs, settle_memory, warm_up_language_id
from .channels.telegram_limits import seconds
from .messaging import outbox

log = logging.getLogger(__name__)
POLL_TIMEOUT = 30  # seconds Telegram holds a getUpdates open when nothing comes
POLL_LIMIT = 100


async def poll(application: Application, stop: asyncio.Event) -> None:
    """Fetch updates, handle them all, and only then confirm them (the next offset).

    A crash in between means Telegram sends them again; the inbound log drops the ones
    already handled. So nothing is lost and nothing is handled twice."""
    bot: Bot = application.bot
    await bot.delete_webhook()  # polling and a webhook cannot both be set
    offset = None
    backoff = 1.0
    while not stop.is_set():
        fetch = asyncio.ensure_future(bot.get_updates(offset=offset, timeout=POLL_TIMEOUT, limit=POLL_LIMIT,
                                                      allowed_updates=Update.ALL_TYPES))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if stop.is_set():
            fetch.cancel()
            break
        try:
            updates = fetch.result()
        except RetryAfter as problem:
            await asyncio.sleep(seconds(problem.retry_after))
            continue
        except (NetworkError, TelegramError) as problem:
            log.warning("getUpdates failed (%s); trying again in %.0f s", type(problem).__name__, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 60)
            continue
        backoff = 1.0
        if updates:
            await asyncio.gather(*(application.process_update(u) for u in updates))
            offset = updates[-1].update_id + 1


async def run(app: App) -> None:
    warm_up_language_id()
    async with open_runtime(app, "run") as runtime:
        application = runtime.telegram
        # Before the first drain: what this worker left half-sent when it stopped is settled
        # at once (claimed goes back to the queue, in flight is never resent).
        await outbox.recover_interrupted(app, worker=runtime.worker)
        settle_memory()
        zone = ZoneInfo(app.settings.timezone)
        for job in recurring_jobs(runtime):
            callback = _job_callback(job)
            if job.at is not None:
                application.job_queue.run_daily(callback, time=job.at.replace(tzinfo=zone), name=job.name)
            else:
                application.job_queue.run_repeating(callback, interval=job.every, first=job.first, name=job.name)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await application.start()
        log.info("Benken is listening on Telegram as @%s", application.bot.username)
        try:
            await poll(application, stop)
        finally:
            await application.stop()


def _job_callback(job: Job):
    async def callback(_context: ContextTypes.DEFAULT_TYPE) -> None:
        await job.call()

    return callback
