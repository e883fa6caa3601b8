"""Keywords residents can type at any step, in their language and always in English."""

from __future__ import annotations

from functools import lru_cache

from bot.text.resident import Text

from .matching import normalize

GLOBAL_KEYWORDS = ("menu", "back", "cancel", "help", "stop", "start")

# The carrier's opt-out words (Twilio's and the Norwegian operators'): said alone, they
# stop every message at once. Any other stop word asks first, since "dur" or "توقف" is
# also what someone writes who means "wait".
CARRIER_STOP_WORDS = frozenset({"stop", "stopp", "slutt"})
# Norwegian words on every poster in Oslo, understood in every language beside English,
# as the SMS channel already does: a frightened resident may write "hjelp" whatever
# language they chose.
NORWEGIAN_EVERYWHERE = {"hjelp": "help", "stopp": "stop", "slutt": "stop"}


@lru_cache(maxsize=None)
def keyword_words(locale: str) -> dict[str, str]:
    """Normalized word -> keyword, in a language; translators may give alternatives
    separated by "|" (for example "stopp|slutt"). English works beside every language."""
    t = Text(locale)
    # Translators: keywords residents can type at any step. Lowercase; several may be
    # given separated by "|". English always works as well.
    localized = {
        "menu": t.pgettext("keyword", "menu"),
        "back": t.pgettext("keyword", "back"),
        "cancel": t.pgettext("keyword", "cancel"),
        "help": t.pgettext("keyword", "help"),
        "stop": t.pgettext("keyword", "stop"),
        "start": t.pgettext("keyword", "start"),
        "skip": t.pgettext("keyword", "skip"),
        "yes": t.pgettext("keyword", "yes"),
        "no": t.pgettext("keyword", "no"),
    }
    words: dict[str, str] = {}
    for keyword, alternatives in localized.items():
        for word in alternatives.split("|"):
            if normalize(word):
                words.setdefault(normalize(word), keyword)
    for keyword in localized:  # English beside every language
        words.setdefault(keyword, keyword)
    for word, keyword in NORWEGIAN_EVERYWHERE.items():
        words.setdefault(word, keyword)
    return words
