"""The HTTP side of `benken serve` (Starlette): each channel's webhooks, health, metrics
and the staff web desk."""

from __future__ import annotations

import hmac
import logging
from functools import partial
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from telegram import Update

from . import db
from .channels import twilio
from .channels.sms import gsm_safe
from .channels.telegram_api import fetch_photo
from .metrics import Metrics
from .reports import results_page
from .staff.web import create_desk

if TYPE_CHECKING:
    from .app import App
    from .channels.telegram import TelegramChannel

log = logging.getLogger(__name__)
TELEGRAM_WEBHOOK_PATH = "/telegram/webhook"


def _bot_username(telegram: TelegramChannel | None) -> str | None:
    """The running bot's @username (getMe at start-up), for the desk's deep links; None
    without a bot or before it is initialised (TELEGRAM_BOT_USERNAME, when set, goes first)."""
    try:
        return telegram.bot.username if telegram is not None else None
    except RuntimeError:
        return None


def create_web(app: App, metrics: Metrics, telegram: TelegramChannel | None = None) -> Starlette:
    async def telegram_webhook(request: Request) -> Response:
        secret = app.settings.telegram_webhook_secret
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if telegram is None or not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            metrics.rejected.labels("telegram", "secret").inc()
            return Response("forbidden", status_code=403)
        try:
            update = Update.de_json(await request.json(), telegram.bot)
        except (ValueError, TypeError, KeyError):
            metrics.rejected.labels("telegram", "malformed").inc()
            return Response("bad update", status_code=400)
        if await telegram.handle(update):
            metrics.inbound.labels("telegram").inc()
        else:
            metrics.duplicates.labels("telegram").inc()
        return Response(status_code=200)

    async def healthz(_request: Request) -> Response:
        if await db.ping(app.engine):
            return JSONResponse({"status": "ok", "database": "ok"})
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)

    async def metrics_page(_request: Request) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            *twilio.routes(app, metrics),
            Route(TELEGRAM_WEBHOOK_PATH, telegram_webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics_page, methods=["GET"]),
            # The public "you said, we did" pages, their posters and published photos.
            *results_page.routes(app, telegram.bot if telegram is not None else None),
            # The staff web desk: its own pages, security headers and body limit; photos
            # through the bot, and SMS texts previewed as the SMS channel sends them.
            Mount("/desk", app=create_desk(
                app, photos=partial(fetch_photo, telegram.bot) if telegram is not None else None,
                as_sent={"sms": gsm_safe}, bot_username=_bot_username(telegram),
                sms_number=app.settings.twilio_from_number if twilio.configured(app.settings) else None,
            )),
        ]
    )
