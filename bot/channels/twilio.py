"""Twilio, the SMS provider: signed inbound webhooks and delivery reports in (answered with
TwiML), outbox messages out through the REST API, and Twilio's errors mapped to outcomes."""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import aiohttp
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from conversations.messages import COMMAND, PHOTO, TEXT, Attachment, Inbound

from ..domain.media import MAX_FILE_BYTES, MEDIA_REF, TOO_BIG, UNAVAILABLE
from ..messaging.inbox import receive
from ..messaging.outbox import (
    FAILED, OPTED_OUT, RETRY, SENT, UNKNOWN, Ready, Recipient, SendResult, as_outbound, record_delivery,
)
from ..models import OutboxMessage
from ..settings import Settings
from .pacing import LEAD, Pacer
from .sms import (
    CAPABILITIES,
    HELP_WORDS,
    WITH_MMS,
    OPT_IN_WHEN_OPTED_OUT,
    OPT_IN_WORDS,
    OPT_OUT_WORDS,
    e164,
    render,
)

if TYPE_CHECKING:
    from ..app import App
    from ..metrics import Metrics

log = logging.getLogger(__name__)

INBOUND_PATH = "/sms/twilio"
STATUS_PATH = "/sms/twilio/status"
TWIML = "application/xml"
MAX_FORM_BYTES = 64 * 1024  # a Twilio webhook is a few kilobytes; anything bigger is not one
MEDIA_TIMEOUT = 10.0  # seconds to fetch an MMS photo: Twilio waits 15 s for a webhook's answer
MAX_REDIRECTS = 3  # Twilio's media URL redirects once, to its media store

# Twilio error codes that say something about the resident rather than the message.
TWILIO_OPTED_OUT = 21610  # "Attempt to send to unsubscribed recipient"
TWILIO_RATE_LIMITED = 20429

# Said to a sender we cannot keep as a resident (not a valid phone number). In Norwegian
# and English: we know nothing else about them.
UNREADABLE_SENDER = "Benken: Vi kan dessverre ikke svare dette nummeret. / Sorry, we cannot answer this number."


def parse_inbound(form: dict[str, str]) -> Inbound:
    """A Twilio webhook's form as an inbound message; carrier keywords become commands."""
    body = form.get("Body", "")
    word = body.strip().upper()
    if word in OPT_OUT_WORDS:
        return Inbound(COMMAND, text="stop")
    if word in OPT_IN_WORDS:
        return Inbound(COMMAND, text="start")
    if word in OPT_IN_WHEN_OPTED_OUT:
        return Inbound(TEXT, text=body, opted_out_means="start")
    if word in HELP_WORDS:
        return Inbound(COMMAND, text="help")
    content_type = form.get("MediaContentType0", "")
    if int(form.get("NumMedia", "0") or 0) > 0 and content_type.startswith("image/"):
        return Inbound(PHOTO, text=body, photo_ref=form.get("MediaUrl0"), attachment=Attachment(None, content_type, 0))
    return Inbound(TEXT, text=body)


async def fetch_photo(settings: Settings, app: App, inbound: Inbound) -> Inbound:
    """An MMS photo (MediaUrl0) downloaded into the media folder, with the account's
    credentials (Twilio can require HTTP basic auth for media), and referred to as
    "media:<file name>" like any kept file. The credentials go to Twilio's API host only,
    never on to where it redirects (its media store). Said as a problem when it cannot be
    had or is over the limit."""
    url, content_type = inbound.photo_ref or "", inbound.attachment.content_type
    ours = urlsplit(url).netloc == urlsplit(settings.twilio_api_base_url).netloc
    token = base64.b64encode(f"{settings.twilio_account_sid}:{settings.twilio_auth_token}".encode()).decode()
    headers = {"Authorization": f"Basic {token}"} if ours else {}
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=MEDIA_TIMEOUT)) as http:
            data = await _download(http, url, headers)
    except (aiohttp.ClientError, TimeoutError, KeyError) as problem:
        log.warning("MMS photo not downloaded: %s", type(problem).__name__)
        return replace(inbound, attachment=replace(inbound.attachment, problem=UNAVAILABLE))
    if len(data) > MAX_FILE_BYTES:
        return replace(inbound, attachment=replace(inbound.attachment, problem=TOO_BIG))
    name = await app.media.save(data, content_type)
    return replace(inbound, photo_ref=MEDIA_REF + name, attachment=Attachment(name, content_type, len(data)))


async def _download(http: aiohttp.ClientSession, url: str, headers: dict) -> bytes:
    """The file at `url` (at most MAX_FILE_BYTES and one byte), following redirects
    without the credentials."""
    for _hop in range(MAX_REDIRECTS):
        async with http.get(url, headers=headers, allow_redirects=False) as response:
            if response.status in (301, 302, 303, 307, 308):
                url, headers = urljoin(str(response.url), response.headers["Location"]), {}
                continue
            response.raise_for_status()
            return await response.content.read(MAX_FILE_BYTES + 1)
    raise aiohttp.TooManyRedirects(response.request_info, response.history)


def twiml(texts: list[str]) -> str:
    """The TwiML that answers a webhook: one <Message> per outbound message."""
    response = MessagingResponse()
    for text in texts:
        response.message(text)
    return str(response)


def routes(app: App, metrics: Metrics) -> list[Route]:
    """The inbound SMS webhook and the delivery status callback, both signed by Twilio."""
    settings = app.settings
    validator = RequestValidator(settings.twilio_auth_token) if settings.twilio_auth_token else None

    async def signed_form(request: Request, route: str) -> dict[str, str] | None:
        """The webhook's form when Twilio signed it for our public URL, else None."""
        if validator is None or not settings.public_base_url:
            metrics.rejected.labels(route, "not_configured").inc()
            return None
        if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
            metrics.rejected.labels(route, "too_large").inc()
            return None
        form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
        url = settings.public_base_url.rstrip("/") + request.url.path
        if request.url.query:
            url += "?" + request.url.query
        if not validator.validate(url, form, request.headers.get("X-Twilio-Signature", "")):
            metrics.rejected.labels(route, "signature").inc()
            return None
        return form

    async def inbound(request: Request) -> Response:
        form = await signed_form(request, "sms")
        if form is None:
            return Response("forbidden", status_code=403)
        phone = e164(form.get("From", ""))
        sid = form.get("MessageSid") or form.get("SmsSid")
        if phone is None or not sid:
            # Short codes and foreign senders we cannot answer by SMS: said once, kept nowhere.
            metrics.rejected.labels("sms", "sender").inc()
            return Response(twiml([UNREADABLE_SENDER]), media_type=TWIML)
        message = parse_inbound(form)
        if message.kind == PHOTO and settings.twilio_mms:
            message = await fetch_photo(settings, app, message)
        received = await receive(
            app, "sms", sid, message, capabilities=WITH_MMS if settings.twilio_mms else CAPABILITIES, phone=phone,
            keep_reply=lambda messages: [render(m) for m in messages],
        )
        if received.duplicate:
            metrics.duplicates.labels("sms").inc()
            return Response(twiml(received.stored_reply or []), media_type=TWIML)
        metrics.inbound.labels("sms").inc()
        return Response(twiml([render(m) for m in received.messages]), media_type=TWIML)

    async def status(request: Request) -> Response:
        form = await signed_form(request, "sms_status")
        if form is None:
            return Response("forbidden", status_code=403)
        error = form.get("ErrorCode") or None
        async with app.sessions() as session, session.begin():
            await record_delivery(
                session, form.get("MessageSid", ""), form.get("MessageStatus", ""), error,
                opted_out=error == str(TWILIO_OPTED_OUT),
            )
        return Response(status_code=204)

    return [Route(INBOUND_PATH, inbound, methods=["POST"]), Route(STATUS_PATH, status, methods=["POST"])]


def configured(settings: Settings) -> bool:
    """Whether this deployment can send SMS: credentials and a sender."""
    return bool(settings.twilio_account_sid and settings.twilio_auth_token
                and (settings.twilio_from_number or settings.twilio_messaging_service_sid))


class TwilioSender:
    """Sends outbox messages by Twilio's REST API, at most `per_second` a second."""

    channel = "sms"
    TIMEOUT = 15.0  # seconds; twilio's async client has no working timeout of its own

    def __init__(self, settings: Settings, per_second: float):
        self._http = AsyncTwilioHttpClient()
        self._client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=self._http)
        self._client.api.base_url = settings.twilio_api_base_url.rstrip("/")
        self._sender = (
            {"messaging_service_sid": settings.twilio_messaging_service_sid}
            if settings.twilio_messaging_service_sid
            else {"from_": settings.twilio_from_number}
        )
        self._status_callback = (
            settings.public_base_url.rstrip("/") + STATUS_PATH if settings.public_base_url else None
        )
        # Evenly spaced, never a second's quota at once; the outbox's mark made in the lead.
        self._pace = Pacer(per_second, LEAD)

    async def send(self, recipient: Recipient, message: OutboxMessage, ready: Ready) -> SendResult:
        async with self._pace.turn(False, ready):
            return await self._send(recipient, message)

    async def _send(self, recipient: Recipient, message: OutboxMessage) -> SendResult:
        extra = {"status_callback": self._status_callback} if self._status_callback else {}
        try:
            async with asyncio.timeout(self.TIMEOUT):
                sent = await self._client.messages.create_async(
                    to=recipient.address, body=render(as_outbound(message)), smart_encoded=True, **self._sender, **extra
                )
        except TwilioRestException as problem:
            if problem.code == TWILIO_OPTED_OUT:
                return SendResult(OPTED_OUT, error=f"twilio {problem.code}")
            if problem.status == 429 or problem.code == TWILIO_RATE_LIMITED or problem.status >= 500:
                return SendResult(RETRY, error=f"twilio {problem.status}/{problem.code}")
            return SendResult(FAILED, error=f"twilio {problem.status}/{problem.code}: {problem.msg}")
        except TimeoutError:
            # The request may have reached Twilio: sending again could text twice.
            return SendResult(UNKNOWN, error="timeout")
        except OSError as problem:  # refused or unreachable: nothing was sent
            return SendResult(RETRY, error=f"connection: {type(problem).__name__}")
        return SendResult(SENT, provider_message_id=sent.sid)

    async def close(self) -> None:
        if self._http.session is not None:
            await self._http.session.close()
