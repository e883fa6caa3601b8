"""A fake OpenAI-compatible speech-to-text server on loopback, built from OpenAI's
documented request and answers (whisper.cpp's server and faster-whisper-server take the
same): POST {base}/audio/transcriptions, multipart/form-data with `file` (the audio),
`model`, optional `language` (ISO 639-1) and `response_format` (json: {"text": …}).

Errors are {"error": {"message", "type", "param", "code"}}: 400 for a missing file or
model, a file that is not audio it can read (not Ogg, MP3, M4A, WAV, FLAC or WebM) or a
language it does not know; 401 for a missing or wrong key (when it wants one); 429 (with
Retry-After) and 5xx on demand. `fail_next(status, …)` and `delay_next(seconds)` script
the next requests in order; every request is recorded in `calls`.

What it "hears": `answers[sha256 of the file]` when the test set one, else a marker
naming the language hint and the file's size ("[no] 7266 bytes of speech").
"""

from __future__ import annotations

import asyncio
import hashlib

from aiohttp import web

from . import loopback

# Whisper's languages (ISO 639-1; Norwegian is "no"); no Tigrinya.
LANGUAGES = {"no", "nn", "en", "ar", "so", "ur", "pl", "tr", "uk", "fa", "am", "de", "sv", "da"}
# The magic numbers of the audio formats it reads.
AUDIO_MAGIC = (b"OggS", b"ID3", b"\xff\xfb", b"\xff\xf3", b"RIFF", b"fLaC", b"\x1aE\xdf\xa3")
M4A_MAGIC = b"ftyp"  # at offset 4
PATH = "/v1/audio/transcriptions"


def error(status: int, message: str, kind: str = "invalid_request_error", param: str | None = None) -> web.Response:
    return web.json_response({"error": {"message": message, "type": kind, "param": param, "code": None}},
                             status=status)


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FakeTranscriber(loopback.Served):
    """A fake /v1/audio/transcriptions on loopback."""

    shutdown_timeout = 1.0
    max_body = 30 * 1024 * 1024

    def __init__(self, api_key: str | None = "stt-test-key"):
        self.api_key = api_key
        self.base_url = ""  # …/v1, as BENKEN_TRANSCRIBE_URL is given
        self.answers: dict[str, str] = {}
        self.calls: list[dict] = []
        self._failures: list[tuple[int, str, float | None]] = []
        self._delays: list[float] = []

    def routes(self, app: web.Application) -> None:
        app.router.add_post(PATH, self._transcribe)

    def served_at(self, address: str) -> None:
        self.base_url = f"{address}/v1"

    def hears(self, data: bytes, text: str) -> None:
        """What the server answers for this file."""
        self.answers[fingerprint(data)] = text

    def fail_next(self, status: int, message: str = "error", *, retry_after: float | None = None,
                  count: int = 1) -> None:
        self._failures += [(status, message, retry_after)] * count

    def delay_next(self, seconds: float, *, count: int = 1) -> None:
        self._delays += [seconds] * count

    async def _transcribe(self, request: web.Request) -> web.Response:
        form = await request.post()
        upload = form.get("file")
        data = upload.file.read() if isinstance(upload, web.FileField) else None
        call = {
            "authorization": request.headers.get("Authorization"),
            "model": form.get("model"), "language": form.get("language"),
            "response_format": form.get("response_format"),
            "filename": upload.filename if isinstance(upload, web.FileField) else None,
            "content_type": upload.content_type if isinstance(upload, web.FileField) else None,
            "size": len(data) if data is not None else None,
            "fields": sorted(form.keys()),
        }
        self.calls.append(call)
        if self._delays:
            await asyncio.sleep(self._delays.pop(0))
        if self.api_key and request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return error(401, "Incorrect API key provided.", "invalid_api_key")
        if self._failures:
            status, message, retry_after = self._failures.pop(0)
            response = error(status, message, "server_error" if status >= 500 else "invalid_request_error")
            if retry_after is not None:
                response.headers["Retry-After"] = str(int(retry_after))
            return response
        if data is None:
            return error(400, "you must provide a file", param="file")
        if not form.get("model"):
            return error(400, "you must provide a model parameter", param="model")
        if not (data.startswith(AUDIO_MAGIC) or data[4:8] == M4A_MAGIC):
            return error(400, "Invalid file format.", param="file")
        language = form.get("language")
        if language and language not in LANGUAGES:
            return error(400, f"Language '{language}' is not supported.", param="language")
        text = self.answers.get(fingerprint(data), f"[{language or '?'}] {len(data)} bytes of speech")
        if form.get("response_format") == "text":
            return web.Response(text=text)
        return web.json_response({"text": text})
