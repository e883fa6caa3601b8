"""The HTTP side of `benken serve`: Twilio's webhooks, health, metrics and the staff web
desk (Starlette)."""

from __future__ import annotations

import hmac
import logging

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from telegram import Update
from twilio.request_validator import RequestValidator

from . import db, services
from .app import App
from .channels import sms
from .channels.telegram import TelegramChannel
from .inbox import receive
from .metrics import Metrics
from .staff.web import create_desk

log = logging.getLogger(__name__)
TWIML = "application/xml"
TELEGRAM_WEBHOOK_PATH = "/telegram/webhook"
MAX_FORM_BYTES = 64 * 1024  # a Twilio webhook is a few kilobytes; anything bigger is not one


def create_web(app: App, metrics: Metrics, telegram: TelegramChannel | None = None) -> Starlette:
    validator = RequestValidator(app.settings.twilio_auth_token) if app.settings.twilio_auth_token else None

    async def signed_form(request: Request, route: str) -> dict[str, str] | None:
        """The webhook's form when Twilio signed it for our public URL, else None."""
        if validator is None or not app.settings.public_base_url:
            metrics.rejected.labels(route, "not_configured").inc()
            return None
        if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
            metrics.rejected.labels(route, "too_large").inc()
            return None
        form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
        url = app.settings.public_base_url.rstrip("/") + request.url.path
        if request.url.query:
            url += "?" + request.url.query
        if not validator.validate(url, form, request.headers.get("X-Twilio-Signature", "")):
            metrics.rejected.labels(route, "signature").inc()
            return None
        return form

    async def sms_inbound(request: Request) -> Response:
        form = await signed_form(request, "sms")
        if form is None:
            return Response("forbidden", status_code=403)
        phone = sms.e164(form.get("From", ""))
        sid = form.get("MessageSid") or form.get("SmsSid")
        if phone is None or not sid:
            # Short codes and foreign senders we cannot answer by SMS: said once, kept nowhere.
            metrics.rejected.labels("sms", "sender").inc()
            return Response(sms.twiml([sms.UNREADABLE_SENDER]), media_type=TWIML)
        async with app.sessions() as session:
            opted_out = await services.is_opted_out(session, phone=phone)
        inbound = sms.parse_inbound(form, opted_out=opted_out)
        received = await receive(
            app, "sms", sid, inbound, phone=phone, keep_reply=lambda messages: [sms.render(m) for m in messages]
        )
        if received.duplicate:
            metrics.duplicates.labels("sms").inc()
            return Response(sms.twiml(received.stored_reply or []), media_type=TWIML)
        metrics.inbound.labels("sms").inc()
        return Response(sms.twiml([sms.render(m) for m in received.messages]), media_type=TWIML)

    async def sms_status(request: Request) -> Response:
        form = await signed_form(request, "sms_status")
        if form is None:
            return Response("forbidden", status_code=403)
        async with app.sessions() as session, session.begin():
            error = form.get("ErrorCode") or None
            await services.record_delivery(
                session,
                form.get("MessageSid", ""),
                form.get("MessageStatus", ""),
                error,
                opted_out=error == str(sms.TWILIO_OPTED_OUT),
            )
        return Response(status_code=204)

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
            Route(sms.INBOUND_PATH, sms_inbound, methods=["POST"]),
            Route(sms.STATUS_PATH, sms_status, methods=["POST"]),
            Route(TELEGRAM_WEBHOOK_PATH, telegram_webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics_page, methods=["GET"]),
            # The staff web desk: its own pages, security headers and body limit.
            Mount("/desk", app=create_desk(app)),
        ]
    )
