"""Azure AI Translator, Text Translation v3: POST {endpoint}/translate?api-version=3.0
&from=…&to=… with Ocp-Apim-Subscription-Key (and Ocp-Apim-Subscription-Region for a
regional resource) and a body of [{"Text": "…"}, …]; the answer is one
{"translations": [{"text": "…", "to": "…"}]} per text. Errors come as
{"error": {"code": 400036, "message": "…"}}: 400 (400035/400036: a language it does not
have), 401 (credentials), 403 (quota used up), 429 (too many requests, with Retry-After),
500 and 503."""

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

DEFAULT_AZURE_ENDPOINT = "https://api.cognitive.microsofttranslator.com"
API_VERSION = "3.0"
# Our Persian readers are mostly from Afghanistan (see DATE_LOCALES in bot/text): Azure
# translates into Dari as "prs", and from it; its "fa" is Iranian Persian.
AZURE_CODES = {"fa": "prs"}
# Azure's codes for ours (prs for Dari) and our neighbours: it has every one of them.
AZURE_LANGUAGES = frozenset({"nb", "en", "ar", "so", "ur", "pl", "ti", "tr", "uk", "prs", "fa", "da", "sv", "ru"})
# Azure's own limits for one request: 1,000 texts and 50,000 characters in all.
MAX_TEXTS = 1000
MAX_CHARACTERS = 50_000
UNSUPPORTED_CODES = {400035, 400036}  # the source or the target language is not valid


class AzureTranslator(Translator):
    name = "azure"

    def __init__(self, key: str, region: str | None, endpoint: str = DEFAULT_AZURE_ENDPOINT, *, sensitive: bool = False):
        super().__init__(sensitive=sensitive)
        self.key, self.region, self.endpoint = key, region, endpoint.rstrip("/")

    def __repr__(self) -> str:  # the key stays out of logs
        return f"AzureTranslator({self.endpoint!r}, region={self.region!r}, key=***)"

    def supports(self, language: str) -> bool:
        return AZURE_CODES.get(language, language) in AZURE_LANGUAGES

    async def _translate(self, texts: list[str], source: str, target: str, timeout: float) -> list[str]:
        if len(texts) > MAX_TEXTS or sum(len(t) for t in texts) > MAX_CHARACTERS:
            raise ValueError("more than Azure takes in one request: send fewer texts at a time")
        headers = {"Ocp-Apim-Subscription-Key": self.key, "Content-Type": "application/json; charset=UTF-8"}
        if self.region:
            headers["Ocp-Apim-Subscription-Region"] = self.region
        params = {"api-version": API_VERSION, "from": AZURE_CODES.get(source, source),
                  "to": AZURE_CODES.get(target, target)}
        body = await self._post(f"{self.endpoint}/translate", timeout, params=params, headers=headers,
                                json=[{"Text": text} for text in texts])
        try:
            translated = [str(item["translations"][0]["text"]) for item in body]
        except (KeyError, IndexError, TypeError):
            translated = []
        if len(translated) != len(texts):
            raise TranslationUnavailable("azure: an answer without a translation for every text")
        return translated

    def _problem(self, status: int, body: Any, headers: Any) -> TranslationError:
        error = body.get("error", {}) if isinstance(body, dict) else {}
        code = error.get("code") if isinstance(error, dict) else None
        message = short(f"azure {status} ({code}): {error.get('message') if isinstance(error, dict) else body}")
        if status == 400 and code in UNSUPPORTED_CODES:
            return UnsupportedLanguage(message)
        if status in (401, 403):
            return TranslatorRefused(message)
        if status == 400:
            return UnsupportedLanguage(message)  # a request it will refuse again as it is
        return TranslationUnavailable(message, retry_after(headers))
