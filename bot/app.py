"""The composition root. `open_app` builds what every command needs (settings, areas,
database); `open_runtime` builds what `benken run` and `benken serve` share on top of it
(the Telegram bot, the senders of each channel, metrics) and `recurring_jobs` says what they
run on a schedule. Nothing else constructs clients; everything opened here is closed here.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import time
from functools import partial
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from conversations.steps import EngineConfig

from . import db
from .areas import Areas, load_areas
from .providers import transcription, translation
from .providers.media_store import MediaStore
from .settings import Settings

if TYPE_CHECKING:
    from telegram.ext import Application

    from .channels.telegram import TelegramChannel
    from .messaging.outbox import Sender, Worker
    from .metrics import Metrics

DRAIN_EVERY_SECONDS = 2  # how stale a queued answer may get before it leaves
RECOVER_EVERY_SECONDS = 60  # stale claims (older than outbox.STALE_CLAIM) are settled within a minute
TICK_EVERY_SECONDS = 30  # reminders are due to the minute; half a minute is close enough
TRANSLATE_EVERY_SECONDS = 20  # staff read a new idea in their language within a minute or so
TRANSCRIBE_EVERY_SECONDS = 20  # a voice message is written down (then translated) within a minute or so
TIDY_MEDIA_AT_HOUR = 3  # the daily deletion of files past their time, at night
NEWS_AT = time(11, 0)  # the monthly news is made late morning: in daytime, after the digests


def run_loop(main):
    """asyncio.run on uvloop where it is installed: the long-running commands (run, serve)
    spend a good part of each message in the event loop itself."""
    try:
        import uvloop
    except ImportError:  # not on every platform: the standard loop works the same
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


@dataclass(frozen=True)
class App:
    settings: Settings
    areas: Areas
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    translator: translation.Translator | None = None  # BENKEN_TRANSLATOR; None for "none"
    media: MediaStore | None = None  # BENKEN_MEDIA_DIR: voice messages and photos residents send
    transcriber: transcription.Transcriber | None = None  # BENKEN_TRANSCRIBE_URL; None without one

    @property
    def conversation(self) -> EngineConfig:
        return EngineConfig(areas=self.areas, timezone=self.settings.timezone)


@asynccontextmanager
async def open_app(settings: Settings, *, migrate: bool = True) -> AsyncIterator[App]:
    # Areas first: a broken areas file should stop us before we touch the database.
    areas = load_areas(settings.areas_file)
    engine = db.create_engine(settings.database_url)
    translator = translation.build(
        settings.translator,
        libretranslate_url=settings.libretranslate_url,
        libretranslate_api_key=settings.libretranslate_api_key,
        azure_key=settings.azure_translator_key,
        azure_region=settings.azure_translator_region,
        azure_endpoint=settings.azure_translator_endpoint,
        sensitive=settings.translate_sensitive,
    )
    transcriber = transcription.build(settings.transcribe_url, settings.transcribe_api_key, settings.transcribe_model,
                                      sensitive=settings.transcribe_sensitive)
    try:
        if migrate:
            await db.upgrade(engine)
        yield App(settings, areas, engine, db.session_factory(engine), translator, MediaStore(settings.media_folder),
                  transcriber)
    finally:
        for provider in (translator, transcriber):
            if provider is not None:
                await provider.close()
        await engine.dispose()


@dataclass
class Runtime:
    """What a running Benken holds beside the App: channels to send on, and metrics."""

    app: App
    metrics: Metrics
    worker: Worker  # who this process is to the outbox, and its part of the recipients
    senders: dict[str, Sender] = field(default_factory=dict)
    telegram: Application | None = None  # the PTB Application, when a token is configured

    @property
    def telegram_channel(self) -> TelegramChannel | None:
        return self.telegram.bot_data["channel"] if self.telegram is not None else None


@asynccontextmanager
async def open_runtime(app: App, role: str = "cli", *, index: int = 0, count: int = 1) -> AsyncIterator[Runtime]:
    """The senders of every configured channel and the Telegram bot (initialised: getMe),
    all closed on the way out. `role`, `index` and `count` say which process this is: with
    several (`benken serve --workers N`), each sends to its own part of the recipients at
    its share of Telegram's overall rate."""
    from .channels import email, twilio
    from .channels.telegram import TelegramSender, build_application
    from .channels.telegram_limits import BotRateLimiter
    from .messaging.outbox import worker_for
    from .metrics import Metrics

    settings = app.settings
    runtime = Runtime(app, Metrics(), worker_for(settings, role, index, count))
    async with AsyncExitStack() as stack:
        if settings.telegram_bot_token:
            limiter = BotRateLimiter(share=1 / count)
            runtime.telegram = build_application(app, limiter=limiter, metrics=runtime.metrics)
            await stack.enter_async_context(runtime.telegram)  # initialize … shutdown
            runtime.senders["telegram"] = TelegramSender(
                runtime.telegram.bot, paid_broadcast=settings.telegram_paid_broadcast
            )
        if twilio.configured(settings):
            runtime.senders["sms"] = twilio.TwilioSender(settings, settings.twilio_messages_per_second)
        if settings.smtp_url:
            runtime.senders["email"] = email.EmailSender(settings.smtp_url)
        for sender in runtime.senders.values():
            stack.push_async_callback(sender.close)
        yield runtime


async def telegram_username(settings: Settings) -> str | None:
    """The bot's @username for deep links: TELEGRAM_BOT_USERNAME, else the Bot API's
    getMe when a token is set (one call, through the configured base URL); None without
    either."""
    if settings.telegram_bot_username:
        return settings.telegram_bot_username
    if not settings.telegram_bot_token:
        return None
    from telegram import Bot

    async with Bot(settings.telegram_bot_token, base_url=settings.telegram_api_base_url) as bot:
        return bot.username


def warm_up_language_id() -> None:
    """Load the language identifier's models in a thread (seconds; `run`, `serve` and `chat`
    start it): until they are in, a first SMS gets the language menu rather than waiting.
    A daemon thread: a command that ends sooner does not wait for it."""
    from .text import language_id

    def warm_up() -> None:
        language_id.warm_up()
        settle_memory()  # the models are in: they are kept out of full collections too

    threading.Thread(target=warm_up, name="language-id", daemon=True).start()


def settle_memory() -> None:
    """Keep what is loaded by now (modules, catalogs, models, the bot) out of the garbage
    collector's full passes, which otherwise walk it all again and again: such a pass stopped
    the event loop for about 100 ms, long enough to send a broadcast's messages in a bunch.
    `run` and `serve` call it once started; garbage is collected first, not kept forever."""
    gc.collect()
    gc.freeze()


@dataclass(frozen=True)
class Job:
    """Scheduled work: every `every` seconds, or daily at `at` (local time)."""

    name: str
    call: Callable[[], Awaitable[Any]]
    every: float | None = None
    at: time | None = None
    first: float = 0  # seconds before the first run of a repeating job


def recurring_jobs(runtime: Runtime) -> list[Job]:
    """What a running Benken does on its own; `run` puts it on PTB's JobQueue, `serve` on
    an APScheduler of its own. The database decides what is due, so a job that runs late,
    or in two processes, neither drops nor repeats anything."""
    from .messaging import followups, media, outbox, reminders, sending, transcription as transcribing, translation as translating
    from .reports.delivery import DIGEST_AT_HOUR, morning_digests

    app = runtime.app
    return [
        Job("outbox", partial(sending.drain, app, runtime.senders, metrics=runtime.metrics, worker=runtime.worker),
            every=DRAIN_EVERY_SECONDS),
        Job("reminders", partial(reminders.tick, app), every=TICK_EVERY_SECONDS),
        # Claims a crashed worker left behind are settled once they are stale.
        Job("recover", partial(outbox.recover_interrupted, app), every=RECOVER_EVERY_SECONDS,
            first=RECOVER_EVERY_SECONDS),
        Job("digests", partial(morning_digests, app), at=time(DIGEST_AT_HOUR, 0)),
        # The language of what residents wrote, and its translation for staff (when a
        # translator is configured): never on a resident's reply path.
        Job("translations", partial(translating.tick, app), every=TRANSLATE_EVERY_SECONDS,
            first=TRANSLATE_EVERY_SECONDS),
        # Voice messages written down (with a speech-to-text server), then translated as above.
        Job("transcriptions", partial(transcribing.tick, app), every=TRANSCRIBE_EVERY_SECONDS,
            first=TRANSCRIBE_EVERY_SECONDS),
        # Files past their time (BENKEN_MEDIA_RETENTION_DAYS) and files no row knows.
        Job("media", partial(media.tidy, app), at=time(TIDY_MEDIA_AT_HOUR, 0)),
        # "What happened in your area", each month's in the first days of the next.
        Job("monthly news", partial(followups.monthly_tick, app), at=NEWS_AT),
    ]
