"""A fake Telegram Bot API server on loopback, for a real python-telegram-bot Application in tests.

Point PTB at it with ``base_url=fake.base_url`` and ``base_file_url=fake.base_file_url``. Every
request is recorded in ``calls``; ``sent()`` lists accepted sendMessage/sendPhoto/sendDocument
parameters. Updates are queued with ``push_update`` or the helpers (``text``, ``tap``, ``location``,
``photo``, ``sticker``, ``voice``, ``audio``) and served by ``getUpdates`` with Telegram's offset and long-polling
semantics (``allowed_updates`` is accepted but ignored). ``fail_next`` queues error answers for one
method; ``delay_next`` makes a method's next answers slow (the call is accepted at once, the
answer comes late: what a client that times out cannot tell from a lost call). With ``enforce_limits=True`` sends and edits answer 429 (retry after 1) when they break
Telegram's flood limits: 1 message/s per private chat, 30/s overall, 20/min per group; ``scale``
(default 1) multiplies all three, for benchmarks at scaled-up rates.

Files: ``voice`` and ``audio`` keep the bytes they are given (``files``); ``getFile`` answers
their ``file_path`` (400 "file is too big" over 20 MB, 400 "invalid file_id" for an unknown one)
and ``{base_file_url}<token>/<file_path>`` serves them, as
https://core.telegram.org/bots/api#getfile describes; other file ids serve a small JPEG.

Errors answered: 401 wrong token, 404 unknown method, 400 empty or too long text, 429 limits.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque

from aiohttp import web

from . import loopback

SEND_METHODS = ("sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendAudio")
LIMITED_METHODS = (*SEND_METHODS, "editMessageText")
INT_PARAMS = ("chat_id", "message_id", "offset", "timeout", "limit", "user_id", "duration")
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 60 + b"\xff\xd9"
PRIVATE_GAP = 0.95  # seconds: a tolerance below Telegram's 1 message/s per private chat
GLOBAL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile: "files of up to 20 MB in size" for bots


def decode_value(key: str, value):
    """A form value as Telegram reads it: JSON objects/arrays decoded, ids and counts as ints."""
    if isinstance(value, web.FileField):
        return {"filename": value.filename, "size": len(value.file.read())}
    if not isinstance(value, str):
        return value
    if value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if key in INT_PARAMS:
        try:
            return int(value)
        except ValueError:
            return value
    return value


def api_error(status: int, description: str, retry_after: int | None = None) -> dict:
    """Telegram's error body."""
    body = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return body


def photo_sizes(file_ids: list[str]) -> list[dict]:
    """PhotoSize entries of growing size, one per file id."""
    sides = [90, 320, 800, 1280, 2560]
    return [
        {"file_id": fid, "file_unique_id": f"u-{fid}", "width": sides[i % 5], "height": sides[i % 5] * 3 // 4,
         "file_size": 1000 * (i + 1) ** 3}
        for i, fid in enumerate(file_ids)
    ]


class FakeTelegram(loopback.Served):
    """A fake Telegram Bot API server on loopback for a real PTB Application."""

    shutdown_timeout = 1.0

    def __init__(self, token: str = "123456:TEST-TOKEN", bot_username: str = "benken_test_bot",
                 enforce_limits: bool = False, scale: float = 1.0):
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.token = token
        self.bot_username = bot_username
        self.enforce_limits = enforce_limits
        # `scale` multiplies the enforced limits (for benchmarks at scaled-up rates):
        # the per-chat gap is PRIVATE_GAP/scale, the overall and group caps times scale.
        self.scale = scale
        self._private_gap = PRIVATE_GAP / scale
        self._global_per_second = GLOBAL_PER_SECOND * scale
        self._group_per_minute = GROUP_PER_MINUTE * scale
        self.base_url = ""
        self.base_file_url = ""
        self.calls: list[dict] = []
        self.limit_violations = 0
        self.webhook_url = ""
        self.bot_user = {"id": int(token.split(":")[0]) if token.split(":")[0].isdigit() else 1, "is_bot": True,
                         "first_name": "Benken", "username": bot_username}
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._failures: dict[str, list[dict]] = {}
        self._delays: dict[str, list[float]] = {}
        self._arrived = asyncio.Event()
        self._closing = False
        self._last_by_chat: dict[int, float] = {}
        self._accepted: deque[float] = deque()
        self._group_accepted: dict[int, deque[float]] = {}
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, bytes), for getFile
        self.downloads: list[str] = []  # file paths fetched
        self.bot_messages: dict[int, dict] = {}  # message_id -> the bot's message as it stands
        self._methods = {name.lower(): (name, getattr(self, "_" + name)) for name in (
            "getMe", "getUpdates", "sendMessage", "editMessageText", "editMessageReplyMarkup",
            "answerCallbackQuery", "sendPhoto", "sendDocument", "sendVoice", "sendAudio", "sendChatAction", "setWebhook",
            "deleteWebhook", "getWebhookInfo", "setMyCommands", "deleteMyCommands", "getMyCommands",
            "close", "logOut", "getFile")}

    # -- server lifecycle ------------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)

    def served_at(self, address: str) -> None:
        self.base_url, self.base_file_url = f"{address}/bot", f"{address}/file/bot"

    async def __aexit__(self, *exc) -> None:
        self._closing = True
        self._wake()
        await super().__aexit__(*exc)

    # -- inspection and scripting ----------------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[dict]:
        """Parameters of accepted sendMessage/sendPhoto/sendDocument calls, in order."""
        return [c["params"] for c in self.calls if c["method"] in SEND_METHODS and c["status"] == 200
                and (chat_id is None or c["params"].get("chat_id") == chat_id)]

    def fail_next(self, method: str, status: int, description: str, *, retry_after: int | None = None,
                  count: int = 1) -> None:
        """The next `count` calls of `method` answer this error."""
        self._failures.setdefault(method.lower(), []).extend([api_error(status, description, retry_after)] * count)

    def delay_next(self, method: str, seconds: float, *, count: int = 1) -> None:
        """The next `count` calls of `method` are handled at once but answered `seconds` later."""
        self._delays.setdefault(method.lower(), []).extend([seconds] * count)

    @property
    def pending(self) -> int:
        """Queued updates not yet confirmed by a getUpdates offset."""
        return len(self._updates)

    # -- updates ---------------------------------------------------------------------------------

    def push_update(self, update: dict, *, queue: bool = True) -> dict:
        """Give `update` the next update_id and queue it for getUpdates (unless queue=False)."""
        update = {"update_id": next(self._update_ids), **update}
        if queue:
            self._updates.append(update)
            self._wake()
        return update

    def _wake(self) -> None:
        self._arrived.set()
        self._arrived = asyncio.Event()

    @staticmethod
    def _user(user_id: int, language_code: str = "en") -> dict:
        return {"id": user_id, "is_bot": False, "first_name": "Test", "language_code": language_code}

    def _message(self, user_id: int, language_code: str = "en", **content) -> dict:
        return {"message_id": next(self._message_ids), "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": "Test"},
                "from": self._user(user_id, language_code), **content}

    def _new_file_id(self, kind: str) -> str:
        return f"{kind}-{next(self._file_ids)}"

    def text(self, user_id: int, text: str, *, language_code: str = "en", queue: bool = True) -> dict:
        """A private-chat text message; a leading /command gets a bot_command entity."""
        content = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self.push_update({"message": self._message(user_id, language_code, **content)}, queue=queue)

    def buttons(self, chat_id: int) -> tuple[int, list[tuple[str, str]]]:
        """The newest bot message in the chat that still has inline buttons: its id and
        its (label, callback data) pairs."""
        for message_id in sorted(self.bot_messages, reverse=True):
            message = self.bot_messages[message_id]
            if message["chat"]["id"] == chat_id and message.get("reply_markup"):
                rows = message["reply_markup"]["inline_keyboard"]
                return message_id, [(b["text"], b["callback_data"]) for row in rows for b in row]
        raise LookupError(f"no message with buttons in chat {chat_id}")

    def tap_label(self, user_id: int, label: str, *, queue: bool = True) -> dict:
        """Tap the button labelled `label` on the newest keyboard in the user's chat."""
        message_id, buttons = self.buttons(user_id)
        data = next((d for text, d in buttons if text == label), None)
        if data is None:
            raise LookupError(f"no button {label!r} among {[t for t, _ in buttons]}")
        return self.tap(user_id, data, message_id, queue=queue)

    def tap(self, user_id: int, data: str, message_id: int, *, queue: bool = True) -> dict:
        """A callback_query from a button on the bot's message `message_id` in the private chat."""
        message = self.bot_messages.get(message_id) or {
            "message_id": message_id, "date": int(time.time()), "from": self.bot_user, "text": "…",
            "chat": {"id": user_id, "type": "private", "first_name": "Test"}}
        query = {"id": str(next(self._callback_ids)), "from": self._user(user_id), "message": message,
                 "chat_instance": f"ci-{user_id}", "data": data}
        return self.push_update({"callback_query": query}, queue=queue)

    def location(self, user_id: int, latitude: float, longitude: float, *, queue: bool = True) -> dict:
        location = {"latitude": latitude, "longitude": longitude}
        return self.push_update({"message": self._message(user_id, location=location)}, queue=queue)

    def photo(self, user_id: int, file_ids: list[str] | None = None, *, queue: bool = True) -> dict:
        file_ids = file_ids or [self._new_file_id("photo") for _ in range(3)]
        return self.push_update({"message": self._message(user_id, photo=photo_sizes(file_ids))}, queue=queue)

    def sticker(self, user_id: int, *, queue: bool = True) -> dict:
        fid = self._new_file_id("sticker")
        sticker = {"file_id": fid, "file_unique_id": f"u-{fid}", "type": "regular", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False, "emoji": "👍"}
        return self.push_update({"message": self._message(user_id, sticker=sticker)}, queue=queue)

    def voice(self, user_id: int, data: bytes | None = None, *, duration: int = 3, file_size: int | None = None,
              queue: bool = True) -> dict:
        """A voice message (Ogg/Opus as Telegram's clients record it): `data` is what
        getFile and the file download give; `duration` and `file_size` what the update says."""
        fid = self._new_file_id("voice")
        if data is not None:
            self.files[fid] = (f"voice/file_{fid}.oga", data)
        voice = {"file_id": fid, "file_unique_id": f"u-{fid}", "duration": duration, "mime_type": "audio/ogg",
                 "file_size": file_size if file_size is not None else (len(data) if data is not None else 4096)}
        return self.push_update({"message": self._message(user_id, voice=voice)}, queue=queue)

    def audio(self, user_id: int, data: bytes, *, duration: int, mime_type: str = "audio/mpeg",
              queue: bool = True) -> dict:
        """An audio file (a recording shared from another app)."""
        fid = self._new_file_id("audio")
        self.files[fid] = (f"music/file_{fid}.{mime_type.rsplit('/', 1)[-1]}", data)
        audio = {"file_id": fid, "file_unique_id": f"u-{fid}", "duration": duration, "mime_type": mime_type,
                 "file_size": len(data), "file_name": "recording"}
        return self.push_update({"message": self._message(user_id, audio=audio)}, queue=queue)

    # -- HTTP ------------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        params = await self._params(request)
        if request.match_info["token"] != self.token:
            status, body = 401, api_error(401, "Unauthorized")
        elif name.lower() not in self._methods:
            status, body = 404, api_error(404, "Not Found: method not found")
        else:
            name, handler = self._methods[name.lower()]
            status, body = await self._dispatch(name, handler, params)
        self.calls.append({"method": name, "params": params, "time": time.monotonic(), "status": status})
        delays = self._delays.get(name.lower())
        if delays:
            await asyncio.sleep(delays.pop(0))
        return web.json_response(body, status=status)

    @staticmethod
    async def _params(request: web.Request) -> dict:
        raw = dict(request.query)
        if request.content_type == "application/json":
            raw.update(await request.json() if request.can_read_body else {})
        else:
            raw.update(await request.post())
        return {key: decode_value(key, value) for key, value in raw.items()}

    async def _dispatch(self, name: str, handler, params: dict) -> tuple[int, dict]:
        failures = self._failures.get(name.lower())
        if failures:
            body = failures.pop(0)
            return body["error_code"], body
        if self.enforce_limits and name in LIMITED_METHODS and not self._within_limits(params.get("chat_id")):
            self.limit_violations += 1
            return 429, api_error(429, "Too Many Requests: retry after 1", retry_after=1)
        result = await handler(params)
        if isinstance(result, tuple):  # (status, error body)
            return result
        return 200, {"ok": True, "result": result}

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(api_error(401, "Unauthorized"), status=401)
        path = request.match_info["path"]
        self.downloads.append(path)
        for file_path, data in self.files.values():
            if file_path == path:
                return web.Response(body=data, content_type="application/octet-stream")
        return web.Response(body=JPEG_BYTES, content_type="image/jpeg")

    # -- flood limits ----------------------------------------------------------------------------

    def _within_limits(self, chat_id) -> bool:
        """Record an accepted message to `chat_id` now, or answer False if it would break a limit."""
        now = time.monotonic()
        while self._accepted and now - self._accepted[0] >= 1.0:
            self._accepted.popleft()
        group = self._group_accepted.setdefault(chat_id, deque()) if isinstance(chat_id, int) and chat_id < 0 else None
        while group and now - group[0] >= 60.0:
            group.popleft()
        if len(self._accepted) >= self._global_per_second:
            return False
        if group is not None and len(group) >= self._group_per_minute:
            return False
        if group is None and now - self._last_by_chat.get(chat_id, -1e9) < self._private_gap:
            return False
        self._accepted.append(now)
        self._last_by_chat[chat_id] = now
        if group is not None:
            group.append(now)
        return True

    # -- Bot API methods -------------------------------------------------------------------------

    def _bot_message(self, params: dict, message_id: int | None = None, **content) -> dict:
        chat_id = params.get("chat_id")
        chat = {"id": chat_id, "type": "private", "first_name": "Test"}
        if isinstance(chat_id, int) and chat_id < 0:
            chat = {"id": chat_id, "type": "group", "title": "Test group"}
        message = {"message_id": message_id or next(self._message_ids), "date": int(time.time()),
                   "from": self.bot_user, "chat": chat, **content}
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self.bot_messages[message["message_id"]] = message  # as Telegram keeps it, for taps
        return message

    @staticmethod
    def _text_error(text) -> tuple[int, dict] | None:
        if not text:
            return 400, api_error(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            return 400, api_error(400, "Bad Request: message is too long")
        return None

    async def _getMe(self, params: dict) -> dict:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    async def _getUpdates(self, params: dict) -> list[dict]:
        offset, limit = params.get("offset") or 0, params.get("limit") or 100
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while not self._updates and not self._closing and (remaining := deadline - time.monotonic()) > 0:
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                break
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        return self._updates[:limit]

    async def _sendMessage(self, params: dict):
        text = params.get("text")
        return self._text_error(text) or self._bot_message(params, text=text)

    async def _editMessageText(self, params: dict):
        text = params.get("text")
        if "inline_message_id" in params:
            return self._text_error(text) or True
        return self._text_error(text) or self._bot_message(params, params.get("message_id"), text=text)

    async def _editMessageReplyMarkup(self, params: dict):
        if "inline_message_id" in params:
            return True
        return self._bot_message(params, params.get("message_id"), text="…")

    async def _sendPhoto(self, params: dict) -> dict:
        photo = params.get("photo")
        fid = photo if isinstance(photo, str) and not photo.startswith("attach://") else self._new_file_id("photo")
        return self._bot_message(params, photo=photo_sizes([f"{fid}-s", fid]), caption=params.get("caption"))

    async def _sendDocument(self, params: dict) -> dict:
        doc = params.get("document")
        fid = doc if isinstance(doc, str) and not doc.startswith("attach://") else self._new_file_id("document")
        document = {"file_id": fid, "file_unique_id": f"u-{fid}", "file_name": "document", "file_size": 1024}
        return self._bot_message(params, document=document, caption=params.get("caption"))

    async def _getFile(self, params: dict):
        fid = str(params.get("file_id"))
        if fid in self.files:
            path, data = self.files[fid]
            if len(data) > MAX_DOWNLOAD:
                return 400, api_error(400, "Bad Request: file is too big")
            return {"file_id": fid, "file_unique_id": f"u-{fid}", "file_size": len(data), "file_path": path}
        if fid.startswith(("voice-", "audio-")):
            return 400, api_error(400, "Bad Request: invalid file_id")
        return {"file_id": fid, "file_unique_id": f"u-{fid}", "file_size": len(JPEG_BYTES),
                "file_path": f"photos/{fid}.jpg"}

    async def _sendVoice(self, params: dict) -> dict:
        voice = params.get("voice")
        fid = voice if isinstance(voice, str) and not voice.startswith("attach://") else self._new_file_id("voice")
        sent = {"file_id": fid, "file_unique_id": f"u-{fid}", "duration": params.get("duration") or 0,
                "mime_type": "audio/ogg"}
        return self._bot_message(params, voice=sent, caption=params.get("caption"))

    async def _sendAudio(self, params: dict) -> dict:
        audio = params.get("audio")
        fid = audio if isinstance(audio, str) and not audio.startswith("attach://") else self._new_file_id("audio")
        sent = {"file_id": fid, "file_unique_id": f"u-{fid}", "duration": params.get("duration") or 0}
        return self._bot_message(params, audio=sent, caption=params.get("caption"))

    async def _setWebhook(self, params: dict) -> bool:
        self.webhook_url = str(params.get("url") or "")
        return True

    async def _deleteWebhook(self, params: dict) -> bool:
        self.webhook_url = ""
        if str(params.get("drop_pending_updates")).lower() == "true":
            self._updates.clear()
        return True

    async def _getWebhookInfo(self, params: dict) -> dict:
        return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    async def _getMyCommands(self, params: dict) -> list:
        return []

    async def _true(self, params: dict) -> bool:
        return True

    _answerCallbackQuery = _sendChatAction = _setMyCommands = _deleteMyCommands = _close = _logOut = _true
