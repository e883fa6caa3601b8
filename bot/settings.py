"""Typed settings, read once from the environment (and a `.env` file beside the process)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields
from pathlib import Path

from dotenv import dotenv_values

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///benken.db"
DEFAULT_TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_TWILIO_API_BASE_URL = "https://api.twilio.com"
DEFAULT_TIMEZONE = "Europe/Oslo"
# The web desk's map: OpenStreetMap's standard tiles and the credit their licence asks for.
DEFAULT_MAP_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_MAP_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
# Machine translation: which service, and Azure AI Translator's public global endpoint.
TRANSLATORS = ("none", "libretranslate", "azure")
DEFAULT_AZURE_TRANSLATOR_ENDPOINT = "https://api.cognitive.microsofttranslator.com"
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
# Voice messages and photos residents send are kept this long after their idea is closed
# (a report: after the day it was made): the promise, documented in the README.
DEFAULT_MEDIA_RETENTION_DAYS = 90
MEDIA_FOLDER = "media"  # BENKEN_MEDIA_DIR's default: this folder beside the SQLite database


class SettingsError(ValueError):
    """A setting has a value Benken cannot use; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    telegram_bot_token: str | None = None
    telegram_api_base_url: str = DEFAULT_TELEGRAM_API_BASE_URL
    telegram_api_base_file_url: str | None = None
    telegram_webhook_secret: str | None = None
    # The bot's @username, for deep links on posters; asked of the Bot API (getMe) when
    # only the token is set.
    telegram_bot_username: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_base_url: str = DEFAULT_TWILIO_API_BASE_URL
    public_base_url: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    areas_file: Path | None = None
    smtp_url: str | None = None
    # Twilio queues above a long code's 1 message a second; a messaging service with
    # several numbers or a short code can go faster.
    twilio_messages_per_second: float = 1.0
    # The web desk's map tiles (a Leaflet URL template) and their credit (HTML).
    map_tiles: str = DEFAULT_MAP_TILES
    map_attribution: str = DEFAULT_MAP_ATTRIBUTION
    # Broadcasts by Telegram's paid broadcast: up to 1,000 messages a second instead of 30,
    # at 0.1 Telegram Star a message (the bot's balance pays). Off unless asked for.
    telegram_paid_broadcast: bool = False
    # Photos by MMS at the idea's photo step (Twilio receives MMS on US and Canadian
    # numbers only; asking every SMS resident for a photo costs a message): off by default.
    twilio_mms: bool = False
    # Who this process is to the outbox: its claims carry the name, so that after a restart
    # it takes back its own unfinished work at once. Default: host name and command.
    worker_id: str | None = None
    # Machine translation (README: Machine translation). `translate_sensitive` None means
    # the provider's default: yes for a self-hosted LibreTranslate, no for Azure.
    translator: str = "none"
    libretranslate_url: str | None = None
    libretranslate_api_key: str | None = None
    azure_translator_key: str | None = None
    azure_translator_region: str | None = None
    azure_translator_endpoint: str = DEFAULT_AZURE_TRANSLATOR_ENDPOINT
    translate_sensitive: bool | None = None
    # Voice messages and photos (README: Voice messages): where they are kept (None: a
    # `media` folder beside the SQLite database, or in the working folder), for how long
    # after their idea is closed, and the OpenAI-compatible speech-to-text server (its
    # `…/v1` base URL) that writes them down. `transcribe_sensitive` None means: yes for a
    # server on this machine or the local network, no for anything else.
    media_dir: Path | None = None
    media_retention_days: int = DEFAULT_MEDIA_RETENTION_DAYS
    transcribe_url: str | None = None
    transcribe_api_key: str | None = None
    transcribe_model: str | None = None
    transcribe_sensitive: bool | None = None

    # Which fields must never be printed or logged.
    SECRETS = frozenset(
        {"telegram_bot_token", "telegram_webhook_secret", "twilio_auth_token", "smtp_url",
         "libretranslate_api_key", "azure_translator_key", "transcribe_api_key"}
    )

    @property
    def telegram_file_base_url(self) -> str:
        """PTB's base_file_url: given, or `…/file/bot` beside the API base URL."""
        if self.telegram_api_base_file_url:
            return self.telegram_api_base_file_url
        base = self.telegram_api_base_url.rstrip("/")
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file/bot"

    @property
    def media_folder(self) -> Path:
        """BENKEN_MEDIA_DIR, or `media/` beside an SQLite database file (else here)."""
        if self.media_dir is not None:
            return self.media_dir
        prefix = "sqlite+aiosqlite:///"
        database = self.database_url.removeprefix(prefix) if self.database_url.startswith(prefix) else ""
        if database and not database.startswith(":memory:"):
            return Path(database).parent / MEDIA_FOLDER
        return Path(MEDIA_FOLDER)

    def __repr__(self) -> str:  # secrets stay out of logs and tracebacks
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in self.SECRETS and value:
                value = "***"
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    __str__ = __repr__


# environment variable -> Settings field
_ENVIRONMENT = {
    "DATABASE_URL": "database_url",
    "TELEGRAM_BOT_TOKEN": "telegram_bot_token",
    "TELEGRAM_API_BASE_URL": "telegram_api_base_url",
    "TELEGRAM_API_BASE_FILE_URL": "telegram_api_base_file_url",
    "TELEGRAM_WEBHOOK_SECRET": "telegram_webhook_secret",
    "TELEGRAM_BOT_USERNAME": "telegram_bot_username",
    "TWILIO_ACCOUNT_SID": "twilio_account_sid",
    "TWILIO_AUTH_TOKEN": "twilio_auth_token",
    "TWILIO_FROM_NUMBER": "twilio_from_number",
    "TWILIO_MESSAGING_SERVICE_SID": "twilio_messaging_service_sid",
    "TWILIO_API_BASE_URL": "twilio_api_base_url",
    "PUBLIC_BASE_URL": "public_base_url",
    "BENKEN_TIMEZONE": "timezone",
    "BENKEN_AREAS_FILE": "areas_file",
    "SMTP_URL": "smtp_url",
    "TWILIO_MESSAGES_PER_SECOND": "twilio_messages_per_second",
    "BENKEN_MAP_TILES": "map_tiles",
    "BENKEN_MAP_ATTRIBUTION": "map_attribution",
    "TELEGRAM_PAID_BROADCAST": "telegram_paid_broadcast",
    "TWILIO_MMS": "twilio_mms",
    "BENKEN_WORKER_ID": "worker_id",
    "BENKEN_TRANSLATOR": "translator",
    "LIBRETRANSLATE_URL": "libretranslate_url",
    "LIBRETRANSLATE_API_KEY": "libretranslate_api_key",
    "AZURE_TRANSLATOR_KEY": "azure_translator_key",
    "AZURE_TRANSLATOR_REGION": "azure_translator_region",
    "AZURE_TRANSLATOR_ENDPOINT": "azure_translator_endpoint",
    "BENKEN_TRANSLATE_SENSITIVE": "translate_sensitive",
    "BENKEN_MEDIA_DIR": "media_dir",
    "BENKEN_MEDIA_RETENTION_DAYS": "media_retention_days",
    "BENKEN_TRANSCRIBE_URL": "transcribe_url",
    "BENKEN_TRANSCRIBE_API_KEY": "transcribe_api_key",
    "BENKEN_TRANSCRIBE_MODEL": "transcribe_model",
    "BENKEN_TRANSCRIBE_SENSITIVE": "transcribe_sensitive",
}


def load_settings(environ: dict[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """Settings from `environ` (default: the process environment) over the `.env` file."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    kwargs: dict[str, object] = {}
    for variable, field_name in _ENVIRONMENT.items():
        raw = values.get(variable, "").strip()
        if raw:
            kwargs[field_name] = _convert(variable, field_name, raw)
    settings = Settings(**kwargs)
    _check_timezone(settings.timezone)
    _check_translator(settings)
    _check_transcriber(settings)
    return settings


def _convert(variable: str, field_name: str, raw: str) -> object:
    if field_name in ("areas_file", "media_dir"):
        return Path(raw).expanduser()
    if field_name == "media_retention_days":
        if not raw.isdigit() or not 1 <= int(raw) <= 3650:
            raise SettingsError(f"{variable}: expected a number of days from 1 to 3650, got {raw!r}")
        return int(raw)
    if field_name == "twilio_messages_per_second":
        try:
            value = float(raw)
        except ValueError:
            value = 0
        if not 0 < value <= 1000:
            raise SettingsError(f"{variable}: expected a number of messages a second, got {raw!r}")
        return value
    if field_name in ("telegram_paid_broadcast", "twilio_mms"):
        if raw.lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise SettingsError(f"{variable}: expected true or false, got {raw!r}")
        return raw.lower() in ("1", "true", "yes", "on")
    if field_name == "telegram_bot_username":
        name = raw.removeprefix("@")
        # Telegram's rule for bot usernames: 5-32 of A-Z a-z 0-9 _ (ending in "bot").
        if not re.fullmatch(r"[A-Za-z0-9_]{5,32}", name):
            raise SettingsError(f"{variable}: expected a bot username like benken_bot, got {raw!r}")
        return name
    if field_name == "translator":
        if raw.lower() not in TRANSLATORS:
            raise SettingsError(f"{variable}: expected one of {', '.join(TRANSLATORS)}, got {raw!r}")
        return raw.lower()
    if field_name in ("translate_sensitive", "transcribe_sensitive"):
        if raw.lower() not in _TRUE + _FALSE:
            raise SettingsError(f"{variable}: expected on or off, got {raw!r}")
        return raw.lower() in _TRUE
    if field_name in ("libretranslate_url", "azure_translator_endpoint", "transcribe_url") and not raw.startswith(("https://", "http://")):
        raise SettingsError(f"{variable}: expected an http:// or https:// URL, got {raw!r}")
    if field_name == "map_tiles":
        # The desk's Content-Security-Policy names the tile host, so it must be a plain one.
        if not raw.startswith(("https://", "http://")) or not all(p in raw for p in ("{z}", "{x}", "{y}")):
            raise SettingsError(f"{variable}: expected a URL template like {DEFAULT_MAP_TILES}, got {raw!r}")
    return raw


def _check_translator(settings: Settings) -> None:
    if settings.translator == "libretranslate" and not settings.libretranslate_url:
        raise SettingsError("BENKEN_TRANSLATOR=libretranslate needs LIBRETRANSLATE_URL (e.g. http://127.0.0.1:5000)")
    if settings.translator == "azure" and not settings.azure_translator_key:
        raise SettingsError("BENKEN_TRANSLATOR=azure needs AZURE_TRANSLATOR_KEY (and AZURE_TRANSLATOR_REGION)")


def _check_transcriber(settings: Settings) -> None:
    if (settings.transcribe_api_key or settings.transcribe_model) and not settings.transcribe_url:
        raise SettingsError("BENKEN_TRANSCRIBE_API_KEY and BENKEN_TRANSCRIBE_MODEL need BENKEN_TRANSCRIBE_URL "
                            "(an OpenAI-compatible server's …/v1, e.g. http://127.0.0.1:8080/v1)")


def _check_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"BENKEN_TIMEZONE: unknown time zone {name!r}") from None
