"""Text folded for comparing what people type: case, accents, emoji and punctuation
dropped, digits in any script made ASCII, and the letters Arabic, Persian and Urdu
keyboards write differently made one. The conversation matches typed answers with it;
the similar-ideas matcher compares ideas with it."""

from __future__ import annotations

import unicodedata

# The same letter as an Arabic, a Persian and an Urdu keyboard type it (and final ى, and
# ة written without its dots): compared as one, so catalogs need not list every spelling.
_LETTER_VARIANTS = str.maketrans({"ی": "ي", "ى": "ي", "ک": "ك", "ة": "ه", "ہ": "ه", "ۃ": "ه"})


def normalize(text: str) -> str:
    """Casefolded letters and digits, accents and emoji dropped, spaces folded."""
    decomposed = unicodedata.normalize("NFKD", text.casefold()).translate(_LETTER_VARIANTS)
    kept = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category.startswith("M"):  # combining accents and vowel marks
            continue
        if category.startswith(("L", "N")):
            digit = unicodedata.digit(char, None)
            kept.append(str(digit) if digit is not None else char)
        else:
            kept.append(" ")
    return " ".join("".join(kept).split())
