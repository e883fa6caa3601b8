"""The fake translation services answer as the real ones document: formats and errors."""

from __future__ import annotations

import time

import aiohttp

from .fake_translators import FakeAzureTranslator, FakeLibreTranslate


async def _post(url: str, **kwargs) -> tuple[int, object, dict]:
    async with aiohttp.ClientSession() as http, http.post(url, **kwargs) as response:
        return response.status, await response.json(), dict(response.headers)


async def test_libretranslate_translates_a_text_and_a_list_and_lists_its_languages():
    async with FakeLibreTranslate(languages=("nb", "en")) as fake:
        status, body, _ = await _post(fake.base_url + "/translate",
                                      json={"q": "Hei", "source": "nb", "target": "en", "format": "text"})
        assert status == 200 and body == {"translatedText": "[nb>en] Hei"}
        status, body, _ = await _post(fake.base_url + "/translate", json={"q": ["a", "b"], "source": "nb", "target": "en"})
        assert body == {"translatedText": ["[nb>en] a", "[nb>en] b"]}
        async with aiohttp.ClientSession() as http, http.get(fake.base_url + "/languages") as response:
            assert [entry["code"] for entry in await response.json()] == ["nb", "en"]


async def test_libretranslate_errors():
    async with FakeLibreTranslate(languages=("nb", "en"), api_key="k") as fake:
        payload = {"q": "Hei", "source": "nb", "target": "en", "api_key": "k"}
        assert (await _post(fake.base_url + "/translate", json={**payload, "api_key": "x"}))[:2] == (
            403, {"error": "Invalid API key"})
        status, body, _ = await _post(fake.base_url + "/translate", json={**payload, "source": "so"})
        assert status == 400 and body == {"error": "so is not supported"}
        assert (await _post(fake.base_url + "/translate", json={**payload, "q": ""}))[0] == 400
        fake.fail_next(429, retry_after=30)
        status, body, headers = await _post(fake.base_url + "/translate", json=payload)
        assert status == 429 and "error" in body and headers["Retry-After"] == "30"
        fake.fail_next(500)
        assert (await _post(fake.base_url + "/translate", json=payload))[0] == 500
        assert (await _post(fake.base_url + "/translate", json=payload))[0] == 200  # one-shot
        assert len(fake.translations) == 1


async def test_azure_translates_every_text_in_the_body():
    async with FakeAzureTranslator() as fake:
        status, body, _ = await _post(
            fake.base_url + "/translate", params={"api-version": "3.0", "from": "nb", "to": "so"},
            headers={"Ocp-Apim-Subscription-Key": fake.key, "Ocp-Apim-Subscription-Region": fake.region},
            json=[{"Text": "Vi setter opp benken i mai."}, {"Text": "Hei"}],
        )
        assert status == 200
        assert body == [{"translations": [{"text": "Kursiga waxaan dhigeynaa bisha Maajo.", "to": "so"}]},
                        {"translations": [{"text": "[nb>so] Hei", "to": "so"}]}]


async def test_azure_errors():
    async with FakeAzureTranslator() as fake:
        good = {"Ocp-Apim-Subscription-Key": fake.key, "Ocp-Apim-Subscription-Region": fake.region}
        params = {"api-version": "3.0", "from": "nb", "to": "en"}
        status, body, _ = await _post(fake.base_url + "/translate", params=params, json=[{"Text": "x"}],
                                      headers={**good, "Ocp-Apim-Subscription-Key": "wrong"})
        assert status == 401 and body["error"]["code"] == 401000
        status, body, _ = await _post(fake.base_url + "/translate", params={**params, "to": "xx"}, headers=good,
                                      json=[{"Text": "x"}])
        assert status == 400 and body["error"]["code"] == 400036
        status, body, _ = await _post(fake.base_url + "/translate", params={**params, "from": "xx"}, headers=good,
                                      json=[{"Text": "x"}])
        assert status == 400 and body["error"]["code"] == 400035
        fake.fail_next(429, retry_after=7)
        status, body, headers = await _post(fake.base_url + "/translate", params=params, headers=good, json=[{"Text": "x"}])
        assert status == 429 and body["error"]["code"] == 429001 and headers["Retry-After"] == "7"
        fake.fail_next(503)
        assert (await _post(fake.base_url + "/translate", params=params, headers=good, json=[{"Text": "x"}]))[0] == 503


async def test_a_slow_answer_is_slow():
    async with FakeAzureTranslator() as fake:
        fake.delay_next(0.5)
        started = time.monotonic()
        await _post(fake.base_url + "/translate", params={"api-version": "3.0", "from": "nb", "to": "en"},
                    headers={"Ocp-Apim-Subscription-Key": fake.key, "Ocp-Apim-Subscription-Region": fake.region},
                    json=[{"Text": "x"}])
        assert time.monotonic() - started >= 0.45
