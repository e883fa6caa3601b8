"""A fake Twilio REST API (Messages.json only) on loopback, for tests that must not reach the internet.

Point twilio-python at it with ``client.api.base_url = fake.base_url``. Error codes answered:
20003 (401, bad credentials or AccountSid), 21604 (400, missing To), 21602 (400, missing Body),
21603 (400, neither From nor MessagingServiceSid), 21601 (400, both given), 20404 (404, unknown path).
``fail_next``/``delay_next`` queue one-shot behaviours for the next POSTs, in order.

Media of inbound MMS: ``add_media(message_sid, data, content_type)`` keeps a file and gives
its MediaUrl, ``{base}/2010-04-01/Accounts/{sid}/Messages/{MessageSid}/Media/{MediaSid}``. As
on an account with HTTP basic authentication for media, a GET without the account's
credentials gets 401 (20003); with them, a 302 to the file's content (a link of its own,
no credentials needed), served with its Content-Type. An unknown media sid gets 404.
"""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from datetime import datetime, timezone
from email.utils import format_datetime

from aiohttp import web

from . import loopback

MESSAGES_PATH = "/2010-04-01/Accounts/{sid}/Messages.json"  # an aiohttp route pattern
MEDIA_PATH = "/2010-04-01/Accounts/{sid}/Messages/{message}/Media/{media}"
CONTENT_PATH = "/media-content/{media}"


def error_body(status: int, code: int, message: str) -> dict:
    """Twilio's error JSON."""
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}


class FakeTwilio(loopback.Served):
    """A fake Twilio REST API on loopback: records every Messages.json call with its time, and answers errors on demand."""

    def __init__(self, account_sid: str = "AC" + "0" * 32, auth_token: str = "test-token"):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.base_url = ""
        self.messages: list[dict] = []  # accepted messages
        self.calls: list[dict] = []  # every request: {"time", "status", "form"}
        self._failures: list[tuple[int, int, str]] = []
        self._delays: list[float] = []
        self.media: dict[str, tuple[bytes, str]] = {}  # media sid -> (bytes, content type)
        self.media_requests: list[dict] = []  # {"path", "authorized"}

    def routes(self, app: web.Application) -> None:
        app.router.add_post(MESSAGES_PATH, self._messages)
        app.router.add_get(MEDIA_PATH, self._media)
        app.router.add_get(CONTENT_PATH, self._media_content)
        app.router.add_route("*", "/{tail:.*}", self._not_found)

    def fail_next(self, status: int, code: int, count: int = 1, message: str = "error") -> None:
        """The next `count` authorised Messages.json POSTs answer `status` with Twilio's error JSON."""
        self._failures += [(status, code, message)] * count

    def delay_next(self, seconds: float, count: int = 1) -> None:
        """The next `count` POSTs sleep `seconds`, then are handled and recorded as usual (time = arrival)."""
        self._delays += [seconds] * count

    def add_media(self, message_sid: str, data: bytes, content_type: str = "image/jpeg") -> str:
        """Keep an inbound MMS's file; its MediaUrl."""
        media_sid = "ME" + uuid.uuid4().hex
        self.media[media_sid] = (data, content_type)
        return f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages/{message_sid}/Media/{media_sid}"

    async def _media(self, request: web.Request) -> web.Response:
        authorized = self._authorized(request)
        self.media_requests.append({"path": request.path, "authorized": authorized})
        if not authorized:
            return web.json_response(error_body(401, 20003, "Authenticate"), status=401)
        media_sid = request.match_info["media"]
        if media_sid not in self.media:
            return web.json_response(error_body(404, 20404, "The requested resource was not found"), status=404)
        raise web.HTTPFound(CONTENT_PATH.format(media=media_sid))

    async def _media_content(self, request: web.Request) -> web.Response:
        self.media_requests.append({"path": request.path, "authorized": "Authorization" in request.headers})
        data, content_type = self.media.get(request.match_info["media"], (None, None))
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type=content_type)

    async def _not_found(self, request: web.Request) -> web.Response:
        body = error_body(404, 20404, f"The requested resource {request.path} was not found")
        self.calls.append({"time": time.monotonic(), "status": 404, "form": dict(await request.post())})
        return web.json_response(body, status=404)

    async def _messages(self, request: web.Request) -> web.Response:
        received = time.monotonic()
        form = dict(await request.post())
        if self._delays:
            await asyncio.sleep(self._delays.pop(0))
        status, body = self._answer(request, form)
        self.calls.append({"time": received, "status": status, "form": form})
        if status == 201:
            self._record(body, form, received)
        return web.json_response(body, status=status)

    def _answer(self, request: web.Request, form: dict) -> tuple[int, dict]:
        """The HTTP status and JSON body for one request."""
        if not self._authorized(request):
            return 401, error_body(401, 20003, "Authenticate")
        if self._failures:
            status, code, message = self._failures.pop(0)
            return status, error_body(status, code, message)
        problem = self._invalid(form)
        if problem:
            return 400, error_body(400, *problem)
        return 201, self._resource(form)

    def _authorized(self, request: web.Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return (
            request.headers.get("Authorization") == f"Basic {expected}"
            and request.match_info["sid"] == self.account_sid
        )

    @staticmethod
    def _invalid(form: dict) -> tuple[int, str] | None:
        if not form.get("To"):
            return 21604, "A 'To' phone number is required."
        if not form.get("Body"):
            return 21602, "Message body is required."
        senders = [key for key in ("From", "MessagingServiceSid") if form.get(key)]
        if not senders:
            return 21603, "A 'From' phone number or 'MessagingServiceSid' is required."
        if len(senders) > 1:
            return 21601, "Give only one of 'From' or 'MessagingServiceSid'."
        return None

    def _resource(self, form: dict) -> dict:
        """A Message resource shaped like Twilio's answer to a create."""
        sid = "SM" + uuid.uuid4().hex
        now = format_datetime(datetime.now(timezone.utc), usegmt=True)
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"
        return {
            "sid": sid, "account_sid": self.account_sid, "to": form["To"], "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"), "body": form["Body"],
            "status": "queued", "num_segments": "1", "num_media": "0", "direction": "outbound-api",
            "date_created": now, "date_updated": now, "date_sent": None, "uri": uri,
            "error_code": None, "error_message": None, "price": None, "price_unit": "USD",
            "api_version": "2010-04-01", "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
        }

    def _record(self, resource: dict, form: dict, received: float) -> None:
        self.messages.append({
            "sid": resource["sid"], "to": form["To"], "from_": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"), "body": form["Body"],
            "smart_encoded": {"true": True, "false": False}.get(form.get("SmartEncoded")),  # None if not sent
            "time": received, "status_callback": form.get("StatusCallback"),
        })

