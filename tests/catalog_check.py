"""Checks one language's catalog: complete, not fuzzy, placeholders kept, CLDR plural
count, and keywords that do not clash. `python -m tests.catalog_check LANG` prints problems."""

from __future__ import annotations

import re
import string
import sys

from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.text.catalogs import locales_dir

_FORMATTER = string.Formatter()


def placeholders(text: str) -> set[str]:
    try:
        return {name for _lit, name, _spec, _conv in _FORMATTER.parse(text) if name is not None}
    except ValueError:
        return {"<broken braces>"}


def load(locale: str):
    with (locales_dir() / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=locale)


def problems(locale: str) -> list[str]:
    catalog = load(locale)
    found: list[str] = []
    # Babel's gettext plural table, derived from CLDR (Polish "other" is only for fractions,
    # so gettext has 3 forms where CLDR names 4 categories).
    expected_plurals = get_plural(locale).num_plurals
    if catalog.num_plurals != expected_plurals:
        found.append(f"Plural-Forms has {catalog.num_plurals} forms, gettext/CLDR has {expected_plurals}")
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        label = ids[0][:60]
        if message.fuzzy:
            found.append(f"fuzzy: {label!r}")
        if not all(s and s.strip() for s in strings):
            found.append(f"untranslated: {label!r}")
            continue
        wanted = set().union(*(placeholders(i) for i in ids))
        for translated in strings:
            got = placeholders(translated)
            # A plural form may leave out {n} (Arabic says "one place" in words), nothing else.
            missing = wanted - got - ({"n"} if isinstance(message.id, tuple) else set())
            if missing or got - wanted:
                found.append(f"placeholders {sorted(got)} != {sorted(wanted)}: {label!r}")
        if message.context == "keyword":
            for word in strings[0].split("|"):
                if not word.strip() or word != word.strip() or re.search(r"[A-ZÆØÅ]", word) and word.lower() != word:
                    found.append(f"keyword {word!r} must be lowercase words separated by |: {label!r}")
    return found


if __name__ == "__main__":
    for locale in sys.argv[1:]:
        for problem in problems(locale):
            print(f"{locale}: {problem}")
