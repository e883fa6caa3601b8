"""Gettext catalogs, compiled from the `.po` files when first used and cached per process,
so a fresh clone or an edited catalog never runs with a stale or missing `.mo` file."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DOMAIN = "messages"  # what residents read, in every language
STAFF_DOMAIN = "staff"  # what district staff read, in Norwegian and English


def locales_dir() -> Path:
    """`bot/locales` when installed from a wheel, else `locales/` at the repository top."""
    packaged = Path(__file__).resolve().parent.parent / "locales"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "locales"


class CatalogMissing(LookupError):
    """A supported locale has no catalog: a packaging fault, never silently English."""


@lru_cache(maxsize=None)
def translations(locale: str, domain: str = DOMAIN) -> Translations:
    """The compiled catalog of a locale in a domain (fuzzy entries left out)."""
    po_path = locales_dir() / locale / "LC_MESSAGES" / f"{domain}.po"
    if not po_path.is_file():
        raise CatalogMissing(f"no {domain} catalog for {locale!r} at {po_path}")
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale, domain=domain)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=domain)


@lru_cache(maxsize=None)
def babel_locale(code: str) -> Locale:
    """Babel's CLDR data for a locale, parsed once per process (every message needs it)."""
    return Locale.parse(code)
