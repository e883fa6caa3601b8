"""The Telegram channel: updates in (polling and webhook alike), messages out with buttons,
and Telegram's errors mapped to outcomes. Staff updates go to the staff desk."""

from __future__ import annotations

import asyncio
import html
import logging
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, ExtBot, TypeHandler

from conversations.messages import (
    CHOICE,
    LOCATION,
    PHOTO,
    TEXT,
    UNSUPPORTED,
    VOICE,
    Attachment,
    Capabilities,
    Inbound,
    Location,
    Outbound,
)

from ..domain.media import UNAVAILABLE, refusal
from ..domain.residents import find_or_create_resident, set_opted_out
from ..messaging.inbox import receive
from ..messaging.outbox import (
    FAILED, HTML, OPTED_OUT, RETRY, SENT, UNKNOWN, Ready, Recipient, SendResult, as_outbound,
)
from ..models import OUTBOX_PRIORITY_BULK, OutboxMessage
from ..providers.media_store import seconds_of
from ..text.resident import LANGUAGE_NAMES
from .telegram_http import AiohttpRequest
from .telegram_staff import TelegramStaffDesk
from .telegram_api import MAX_TEXT, escaped_pieces, send_text, split_html, surely_not_delivered, with_retries
from .telegram_limits import CHAT_PER_SECOND, BotRateLimiter, Bulk, seconds

if TYPE_CHECKING:
    from ..app import App

log = logging.getLogger(__name__)

# Photos, voice messages, and text that costs nothing by the character.
CAPABILITIES = Capabilities(photos=True, voice=True)
CALLBACK_SEPARATOR = "|"  # callback_data is "<prompt>|<choice key>", at most 64 bytes
# Telegram's client language codes that mean one of ours.
CLIENT_LANGUAGES = {"no": "nb", "nn": "nb", "nb": "nb", "prs": "fa"} | {code: code for code in LANGUAGE_NAMES}


# Inbound ------------------------------------------------------------------------------------


def parse_update(update: Update) -> tuple[int, Inbound, str | None] | None:
    """(Telegram user id, inbound message, the client's language if we speak it), or None
    for what residents do not send us (group chats, edits, channel posts, …)."""
    if update.callback_query is not None:
        query = update.callback_query
        prompt, separator, key = (query.data or "").partition(CALLBACK_SEPARATOR)
        if not separator:  # a button of a message Benken sent on its own: no question number
            prompt, key = "", prompt
        inbound = Inbound(CHOICE, choice=key, prompt=int(prompt) if prompt.isdigit() else None)
        return query.from_user.id, inbound, None
    message = update.message
    if message is None or message.chat.type != ChatType.PRIVATE or message.from_user is None:
        return None
    language = CLIENT_LANGUAGES.get((message.from_user.language_code or "").split("-")[0].lower())
    if message.location is not None:
        inbound = Inbound(LOCATION, location=Location(message.location.latitude, message.location.longitude))
    elif message.photo:
        inbound = Inbound(PHOTO, photo_ref=message.photo[-1].file_id, text=message.caption or "")  # the largest
    elif message.voice is not None or message.audio is not None:
        recording = message.voice or message.audio
        seconds = _seconds(recording.duration)
        inbound = Inbound(VOICE, attachment=Attachment(
            None, recording.mime_type or "audio/ogg", recording.file_size or 0, seconds,
            refusal(seconds, recording.file_size),
        ))
    elif message.text is not None:
        inbound = Inbound(TEXT, text=message.text)
    else:  # stickers, video notes, videos, documents, contacts, polls …
        inbound = Inbound(UNSUPPORTED)
    return message.from_user.id, inbound, language


def _seconds(duration: int | timedelta) -> int:
    """A Telegram duration in seconds (PTB gives a timedelta where PTB_TIMEDELTA is set)."""
    return round(duration.total_seconds()) if isinstance(duration, timedelta) else int(duration)


# Outbound -----------------------------------------------------------------------------------


def merge(messages: list[Outbound]) -> list[Outbound]:
    """Texts without choices go in front of the next message, so a reply is one message
    where it fits (each message to one chat costs a second)."""
    merged: list[Outbound] = []
    waiting: list[str] = []
    for message in messages:
        text = "\n\n".join([*waiting, message.text])
        if not message.choices and not message.ask_location and message is not messages[-1]:
            waiting.append(message.text)
            continue
        if len(text) > MAX_TEXT:
            merged.extend(Outbound(w, rtl=message.rtl) for w in waiting)
            text = message.text
        waiting = []
        merged.append(Outbound(text, message.choices, message.ask_location, message.rtl, message.prompt))
    return merged


def keyboard(message: Outbound) -> Any:
    """Inline buttons for choices; a "share my location" keyboard where a place is asked."""
    if message.ask_location:
        rows = [[KeyboardButton("📍", request_location=True)]]
        rows += [[KeyboardButton(choice.label)] for choice in message.choices]
        return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
    if message.choices:
        prefix = f"{message.prompt}{CALLBACK_SEPARATOR}" if message.prompt is not None else ""
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(choice.label, callback_data=f"{prefix}{choice.key}")] for choice in message.choices]
        )
    return None


def render(message: Outbound) -> list[tuple[str, Any]]:
    """(HTML text, reply markup) pairs for one message: all text escaped, split to fit,
    the keyboard on the last piece."""
    pieces = escaped_pieces(message.text)
    markup = keyboard(message)
    return [(piece, markup if i == len(pieces) - 1 else None) for i, piece in enumerate(pieces)]


async def send(bot: Bot, chat_id: int, message: Outbound, *, clear_keyboard: bool = False) -> list[int]:
    """Send one message (in pieces if long); the ids of the Telegram messages."""
    ids = []
    for text, markup in render(message):
        if markup is None and clear_keyboard:
            markup, clear_keyboard = ReplyKeyboardRemove(), False
        ids.append(await send_text(bot, chat_id, text, reply_markup=markup))
    return ids


class TelegramChannel:
    """Turns Telegram updates into conversation turns and sends the answers back."""

    def __init__(self, app: App, bot: Bot, metrics=None):
        self.app, self.bot, self.metrics = app, bot, metrics
        self.desk = TelegramStaffDesk(app, bot)
        self._locks: dict[int, asyncio.Lock] = {}

    async def handle(self, update: Update) -> bool:
        """Handle one update (polling or webhook); False when it was seen before or ignored.

        Once the inbound is recorded its outcome is known: a reply Telegram refuses (a chat
        that no longer exists) is counted and logged, never raised, so the webhook answers
        200 and Telegram does not deliver the same update again and again."""
        staff = await self.desk.staff_for(update)
        if staff is not None:
            async with self._locks.setdefault(staff.telegram_id, asyncio.Lock()):
                return await self.desk.handle(update, staff)
        parsed = parse_update(update)
        if parsed is None:
            return False
        user_id, inbound, language = parsed
        lock = self._locks.setdefault(user_id, asyncio.Lock())
        async with lock:  # one chat's updates in the order they came
            if inbound.kind == VOICE:
                inbound = await self._fetch(update, inbound)
            received = await receive(
                self.app, "telegram", str(update.update_id), inbound, capabilities=CAPABILITIES,
                telegram_id=user_id, locale=language,
            )
            if received.duplicate:
                return False
            try:
                if update.callback_query is not None:
                    await self._acknowledge(update.callback_query, inbound)
                await self._answer(user_id, received.messages)
            except TelegramError as problem:
                log.warning("reply to update %s not delivered: %s", update.update_id, type(problem).__name__)
                if self.metrics is not None:
                    self.metrics.replies_failed.labels("telegram", type(problem).__name__).inc()
        if not lock.locked() and len(self._locks) > 10_000:
            self._locks.pop(user_id, None)
        return True

    async def _fetch(self, update: Update, inbound: Inbound) -> Inbound:
        """A voice message or audio file downloaded into the media folder (before the
        transaction: a download never holds the database), unless it is over the limits;
        its length as the file says. Said as a problem when it cannot be had."""
        recording = inbound.attachment
        if recording.problem is not None:
            return inbound
        message = update.message
        try:
            found = await with_retries(self.bot.get_file, (message.voice or message.audio).file_id)
            data = bytes(await found.download_as_bytearray())
        except TelegramError as problem:  # gone, or "file is too big" (the Bot API's 20 MB)
            log.warning("voice message not downloaded: %s", type(problem).__name__)
            return replace(inbound, attachment=replace(recording, problem=UNAVAILABLE))
        seconds = seconds_of(data) or recording.seconds or 0
        problem = refusal(seconds, len(data))
        if problem is not None:
            return replace(inbound, attachment=replace(recording, seconds=seconds, problem=problem))
        name = await self.app.media.save(data, recording.content_type)
        return replace(inbound, attachment=replace(recording, file_name=name, size=len(data), seconds=seconds))

    async def _acknowledge(self, query, inbound: Inbound) -> None:
        """Stop the button's spinner; show what was chosen and drop the old keyboard."""
        try:
            await query.answer()
        except TelegramError:
            log.info("callback query could not be answered (too old)")
        message = query.message
        if message is None or not getattr(message, "reply_markup", None):
            return
        label = next(
            (b.text for row in message.reply_markup.inline_keyboard for b in row
             if (b.callback_data or "").endswith(f"{CALLBACK_SEPARATOR}{inbound.choice}")
             or b.callback_data == inbound.choice),
            None,
        )
        text = html.escape(message.text or "", quote=False)
        if label:
            text = f"{text}\n\n➜ {html.escape(label, quote=False)}"
        try:
            await with_retries(
                self.bot.edit_message_text, text[:MAX_TEXT], chat_id=message.chat.id,
                message_id=message.message_id, parse_mode=ParseMode.HTML, reply_markup=None,
            )
        except Forbidden:
            raise
        except TelegramError:
            log.info("could not edit the tapped message")

    async def _answer(self, chat_id: int, messages: list[Outbound]) -> None:
        try:
            for message in merge(messages):
                await send(self.bot, chat_id, message, clear_keyboard=not message.ask_location)
        except Forbidden:
            await self._blocked(chat_id)

    async def _blocked(self, telegram_id: int) -> None:
        """The resident blocked the bot: nothing more is sent to them."""
        async with self.app.sessions() as session, session.begin():
            resident, _state, _new = await find_or_create_resident(session, "telegram", telegram_id=telegram_id)
            await set_opted_out(session, resident, True)


class TelegramSender:
    """Sends outbox messages (residents' and staff's) through the rate-limited bot, behind
    replies to residents (BULK); broadcasts by paid broadcast when the deployment says so."""

    channel = "telegram"

    def __init__(self, bot: Bot, *, paid_broadcast: bool = False):
        self.bot, self.paid_broadcast = bot, paid_broadcast

    async def send(self, recipient: Recipient, message: OutboxMessage, ready: Ready) -> SendResult:
        # A staff report was escaped when it was laid out; anything else shows as written.
        pieces = split_html(message.text) if message.format == HTML else escaped_pieces(message.text)
        # A question Benken asks on its own ("Is it fixed?") has its buttons on the last piece.
        markup = keyboard(as_outbound(message)) if message.choices else None
        extra = {"allow_paid_broadcast": True} if self.paid_broadcast and message.priority >= OUTBOX_PRIORITY_BULK else {}
        ids = []
        try:
            for number, piece in enumerate(pieces):
                # `ready` once, when the first piece's turn has come (the limiter calls it).
                limited = isinstance(self.bot, ExtBot)
                if not limited and number == 0:
                    await ready()
                last = number == len(pieces) - 1
                ids.append(await send_text(self.bot, recipient.address, piece, reply_markup=markup if last else None,
                                           rate_limit_args=Bulk(ready if number == 0 else None), **extra))
        except Forbidden as problem:
            return SendResult(OPTED_OUT, error=str(problem)[:200])
        except RetryAfter as problem:
            return SendResult(RETRY, error="429", retry_after=seconds(problem.retry_after))
        except BadRequest as problem:
            return SendResult(FAILED, error=str(problem)[:200])
        except NetworkError as problem:  # after retries
            if surely_not_delivered(problem):
                return SendResult(RETRY, error=str(problem)[:200])
            # It may have arrived (a timeout after the request left): not sent again.
            return SendResult(UNKNOWN, error=f"{type(problem).__name__}: {problem}"[:200])
        return SendResult(SENT, provider_message_id=str(ids[-1]))

    async def close(self) -> None:
        """The bot is closed with its Application."""


def build_application(
    app: App, *, per_chat_per_second: float = CHAT_PER_SECOND, limiter: BotRateLimiter | None = None, metrics=None
) -> Application:
    """The PTB Application: our base URLs, our rate limiter, updates to TelegramChannel.

    Without PTB's Updater: it confirms fetched updates to Telegram before they are
    handled, so a crash could lose one. `benken run` polls itself (bot/run.py), and
    `benken serve` takes webhooks."""
    settings = app.settings
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .request(AiohttpRequest())
        # getUpdates holds its request open for POLL_TIMEOUT: a pool of its own.
        .get_updates_request(AiohttpRequest(pool_size=1))
        .rate_limiter(limiter or BotRateLimiter(per_chat=per_chat_per_second))
        .updater(None)
    )
    application = builder.build()
    channel = TelegramChannel(app, application.bot, metrics)
    application.bot_data["channel"] = channel

    async def on_update(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await channel.handle(update)

    application.add_handler(TypeHandler(Update, on_update))
    return application
