"""`benken run`: the Telegram bot by long polling, with the outbox sender on PTB's JobQueue."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import time
from zoneinfo import ZoneInfo

from telegram import Bot, Update
from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from . import outbox, reminders
from .app import App
from .channels.telegram import TelegramSender, build_application, seconds, staff_sender
from .digest import DIGEST_AT_HOUR, morning_digests
from .serve import DRAIN_EVERY_SECONDS, RECOVER_EVERY_SECONDS, TICK_EVERY_SECONDS, senders_for

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
    application = build_application(app)
    senders = {**senders_for(app), "telegram": TelegramSender(application.bot)}
    # Before the first drain: messages a crash left half-sent are settled, never resent.
    await outbox.recover_interrupted(app)

    async def drain(_context: ContextTypes.DEFAULT_TYPE) -> None:
        await outbox.drain_once(app, senders)

    async def tick(_context: ContextTypes.DEFAULT_TYPE) -> None:
        await reminders.tick(app)

    async def recover(_context: ContextTypes.DEFAULT_TYPE) -> None:
        await outbox.recover_interrupted(app)

    async def digests(_context: ContextTypes.DEFAULT_TYPE) -> None:
        await morning_digests(app, staff_sender(application.bot))

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with application:  # initialize (getMe) … shutdown
        application.job_queue.run_repeating(drain, interval=DRAIN_EVERY_SECONDS, first=0, name="outbox")
        application.job_queue.run_repeating(tick, interval=TICK_EVERY_SECONDS, first=0, name="reminders")
        application.job_queue.run_repeating(recover, interval=RECOVER_EVERY_SECONDS, first=RECOVER_EVERY_SECONDS,
                                            name="recover")
        at = time(DIGEST_AT_HOUR, 0, tzinfo=ZoneInfo(app.settings.timezone))
        application.job_queue.run_daily(digests, time=at, name="digests")
        await application.start()
        log.info("Benken is listening on Telegram as @%s", application.bot.username)
        try:
            await poll(application, stop)
        finally:
            await application.stop()
    for sender in senders.values():
        await sender.close()
