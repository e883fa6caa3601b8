"""Which language a resident wrote in: offline, for short texts, with lingua (its models
ship in the wheel). People write in whatever language they like, so the language of a text
is stored beside the one the resident chose, and is where a machine translation starts.

Lingua is asked to choose among our languages and a few close neighbours, so that a
Danish or Russian text is not taken for Norwegian or Ukrainian. Lingua has no Tigrinya:
Ge'ez script decides it (the Amharic our residents might write is in it too, and is the
closest a translator gets). Arabic, Persian and Urdu share a script and many words; short
texts among them are often undecided (see `make bench`).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

# Ours, as lingua names them, and the neighbours that keep them honest.
OURS = {
    Language.BOKMAL: "nb",
    Language.ENGLISH: "en",
    Language.ARABIC: "ar",
    Language.SOMALI: "so",
    Language.URDU: "ur",
    Language.POLISH: "pl",
    Language.TURKISH: "tr",
    Language.UKRAINIAN: "uk",
    Language.PERSIAN: "fa",
}
NEIGHBOURS = {
    Language.NYNORSK: "nn",
    Language.DANISH: "da",
    Language.SWEDISH: "sv",
    Language.RUSSIAN: "ru",
}
# Nynorsk is Norwegian: a resident writing it chose Norwegian, and staff read it as such.
SAME_AS = {"nn": "nb"}
TIGRINYA = "ti"
GEEZ = re.compile("[\u1200-\u137f\u1380-\u139f\u2d80-\u2ddf\uab00-\uab2f]")
LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)

MIN_LETTERS = 4  # fewer letters than this ("ok", "1") say nothing about a language
MIN_GEEZ = 2  # Ge'ez letters are syllables: two make a word
# How sure lingua must be (its confidence, 0..1, shared among the candidates, Nynorsk's
# added to Bokmål's) before a text counts as written in a language. Measured on
# tests/data/language_id.tsv: above 0.35 mixed English and Turkish texts start to go
# undecided; below 0.3 nothing more is decided right.
SURE = 0.3
# The first SMS from a new number is answered in the language it was written in only when
# lingua is very sure: a wrong guess costs the resident a second message to change it.
CLEARLY = 0.9


@dataclass(frozen=True)
class Guess:
    language: str | None  # a code (ours, or a neighbour's); None when undecided
    confidence: float


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    # Lingua's high-accuracy mode: short texts are what residents write. Its models load
    # once per process (a few seconds, some hundred MB), see `warm_up`.
    return LanguageDetectorBuilder.from_languages(*OURS, *NEIGHBOURS).build()


_ready = threading.Event()


def warm_up() -> None:
    """Load lingua's models (seconds): `run`, `serve` and `chat` do it in a thread at start,
    so that no resident's reply waits for it."""
    detector = _detector()
    for sample in ("Vi trenger en benk ved skolen", "نحتاج إلى مقعد", "Нам потрібна лавка"):
        detector.compute_language_confidence_values(sample)
    _ready.set()


def ready() -> bool:
    return _ready.is_set()


def guess(text: str | None) -> Guess:
    """The language `text` is written in, with lingua's confidence; undecided below SURE."""
    text = (text or "").strip()
    letters = LETTERS.findall(text)
    # No other language of ours is written in Ge'ez: a few of its syllables decide, even
    # among Latin place names ("ኣብ Furuset senter ሓድሽ benk የድልየና").
    if sum(1 for c in letters if GEEZ.match(c)) >= MIN_GEEZ:
        return Guess(TIGRINYA, 1.0)
    if len(letters) < MIN_LETTERS:
        return Guess(None, 0.0)
    values: dict[str, float] = {}
    for value in _detector().compute_language_confidence_values(text):
        code = OURS.get(value.language) or NEIGHBOURS[value.language]
        code = SAME_AS.get(code, code)
        values[code] = values.get(code, 0.0) + value.value
    if not values:
        return Guess(None, 0.0)
    code, confidence = max(values.items(), key=lambda item: item[1])
    return Guess(code if confidence >= SURE else None, confidence)


def detect(text: str | None) -> str | None:
    """The language code of `text` (ours or a neighbour's), or None when undecided."""
    return guess(text).language


def clearly_ours(text: str | None, ours: tuple[str, ...]) -> str | None:
    """One of `ours` when the text is clearly written in it (for greeting a first SMS);
    None as well while the models are still loading: a reply never waits for them."""
    if not ready():
        return None
    found = guess(text)
    return found.language if found.language in ours and found.confidence >= CLEARLY else None
