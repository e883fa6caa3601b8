"""Understanding a typed answer: a number, a label, or a unique word or prefix of one.

Case, accents, emoji and punctuation are ignored, and digits in any script count
(Arabic-Indic and Persian digits too), so "2", "٢", "Norsk" and "norsk bokmal!" all work.
Letters that Arabic, Persian and Urdu keyboards write differently count as one, so a
word typed on any of them matches: ي/ی/ى, ك/ک, ة/ه/ہ/ۃ (bot/text/folding.py, which the
similar-ideas matcher shares).
"""

from __future__ import annotations

import functools

from bot.text.folding import normalize as fold

from .messages import Choice

MIN_PREFIX = 2  # one letter matches too much to be a deliberate answer
NORMALIZED_KEPT = 4096  # labels of ten languages' prompts, and the answers typed most

# Kept for the texts seen most (every menu label, every "1"), which every message compares;
# bot/text/folding.py says what folding does.
normalize = functools.lru_cache(maxsize=NORMALIZED_KEPT)(fold)


def parse_number(text: str) -> int | None:
    """A whole number typed alone ("3", " 3. ", "٣"), else None."""
    cleaned = normalize(text)
    return int(cleaned) if cleaned.isdigit() and len(cleaned) <= 3 else None


def match_choice(
    text: str, choices: tuple[Choice, ...], aliases: dict[str, str] | None = None, *, partial: bool = True
) -> Choice | None:
    """The choice a typed answer means, or None when it means none or several.

    `aliases` maps extra normalized words (localised "yes", "skip", …) to choice keys.
    `partial=False` where free text is also welcome, so a place called "Ski" is not "Skip".
    """
    number = parse_number(text)
    if number is not None:
        return choices[number - 1] if 1 <= number <= len(choices) else None
    wanted = normalize(text)
    if not wanted:
        return None
    by_key = {c.key: c for c in choices}
    if aliases and wanted in aliases and aliases[wanted] in by_key:
        return by_key[aliases[wanted]]
    labels = [(c, normalize(c.label)) for c in choices]
    exact = [c for c, label in labels if label == wanted]
    if len(exact) == 1:
        return exact[0]
    if not partial or len(wanted) < MIN_PREFIX:
        return None
    # A label that begins with the answer wins over one that merely has a word beginning
    # with it: "send" is "Send it", not "Do not send".
    starts = [c for c, label in labels if label.startswith(wanted)]
    if len(starts) == 1:
        return starts[0]
    # Otherwise the answer may begin at any word: "with my name" for "Send with my name".
    words = [c for c, label in labels if f" {label}".find(f" {wanted}") >= 0]
    return words[0] if len(words) == 1 and not starts else None
