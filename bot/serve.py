"""`benken serve`: the web app (SMS and Telegram webhooks, health, metrics) and the
scheduler that drains the outbox, in one process."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from telegram import Update

from . import outbox, reminders
from .app import App
from .channels.sms import TwilioSender
from .channels.telegram import TelegramChannel, TelegramSender, build_application, staff_sender
from .digest import DIGEST_AT_HOUR, morning_digests
from .metrics import Metrics
from .models import utcnow
from .web import TELEGRAM_WEBHOOK_PATH, create_web

log = logging.getLogger(__name__)
DRAIN_EVERY_SECONDS = 2  # how stale a queued answer may get before it leaves
RECOVER_EVERY_SECONDS = 60  # stale claims (older than outbox.STALE_CLAIM) are settled within a minute
TICK_EVERY_SECONDS = 30  # reminders are due to the minute; half a minute is close enough


def senders_for(app: App) -> dict[str, outbox.Sender]:
    """The SMS sender, when this deployment has Twilio credentials."""
    settings, senders = app.settings, {}
    if settings.twilio_account_sid and settings.twilio_auth_token and (
        settings.twilio_from_number or settings.twilio_messaging_service_sid
    ):
        senders["sms"] = TwilioSender(settings, settings.twilio_messages_per_second)
    return senders


async def serve(app: App, host: str, port: int) -> None:
    metrics = Metrics()
    senders = senders_for(app)
    async with AsyncExitStack() as stack:
        telegram = None
        if app.settings.telegram_bot_token:
            application = build_application(app)
            await stack.enter_async_context(application)  # getMe now, shutdown at the end
            telegram = application.bot_data["channel"]
            senders["telegram"] = TelegramSender(application.bot)
            await _register_webhook(app, telegram)
        if not senders:
            log.warning("no outbound channel configured: proactive messages stay queued")
        # Before the first drain: messages a crash left half-sent are settled, never resent.
        await outbox.recover_interrupted(app)
        scheduler = AsyncIOScheduler()
        scheduler.add_job(
            outbox.drain_once, "interval", seconds=DRAIN_EVERY_SECONDS, args=[app, senders],
            max_instances=1, coalesce=True, id="outbox",
        )
        # Claims a crashed worker left behind are settled once they are stale, not only
        # at the next start-up.
        scheduler.add_job(
            outbox.recover_interrupted, "interval", seconds=RECOVER_EVERY_SECONDS, args=[app],
            max_instances=1, coalesce=True, id="recover",
        )
        scheduler.add_job(
            reminders.tick, "interval", seconds=TICK_EVERY_SECONDS, args=[app],
            max_instances=1, coalesce=True, id="reminders", next_run_time=utcnow(),
        )
        if telegram is not None:  # digests go to staff on Telegram (and by e-mail beside it)
            scheduler.add_job(
                morning_digests, CronTrigger(hour=DIGEST_AT_HOUR, minute=0, timezone=app.settings.timezone),
                args=[app, staff_sender(telegram.bot)], id="digests", max_instances=1, coalesce=True,
            )
        server = uvicorn.Server(uvicorn.Config(create_web(app, metrics, telegram), host=host, port=port, log_level="info"))
        scheduler.start()
        try:
            await server.serve()
        finally:
            scheduler.shutdown(wait=False)
            for sender in senders.values():
                await sender.close()


async def _register_webhook(app: App, telegram: TelegramChannel) -> None:
    """Point Telegram at our webhook when we know our public address and have a secret."""
    settings = app.settings
    if not (settings.public_base_url and settings.telegram_webhook_secret):
        log.warning("PUBLIC_BASE_URL or TELEGRAM_WEBHOOK_SECRET missing: Telegram webhook not registered")
        return
    await telegram.bot.set_webhook(
        settings.public_base_url.rstrip("/") + TELEGRAM_WEBHOOK_PATH,
        secret_token=settings.telegram_webhook_secret,
        allowed_updates=Update.ALL_TYPES,
    )
