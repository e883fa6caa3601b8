"""Which language a resident wrote in, measured on a labelled set of short resident texts
(tests/data/language_id.tsv: 30 a language, with mixed, misspelt and very short ones)."""

from __future__ import annotations

from pathlib import Path

from bot.text import language_id
from bot.text.resident import LOCALES

DATA = Path(__file__).resolve().parent.parent / "data" / "language_id.tsv"
THRESHOLD = 0.9  # the bar: at least 90 % right for texts over 20 characters, in every language
LONG = 20  # characters


def labelled() -> list[tuple[str, str, str]]:
    rows = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            language, kind, text = line.split("\t")
            rows.append((language, kind, text))
    return rows


def accuracy(rows, longer_than: int = LONG) -> dict[str, float]:
    """Per language: the share of texts longer than `longer_than` whose language is found."""
    right: dict[str, list[bool]] = {}
    for language, _kind, text in rows:
        if len(text) > longer_than:
            right.setdefault(language, []).append(language_id.detect(text) == language)
    return {language: sum(found) / len(found) for language, found in right.items()}


def test_the_labelled_set_covers_every_language_with_hard_cases():
    rows = labelled()
    for locale in LOCALES:
        kinds = [kind for language, kind, _text in rows if language == locale]
        assert len(kinds) >= 30 and {"plain", "mixed", "misspelt", "short"} <= set(kinds), locale


def test_at_least_90_percent_right_in_every_language_for_texts_over_20_characters(language_id_ready):
    found = accuracy(labelled())
    assert set(found) == set(LOCALES)
    assert {language: share for language, share in found.items() if share < THRESHOLD} == {}


def test_geez_script_is_tigrinya_and_too_little_is_undecided(language_id_ready):
    assert language_id.detect("ኣብ Furuset senter ሓድሽ benk የድልየና") == "ti"
    assert language_id.detect("ok") is None and language_id.detect("12") is None and language_id.detect(None) is None


def test_neighbours_are_not_taken_for_ours(language_id_ready):
    assert language_id.detect("Мы хотим больше фонарей в парке, здесь очень темно вечером") == "ru"
    assert language_id.detect("Vi trenger flere benker ved lekeplassen") == "nb"


def test_a_first_sms_is_greeted_in_its_language_only_when_clearly_so(language_id_ready):
    assert language_id.clearly_ours("Waxaan u baahanahay kuraas badan oo u dhow goobta carruurta", LOCALES) == "so"
    assert language_id.clearly_ours("Hei", LOCALES) is None  # too little to tell
    assert language_id.clearly_ours("Мы хотим больше фонарей в парке", LOCALES) is None  # Russian: not ours
