"""Staff on Telegram: which updates are staff work, and the desk's replies sent as
Telegram messages with inline buttons. Only registered staff are answered, and each only
for their own areas; for anyone else the staff commands are ordinary resident text."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from ..domain.media import MEDIA_REF
from ..domain.staff import staff_area_slugs, staff_by_telegram, staff_telegram_ids
from ..messaging.inbox import record_inbound
from ..models import Staff, StaffState, utcnow
from ..staff import routes
from ..staff.desk import PREFIX, STATE_TTL, Desk, Reply, command_of
from .telegram_api import split_html, with_retries

if TYPE_CHECKING:
    from ..app import App

# What sendVoice plays as a voice message (the Bot API: OGG with Opus, MP3 or M4A).
VOICE_TYPES = frozenset({"audio/ogg", "audio/opus", "audio/mpeg", "audio/mp4", "audio/x-m4a"})
STAFF_IDS_TTL = 30.0  # seconds: a staff member added by `benken staff add` is known this soon
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in reply.buttons]
    )


class TelegramStaffDesk:
    """Decides which updates are staff work, runs the desk, sends its replies."""

    def __init__(self, app: App, bot: Bot):
        self.app, self.bot = app, bot
        self._staff_ids: frozenset[int] = frozenset()
        self._staff_ids_at = float("-inf")

    async def _is_staff(self, telegram_id: int) -> bool:
        """Whether the sender is staff, from a short-lived list: residents' messages (nearly
        all of them) then cost no query."""
        now = time.monotonic()
        if now - self._staff_ids_at > STAFF_IDS_TTL:
            async with self.app.sessions() as session:
                self._staff_ids = await staff_telegram_ids(session)
            self._staff_ids_at = now
        return telegram_id in self._staff_ids

    async def staff_for(self, update: Update) -> Staff | None:
        """The staff member when this update is staff work: a staff command or button, or
        text while they are in the middle of something; else None (resident flow)."""
        user, message, query = update.effective_user, update.message, update.callback_query
        if user is None:
            return None
        is_button = query is not None and (query.data or "").startswith(PREFIX + "|")
        text = message.text if message is not None else None
        if not is_button and text is None:
            return None
        if not await self._is_staff(user.id):
            return None
        command = command_of(text)
        async with self.app.sessions() as session:
            staff = await staff_by_telegram(session, user.id)
            if staff is None:
                return None
            if is_button or command in routes.COMMANDS:
                return staff
            if command is not None:
                return None  # /start, /menu …: the resident conversation
            state = await session.get(StaffState, staff.id)
            return staff if state is not None and utcnow() - state.updated_at < STATE_TTL else None

    async def handle(self, update: Update, staff: Staff) -> bool:
        """Do the staff work of one update in one transaction, then send the replies (never
        a network call while the transaction holds SQLite's write lock); False when it was
        handled before."""
        async with self.app.sessions() as session, session.begin():
            if await record_inbound(session, "telegram", str(update.update_id), None, "staff") is None:
                return False
            staff = await session.get(Staff, staff.id)
            slugs = await staff_area_slugs(session, staff, self.app.areas)
            desk = Desk(session, staff, slugs, self.app.areas, self.app.settings.timezone,
                        public_base_url=self.app.settings.public_base_url,
                        translating=self.app.translator is not None)
            if update.callback_query is not None:
                await _answer_query(update)
                await routes.on_button(desk, update.callback_query.data.split("|")[1:])
            else:
                text = update.message.text.strip()
                command = command_of(text)
                if command:
                    await routes.on_command(desk, command, text.split()[1:])
                else:
                    await routes.on_text(desk, text)
        await self.send(update.effective_user.id, desk.replies)
        if desk.after is not None:  # a preview: translated now, outside the transaction
            await self.send(update.effective_user.id, await desk.after(self.app))
        return True

    async def send(self, chat_id: int, replies: list[Reply]) -> None:
        for reply in replies:
            pieces = split_html(reply.text)
            for number, piece in enumerate(pieces, start=1):
                keyboard = markup(reply) if number == len(pieces) else None
                await with_retries(self.bot.send_message, chat_id, piece, parse_mode=ParseMode.HTML,
                                   reply_markup=keyboard, link_preview_options=None if reply.link_preview else NO_PREVIEW)
            if reply.photo:
                await with_retries(self.bot.send_photo, chat_id, await self._file(reply.photo))
            if reply.voice:
                await self._send_recording(chat_id, reply.voice)

    async def _file(self, ref: str) -> str | InputFile:
        """A Telegram file id as it is; a file of the media folder read for upload."""
        if not ref.startswith(MEDIA_REF):
            return ref
        name = ref.removeprefix(MEDIA_REF)
        return InputFile(await self.app.media.read(name), filename=name)

    async def _send_recording(self, chat_id: int, voice) -> None:
        """A resident's recording, to play in the chat: as a voice message where Telegram
        plays the format so (Ogg/Opus, MP3, M4A), else as an audio file to download."""
        upload = await self._file(MEDIA_REF + voice.file_name)
        if voice.content_type in VOICE_TYPES:
            await with_retries(self.bot.send_voice, chat_id, upload, duration=voice.seconds)
        else:
            await with_retries(self.bot.send_document, chat_id, upload)


async def _answer_query(update: Update) -> None:
    try:
        await update.callback_query.answer()
    except TelegramError:  # an old button: the work below still answers in the chat
        pass
