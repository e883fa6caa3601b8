"""LibreTranslate (self-hosted, Argos models): POST /translate with q, source, target,
format and api_key; GET /languages. Errors come as {"error": "…"} with 400 (a language
it does not have, a bad request), 403 (a bad or missing key), 429 (too many requests)
and 500. A server started with `--load-only` has only those languages."""

from __future__ import annotations

from typing import Any

from .base import (
    TranslationError,
    TranslationUnavailable,
    Translator,
    TranslatorRefused,
    UnsupportedLanguage,
    retry_after,
    short,
)

# Argos has Norwegian Bokmål as "nb" and Persian as "fa"; the rest of ours are the same
# codes. It has no Somali or Tigrinya (GET /languages says what a server has).
LIBRE_CODES: dict[str, str] = {}


class LibreTranslate(Translator):
    name = "libretranslate"

    def __init__(self, url: str, api_key: str | None, *, sensitive: bool = True):
        super().__init__(sensitive=sensitive)
        self.url, self.api_key = url.rstrip("/"), api_key
        self._languages: set[str] | None = None

    def __repr__(self) -> str:  # the key stays out of logs
        return f"LibreTranslate({self.url!r}, api_key={'***' if self.api_key else None})"

    async def languages(self) -> set[str]:
        """The language codes the server translates from (GET /languages), asked once."""
        if self._languages is None:
            async with self._session().get(f"{self.url}/languages") as response:
                if response.status != 200:
                    raise TranslationUnavailable(f"libretranslate: GET /languages answered {response.status}")
                self._languages = {entry["code"] for entry in await response.json(content_type=None)}
        return self._languages

    def supports(self, language: str) -> bool:
        return self._languages is None or LIBRE_CODES.get(language, language) in self._languages

    async def _translate(self, texts: list[str], source: str, target: str, timeout: float) -> list[str]:
        known = await self.languages()
        for code in (source, target):
            if LIBRE_CODES.get(code, code) not in known:
                raise UnsupportedLanguage(f"libretranslate: this server has no {code!r}")
        payload = {"q": texts, "source": LIBRE_CODES.get(source, source), "target": LIBRE_CODES.get(target, target),
                   "format": "text"}
        if self.api_key:
            payload["api_key"] = self.api_key
        body = await self._post(f"{self.url}/translate", timeout, json=payload)
        translated = body.get("translatedText") if isinstance(body, dict) else None
        if not isinstance(translated, list) or len(translated) != len(texts):
            raise TranslationUnavailable("libretranslate: an answer without translatedText for every text")
        return [str(text) for text in translated]

    def _problem(self, status: int, body: Any, headers: Any) -> TranslationError:
        message = short(f"libretranslate {status}: {body.get('error') if isinstance(body, dict) else body}")
        if status == 400:
            return UnsupportedLanguage(message)
        if status in (401, 403):
            return TranslatorRefused(message)
        return TranslationUnavailable(message, retry_after(headers))
