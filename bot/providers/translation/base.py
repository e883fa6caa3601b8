"""What every translation provider shares: the errors, masking, and the HTTP session."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import phonenumbers

TIMEOUT = 20.0  # seconds for one request: a background job can wait; a staff preview uses less
MASK = "***"  # what a phone number or an e-mail address becomes before a text leaves
PHONE_REGION = "NO"  # numbers written without +47 are Norwegian
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
LONGEST_ERROR = 300  # characters of a provider's error message we keep (outbox.last_error's size)


class TranslationError(Exception):
    """A text could not be translated now."""


class TranslationUnavailable(TranslationError):
    """The service is down, slow or busy: try again later (`retry_after` seconds, when it said)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class UnsupportedLanguage(TranslationError):
    """The service does not translate this language pair: trying again will not help."""


class TranslatorRefused(TranslationError):
    """The service refused our credentials (401/403): an operator must fix the settings."""


def mask_contacts(text: str) -> str:
    """Phone numbers and e-mail addresses replaced by MASK: they never leave Benken."""
    text = EMAIL.sub(MASK, text)
    # Leniency VALID finds numbers as people write them ("900 12 345", "+47 900 12 345").
    matches = list(phonenumbers.PhoneNumberMatcher(text, PHONE_REGION, leniency=phonenumbers.Leniency.VALID))
    for match in reversed(matches):
        text = text[: match.start] + MASK + text[match.end:]
    return text


def short(message: object) -> str:
    return " ".join(str(message).split())[:LONGEST_ERROR]


def retry_after(headers: Any) -> float | None:
    """Retry-After in seconds, when the service sent a number of them."""
    try:
        return max(0.0, float(headers.get("Retry-After", "")))
    except ValueError:
        return None


class Translator:
    """A translation service: `translate` a batch of texts from one language into another."""

    name = "none"
    sensitive = False  # whether safety-report text may be sent to it

    def __init__(self, *, sensitive: bool):
        self.sensitive = sensitive
        self._http: aiohttp.ClientSession | None = None

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT))
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    def supports(self, language: str) -> bool:
        """Whether the service knows this language at all (False: never ask it)."""
        return True

    async def translate(self, texts: list[str], source: str, target: str, *, timeout: float | None = None) -> list[str]:
        """Each text (masked first) translated from `source` into `target`, in order."""
        masked = [mask_contacts(text) for text in texts]
        try:
            return await self._translate(masked, source, target, timeout or TIMEOUT)
        except (aiohttp.ClientError, TimeoutError) as problem:
            raise TranslationUnavailable(short(f"{self.name}: {type(problem).__name__} {problem}")) from None

    async def _translate(self, texts: list[str], source: str, target: str, timeout: float) -> list[str]:
        raise NotImplementedError

    async def _post(self, url: str, timeout: float, **kwargs) -> Any:
        """POST, the JSON answer; errors raised as what they mean (`_problem`)."""
        async with self._session().post(url, timeout=aiohttp.ClientTimeout(total=timeout), **kwargs) as response:
            try:
                body = await response.json(content_type=None)
            except ValueError:
                body = None
            if response.status != 200:
                raise self._problem(response.status, body, response.headers)
            return body

    def _problem(self, status: int, body: Any, headers: Any) -> TranslationError:
        raise NotImplementedError
