"""Machine translation through an outside service: a self-hosted LibreTranslate, Azure AI
Translator, or none. `build` makes the one the settings name; every provider masks phone
numbers and e-mail addresses before a text leaves (`mask_contacts`), says whether it may
see sensitive text (safety reports), and maps its errors onto three outcomes: try again
later (`TranslationUnavailable`, with the wait the service asked for), this language
pair will never work (`UnsupportedLanguage`), or the configuration is wrong
(`TranslatorRefused`: a bad key). Imports nothing else of ours.
"""

from __future__ import annotations

from .base import (  # noqa: F401
    MASK,
    TIMEOUT,
    TranslationError,
    TranslationUnavailable,
    Translator,
    TranslatorRefused,
    UnsupportedLanguage,
    mask_contacts,
    short,
)
from .azure import AZURE_CODES, DEFAULT_AZURE_ENDPOINT, AzureTranslator  # noqa: F401
from .libretranslate import LibreTranslate  # noqa: F401

PROVIDERS = ("none", "libretranslate", "azure")


def build(
    name: str,
    *,
    libretranslate_url: str | None = None,
    libretranslate_api_key: str | None = None,
    azure_key: str | None = None,
    azure_region: str | None = None,
    azure_endpoint: str = DEFAULT_AZURE_ENDPOINT,
    sensitive: bool | None = None,
) -> Translator | None:
    """The configured translator, or None for `none`."""
    if name == "libretranslate":
        return LibreTranslate(libretranslate_url or "", libretranslate_api_key,
                              sensitive=True if sensitive is None else sensitive)
    if name == "azure":
        return AzureTranslator(azure_key or "", azure_region, azure_endpoint,
                               sensitive=False if sensitive is None else sensitive)
    return None
