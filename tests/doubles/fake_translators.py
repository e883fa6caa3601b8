"""Fake translation services on loopback, built from their documented formats.

FakeLibreTranslate: POST /translate with JSON {q (a text or a list), source, target,
format, api_key} answers {"translatedText": …} (a list for a list); GET /languages lists
[{"code", "name", "targets"}] for the languages it was "started" with (`--load-only`);
errors are {"error": "…"}: 400 for a language it does not have or a missing field, 403 for
a bad key (when it wants one), 429 and 500 on demand.

FakeAzureTranslator: POST /translate?api-version=3.0&from=…&to=… with the
Ocp-Apim-Subscription-Key (and -Region) headers and a body [{"Text": …}] answers
[{"translations": [{"text": …, "to": …}]}]; errors are {"error": {"code", "message"}}:
400035/400036 for a source or target it does not have, 401000 for a bad key, 429001 with
Retry-After and 500000/503000 on demand.

Both translate with a phrasebook where they know the words, else mark the text
"[so>nb] …", record every call, and take `fail_next(status, …)` and `delay_next(seconds)`
for the next requests, in order.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from . import loopback

# What the fakes "know": (source, target, text) -> translation.
PHRASEBOOK = {
    ("so", "nb", "Waxaan u baahanahay kuraas badan oo u dhow goobta carruurta"):
        "Vi trenger flere benker nær lekeplassen",
    ("so", "en", "Waxaan u baahanahay kuraas badan oo u dhow goobta carruurta"):
        "We need more benches near the playground",
    ("nb", "ar", "Vi setter opp benken i mai."): "سنضع المقعد في مايو.",
    ("nb", "so", "Vi setter opp benken i mai."): "Kursiga waxaan dhigeynaa bisha Maajo.",
    ("en", "ar", "We put up the bench in May."): "سنضع المقعد في مايو.",
    ("en", "so", "We put up the bench in May."): "Kursiga waxaan dhigeynaa bisha Maajo.",
    ("nb", "pl", "Flere benker ved lekeplassen i Furuparken, så foreldre kan sitte"):
        "Więcej ławek przy placu zabaw w Furuparken, żeby rodzice mogli usiąść",
}
LIBRE_DEFAULT = ("nb", "en", "ar", "ur", "pl", "tr", "uk", "fa")  # Argos has no Somali or Tigrinya
AZURE_LANGUAGES = ("nb", "en", "ar", "so", "ur", "pl", "ti", "tr", "uk", "fa", "prs", "da", "sv", "ru")


def translate(text: str, source: str, target: str) -> str:
    return PHRASEBOOK.get((source, target, text), f"[{source}>{target}] {text}")


class _FakeServer(loopback.Served):
    def __init__(self):
        self.base_url = ""
        self.calls: list[dict] = []  # every request: method, path, query, headers, body, status
        self._failures: list[tuple[int, dict]] = []
        self._delays: list[float] = []

    def fail_next(self, status: int, count: int = 1, *, retry_after: int | None = None) -> None:
        """The next `count` translate requests answer `status` with the service's error body."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self._failures += [(status, headers)] * count

    def delay_next(self, seconds: float, count: int = 1) -> None:
        """The next `count` translate requests are answered after `seconds` (a slow service)."""
        self._delays += [seconds] * count

    @property
    def translations(self) -> list[dict]:
        """The translate requests that were answered with translations."""
        return [c for c in self.calls if c["path"] == "/translate" and c["status"] == 200]

    async def _record(self, request: web.Request) -> dict:
        try:
            body = await request.json()
        except ValueError:
            body = None
        call = {"method": request.method, "path": request.path, "query": dict(request.query),
                "headers": dict(request.headers), "body": body, "status": None}
        self.calls.append(call)
        if self._delays:
            await asyncio.sleep(self._delays.pop(0))
        return call

    def _answer(self, call: dict, status: int, body, headers: dict | None = None) -> web.Response:
        call["status"] = status
        return web.json_response(body, status=status, headers=headers or {})


class FakeLibreTranslate(_FakeServer):
    def __init__(self, languages: tuple[str, ...] = LIBRE_DEFAULT, api_key: str | None = None):
        super().__init__()
        self.languages, self.api_key = languages, api_key

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/translate", self._translate)
        app.router.add_get("/languages", self._languages)

    async def _languages(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        return self._answer(call, 200, [
            {"code": code, "name": code, "targets": [t for t in self.languages if t != code]} for code in self.languages
        ])

    async def _translate(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        body = call["body"] if isinstance(call["body"], dict) else {}
        if self.api_key and body.get("api_key") != self.api_key:
            return self._answer(call, 403, {"error": "Invalid API key"})
        if self._failures:
            status, headers = self._failures.pop(0)
            message = {429: "Too many request limits violations", 400: "Invalid request"}.get(status, "Translation error")
            return self._answer(call, status, {"error": message}, headers)
        for name in ("q", "source", "target"):
            if not body.get(name):
                return self._answer(call, 400, {"error": f"Invalid request: missing {name} parameter"})
        for code in (body["source"], body["target"]):
            if code not in self.languages:
                return self._answer(call, 400, {"error": f"{code} is not supported"})
        q = body["q"]
        if isinstance(q, list):
            return self._answer(call, 200, {"translatedText": [translate(t, body["source"], body["target"]) for t in q]})
        return self._answer(call, 200, {"translatedText": translate(q, body["source"], body["target"])})


class FakeAzureTranslator(_FakeServer):
    def __init__(self, key: str = "azure-test-key", region: str | None = "norwayeast"):
        super().__init__()
        self.key, self.region = key, region

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/translate", self._translate)

    @staticmethod
    def _error(code: int, message: str) -> dict:
        return {"error": {"code": code, "message": message}}

    async def _translate(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        if request.headers.get("Ocp-Apim-Subscription-Key") != self.key or (
            self.region and request.headers.get("Ocp-Apim-Subscription-Region") != self.region
        ):
            return self._answer(call, 401, self._error(
                401000, "The request is not authorized because credentials are missing or invalid."))
        if self._failures:
            status, headers = self._failures.pop(0)
            code = {429: 429001, 500: 500000, 503: 503000, 400: 400000}.get(status, status * 1000)
            return self._answer(call, status, self._error(code, "The server rejected the request."), headers)
        query = request.query
        if query.get("api-version") != "3.0":
            return self._answer(call, 400, self._error(400021, "The API version parameter is missing or invalid."))
        source, target = query.get("from", ""), query.get("to", "")
        if source not in AZURE_LANGUAGES:
            return self._answer(call, 400, self._error(400035, "The source language is not valid."))
        if target not in AZURE_LANGUAGES:
            return self._answer(call, 400, self._error(400036, "The target language is not valid."))
        body = call["body"]
        if not isinstance(body, list) or not all(isinstance(item, dict) and "Text" in item for item in body):
            return self._answer(call, 400, self._error(400074, "The body of the request is not valid JSON."))
        return self._answer(call, 200, [
            {"translations": [{"text": translate(item["Text"], source, target), "to": target}]} for item in body
        ])
