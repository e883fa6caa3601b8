"""Speech to text through an OpenAI-compatible server: POST {base}/audio/transcriptions,
multipart form with `file`, `model`, `language` (ISO 639-1, a hint) and `response_format`
json, answered {"text": "…"}; errors as {"error": {"message": …}} with 400 (a file it
cannot read, a language it does not know), 401/403 (the key), 413 (too large), 429 (busy,
with Retry-After) and 5xx. whisper.cpp's server (`--inference-path
/v1/audio/transcriptions`), faster-whisper-server and OpenAI itself answer this way.
Imports nothing else of ours.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

import aiohttp

# Seconds one recording may take: a CPU-only whisper.cpp server writes a five-minute voice
# message down in about as long as it lasts (a background job can wait that long).
TIMEOUT = 300.0
LONGEST_ERROR = 300  # characters of a server's error we keep (the column's size)
DEFAULT_MODEL = "whisper-1"  # OpenAI's name; whisper.cpp ignores it, other servers name theirs
# Whisper's language codes where ours differ: Norwegian is "no" (Bokmål has no code of its
# own there). Tigrinya is not among Whisper's languages: no hint, the server guesses.
WHISPER_CODES = {"nb": "no"}
NO_HINT = frozenset({"ti"})


class TranscriptionError(Exception):
    """A recording could not be written down now."""


class TranscriptionUnavailable(TranscriptionError):
    """The server is down, slow, busy or refuses our key: try again later (after
    `retry_after` seconds, when it said)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class RecordingRejected(TranscriptionError):
    """The server cannot use this recording (400, 413, 415, 422): trying again will not help."""


def short(message: object) -> str:
    return " ".join(str(message).split())[:LONGEST_ERROR]


class Transcriber:
    """An OpenAI-compatible speech-to-text server."""

    name = "openai-compatible"

    def __init__(self, base_url: str, api_key: str | None = None, model: str | None = None, *,
                 sensitive: bool = False, timeout: float = TIMEOUT):
        self.url = base_url.rstrip("/") + "/audio/transcriptions"
        self.api_key, self.model = api_key, model or DEFAULT_MODEL
        self.sensitive = sensitive  # whether safety reports' recordings may be sent to it
        self.timeout = timeout
        self._http: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:  # the key stays out of logs
        return f"Transcriber({self.url!r}, model={self.model!r}, api_key={'***' if self.api_key else None})"

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def transcribe(self, audio: bytes, content_type: str, file_name: str, language: str | None) -> str:
        """The words of `audio`, with the resident's language as a hint."""
        form = aiohttp.FormData()
        # The file goes under a neutral name: nothing in the request says who spoke.
        form.add_field("file", audio, filename="voice." + file_name.rsplit(".", 1)[-1], content_type=content_type)
        form.add_field("model", self.model)
        if language and language not in NO_HINT:
            form.add_field("language", WHISPER_CODES.get(language, language))
        form.add_field("response_format", "json")
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            async with self._session().post(self.url, data=form, headers=headers) as response:
                body = await _body(response)
                if response.status != 200:
                    raise _problem(response.status, body, response.headers)
        except (aiohttp.ClientError, TimeoutError) as problem:
            raise TranscriptionUnavailable(short(f"transcription: {type(problem).__name__} {problem}")) from None
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str):
            raise TranscriptionUnavailable("transcription: an answer without text")
        return text.strip()


async def _body(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except ValueError:
        return await response.text()


def _problem(status: int, body: Any, headers: Any) -> TranscriptionError:
    error = body.get("error") if isinstance(body, dict) else body
    message = error.get("message") if isinstance(error, dict) else error
    text = short(f"transcription {status}: {message}")
    if status in (400, 413, 415, 422):
        return RecordingRejected(text)
    try:
        wait = max(0.0, float(headers.get("Retry-After", "")))
    except ValueError:
        wait = None
    return TranscriptionUnavailable(text, wait)


def nearby(url: str) -> bool:
    """Whether the server is on this machine or the local network (a self-hosted one)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def build(url: str | None, api_key: str | None, model: str | None, *, sensitive: bool | None) -> Transcriber | None:
    """The configured speech-to-text server, or None. Safety reports' recordings go to it
    when `sensitive` says so, by default only to a server nearby."""
    if not url:
        return None
    return Transcriber(url, api_key, model, sensitive=nearby(url) if sensitive is None else sensitive)
