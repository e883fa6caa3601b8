"""The translation providers against their fakes: what they send, and what errors mean."""

from __future__ import annotations

import pytest

from bot.providers.translation import (
    AzureTranslator,
    LibreTranslate,
    TranslationUnavailable,
    TranslatorRefused,
    UnsupportedLanguage,
    build,
    mask_contacts,
)
from bot.settings import SettingsError, load_settings

from ..doubles.fake_translators import FakeAzureTranslator, FakeLibreTranslate


def test_phone_numbers_and_e_mail_addresses_never_leave():
    text = "Ring meg på 900 12 345 eller +47 22 33 44 55, eller skriv til kari.nordmann@example.no. Benk nr 12!"
    masked = mask_contacts(text)
    assert "900" not in masked and "22 33" not in masked and "example.no" not in masked
    assert masked.count("***") == 3 and "Benk nr 12!" in masked


async def test_libretranslate_sends_what_its_api_takes_and_masks_first():
    async with FakeLibreTranslate(api_key="secret-key") as fake:
        translator = LibreTranslate(fake.base_url, "secret-key")
        try:
            assert await translator.translate(["Ring 900 12 345"], "nb", "en") == ["[nb>en] Ring ***"]
        finally:
            await translator.close()
        body = fake.translations[0]["body"]
        assert body == {"q": ["Ring ***"], "source": "nb", "target": "en", "format": "text", "api_key": "secret-key"}
        assert "secret-key" not in repr(translator)


async def test_libretranslate_errors_mean_what_they_say():
    async with FakeLibreTranslate() as fake:
        translator = LibreTranslate(fake.base_url, None)
        try:
            with pytest.raises(UnsupportedLanguage):  # from GET /languages: never asked to translate
                await translator.translate(["Waxaan"], "so", "nb")
            assert not fake.translations and not translator.supports("so") and translator.supports("ar")
            fake.fail_next(429, retry_after=12)
            with pytest.raises(TranslationUnavailable) as busy:
                await translator.translate(["Hei"], "nb", "en")
            assert busy.value.retry_after == 12
            fake.fail_next(500)
            with pytest.raises(TranslationUnavailable):
                await translator.translate(["Hei"], "nb", "en")
            fake.delay_next(2)
            with pytest.raises(TranslationUnavailable):
                await translator.translate(["Hei"], "nb", "en", timeout=0.3)
        finally:
            await translator.close()
    async with FakeLibreTranslate(api_key="right") as fake:
        translator = LibreTranslate(fake.base_url, "wrong")
        try:
            with pytest.raises(TranslatorRefused):
                await translator.translate(["Hei"], "nb", "en")
        finally:
            await translator.close()


async def test_azure_sends_its_headers_and_dari_as_prs():
    async with FakeAzureTranslator() as fake:
        translator = AzureTranslator(fake.key, fake.region, fake.base_url)
        try:
            assert await translator.translate(["Hei", "Takk"], "nb", "fa") == ["[nb>prs] Hei", "[nb>prs] Takk"]
        finally:
            await translator.close()
        call = fake.translations[0]
        assert call["query"] == {"api-version": "3.0", "from": "nb", "to": "prs"}
        assert call["headers"]["Ocp-Apim-Subscription-Region"] == "norwayeast"
        assert call["body"] == [{"Text": "Hei"}, {"Text": "Takk"}]


async def test_azure_errors_mean_what_they_say():
    async with FakeAzureTranslator() as fake:
        wrong = AzureTranslator("wrong", fake.region, fake.base_url)
        translator = AzureTranslator(fake.key, fake.region, fake.base_url)
        try:
            with pytest.raises(TranslatorRefused):
                await wrong.translate(["Hei"], "nb", "en")
            with pytest.raises(UnsupportedLanguage):
                await translator.translate(["Hei"], "nb", "xx")
            fake.fail_next(429, retry_after=7)
            with pytest.raises(TranslationUnavailable) as busy:
                await translator.translate(["Hei"], "nb", "en")
            assert busy.value.retry_after == 7
            fake.fail_next(503)
            with pytest.raises(TranslationUnavailable):
                await translator.translate(["Hei"], "nb", "en")
        finally:
            await wrong.close()
            await translator.close()


def test_settings_choose_the_provider_and_its_sensitivity():
    base = {"DATABASE_URL": "sqlite+aiosqlite:///x.db"}
    assert load_settings(base, env_file=None).translator == "none"
    libre = load_settings({**base, "BENKEN_TRANSLATOR": "libretranslate", "LIBRETRANSLATE_URL": "http://127.0.0.1:5000"},
                          env_file=None)
    assert build(libre.translator, libretranslate_url=libre.libretranslate_url).sensitive is True
    azure = load_settings({**base, "BENKEN_TRANSLATOR": "azure", "AZURE_TRANSLATOR_KEY": "k"}, env_file=None)
    assert build(azure.translator, azure_key="k").sensitive is False
    assert "k'" not in repr(azure) and "***" in repr(azure)
    allowed = load_settings({**base, "BENKEN_TRANSLATOR": "azure", "AZURE_TRANSLATOR_KEY": "k",
                             "BENKEN_TRANSLATE_SENSITIVE": "on"}, env_file=None)
    assert build("azure", azure_key="k", sensitive=allowed.translate_sensitive).sensitive is True
    with pytest.raises(SettingsError):
        load_settings({**base, "BENKEN_TRANSLATOR": "azure"}, env_file=None)
    with pytest.raises(SettingsError):
        load_settings({**base, "BENKEN_TRANSLATOR": "deepl"}, env_file=None)
