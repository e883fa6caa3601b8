"""`benken serve`: the web app, and the scheduler that drains the outbox, in one process."""

from __future__ import annotations

import logging

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from . import outbox
from .app import App
from .channels.sms import TwilioSender
from .metrics import Metrics
from .web import create_web

log = logging.getLogger(__name__)
DRAIN_EVERY_SECONDS = 2  # how stale a queued answer may get before it leaves


def senders_for(app: App) -> dict[str, outbox.Sender]:
    """The outbound channels this deployment has credentials for."""
    settings, senders = app.settings, {}
    if settings.twilio_account_sid and settings.twilio_auth_token and (
        settings.twilio_from_number or settings.twilio_messaging_service_sid
    ):
        senders["sms"] = TwilioSender(settings, settings.twilio_messages_per_second)
    return senders


async def serve(app: App, host: str, port: int) -> None:
    metrics = Metrics()
    senders = senders_for(app)
    if not senders:
        log.warning("no outbound channel configured: answers from staff stay queued")
    # Before the first drain: messages a crash left half-sent are settled, never resent.
    await outbox.recover_interrupted(app)
    scheduler = AsyncIOScheduler()
    scheduler.add_job(
        outbox.drain_once, "interval", seconds=DRAIN_EVERY_SECONDS, args=[app, senders],
        max_instances=1, coalesce=True, id="outbox",
    )
    server = uvicorn.Server(uvicorn.Config(create_web(app, metrics), host=host, port=port, log_level="info"))
    scheduler.start()
    try:
        await server.serve()
    finally:
        scheduler.shutdown(wait=False)
        for sender in senders.values():
            await sender.close()
